/**
 * The state-change and tag-change endpoints, which nodes and devices share: the request checked as
 * Heketi checks it, then the engine's setter for that kind of row.
 */
import * as api from "../../heketi/api";
import { ValidationError } from "../../model/errors";
import { Tags, validate } from "../../model/schemas";
import { HttpError, json } from "../http";
import { ID, type Routes } from "./context";

type Kind = "nodes" | "devices";
type Row = { id: string; tags: Record<string, string> };

/** POST /{kind}/{id}/state: online, offline or failed (failed moves bricks away: throttled). */
export function onStateChange(
  routes: Routes,
  kind: Kind,
  find: (id: string) => Row | undefined,
  setState: (id: string, state: string, opts: { healCheck: boolean }) => Promise<void>,
): void {
  const { on, body, found, start } = routes;
  on("POST", `/${kind}/${ID}/state`, async (c) => {
    const req = await body(c, api.StateRequest);
    const row = found(find(c.params.id));
    const st = stateOf(req);
    start(c, () => setState(row.id, st, { healCheck: req.healcheck !== "disable" }), { throttled: st === "failed" });
  });
}

/** POST /{kind}/{id}/tags: set, update or delete tags; answers the tags as they are now. */
export function onTagsChange(
  routes: Routes,
  kind: Kind,
  find: (id: string) => Row | undefined,
  setTags: (id: string, tags: Record<string, string>) => void,
): void {
  const { on, body, found } = routes;
  on("POST", `/${kind}/${ID}/tags`, async (c) => {
    const req = await body(c, api.TagsChangeRequest);
    const row = found(find(c.params.id));
    const tags = changeTags(row.tags, req);
    setTags(row.id, tags);
    json(c.res, 200, tags);
  });
}

function stateOf(req: { state?: string }): string {
  if (!req.state) throw new HttpError(400, "validation failed: state: cannot be blank.");
  if (req.state !== "online" && req.state !== "offline" && req.state !== "failed") throw new HttpError(400, `validation failed: state: ${req.state} is not valid state.`);
  return req.state;
}

/** Heketi's tag changes: set replaces, update merges, delete removes the named keys. */
function changeTags(current: Record<string, string>, req: { tags?: Record<string, string> | null; change_type?: string }): Record<string, string> {
  const given = req.tags ?? {};
  let next: Record<string, string>;
  if (req.change_type === "set") next = { ...given };
  else if (req.change_type === "update") next = { ...current, ...given };
  else if (req.change_type === "delete") next = Object.fromEntries(Object.entries(current).filter(([k]) => !(k in given)));
  else throw new HttpError(400, "validation failed: change_type: must be a valid value.");
  try {
    return validate(Tags, next, "invalid tags");
  } catch (e) {
    if (e instanceof ValidationError) throw new HttpError(400, `validation failed: tags: ${e.issues.map((i) => i.rule).join("; ")}.`);
    throw e;
  }
}
