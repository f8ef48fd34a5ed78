import * as net from "node:net";

/** A minimal QEMU Machine Protocol client: one command at a time over the VM's unix socket. */
export class Qmp {
  private buf = "";
  private waiters: Array<(msg: Record<string, unknown>) => void> = [];

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ("event" in msg) continue;
        this.waiters.shift()?.(msg);
      }
    });
  }

  static async connect(socketPath: string, timeoutMs = 10_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(socketPath, () => resolve(s));
          s.once("error", reject);
        });
        const q = new Qmp(sock);
        await q.next(); // greeting
        await q.execute("qmp_capabilities");
        return q;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`QMP socket ${socketPath} did not answer: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    const reply = this.next();
    this.sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + "\n");
    const msg = await reply;
    if ("error" in msg) throw new Error(`QMP ${command}: ${JSON.stringify(msg.error)}`);
    return msg.return as T;
  }

  async status(): Promise<string> {
    const r = await this.execute<{ status: string }>("query-status");
    return r.status;
  }

  /** Stop the VM and stream its RAM and device state to a file; resolves when the migration completed. */
  async saveState(file: string): Promise<void> {
    await this.execute("stop");
    await this.execute("migrate", { uri: `exec:cat > ${file}` });
    for (;;) {
      const r = await this.execute<{ status?: string; "error-desc"?: string }>("query-migrate");
      if (r.status === "completed") return;
      if (r.status === "failed" || r.status === "cancelled") throw new Error(`saving VM state failed: ${r["error-desc"] ?? r.status}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** After an incoming migration the VM is paused: wait for the state to arrive, then resume. */
  async resumeAfterRestore(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status();
      if (s === "running") return;
      if (s === "paused" || s === "postmigrate") {
        await this.execute("cont");
        return;
      }
      if (Date.now() > deadline) throw new Error(`VM stayed in state '${s}' after restore`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  async quit(): Promise<void> {
    try {
      await this.execute("quit");
    } catch {
      /* the socket closes as QEMU exits */
    }
    this.close();
  }

  close(): void {
    this.sock.destroy();
  }
}
