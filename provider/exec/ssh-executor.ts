import { Client, ClientChannel } from "ssh2";
import { Script, scriptText } from "../commands/shell";
import { ConnectionError } from "../model/errors";
import { checkHostKey } from "./host-keys";
import { Executor, ExecResult, NodeTarget, RunOptions, targetKey } from "./executor";

export interface SshExecutorOptions {
  /** Parallel sessions per host (sshd's MaxSessions defaults to 10). */
  maxSessionsPerHost?: number;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Close a connection nobody used for this long. */
  idleCloseMs?: number;
  defaultTimeoutMs?: number;
}

interface PooledConnection {
  client: Promise<Client>;
  active: number;
  queue: Array<() => void>;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Runs scripts over SSH (ssh2): one kept-alive connection per host, a bounded number of parallel
 * sessions per host, host keys pinned, each script's bash text fed on stdin to `bash -s` (or `sudo -n bash -s`).
 */
export class SshExecutor implements Executor {
  private readonly pool = new Map<string, PooledConnection>();
  private readonly trips: Record<string, number> = {};
  private readonly o: Required<SshExecutorOptions>;

  constructor(opts: SshExecutorOptions = {}) {
    this.o = {
      maxSessionsPerHost: opts.maxSessionsPerHost ?? 4,
      connectTimeoutMs: opts.connectTimeoutMs ?? 20_000,
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 15_000,
      idleCloseMs: opts.idleCloseMs ?? 60_000,
      defaultTimeoutMs: opts.defaultTimeoutMs ?? 11 * 60_000,
    };
  }

  roundTrips(): Record<string, number> {
    return { ...this.trips };
  }

  async run(t: NodeTarget, script: Script, opts: RunOptions = {}): Promise<ExecResult> {
    const key = targetKey(t);
    const conn = this.connection(t);
    await this.acquire(conn);
    try {
      let client: Client;
      try {
        client = await conn.client;
      } catch (err) {
        this.pool.delete(key);
        throw err;
      }
      this.trips[t.host] = (this.trips[t.host] ?? 0) + 1;
      return await this.exec(client, t, scriptText(script), opts.timeoutMs ?? this.o.defaultTimeoutMs);
    } finally {
      this.release(key, conn);
    }
  }

  async close(): Promise<void> {
    const conns = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(
      conns.map(async (c) => {
        if (c.idleTimer) clearTimeout(c.idleTimer);
        try {
          (await c.client).end();
        } catch {
          /* never connected */
        }
      }),
    );
  }

  private connection(t: NodeTarget): PooledConnection {
    const key = targetKey(t);
    let conn = this.pool.get(key);
    if (!conn) {
      conn = { client: this.connect(t, key), active: 0, queue: [] };
      conn.client.catch(() => this.pool.get(key) === conn && this.pool.delete(key));
      this.pool.set(key, conn);
    }
    if (conn.idleTimer) {
      clearTimeout(conn.idleTimer);
      conn.idleTimer = undefined;
    }
    return conn;
  }

  private connect(t: NodeTarget, key: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const c = new Client();
      let refused: string | undefined;
      let settled = false;
      c.on("ready", () => {
        settled = true;
        resolve(c);
      });
      c.on("error", (err) => {
        if (!settled) {
          settled = true;
          reject(new ConnectionError(`${t.host}:${t.port}`, refused ?? err.message));
        }
        this.drop(key, c);
      });
      c.on("close", () => this.drop(key, c));
      c.connect({
        host: t.host,
        port: t.port,
        username: t.user,
        privateKey: t.privateKey,
        readyTimeout: this.o.connectTimeoutMs,
        keepaliveInterval: this.o.keepaliveIntervalMs,
        keepaliveCountMax: 4,
        hostVerifier: (presented: Buffer) => {
          const r = checkHostKey(presented, t);
          if (!r.ok) refused = `refusing to connect: ${r.reason}`;
          return r.ok;
        },
      });
    });
  }

  private drop(key: string, c: Client): void {
    const conn = this.pool.get(key);
    if (!conn) return;
    conn.client.then(
      (cur) => {
        if (cur === c && this.pool.get(key) === conn) this.pool.delete(key);
      },
      () => undefined,
    );
  }

  private acquire(conn: PooledConnection): Promise<void> {
    if (conn.active < this.o.maxSessionsPerHost) {
      conn.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => conn.queue.push(() => (conn.active++, resolve())));
  }

  private release(key: string, conn: PooledConnection): void {
    conn.active--;
    const next = conn.queue.shift();
    if (next) return next();
    if (conn.active === 0 && this.pool.get(key) === conn) {
      conn.idleTimer = setTimeout(() => {
        if (conn.active === 0 && this.pool.get(key) === conn) {
          this.pool.delete(key);
          conn.client.then((c) => c.end(), () => undefined);
        }
      }, this.o.idleCloseMs);
      conn.idleTimer.unref();
    }
  }

  private exec(client: Client, t: NodeTarget, script: string, timeoutMs: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      client.exec(t.sudo ? "sudo -n bash -s" : "bash -s", (err, stream: ClientChannel) => {
        if (err) return reject(new ConnectionError(`${t.host}:${t.port}`, `cannot open a session: ${err.message}`));
        let stdout = "";
        let stderr = "";
        let done = false;
        const timer = setTimeout(() => {
          if (done) return;
          done = true;
          try {
            stream.signal("KILL");
          } catch {
            /* channel already closing */
          }
          stream.close();
          reject(new ConnectionError(`${t.host}:${t.port}`, `command timed out after ${Math.round(timeoutMs / 1000)}s and was killed`));
        }, timeoutMs);
        stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        stream.on("exit", () => undefined);
        stream.on("close", (code: number | null, signal?: string) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
        });
        stream.end(script.endsWith("\n") ? script : script + "\n");
      });
    });
  }
}
