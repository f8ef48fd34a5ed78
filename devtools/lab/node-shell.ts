import * as fs from "node:fs";
import { Client } from "ssh2";
import { fingerprint } from "../../provider/exec/host-keys";

export interface ShellTarget {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  hostKeyFingerprint: string;
}

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One pinned SSH connection to a lab node, for the lab's own bookkeeping (waits, clock, snapshots).
 * The storage engine has its own pooled executor; this stays small on purpose.
 */
export class NodeShell {
  private constructor(private readonly client: Client) {}

  static connect(t: ShellTarget, timeoutMs = 30_000): Promise<NodeShell> {
    return new Promise((resolve, reject) => {
      const c = new Client();
      let seen = "";
      c.once("ready", () => resolve(new NodeShell(c)));
      c.on("error", (err) => {
        c.end();
        const why = seen && seen !== t.hostKeyFingerprint ? ` (host key ${seen} is not the pinned ${t.hostKeyFingerprint})` : "";
        reject(new Error(`ssh ${t.user}@${t.host}:${t.port}: ${err.message}${why}`));
      });
      c.connect({
        host: t.host,
        port: t.port,
        username: t.user,
        privateKey: fs.readFileSync(t.privateKeyPath),
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => {
          seen = fingerprint(key);
          return seen === t.hostKeyFingerprint;
        },
      });
    });
  }

  exec(command: string, timeoutMs = 60_000): Promise<ShellResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => {
          stream.close();
          reject(new Error(`command timed out after ${timeoutMs} ms: ${command}`));
        }, timeoutMs);
        stream.on("data", (d: Buffer) => (stdout += d));
        stream.stderr.on("data", (d: Buffer) => (stderr += d));
        stream.on("close", (code: number | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout, stderr });
        });
      });
    });
  }

  async check(command: string, timeoutMs?: number): Promise<string> {
    const r = await this.exec(command, timeoutMs);
    if (r.code !== 0) throw new Error(`\`${command}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  close(): void {
    this.client.end();
  }
}
