import type { z } from "zod";
import type { Backend } from "./connection";

export type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A check failure: the top-level property and a reason that names the field and the rule. */
export interface Failure {
  property: string;
  reason: string;
}

/**
 * A rule check applies beyond the schema, so that preview fails and nothing is touched: `olds` are
 * the inputs in the state ({} on create), `news` the validated new inputs, `replacing` whether the
 * change already replaces the resource.
 */
export type Refusal = (olds: Props, news: Props, replacing: boolean) => Failure[];

/** In the README's table, an input whose change is the cluster's own (its connection, handed down): not listed again. */
export const HANDED_DOWN = null;

/**
 * Everything about one Pulumi resource of the dynamic providers: its inputs as each backend validates
 * them, what a change of each input does (the `diff`), what `check` refuses, and how the README's
 * table "What each change does" says it (each input's entry is its text in that table).
 */
export interface Resource {
  /** The resource's type name, as the program and the README call it. */
  title: string;
  /** Inputs of a resource of an engine cluster (ledger + SSH). */
  engine: z.ZodObject;
  /** Inputs of a resource of a REST cluster: the engine's, minus what only the engine can honour. */
  rest: z.ZodObject;
  /** The input naming the resource this one belongs to: nothing moves to another one, so a change replaces it. */
  parent?: { input: string; doc: string };
  /** Inputs whose change replaces the resource (deleted first, then created). */
  replace: Record<string, string>;
  /**
   * Inputs whose change updates the resource in place. Every resource updates on a connection change:
   * a new REST URL or key, or a move between the engine and a REST server, keeps the ids (the update
   * then checks that the resource is there, and fails without deleting anything when it is not).
   * `pool` (where the nodes are, for rebuilding the ledger) and `adopt` (it only acts at create) are
   * never a change of their own: NEVER_A_CHANGE.
   */
  update: Record<string, string | typeof HANDED_DOWN>;
  /** What `check` refuses: on every backend (`any`) or on one; `doc` is the README's text for it. */
  refuse: { doc: string } & Partial<Record<Backend | "any", Refusal>>;
}

/** Inputs the diff never looks at. */
export const NEVER_A_CHANGE = ["pool", "adopt"];

/** The inputs whose change replaces the resource, in the order the diff reports them. */
export function replacePaths(r: Resource): string[] {
  return [...(r.parent ? [r.parent.input] : []), ...Object.keys(r.replace)];
}

export function updatePaths(r: Resource): string[] {
  return Object.keys(r.update);
}
