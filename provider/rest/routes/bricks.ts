/**
 * Bricks: evict one (replace-brick onto another device, after a heal check).
 */
import * as api from "../../heketi/api";
import { decode, HttpError, readBody } from "../http";
import { ID, type Routes } from "./context";

export function registerBrickRoutes(routes: Routes): void {
  const { on, start, engine, ledger } = routes;
  on("POST", `/bricks/to-evict/${ID}`, async (c) => {
    const raw = await readBody(c.req);
    const req = raw ? decode(api.BrickEvictRequest, raw) : {};
    if (req.healcheck && req.healcheck !== "enable" && req.healcheck !== "disable") throw new HttpError(400, "validation failed: healcheck: must be a valid value.");
    const b = ledger.findBrick(c.params.id);
    if (!b) throw new HttpError(404, `Id not found: ${c.params.id}`);
    start(c, () => engine.evictBrick(b.id, { healCheck: req.healcheck !== "disable" }), { throttled: true });
  });
}
