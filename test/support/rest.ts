import { createHash } from "node:crypto";
import { SignJWT } from "jose";
import type { Engine } from "../../provider/engine";
import { ServeConfig } from "../../provider/rest/config";
import { createRestServer, RestServer } from "../../provider/rest/server";

export const ADMIN_KEY = "test-admin-key";
export const USER_KEY = "test-user-key";

export interface TokenOptions {
  iss?: string;
  key?: string;
  /** seconds from now */
  exp?: number;
  iat?: number;
  qshFor?: { method: string; path: string };
  omit?: Array<"iss" | "exp" | "qsh">;
}

/** A token as Heketi's Go client makes it: iss, iat, exp = now + 5 min, qsh of method & path. */
export async function token(method: string, path: string, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const q = o.qshFor ?? { method, path };
  const claims: Record<string, unknown> = {
    iss: o.iss ?? "admin",
    iat: now + (o.iat ?? 0),
    exp: now + (o.exp ?? 300),
    qsh: createHash("sha256").update(`${q.method}&${q.path}`).digest("hex"),
  };
  for (const k of o.omit ?? []) delete claims[k];
  const key = o.key ?? (claims.iss === "user" ? USER_KEY : ADMIN_KEY);
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(key));
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestServer {
  url: string;
  server: RestServer;
  call(method: string, path: string, body?: unknown, o?: TokenOptions & { auth?: false; rawBody?: string; header?: string }): Promise<Reply>;
  /** Poll a 202's queue entry until it is no longer pending; returns the terminal reply (redirects not followed). */
  wait(location: string, o?: TokenOptions): Promise<Reply>;
  close(): Promise<void>;
}

export async function serveEngine(engine: Engine, config: Partial<ServeConfig> = {}): Promise<TestServer> {
  const cfg = ServeConfig.parse({ ledgerPath: engine.ledger.file, port: 0, adminKey: ADMIN_KEY, userKey: USER_KEY, executor: "sim", ...config });
  const server = createRestServer({ engine, config: cfg });
  await server.listen();
  const url = server.url();
  const call: TestServer["call"] = async (method, path, body, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.header !== undefined) headers.Authorization = o.header;
    else if (o.auth !== false) headers.Authorization = `bearer ${await token(method, path.split("?")[0], o)}`;
    let payload: string | undefined = o.rawBody;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    const r = await fetch(url + path, { method, headers, body: payload, redirect: "manual" });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
  };
  return {
    url,
    server,
    call,
    wait: async (location, o) => {
      for (;;) {
        const r = await call("GET", location, undefined, o);
        if (!(r.status === 200 && r.headers.get("x-pending") === "true")) return r;
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    close: () => server.close(),
  };
}
