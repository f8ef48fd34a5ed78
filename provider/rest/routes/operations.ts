/**
 * Pending operations (our journal's unfinished operations, as Heketi shows them), their cleanup,
 * the db dump, and the db check (the ledger set beside the nodes).
 */
import * as api from "../../heketi/api";
import { EngineError } from "../../model/errors";
import { decode, HttpError, json, readBody } from "../http";
import { operationCounts, pendingDetail, pendingOperations, pendingSummary } from "../pending-operations";
import { ID, type Routes } from "./context";

export function registerOperationRoutes(routes: Routes): void {
  const { on, start, engine, ledger, rc } = routes;
  on("GET", "/operations", async (c) => json(c.res, 200, operationCounts(ledger)));
  on("GET", "/operations/pending", async (c) => json(c.res, 200, { pendingoperations: pendingOperations(ledger).map((o) => pendingSummary(ledger, o)) }));
  on("GET", `/operations/pending/${ID}`, async (c) => {
    const o = pendingOperations(ledger).find((x) => x.id === c.params.id);
    if (!o) throw new HttpError(404, `Id not found: ${c.params.id}`);
    json(c.res, 200, pendingDetail(ledger, o));
  });
  on("POST", "/operations/pending/cleanup", async (c) => {
    const raw = await readBody(c.req);
    const req = raw ? decode(api.CleanupRequest, raw) : {};
    if ((req.operations ?? []).length > 32) throw new HttpError(400, "validation failed: operations: the length must be no more than 32.");
    start(c, async () => {
      const results = await engine.recover(req.operations ?? []);
      const stuck = results.filter((r) => r.action === "still failing");
      if (stuck.length) throw new EngineError("CLEANUP", stuck.map((r) => `operation ${r.id} (${r.type}): ${r.error}`).join("\n"));
    }, { throttled: true });
  });
  on("GET", "/db/dump", async (c) => {
    if (!rc.dump) throw new HttpError(501, "db dump is not available");
    json(c.res, 200, rc.dump(), { pretty: true });
  });
  // Heketi's db check looks at its database alone; ours asks the nodes too (operations/check.ts).
  // Admin only, like every route a user token is not allowed; it reads, it changes nothing.
  on("GET", "/db/check", async (c) => {
    const reports = await engine.checkClusters();
    json(c.res, 200, { ok: reports.every((r) => r.complete && !r.findings.length), clusters: reports }, { pretty: true });
  });
  on("GET", "/admin", async (c) => json(c.res, 200, { state: rc.state.admin }));
}
