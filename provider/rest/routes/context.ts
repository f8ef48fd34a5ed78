/**
 * What every endpoint family registers with: the router, the engine and its ledger (read only here:
 * every change goes through an engine method), and the helpers that give Heketi's answers for a
 * missing id, a busy server and a started job.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Router from "find-my-way";
import type { z } from "zod";
import type { Engine } from "../../engine";
import type { Ledger } from "../../ledger/ledger";
import type { Role } from "../auth";
import type { ServeConfig } from "../config";
import { accepted, decode, HttpError, readBody } from "../http";
import type { AsyncQueue, Throttle } from "../queue";

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  role: Role;
}

export interface RouteContext {
  engine: Engine;
  queue: AsyncQueue;
  throttle: Throttle;
  config: ServeConfig;
  state: { admin: "normal" | "read-only" | "local-client"; logLevel: string };
  dump?: () => unknown;
  beforeNodeAdd?: (manageHost: string, storageHost: string) => void;
}

export type Handler = (c: Call) => Promise<void>;

/** An id in a path: Heketi's ids are hex. */
export const ID = ":id(^[A-Fa-f0-9]+$)";

export interface Routes {
  rc: RouteContext;
  engine: Engine;
  ledger: Ledger;
  queue: AsyncQueue;
  on(method: "GET" | "POST" | "DELETE", path: string, h: Handler): void;
  /** The request body, decoded with a schema (Heketi's 422 on a bad one). */
  body<S extends z.ZodType>(c: Call, schema: S): Promise<z.output<S>>;
  /** Start a job; answer 202. `throttled` jobs count against max in-flight operations (429 past it). */
  start(c: Call, job: () => Promise<string | void>, opts?: { throttled?: boolean }): void;
  /** The row, or Heketi's 404 "Id not found". */
  found<T>(v: T | undefined): T;
}

export function routesOn(router: Router.Instance<Router.HTTPVersion.V1>, rc: RouteContext): Routes {
  const { engine, queue } = rc;
  return {
    rc,
    engine,
    ledger: engine.ledger,
    queue,
    on: (method, path, h) => void router.on(method, path, h as unknown as Router.Handler<Router.HTTPVersion.V1>),
    body: async (c, schema) => decode(schema, await readBody(c.req)),
    start(c, job, opts = {}) {
      let release: (() => void) | undefined;
      if (opts.throttled) {
        release = rc.throttle.tryAcquire();
        if (!release) throw busy(rc);
      }
      accepted(c.res, queue.start(job, release));
    },
    found<T>(v: T | undefined): T {
      if (v === undefined) throw new HttpError(404, "Id not found");
      return v;
    },
  };
}

/** Heketi's 429 when max in-flight operations are running. */
export function busy(rc: RouteContext): HttpError {
  return new HttpError(429, "Server busy. Retry operation later.", { "Retry-After": String(rc.config.retryAfterSec) });
}
