/**
 * The Heketi-compatible REST server: one HTTP front door onto the same Engine and ledger the Pulumi
 * providers use. Plumbing only (auth, admin mode, routing, error mapping); the endpoints are in
 * routes/ and every storage decision is the engine's.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import FindMyWay from "find-my-way";
import type { Engine } from "../engine";
import { ConflictError, EngineError, NotFoundError, ValidationError } from "../model/errors";
import { AllocationError } from "../model/errors";
import { authenticate, AuthError, Role, userMay } from "./auth";
import type { ServeConfig } from "./config";
import { empty, HttpError, text } from "./http";
import { heketiMetrics } from "./metrics";
import { operationCounts } from "./pending-operations";
import { AsyncQueue, Throttle } from "./queue";
import { Call, registerRoutes, RouteContext } from "./routes";
import { readTlsFiles, TlsFiles } from "./tls";
import { BadRequest } from "./volume-request";

export type AdminState = "normal" | "read-only" | "local-client";

export interface RestServer {
  /** HTTPS when the configuration has a certificate and key, else HTTP. */
  server: http.Server | https.Server;
  queue: AsyncQueue;
  /** Listen on the configured host/port (port 0: any free port); resolves with the address. */
  listen(): Promise<AddressInfo>;
  url(): string;
  close(): Promise<void>;
  setAdminState(s: AdminState): void;
}

export interface RestServerOptions {
  engine: Engine;
  config: ServeConfig;
  log?: (msg: string) => void;
  /** The ledger in Heketi's `db export` format (GET /db/dump). */
  dump?: () => unknown;
  /** Told each node's addresses before it is added (the mock executor learns storage addresses so). */
  beforeNodeAdd?: (manageHost: string, storageHost: string) => void;
  /** The certificate and key already read (serve reads them before anything else); else read from config.tls. */
  tls?: TlsFiles;
}

const METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD"] as const;

export function createRestServer(o: RestServerOptions): RestServer {
  const { engine, config } = o;
  const log = o.log ?? (() => undefined);
  const queue = new AsyncQueue();
  const throttle = new Throttle(config.maxInflight);
  const router = FindMyWay({ ignoreTrailingSlash: false, caseSensitive: true });
  const state = { admin: config.defaultState as AdminState, logLevel: "info" };
  const rc: RouteContext = { engine, queue, throttle, config, state, dump: o.dump, beforeNodeAdd: o.beforeNodeAdd };
  registerRoutes(router, rc);
  const registry = heketiMetrics(engine.ledger, () => operationCounts(engine.ledger));
  engine.onRemoteCall((c) => registry.observe(c));

  function lookup(method: string, path: string) {
    return router.find(method as "GET", path);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://localhost");
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return text(res, 400, "Invalid path or request");
    }
    if (path === "/hello" && method === "GET") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" });
      return void res.end("Hello from Heketi");
    }
    if (path === "/metrics" && method === "GET") {
      const body = await registry.metrics();
      res.writeHead(200, { "Content-Type": registry.contentType });
      return void res.end(body);
    }
    let role: Role = "admin";
    if (!config.disableAuth) {
      role = await authenticate(req.headers.authorization, method, path, { adminKey: config.adminKey, userKey: config.userKey, iatLeewaySec: config.iatLeewaySec });
      if (role === "user" && !userMay(config.userRole, method, path)) throw new HttpError(401, "Administrator access required");
    }
    if (method !== "GET" && method !== "HEAD") {
      const local = ["127.0.0.1", "::1", "::ffff:127.0.0.1"].includes(req.socket.remoteAddress ?? "");
      if (state.admin === "read-only" || (state.admin === "local-client" && !local)) throw new HttpError(503, "Service disabled for maintenance");
    }
    const found = lookup(method, path);
    if (!found) {
      // gorilla/mux StrictSlash: a trailing-slash variant of a known path is redirected
      if (path.length > 1 && path.endsWith("/") && METHODS.some((m) => lookup(m, path.slice(0, -1)))) {
        const to = path.slice(0, -1) + url.search;
        if (method !== "GET" && method !== "HEAD") return empty(res, 301, { Location: to });
        res.writeHead(301, { Location: to, "Content-Type": "text/html; charset=utf-8" });
        return void res.end(`<a href="${to}">Moved Permanently</a>.\n\n`);
      }
      if (METHODS.some((m) => m !== method && lookup(m, path))) return empty(res, 405);
      throw new HttpError(404, "Invalid path or request");
    }
    const call: Call = { req, res, params: found.params as Record<string, string>, role };
    await (found.handler as unknown as (c: Call) => Promise<void>)(call);
  }

  function fail(res: http.ServerResponse, err: unknown): void {
    if (res.headersSent) return void res.end();
    if (err instanceof HttpError) return text(res, err.status, err.message, err.headers);
    if (err instanceof AuthError) return text(res, err.status, err.message);
    if (err instanceof BadRequest) return text(res, 400, err.message);
    if (err instanceof ValidationError) return text(res, 400, `validation failed: ${err.issues.map((i) => `${i.field}: ${i.rule}`).join("; ")}.`);
    if (err instanceof NotFoundError) return text(res, 404, "Id not found");
    if (err instanceof ConflictError) return text(res, 409, err.message);
    if (err instanceof AllocationError) return text(res, 500, err.message);
    if (err instanceof EngineError) return text(res, 500, err.message);
    log(`internal error: ${(err as Error)?.stack ?? err}`);
    return text(res, 500, (err as Error)?.message ?? String(err));
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const t0 = Date.now();
    handle(req, res)
      .catch((err) => fail(res, err))
      .finally(() => log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - t0}ms`));
  };
  const tls = o.tls ?? (config.tls && readTlsFiles(config.tls));
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);

  return {
    server,
    queue,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => resolve(server.address() as AddressInfo));
      }),
    url: () => {
      const a = server.address() as AddressInfo;
      return `${tls ? "https" : "http"}://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
    setAdminState: (s) => {
      state.admin = s;
    },
  };
}
