import type { Script } from "../commands/shell";
import type { Executor, NodeTarget } from "../exec/executor";
import type { Ledger, NodeRow } from "../ledger/ledger";
import { RemoteCommandError } from "../model/errors";
import type { GlusterOption } from "../model/schemas";
import type { Limits } from "../placement";

export interface EngineSettings {
  limits: Limits;
  /** Seconds gluster's CLI waits (`gluster --timeout`); Heketi's default is 600. */
  glusterTimeoutSec: number;
  /** fstab on the nodes (Heketi default /etc/fstab; gluster-kubernetes used /var/lib/heketi/fstab). */
  fstab: string;
  /** Rebalance after add-brick on expand (Heketi always does). */
  rebalanceOnExpand: boolean;
  /** How long node add waits for a probed peer to show Connected. */
  peerConnectTimeoutMs: number;
  /** Options set on every new volume before the request's own (Heketi's pre_request_volume_options). */
  preRequestVolumeOptions: GlusterOption[];
  /** Options set on every new volume after the request's own (Heketi's post_request_volume_options). */
  postRequestVolumeOptions: GlusterOption[];
}

export interface OpContext {
  ledger: Ledger;
  executor: Executor;
  settings: EngineSettings;
  /** SSH target of a node (management host, credentials, pinned host key). */
  target(node: NodeRow): NodeTarget;
  log(msg: string): void;
  /** Run fn after every earlier fn with the same key has settled (see makeSerializer). */
  serialize<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** Run one script on a node; a non-zero exit becomes a RemoteCommandError carrying stderr. */
export async function runScript(ctx: OpContext, node: NodeRow, script: Script, opts: { timeoutMs?: number } = {}): Promise<string> {
  const t = ctx.target(node);
  const r = await ctx.executor.run(t, script, opts);
  if (r.code !== 0) throw new RemoteCommandError(node.manageHost, r.code, r.stderr, r.stdout);
  return r.stdout;
}

/** Ask nodes in turn until one answers; when none does, the last node's error (or `none()` when there was no node). */
export async function askInTurn<T>(nodes: readonly NodeRow[], ask: (n: NodeRow) => Promise<T>, none: () => Error): Promise<T> {
  let lastErr: Error | undefined;
  for (const n of nodes) {
    try {
      return await ask(n);
    } catch (err) {
      lastErr = err as Error;
    }
  }
  throw lastErr ?? none();
}

/** Run a script and return the raw result without throwing (for probes whose exit code is data). */
export async function probeScript(ctx: OpContext, node: NodeRow, script: Script, opts: { timeoutMs?: number } = {}) {
  return ctx.executor.run(ctx.target(node), script, opts);
}

/**
 * A per-engine serializer: work with the same key runs one at a time (e.g. gluster CLI mutations per
 * cluster: concurrent `gluster` transactions on one trusted pool fail with "Another transaction is in progress").
 */
export function makeSerializer(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const chains = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = chains.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return run;
  };
}
