/**
 * Where the time goes: every remote command an engine runs, with its host, what it ran, how long it
 * took and how it ended, tagged with the operation and step it ran for. Sinks subscribe to an
 * engine (`Engine.onRemoteCall`): `PGFS_TRACE=<file>` appends one JSON line per call from any door
 * (Pulumi providers, `serve`, the CLI), and `serve` feeds a Prometheus histogram on /metrics.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs";
import type { Script, ShellLine } from "../commands/shell";
import type { ExecResult, Executor, NodeTarget, RunOptions } from "./executor";

export interface RemoteCall {
  /** when it started (ISO) */
  at: string;
  host: string;
  /** what the script runs: its sections and programs, e.g. "lvm lvcreate, mkfs.xfs, mount" */
  command: string;
  ms: number;
  /** the script's exit status; null when it never finished (connection lost, timeout) */
  exit: number | null;
  error?: string;
  /** the operation and step it ran for (absent: a read outside any operation, e.g. refresh or the rebuild) */
  operation?: OperationScope;
}

export interface OperationScope {
  id: string;
  type: string;
  step?: string;
}

/** The operation whose steps are running (set by the journal around each step and its rollback). */
export const operationScope = new AsyncLocalStorage<OperationScope>();

/** Tools whose first argument says what they do (`gluster volume create`, `lvm lvs`). */
const WITH_SUBCOMMAND = new Set(["gluster", "lvm", "systemctl", "udevadm"]);

/** Pure: a short name for what a script runs — its section names, or its programs in order, each once. */
export function commandOf(s: Script): string {
  const names: string[] = [];
  const add = (n: string) => void (names.includes(n) ? undefined : names.push(n));
  const walk = (l: ShellLine): void => {
    switch (l.kind) {
      case "command": {
        const w = l.words.map((x) => x.value);
        const i = w[0] === "sudo" || w[0] === "timeout" ? w.findIndex((x, k) => k > 0 && !x.startsWith("-") && !/^\d+[smh]?$/.test(x)) : 0;
        const prog = w[i]?.split("/").pop();
        if (!prog) return;
        const sub = WITH_SUBCOMMAND.has(prog) ? w.slice(i + 1).filter((x) => !x.startsWith("-")).slice(0, prog === "gluster" ? 2 : 1) : [];
        add([prog, ...sub].join(" "));
        return;
      }
      case "section":
        add(l.name);
        return;
      case "if":
        walk(l.test);
        l.then.forEach(walk);
        l.otherwise?.forEach(walk);
        return;
      case "unless":
        walk(l.test);
        l.then.forEach(walk);
        return;
      case "allOf":
      case "anyOf":
      case "pipe":
        l.lines.forEach(walk);
        return;
      case "underEditLock":
        l.body.forEach(walk);
        return;
      case "not":
      case "ignoreFailure":
      case "silently":
      case "withoutStderr":
      case "writeTo":
      case "outputIs":
      case "outputIsInteger":
        walk(l.line);
        return;
      default:
        add(l.kind); // a file edit
    }
  };
  s.lines.forEach(walk);
  const text = names.join(", ");
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** An executor that reports every call to the engine's sinks, unchanged otherwise. */
export class TracingExecutor implements Executor {
  private readonly sinks: Array<(c: RemoteCall) => void> = [];

  constructor(private readonly inner: Executor) {}

  subscribe(sink: (c: RemoteCall) => void): void {
    this.sinks.push(sink);
  }

  async run(target: NodeTarget, s: Script, opts?: RunOptions): Promise<ExecResult> {
    if (!this.sinks.length) return this.inner.run(target, s, opts);
    const t0 = Date.now();
    const report = (exit: number | null, error?: string) => {
      const operation = operationScope.getStore();
      const call: RemoteCall = { at: new Date(t0).toISOString(), host: target.host, command: commandOf(s), ms: Date.now() - t0, exit, ...(error ? { error } : {}), ...(operation ? { operation } : {}) };
      for (const sink of this.sinks) {
        try {
          sink(call);
        } catch {
          // a sink that fails (a full disk under the trace file) must not fail the storage operation
        }
      }
    };
    try {
      const r = await this.inner.run(target, s, opts);
      report(r.code);
      return r;
    } catch (e) {
      report(null, (e as Error).message.slice(0, 300));
      throw e;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  roundTrips(): Record<string, number> {
    return this.inner.roundTrips();
  }
}

/** A sink that appends one JSON line per call to `file` (O_APPEND: lines from several processes do not interleave). */
export function jsonLinesSink(file: string): (c: RemoteCall) => void {
  return (c) => fs.appendFileSync(file, `${JSON.stringify(c)}\n`);
}
