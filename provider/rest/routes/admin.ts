/**
 * Server state: admin mode (normal, read-only, local-client) and the log level.
 */
import type { z } from "zod";
import * as api from "../../heketi/api";
import { empty, HttpError, json, readBody } from "../http";
import type { Routes } from "./context";

export function registerAdminRoutes(routes: Routes): void {
  const { on, rc } = routes;
  on("POST", "/admin", async (c) => {
    // Heketi answers a bad /admin body with 400 and the decoder's error, not the usual 422
    let req: z.output<typeof api.AdminStatus>;
    try {
      req = api.AdminStatus.parse(JSON.parse(await readBody(c.req)));
    } catch (e) {
      throw new HttpError(400, `request unable to be parsed: ${e instanceof SyntaxError ? e.message : "state must be a string"}`);
    }
    if (req.state !== "normal" && req.state !== "read-only" && req.state !== "local-client") throw new HttpError(400, "validation failed: state: must be a valid value.");
    rc.state.admin = req.state;
    empty(c.res, 204);
  });
  on("GET", "/internal/logging", async (c) => json(c.res, 200, { loglevel: { glusterfs: rc.state.logLevel } }));
  on("POST", "/internal/logging", async (c) => {
    let level: unknown;
    try {
      level = (JSON.parse(await readBody(c.req)) as { loglevel?: { glusterfs?: unknown } }).loglevel?.glusterfs;
    } catch {
      throw new HttpError(400, "request unable to be parsed: invalid JSON");
    }
    if (typeof level !== "string" || !["none", "critical", "error", "warning", "info", "debug"].includes(level)) throw new HttpError(422, "unknown log level");
    rc.state.logLevel = level;
    json(c.res, 200, { loglevel: { glusterfs: level } });
  });
}
