import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { jwtVerify } from "jose";

export const KEY = "unit-test-admin-key";
export const ID = (c: string) => c.repeat(32);

export interface Seen {
  method: string;
  path: string;
  token: string;
  claims: Record<string, unknown>;
  body: string;
  at: number;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string | object };
export type Handler = (method: string, path: string, body: string) => Reply | undefined;

/**
 * A tiny Heketi stand-in: checks every request's JWT like Heketi does (HS256 with the admin key,
 * iss, exp, qsh over method + path) and answers from a script of handlers, first match wins.
 */
export class FakeHeketi {
  seen: Seen[] = [];
  handlers: Handler[] = [];
  private server = http.createServer((req, res) => void this.handle(req, res));
  url = "";

  async start(prefix = ""): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${prefix}`;
    return this;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
  on(h: Handler): this {
    this.handlers.push(h);
    return this;
  }
  /** A /queue/<id> that answers `pending` times 200 + X-Pending, then `final` once, then 404 "Id not found". */
  queue(id: string, pending: number, final: Reply): this {
    let n = 0;
    return this.on((m, p) => {
      if (m !== "GET" || p !== `/queue/${id}`) return undefined;
      n++;
      if (n <= pending) return { status: 200, headers: { "X-Pending": "true" } };
      if (n === pending + 1) return final;
      return { status: 404, body: "Id not found\n" };
    });
  }
  paths(): string[] {
    return this.seen.map((s) => `${s.method} ${s.path}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const method = req.method ?? "GET";
    const auth = req.headers.authorization ?? "";
    const m = /^bearer (.+)$/i.exec(auth);
    if (!m) return this.send(res, { status: 401, body: "Required authorization token not found\n" });
    let claims: Record<string, unknown>;
    try {
      claims = (await jwtVerify(m[1], new TextEncoder().encode(KEY), { algorithms: ["HS256"] })).payload as Record<string, unknown>;
    } catch (e) {
      return this.send(res, { status: 401, body: `Invalid JWT token: ${(e as Error).message}\n` });
    }
    const want = createHash("sha256").update(`${method}&${path}`).digest("hex");
    if (claims.qsh !== want) return this.send(res, { status: 401, body: "Invalid qsh claim in token\n" });
    this.seen.push({ method, path, token: m[1], claims, body, at: Date.now() });
    for (const h of this.handlers) {
      const r = h(method, path, body);
      if (r) return this.send(res, r);
    }
    this.send(res, { status: 404, body: "Invalid path or request\n" });
  }
  private send(res: http.ServerResponse, r: Reply) {
    const json = typeof r.body === "object";
    res.writeHead(r.status, { ...(json ? { "content-type": "application/json; charset=UTF-8" } : r.body !== undefined ? { "content-type": "text/plain; charset=utf-8" } : {}), ...r.headers });
    res.end(json ? JSON.stringify(r.body) + "\n" : (r.body ?? ""));
  }
}

export function volumeJson(id: string, size: number) {
  return {
    size,
    name: "data",
    durability: { type: "replicate", replicate: { replica: 3 }, disperse: {} },
    glustervolumeoptions: ["", ""],
    snapshot: { enable: false, factor: 1 },
    id,
    cluster: ID("c"),
    mount: { glusterfs: { hosts: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], device: "10.0.0.1:data", options: { "backup-volfile-servers": "10.0.0.2,10.0.0.3" } } },
    blockinfo: {},
    bricks: [],
  };
}

export function deviceJson(id: string, name: string) {
  return { name, storage: { total: 1000, free: 1000, used: 0 }, id, state: "online", bricks: [] };
}

