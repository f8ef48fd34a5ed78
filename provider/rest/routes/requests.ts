/** Request fields that nodes and devices share: a state change and a tag change, checked as Heketi checks them. */
import { ValidationError } from "../../model/errors";
import { Tags, validate } from "../../model/schemas";
import { HttpError } from "../http";

export function stateOf(req: { state?: string }): string {
  if (!req.state) throw new HttpError(400, "validation failed: state: cannot be blank.");
  if (req.state !== "online" && req.state !== "offline" && req.state !== "failed") throw new HttpError(400, `validation failed: state: ${req.state} is not valid state.`);
  return req.state;
}

/** Heketi's tag changes: set replaces, update merges, delete removes the named keys. */
export function changeTags(current: Record<string, string>, req: { tags?: Record<string, string> | null; change_type?: string }): Record<string, string> {
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
