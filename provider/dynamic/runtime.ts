/**
 * What the dynamic providers do, loaded fresh in the provider process by the shims (shims.ts).
 * It translates Pulumi's check/diff/create/read/update/delete into calls on a storage backend
 * (backend.ts): the embedded engine or a Heketi-compatible REST server, chosen per call by the
 * resource's `connection`. Validation, the diff and preview-time unknowns are handled here, the same
 * for both, by each resource's own schemas and rules (provider/resources); storage decisions stay in
 * the backends.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { backendOf, type Connection } from "../resources/connection";
import { inputSchema, RESOURCES, type ResourceKind } from "../resources";
import { replacePaths, updatePaths, type Failure, type Props } from "../resources/resource";
import type { BackendModule, Call } from "./backend";

type Dyn = pulumi.dynamic.ResourceProvider;

/** Pulumi's placeholder for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

function strip(p: Props): Props {
  const { __provider: _p, ...rest } = p ?? {};
  return rest;
}

/** The backend a connection names, loaded on first use (the REST backend never loads SQLite or ssh2). */
async function backendModule(connection: unknown): Promise<BackendModule> {
  return backendOf(connection) === "rest" ? (await import("./rest-backend")).restBackend : (await import("./engine-backend")).engineBackend;
}

async function backendFor(connection: unknown, call: Call) {
  return (await backendModule(connection)).open(connection as Connection, call);
}

/** Does the value at `path` (or any value on the way to it) sit behind a preview-time unknown? */
function touchesUnknown(o: unknown, path: PropertyKey[]): boolean {
  let v: unknown = o;
  for (const k of path) {
    if (v === UNKNOWN) return true;
    if (!v || typeof v !== "object") return false;
    v = (v as Props)[k as string];
  }
  return hasUnknown(v);
}

/**
 * Validate inputs with a zod schema; failures name the property and the rule. Nothing is touched.
 * During preview some inputs are still unknown (outputs of resources not created yet): those are
 * checked at `up`, everything already known is checked now, so bad input fails the preview.
 */
function check<S extends z.ZodType>(schema: S, news: Props, extra?: (v: z.output<S>) => Failure[]): pulumi.dynamic.CheckResult {
  const inputs = strip(news);
  const r = schema.safeParse(inputs);
  if (!r.success) {
    const failures = r.error.issues
      .filter((i) => !touchesUnknown(inputs, i.path))
      .map((i) => ({ property: String(i.path[0] ?? ""), reason: `${i.path.join(".") || "(value)"}: ${i.message}` }));
    return { inputs: failures.length ? news : withDefaults(schema, inputs, news), failures };
  }
  return { inputs: { ...news, ...(r.data as object) }, failures: extra?.(r.data) ?? [] };
}

/**
 * Only unknowns failed: the known inputs still get their defaults (a `gid` left out is 0), so that the
 * diff compares like with like. Without them, a preview where another input is unknown (a device
 * added in the same run makes the pool unknown) would read "gid: 0 => (none)" as a replacing change.
 */
function withDefaults(schema: z.ZodType, inputs: Props, news: Props): Props {
  if (!(schema instanceof z.ZodObject)) return news;
  const unknown = Object.keys(inputs).filter((k) => hasUnknown(inputs[k]) && k in schema.shape);
  const known = Object.fromEntries(Object.entries(inputs).filter(([k]) => !unknown.includes(k)));
  const r = schema.partial(Object.fromEntries(unknown.map((k) => [k, true])) as never).safeParse(known);
  return r.success ? { ...news, ...(r.data as object) } : news;
}

function at(o: Props, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Props)[k] : undefined), o);
}

/** Property paths whose value differs. */
function changed(olds: Props, news: Props, paths: string[]): string[] {
  return paths.filter((k) => JSON.stringify(comparable(k, at(olds, k)) ?? null) !== JSON.stringify(comparable(k, at(news, k)) ?? null));
}

/**
 * Where the engine keeps its ledger is not a property of any resource: the ledger is a cache of the
 * nodes (rebuilt from them when missing), so moving the program, a fresh clone or a CI runner with
 * another path must plan exactly what the original folder plans.
 */
function comparable(path: string, v: unknown): unknown {
  if (path !== "connection" || !v || typeof v !== "object") return v;
  const { ledgerPath: _ledger, ...rest } = v as Props;
  return rest;
}

const gone = { id: "", props: {} } as unknown as pulumi.dynamic.ReadResult;

/** What a change does is each resource's own rule (provider/resources): the inputs that replace it, and those that update it. */
function replaced(kind: ResourceKind, olds: Props, news: Props): string[] {
  return [...new Set(changed(olds, news, replacePaths(RESOURCES[kind])).map((k) => k.split(".")[0]))];
}

/**
 * A state written before the engine recorded the pool (no `pool` in it) is brought up to date by an
 * in-place update that changes nothing on the nodes, so that a later `destroy` from a checkout without
 * the ledger knows where the nodes are.
 */
function migrates(olds: Props, news: Props): boolean {
  return backendOf(news.connection) === "engine" && news.pool !== undefined && olds.pool === undefined && Object.keys(olds).length > 0;
}

function diffResult(kind: ResourceKind, olds: Props, news: Props): pulumi.dynamic.DiffResult {
  const replaces = replaced(kind, olds, news);
  const updates = changed(olds, news, updatePaths(RESOURCES[kind]));
  return { changes: replaces.length + updates.length > 0 || migrates(olds, news), replaces, deleteBeforeReplace: true };
}

function provider(kind: ResourceKind): Dyn {
  return {
    async check(olds, news) {
      const o = strip(olds ?? {});
      const connection = strip(news).connection;
      const { refuse } = RESOURCES[kind];
      return check(inputSchema(kind, connection), news, (v) => {
        const replacing = Object.keys(o).length > 0 && replaced(kind, o, v).length > 0;
        return [...(refuse.any?.(o, v, replacing) ?? []), ...(refuse[backendOf(connection)]?.(o, v, replacing) ?? [])];
      });
    },
    async diff(_id, olds, news) {
      return diffResult(kind, olds, news);
    },
    async create(inputs) {
      const p = strip(inputs);
      const i = inputSchema(kind, p.connection).parse(p);
      const b = await backendFor(i.connection, { kind, values: i, exists: false });
      const adopt = (i as { adopt?: string }).adopt;
      return adopt ? b[kind].adopt(adopt, i) : b[kind].create(i);
    },
    async read(id, props) {
      const p = props as Props;
      const b = await backendFor(p.connection, { kind, values: p, exists: true });
      const r = await b[kind].read(id, p);
      return r ? { id, props: r.props, ...(r.inputs ? { inputs: r.inputs } : {}) } : gone;
    },
    async update(id, olds, news) {
      const p = strip(news);
      const i = inputSchema(kind, p.connection).parse(p);
      const b = await backendFor(i.connection, { kind, values: i, exists: true, olds: olds as Props });
      return { outs: await b[kind].update(id, olds as Props, i) };
    },
    async delete(id, props) {
      const p = props as Props;
      const b = await backendFor(p.connection, { kind, values: p, exists: true });
      await b[kind].delete(id, p);
    },
  };
}

export const cluster: Dyn = provider("cluster");
export const node: Dyn = provider("node");
export const device: Dyn = provider("device");
export const volume: Dyn = provider("volume");
