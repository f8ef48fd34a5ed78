import { Script, scriptText } from "../../provider/commands/shell";
import type { Executor, ExecResult, NodeTarget, RunOptions } from "../../provider/exec/executor";
import { ConnectionError } from "../../provider/model/errors";

/**
 * How a remote step can go wrong, as the engine sees it:
 *  - fail:    the step ran and failed (exit 1, stderr);
 *  - timeout: the step never answered; the executor gave up (the node did nothing: it was killed first);
 *  - drop:    the step ran to the end on the node, then the connection dropped before its answer;
 *  - crash:   the step ran to the end on the node, then the engine's process died: no answer ever comes.
 */
export type FaultKind = "fail" | "timeout" | "drop" | "crash";

export interface Fault {
  kind: FaultKind;
  /** the script (its rendered text) whose run goes wrong; default: any */
  match?: RegExp;
  /** skip this many matching runs first (default 0): `skip: 3` makes the fourth matching run go wrong */
  skip?: number;
  host?: string;
  /** how many matching runs go wrong (default 1) */
  times?: number;
}

/**
 * An Executor in front of another (the simulated nodes) that makes chosen steps go wrong in one of the
 * ways real SSH does. Everything else passes through.
 */
export class FaultyExecutor implements Executor {
  private faults: Array<Fault & { left: number; skipLeft: number }> = [];
  /** every run, in order, as (host, rendered text): what an operation sends, for building fault matrices */
  readonly log: Array<{ host: string; script: string }> = [];
  /** runs that went wrong, in order */
  readonly fired: Array<{ kind: FaultKind; host: string; script: string }> = [];
  /** resolves when a `crash` fault fires: the test then plays the dead process */
  crashed: Promise<void>;
  private onCrash!: () => void;

  constructor(private readonly inner: Executor) {
    this.crashed = new Promise((r) => (this.onCrash = r));
  }

  inject(f: Fault): this {
    this.faults.push({ ...f, left: f.times ?? 1, skipLeft: f.skip ?? 0 });
    return this;
  }

  async run(t: NodeTarget, script: Script, opts?: RunOptions): Promise<ExecResult> {
    const text = scriptText(script);
    this.log.push({ host: t.host, script: text });
    const f = this.faults.find((x) => x.left > 0 && (!x.match || x.match.test(text)) && (!x.host || x.host === t.host) && (x.skipLeft-- <= 0));
    if (!f) return this.inner.run(t, script, opts);
    f.left--;
    this.fired.push({ kind: f.kind, host: t.host, script: text });
    switch (f.kind) {
      case "fail":
        return { code: 1, stdout: "", stderr: "injected failure" };
      case "timeout":
        throw new ConnectionError(`${t.host}:${t.port}`, "command timed out after 660s and was killed");
      case "drop": {
        await this.inner.run(t, script, opts);
        throw new ConnectionError(`${t.host}:${t.port}`, "connection lost before the command's exit status arrived");
      }
      case "crash": {
        await this.inner.run(t, script, opts);
        this.onCrash();
        return new Promise<ExecResult>(() => undefined); // the process is dead: nothing ever answers
      }
    }
  }

  roundTrips(): Record<string, number> {
    return this.inner.roundTrips();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
