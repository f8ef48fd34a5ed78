import type { Script } from "../commands/shell";

/** Where and how to run commands on one storage node. */
export interface NodeTarget {
  /** Management hostname or address (what SSH connects to). */
  host: string;
  port: number;
  user: string;
  /** Run the script through `sudo -n` (for a non-root user with passwordless sudo). */
  sudo: boolean;
  /** The private key itself (PEM/OpenSSH text); resolved from a path or a secret by the caller. */
  privateKey: string;
  /** Host-key pinning: the SHA256 fingerprint the host must present, or a known_hosts file to look it up in. */
  hostKeyFingerprint?: string;
  knownHostsPath?: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the remote command and fail after this long (default 11 minutes, as Heketi's gluster batches). */
  timeoutMs?: number;
}

/**
 * Runs one script (built by provider/commands) on one node, as one SSH session.
 * Implementations: SshExecutor (ssh2, pooled: sends the script's bash text), and for tests
 * FakeExecutor (records the text) and the node simulator in devtools/sim (walks the script's tree).
 */
export interface Executor {
  run(target: NodeTarget, script: Script, opts?: RunOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /** How many sessions (round trips) have been run, per host. */
  roundTrips(): Record<string, number>;
}

export function targetKey(t: Pick<NodeTarget, "host" | "port" | "user">): string {
  return `${t.user}@${t.host}:${t.port}`;
}
