/**
 * Adoption (`adopt: <id>`): taking a resource that already runs under management. Adopting changes
 * nothing on the nodes, so the program must say what is there: every input that describes the live
 * resource is compared, and a difference fails the create before anything is recorded. Change it in a
 * later `pulumi up`, once it is adopted, like any other change.
 */
import type { Props } from "./resource";

/** A live value beside the one the program declares; `text` renders a value as the program writes it. */
export interface Compared {
  input: string;
  live: unknown;
  declared: unknown;
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

/** The inputs whose declared value is not the live one. */
export function mismatches(values: Compared[]): Compared[] {
  return values.filter((c) => canonical(c.live ?? null) !== canonical(c.declared ?? null));
}

/** Fail an adoption whose inputs do not say what runs: which input, what is live, what the program says. */
export function assertAdoptable(kind: string, id: string, values: Compared[]): void {
  const bad = mismatches(values);
  if (!bad.length) return;
  throw new Error(
    `cannot adopt ${kind} ${id}: the program does not declare it as it is (${bad.map((c) => `${c.input}: live ${canonical(c.live)}, declared ${canonical(c.declared)}`).join("; ")}). ` +
      "Declare the live values to adopt it (`pulumi-glusterfs adopt` writes them), then change them in a later `pulumi up`; nothing was changed.",
  );
}

/** The gluster options a program declares, as a sorted list (the form both sides are compared in). */
export function sortedOptions(o: Props["options"]): Array<{ key: string; value: string }> {
  return [...((o ?? []) as Array<{ key: string; value: string }>)].sort((a, b) => a.key.localeCompare(b.key));
}
