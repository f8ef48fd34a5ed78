// A raw-HTTP contract transcript for Heketi-compatible REST servers.
//
// `apiTranscript(target)` sends a fixed, scripted sequence of requests (plain fetch, `redirect: "manual"`,
// JWTs signed with `jose`) to an EMPTY server and records, per step, only what is deterministic and
// server-independent: method, path template, status, selected headers, the body's kind plus its exact
// text (ids normalised) or its JSON shape, and a few "facts" (selected values and invariants computed from
// the body, e.g. `size`, `durability`, "every brick path is /var/lib/heketi/mounts/vg_<device>/brick_<brick>/brick").
// `compareTranscripts(reference, candidate)` lists the differences as readable lines.
//
// Normalisation: every 32-hex id becomes `{id}`; the topology's hostnames and device paths become
// `{manageN}`, `{storageN}`, `{deviceM}` (N = node index, M = device index on its node, from 1); a Go
// duration after "expired by " becomes `{duration}`.
//
// Timing: with Heketi's mock executor a job is usually finished before the first poll, on a real lab it
// is not, so whether a poll ever saw `X-Pending` is NOT compared. What is compared for every poll is
// (a) the terminal response (status, headers, body, facts) and (b) `poll.pendingProblems`: every
// non-terminal response must have been exactly `200` + `X-Pending: true` + empty body; each deviation is
// listed there, so a compatible server must produce `[]` (as Heketi does). The number of pending answers
// seen and the durations are kept in `observed`, which is neither compared nor written to the snapshot.
//
// CLI (after `npx tsc -p tsconfig.json`):
//   node dist/test/contract/api-transcript.js --url http://127.0.0.1:8080 --admin-key K --user-key K \
//        [--compare test/fixtures/heketi-transcript.json] [--out transcript.json] [--topology topo.json]
// prints the differences against the snapshot and exits 1 if there are any.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { SignJWT, UnsecuredJWT } from "jose";

import * as path from "node:path";
import { repoRoot } from "../../devtools/lab/paths";

/** The real Heketi's transcript, committed (regenerate: PGFS_UPDATE_TRANSCRIPT=1, see api-transcript.test.ts). */
export const TRANSCRIPT_SNAPSHOT = path.join(repoRoot(), "test", "fixtures", "heketi-transcript.json");

// ------------------------------------------------------------------------------------------------
// Types

export interface TranscriptTopology {
  nodes: Array<{ manage: string; storage: string; zone: number; devices: string[] }>;
}

export interface TranscriptTarget {
  url: string;
  adminKey: string;
  userKey: string;
  /** Nodes to add (default: DEFAULT_TOPOLOGY = the QEMU lab's 3 nodes × /dev/vdb,/dev/vdc). Needs ≥3 nodes, ≥1 device each. */
  topology?: TranscriptTopology;
  /** Give up polling a queue entry after this long (default 300 s; the entry then records status 0). */
  pollTimeoutMs?: number;
  /** Delay between polls (default 100 ms; the first poll is sent right after the 202). */
  pollIntervalMs?: number;
  log?: (line: string) => void;
}

/** Type-only description of a JSON value: "string" | "number" | "boolean" | "null", [] (empty array),
 *  [shape of the first element], or an object of shapes (keys sorted; id-like keys collapse into "{id}"). */
export type Shape = string | Shape[] | { [key: string]: Shape };

export type BodyRecord =
  | { kind: "empty" }
  /** `text` is absent when the step declares the text not comparable (e.g. /metrics). */
  | { kind: "text"; text?: string }
  /** layout: "compact" = one line + "\n" (Go json.Encoder), "pretty" = 4-space indent + "\n", else "other". */
  | { kind: "json"; shape: Shape; layout: "compact" | "pretty" | "other" };

export interface TranscriptEntry {
  /** Unique step name; entries are matched by it. */
  step: string;
  method: string;
  /** Request path with ids replaced by {id}. */
  path: string;
  /** HTTP status; 0 = no answer (network error or poll timeout, see observed.error). */
  status: number;
  /** content-type, location, x-pending, retry-after when present (location normalised). */
  headers: Record<string, string>;
  body: BodyRecord;
  facts?: Record<string, unknown>;
  /** Only on queue polls: problems with the non-terminal answers; a compatible server has []. */
  poll?: { pendingProblems: string[] };
  /** Timing-dependent details: never compared, stripped from snapshots. */
  observed?: { ms: number; pendingAnswers?: number; error?: string };
}

export const DEFAULT_TOPOLOGY: TranscriptTopology = {
  nodes: [1, 2, 3].map((i) => ({
    manage: `127.0.0.${10 + i}`,
    storage: `10.77.0.${10 + i}`,
    zone: i,
    devices: ["/dev/vdb", "/dev/vdc"],
  })),
};

/** A well-formed id that no server has issued. */
export const UNKNOWN_ID = "0123456789abcdef0123456789abcdef";
/** Used in place of an id a failed earlier step should have produced. */
const MISSING_ID = "ffffffffffffffffffffffffffffffff";

const ID_RE = /[0-9a-fA-F]{32}/g;
const isId = (s: string) => /^[0-9a-fA-F]{32}$/.test(s);

// ------------------------------------------------------------------------------------------------
// Normalisation, shapes

class Normaliser {
  private readonly subs: Array<[RegExp, string]> = [];

  constructor(topology: TranscriptTopology) {
    const labels = new Map<string, string>();
    topology.nodes.forEach((n, i) => {
      if (!labels.has(n.manage)) labels.set(n.manage, `{manage${i + 1}}`);
      if (!labels.has(n.storage)) labels.set(n.storage, `{storage${i + 1}}`);
      n.devices.forEach((d, j) => {
        if (!labels.has(d)) labels.set(d, `{device${j + 1}}`);
      });
    });
    // Longest first, and only whole tokens, so "10.0.0.1" never eats into "10.0.0.12".
    for (const [s, label] of [...labels].sort((x, y) => y[0].length - x[0].length)) {
      const esc = s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      this.subs.push([new RegExp(`(?<![A-Za-z0-9._/-])${esc}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, "g"), label]);
    }
  }

  text(s: string): string {
    let out = s.replace(ID_RE, "{id}");
    out = out.replace(/(expired by )[0-9][0-9.hmsµun]*/g, "$1{duration}");
    for (const [re, label] of this.subs) out = out.replace(re, label);
    return out;
  }

  /** A JSON value with every string normalised (keys too). */
  value(v: unknown): unknown {
    if (typeof v === "string") return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k), this.value(x)]));
    return v;
  }
}

/** The shape of a JSON value, down to `depth` levels (beyond it objects/arrays become "object"/"array"). */
export function shapeOf(v: unknown, depth = Infinity): Shape {
  if (v === null) return "null";
  if (Array.isArray(v)) {
    if (depth <= 0) return "array";
    return v.length === 0 ? [] : [shapeOf(v[0], depth - 1)];
  }
  if (typeof v === "object") {
    if (depth <= 0) return "object";
    const out: { [k: string]: Shape } = {};
    const keys = Object.keys(v as object).sort();
    const idKeys = keys.filter(isId);
    for (const k of keys) if (!isId(k)) out[k] = shapeOf((v as Record<string, unknown>)[k], depth - 1);
    if (idKeys.length > 0) out["{id}"] = shapeOf((v as Record<string, unknown>)[idKeys[0]], depth - 1);
    return out;
  }
  return typeof v;
}

// ------------------------------------------------------------------------------------------------
// HTTP + JWT

type Claims = Record<string, unknown>;
type AuthSpec =
  | "admin"
  | "user"
  | "none"
  | { header: string }
  | {
      /** Which secret signs: the admin key (default), the user key, or this literal. */
      key?: "admin" | "user" | { literal: string };
      /** Changes to the default claims {iss:"admin", iat:now, exp:now+300, qsh}; `undefined` removes a claim. */
      claims?: (now: number, qsh: (method: string, path: string) => string) => Claims;
      alg?: "HS256" | "HS384" | "HS512" | "none";
      /** Default "Bearer ". */
      scheme?: string;
    };

export const qshOf = (method: string, path: string) => createHash("sha256").update(`${method}&${path}`).digest("hex");

interface Resp {
  status: number;
  headers: Headers;
  text: string;
  json?: unknown;
  error?: string;
  ms: number;
}

interface StepOptions {
  auth?: AuthSpec;
  /** A string is sent as is, anything else as JSON. `undefined` = no body. */
  body?: unknown;
  /** Facts from a JSON body (not computed when the body is not JSON). */
  facts?: (json: any) => Record<string, unknown>;
  /** Facts from the raw response, computed whatever the body is. */
  respFacts?: (resp: Resp) => Record<string, unknown>;
  /** JSON bodies: limit the recorded shape to this depth. */
  shapeDepth?: number;
  /** Text bodies: do not record the text (non-deterministic, e.g. /metrics). */
  opaqueText?: boolean;
}

const RECORDED_HEADERS = ["content-type", "location", "x-pending", "retry-after"];

class Runner {
  readonly entries: TranscriptEntry[] = [];
  private readonly names = new Set<string>();
  readonly norm: Normaliser;
  private readonly base: string;

  constructor(private readonly target: TranscriptTarget, readonly topology: TranscriptTopology) {
    this.norm = new Normaliser(topology);
    this.base = target.url.replace(/\/+$/, "");
  }

  private log(line: string) {
    this.target.log?.(line);
  }

  private async authHeader(method: string, path: string, auth: AuthSpec): Promise<string | undefined> {
    if (auth === "none") return undefined;
    if (typeof auth === "object" && "header" in auth) return auth.header;
    const spec: Exclude<AuthSpec, string | { header: string }> =
      auth === "admin" ? {} : auth === "user" ? { key: "user", claims: () => ({ iss: "user" }) } : auth;
    const now = Math.floor(Date.now() / 1000);
    const defaults: Claims = { iss: "admin", iat: now, exp: now + 300, qsh: qshOf(method, path) };
    const claims: Claims = { ...defaults, ...(spec.claims?.(now, qshOf) ?? {}) };
    for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
    const keyText =
      spec.key === "user" ? this.target.userKey : spec.key && typeof spec.key === "object" ? spec.key.literal : this.target.adminKey;
    const alg = spec.alg ?? "HS256";
    const token =
      alg === "none"
        ? new UnsecuredJWT(claims).encode()
        : await new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(new TextEncoder().encode(keyText));
    return `${spec.scheme ?? "Bearer "}${token}`;
  }

  async send(method: string, path: string, opts: StepOptions): Promise<Resp> {
    const started = Date.now();
    const headers: Record<string, string> = {};
    const auth = await this.authHeader(method, path.split("?")[0], opts.auth ?? "admin");
    if (auth !== undefined) headers.authorization = auth;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    try {
      const r = await fetch(this.base + path, { method, headers, body, redirect: "manual" });
      const text = await r.text();
      let json: unknown;
      if (/^\s*[[{]/.test(text)) {
        try {
          json = JSON.parse(text);
        } catch {
          /* recorded as text */
        }
      }
      return { status: r.status, headers: r.headers, text, json, ms: Date.now() - started };
    } catch (e) {
      return { status: 0, headers: new Headers(), text: "", error: String((e as Error)?.message ?? e), ms: Date.now() - started };
    }
  }

  private record(step: string, method: string, path: string, r: Resp, opts: StepOptions, extra?: Partial<TranscriptEntry>): TranscriptEntry {
    if (this.names.has(step)) throw new Error(`duplicate transcript step name: ${step}`);
    this.names.add(step);
    const headers: Record<string, string> = {};
    for (const h of RECORDED_HEADERS) {
      const v = r.headers.get(h);
      if (v !== null) headers[h] = this.norm.text(v);
    }
    let body: BodyRecord;
    if (r.text.length === 0) body = { kind: "empty" };
    else if (r.json !== undefined) {
      const layout =
        r.text === JSON.stringify(r.json) + "\n" ? "compact" : r.text === JSON.stringify(r.json, null, 4) + "\n" ? "pretty" : "other";
      body = { kind: "json", shape: shapeOf(r.json, opts.shapeDepth), layout };
    } else body = opts.opaqueText ? { kind: "text" } : { kind: "text", text: this.norm.text(r.text) };
    const entry: TranscriptEntry = { step, method, path: this.norm.text(path), status: r.status, headers, body };
    const facts: Record<string, unknown> = {};
    try {
      if (opts.facts && r.json !== undefined) Object.assign(facts, opts.facts(r.json));
      if (opts.respFacts) Object.assign(facts, opts.respFacts(r));
    } catch (e) {
      facts.error = `facts could not be computed: ${(e as Error).message}`;
    }
    if (Object.keys(facts).length > 0) entry.facts = this.norm.value(facts) as Record<string, unknown>;
    Object.assign(entry, extra);
    entry.observed = { ms: r.ms, ...(extra?.observed ?? {}), ...(r.error ? { error: r.error } : {}) };
    this.entries.push(entry);
    this.log(`${String(this.entries.length).padStart(3)} ${entry.status} ${method} ${entry.path}  ${step}`);
    return entry;
  }

  async step(step: string, method: string, path: string, opts: StepOptions = {}): Promise<Resp> {
    const r = await this.send(method, path, opts);
    this.record(step, method, path, r, opts);
    return r;
  }

  /** Polls a /queue/<id> Location until it is no longer `200 + X-Pending`; records the terminal answer. */
  async poll(step: string, location: string | null | undefined, opts: StepOptions = {}): Promise<Resp> {
    const path = location && location.startsWith("/") ? location : `/queue/${MISSING_ID}`;
    const deadline = Date.now() + (this.target.pollTimeoutMs ?? 300_000);
    const started = Date.now();
    const problems: string[] = [];
    let pending = 0;
    for (;;) {
      const r = await this.send("GET", path, opts);
      const xp = r.headers.get("x-pending");
      const isPending = r.status === 200 && xp !== null;
      if (!isPending) {
        r.ms = Date.now() - started;
        this.record(step, "GET", path, r, opts, { poll: { pendingProblems: problems }, observed: { ms: r.ms, pendingAnswers: pending } });
        return r;
      }
      pending++;
      if (xp !== "true" && !problems.includes(`X-Pending: ${xp}`)) problems.push(`X-Pending: ${xp}`);
      if (r.text.length > 0 && !problems.includes("pending answer has a body")) problems.push("pending answer has a body");
      if (Date.now() > deadline) {
        const t: Resp = { status: 0, headers: new Headers(), text: "", error: `still pending after ${this.target.pollTimeoutMs ?? 300_000} ms`, ms: Date.now() - started };
        this.record(step, "GET", path, t, opts, { poll: { pendingProblems: problems }, observed: { ms: t.ms, pendingAnswers: pending } });
        return t;
      }
      await new Promise((res) => setTimeout(res, this.target.pollIntervalMs ?? 100));
    }
  }
}

const idFromLocation = (r: Resp, prefix: string): string | undefined => {
  const loc = r.headers.get("location") ?? "";
  const m = new RegExp(`^${prefix}/([0-9a-fA-F]{32})$`).exec(loc);
  return m?.[1];
};
const isSorted = (a: string[]) => a.every((x, i) => i === 0 || a[i - 1] <= x);
const sorted = <T>(a: T[]) => [...a].sort();

// ------------------------------------------------------------------------------------------------
// The script

export async function apiTranscript(target: TranscriptTarget): Promise<TranscriptEntry[]> {
  const topology = target.topology ?? DEFAULT_TOPOLOGY;
  if (topology.nodes.length < 3 || topology.nodes.some((n) => n.devices.length < 1))
    throw new Error("the transcript needs at least 3 nodes with at least one device each");
  const T = new Runner(target, topology);
  const S = (step: string, method: string, path: string, opts?: StepOptions) => T.step(step, method, path, opts);

  // ---- plumbing and authentication ----------------------------------------------------------
  await S("hello", "GET", "/hello", { auth: "none" });
  await S("hello ignores a bad token", "GET", "/hello", { auth: { key: { literal: "not-the-key" } } });
  await S("metrics need no token", "GET", "/metrics", { auth: "none", opaqueText: true });
  await S("auth: no token", "GET", "/clusters", { auth: "none" });
  await S("auth: no token on an unknown path", "GET", "/no-such-path", { auth: "none" });
  await S("auth: scheme is not Bearer", "GET", "/clusters", { auth: { header: "Basic YWRtaW46c2VjcmV0" } });
  await S("auth: Bearer without token", "GET", "/clusters", { auth: { header: "Bearer" } });
  await S("auth: token is not a JWT", "GET", "/clusters", { auth: { header: "Bearer not-a-jwt" } });
  await S("auth: lowercase bearer (Go client)", "GET", "/clusters", { auth: { scheme: "bearer " } });
  await S("auth: wrong key", "GET", "/clusters", { auth: { key: { literal: "not-the-admin-key" } } });
  await S("auth: expired", "GET", "/clusters", { auth: { claims: (now) => ({ iat: now - 7200, exp: now - 3600 }) } });
  await S("auth: no exp", "GET", "/clusters", { auth: { claims: () => ({ exp: undefined }) } });
  await S("auth: iat 600 s in the future", "GET", "/clusters", { auth: { claims: (now) => ({ iat: now + 600, exp: now + 900 }) } });
  await S("auth: iat 60 s in the future (leeway)", "GET", "/clusters", { auth: { claims: (now) => ({ iat: now + 60 }) } });
  await S("auth: no iat", "GET", "/clusters", { auth: { claims: () => ({ iat: undefined }) } });
  await S("auth: nbf in the future", "GET", "/clusters", { auth: { claims: (now) => ({ nbf: now + 600 }) } });
  await S("auth: qsh for another path", "GET", "/clusters", { auth: { claims: (_n, q) => ({ qsh: q("GET", "/volumes") }) } });
  await S("auth: qsh for another method", "GET", "/clusters", { auth: { claims: (_n, q) => ({ qsh: q("POST", "/clusters") }) } });
  await S("auth: qsh in upper case", "GET", "/clusters", { auth: { claims: (_n, q) => ({ qsh: q("GET", "/clusters").toUpperCase() }) } });
  await S("auth: no qsh", "GET", "/clusters", { auth: { claims: () => ({ qsh: undefined }) } });
  await S("auth: query string is not part of qsh", "GET", "/clusters?verbose=1");
  await S("auth: no iss", "GET", "/clusters", { auth: { claims: () => ({ iss: undefined }) } });
  await S("auth: unknown iss", "GET", "/clusters", { auth: { claims: () => ({ iss: "operator" }) } });
  await S("auth: HS512", "GET", "/clusters", { auth: { alg: "HS512" } });
  await S("auth: alg none", "GET", "/clusters", { auth: { alg: "none" } });
  await S("auth: admin claim signed with the user key", "GET", "/clusters", { auth: { key: "user" } });
  await S("auth: user key on an admin endpoint", "GET", "/clusters", { auth: "user" });
  await S("auth: user key may list volumes", "GET", "/volumes", { auth: "user" });
  await S("auth: user key may not read a volume", "GET", `/volumes/${UNKNOWN_ID}`, { auth: "user" });
  await S("auth: user key may not poll the queue", "GET", `/queue/${UNKNOWN_ID}`, { auth: "user" });
  await S("auth: user key may create volumes (reaches validation)", "POST", "/volumes", { auth: "user", body: { size: 0 } });

  // ---- router ------------------------------------------------------------------------------
  await S("router: unknown path", "GET", "/no-such-path");
  await S("router: wrong method", "PUT", "/clusters", { body: {} });
  await S("router: trailing slash redirects", "GET", "/clusters/");
  await S("router: id that is not hex", "GET", "/clusters/not-hex");
  await S("router: short hex id", "GET", "/clusters/abc");
  await S("queue: unknown id", "GET", `/queue/${UNKNOWN_ID}`);

  // ---- clusters ----------------------------------------------------------------------------
  const clusterFacts = (expectId: () => string | undefined, nodes?: () => string[]) => (j: any) => ({
    idIsExpected: expectId() === undefined ? "n/a" : j.id === expectId(),
    file: j.file,
    block: j.block,
    nodes: j.nodes?.length,
    nodesSorted: isSorted(j.nodes ?? []),
    nodesAreTheAddedNodes: nodes ? JSON.stringify(sorted(j.nodes ?? [])) === JSON.stringify(sorted(nodes())) : "n/a",
    volumes: j.volumes?.length,
    blockvolumes: j.blockvolumes?.length,
  });
  const listFacts = (key: string) => (j: any) => ({ count: j[key]?.length, sorted: isSorted(j[key] ?? []) });

  await S("clusters: list while empty", "GET", "/clusters", { facts: listFacts("clusters") });
  const rScratch = await S("clusters: create with {}", "POST", "/clusters", { body: {}, facts: clusterFacts(() => undefined) });
  const scratch: string = (rScratch.json as any)?.id ?? MISSING_ID;
  await S("clusters: create with bad JSON", "POST", "/clusters", { body: "{not json" });
  await S("clusters: create with an empty body", "POST", "/clusters", { body: "" });
  await S("clusters: get the {} cluster", "GET", `/clusters/${scratch}`, { facts: clusterFacts(() => scratch) });
  await S("clusters: delete the empty cluster", "DELETE", `/clusters/${scratch}`);
  await S("clusters: get a deleted cluster", "GET", `/clusters/${scratch}`);
  await S("clusters: delete a deleted cluster", "DELETE", `/clusters/${scratch}`);
  const rCluster = await S("clusters: create file+block", "POST", "/clusters", { body: { file: true, block: true }, facts: clusterFacts(() => undefined) });
  const cluster: string = (rCluster.json as any)?.id ?? MISSING_ID;
  await S("clusters: list with one", "GET", "/clusters", { facts: (j) => ({ ...listFacts("clusters")(j), isTheCluster: j.clusters?.[0] === cluster }) });
  await S("clusters: get unknown", "GET", `/clusters/${UNKNOWN_ID}`);
  await S("clusters: set flags", "POST", `/clusters/${cluster}/flags`, { body: { file: true, block: true } });
  await S("clusters: set flags of unknown", "POST", `/clusters/${UNKNOWN_ID}/flags`, { body: { file: true, block: true } });

  // ---- nodes -------------------------------------------------------------------------------
  const n0 = topology.nodes[0];
  const nodeBody = (n: (typeof topology.nodes)[number], over: Record<string, unknown> = {}) => ({
    zone: n.zone,
    hostnames: { manage: [n.manage], storage: [n.storage] },
    cluster,
    ...over,
  });
  await S("nodes: zone 0", "POST", "/nodes", { body: nodeBody(n0, { zone: 0 }) });
  await S("nodes: zone missing", "POST", "/nodes", { body: { hostnames: { manage: [n0.manage], storage: [n0.storage] }, cluster } });
  await S("nodes: no manage hostname", "POST", "/nodes", { body: nodeBody(n0, { hostnames: { manage: [], storage: [n0.storage] } }) });
  await S("nodes: cluster id not an id", "POST", "/nodes", { body: nodeBody(n0, { cluster: "xyz" }) });
  await S("nodes: unknown cluster", "POST", "/nodes", { body: nodeBody(n0, { cluster: UNKNOWN_ID }) });
  await S("nodes: bad JSON", "POST", "/nodes", { body: "{not json" });
  const nodes: string[] = [];
  for (const [i, n] of topology.nodes.entries()) {
    const r = await S(`nodes: add node ${i + 1}`, "POST", "/nodes", { body: nodeBody(n) });
    const done = await T.poll(`nodes: add node ${i + 1}: queue`, r.headers.get("location"));
    nodes.push(idFromLocation(done, "/nodes") ?? MISSING_ID);
    if (i === 0) await S("nodes: add node 1: queue again", "GET", r.headers.get("location") ?? `/queue/${MISSING_ID}`);
  }
  await S("nodes: manage hostname already used", "POST", "/nodes", {
    body: nodeBody(n0, { hostnames: { manage: [n0.manage], storage: ["192.0.2.99"] } }),
  });
  await S("nodes: storage hostname already used", "POST", "/nodes", {
    body: nodeBody(n0, { hostnames: { manage: ["unused-manage.invalid"], storage: [n0.storage] } }),
  });
  const nodeFacts = (i: number) => (j: any) => ({
    idIsExpected: j.id === nodes[i],
    clusterIsExpected: j.cluster === cluster,
    zone: j.zone,
    state: j.state,
    hostnames: j.hostnames,
    devices: (j.devices ?? []).map((d: any) => `${d.name} ${d.state} bricks=${d.bricks?.length}`).sort(),
    devicesSortedById: isSorted((j.devices ?? []).map((d: any) => d.id)),
    devicesStorageAddsUp: (j.devices ?? []).every((d: any) => d.storage.total === d.storage.free + d.storage.used),
  });
  for (const i of nodes.keys()) await S(`nodes: get node ${i + 1}`, "GET", `/nodes/${nodes[i]}`, { facts: nodeFacts(i) });
  await S("nodes: get unknown", "GET", `/nodes/${UNKNOWN_ID}`);
  await S("clusters: get with nodes", "GET", `/clusters/${cluster}`, { facts: clusterFacts(() => cluster, () => nodes) });

  // ---- devices -----------------------------------------------------------------------------
  await S("devices: unknown node", "POST", "/devices", { body: { node: UNKNOWN_ID, name: n0.devices[0] } });
  await S("devices: name is not a path", "POST", "/devices", { body: { node: nodes[0], name: "vdb" } });
  await S("devices: empty name", "POST", "/devices", { body: { node: nodes[0], name: "" } });
  await S("devices: bad JSON", "POST", "/devices", { body: "{not json" });
  for (const [i, n] of topology.nodes.entries()) {
    for (const [j, dev] of n.devices.entries()) {
      const step = `devices: add node ${i + 1} device ${j + 1}`;
      const r = await S(step, "POST", "/devices", { body: { node: nodes[i], name: dev } });
      await T.poll(`${step}: queue`, r.headers.get("location"));
      if (i === 0 && j === 0) await S(`${step}: queue again`, "GET", r.headers.get("location") ?? `/queue/${MISSING_ID}`);
    }
  }
  // device ids by node, read back from the node (device add has no result).
  const devicesOf: string[][] = [];
  const deviceNode = new Map<string, string>();
  for (const i of nodes.keys()) {
    const r = await S(`nodes: get node ${i + 1} with devices`, "GET", `/nodes/${nodes[i]}`, { facts: nodeFacts(i) });
    const byName = new Map<string, string>(((r.json as any)?.devices ?? []).map((d: any) => [d.name, d.id]));
    devicesOf.push(topology.nodes[i].devices.map((name) => byName.get(name) ?? MISSING_ID));
    for (const d of devicesOf[i]) deviceNode.set(d, nodes[i]);
  }
  const d0 = devicesOf[0][0];
  const deviceFacts = (expect: () => string) => (j: any) => ({
    idIsExpected: j.id === expect(),
    name: j.name,
    state: j.state,
    storageAddsUp: j.storage?.total === j.storage?.free + j.storage?.used,
    totalIsPositive: j.storage?.total > 0,
    usedIsZero: j.storage?.used === 0,
    bricks: j.bricks?.length,
    bricksOnThisDevice: (j.bricks ?? []).every((b: any) => b.device === j.id),
  });
  await S("devices: get", "GET", `/devices/${d0}`, { facts: deviceFacts(() => d0) });
  await S("devices: get unknown", "GET", `/devices/${UNKNOWN_ID}`);
  await S("devices: delete while online", "DELETE", `/devices/${d0}`);
  await S("devices: delete unknown", "DELETE", `/devices/${UNKNOWN_ID}`);
  await S("nodes: delete while it has devices", "DELETE", `/nodes/${nodes[0]}`);
  await S("clusters: delete while it has nodes", "DELETE", `/clusters/${cluster}`);

  // ---- volume validation (all synchronous) -------------------------------------------------
  const rep3 = { type: "replicate", replicate: { replica: 3 } };
  const badVolumes: Array<[string, unknown]> = [
    ["size 0", { size: 0, durability: rep3 }],
    ["size -1", { size: -1, durability: rep3 }],
    ["replica 4", { size: 1, durability: { type: "replicate", replicate: { replica: 4 } } }],
    ["disperse 3+1", { size: 1, durability: { type: "disperse", disperse: { data: 3, redundancy: 1 } } }],
    ["unknown durability type", { size: 1, durability: { type: "mirror" } }],
    ["gid -1", { size: 1, durability: rep3, gid: -1 }],
    ["gid 2147483647", { size: 1, durability: rep3, gid: 2147483647 }],
    ["unknown cluster", { size: 1, durability: rep3, clusters: [UNKNOWN_ID] }],
    ["name with a space", { size: 1, durability: rep3, name: "bad name" }],
    ["snapshot factor 200", { size: 1, durability: rep3, snapshot: { enable: true, factor: 200 } }],
    ["disperse 4+2 below its minimum size", { size: 1, durability: { type: "disperse", disperse: { data: 4, redundancy: 2 } } }],
    ["bad JSON", "{not json"],
    ["empty body", ""],
    ["no space (1000000 GiB)", { size: 1_000_000, durability: rep3 }],
  ];
  for (const [what, body] of badVolumes) await S(`volumes: create: ${what}`, "POST", "/volumes", { body });
  await S("volumes: list while empty", "GET", "/volumes", { facts: listFacts("volumes") });
  await S("volumes: get unknown", "GET", `/volumes/${UNKNOWN_ID}`);

  // ---- volume lifecycle --------------------------------------------------------------------
  const rCreate = await S("volumes: create replica 3", "POST", "/volumes", {
    body: {
      size: 1,
      durability: rep3,
      gid: 2345,
      glustervolumeoptions: ["performance.rda-cache-limit 10MB"],
      snapshot: { enable: true, factor: 1 },
    },
  });
  const created = await T.poll("volumes: create replica 3: queue", rCreate.headers.get("location"));
  const vol = idFromLocation(created, "/volumes") ?? MISSING_ID;
  await S("volumes: create replica 3: queue again", "GET", rCreate.headers.get("location") ?? `/queue/${MISSING_ID}`);
  const volumeFacts = (j: any) => {
    const hosts: string[] = j.mount?.glusterfs?.hosts ?? [];
    const bricks: any[] = j.bricks ?? [];
    return {
      idIsExpected: j.id === vol,
      clusterIsExpected: j.cluster === cluster,
      size: j.size,
      nameIsVolUnderscoreId: j.name === `vol_${j.id}`,
      durability: j.durability,
      gid: j.gid,
      glustervolumeoptions: j.glustervolumeoptions,
      snapshot: j.snapshot,
      blockinfo: j.blockinfo,
      mountHosts: sorted(hosts),
      mountHostsAreAllStorageHosts: JSON.stringify(sorted(hosts)) === JSON.stringify(sorted(topology.nodes.map((n) => n.storage))),
      mountDeviceIsFirstHostColonName: j.mount?.glusterfs?.device === `${hosts[0]}:${j.name}`,
      backupVolfileServersAreTheOtherHosts: j.mount?.glusterfs?.options?.["backup-volfile-servers"] === hosts.slice(1).join(","),
      bricks: bricks.length,
      brickSizes: sorted(bricks.map((b) => b.size)),
      brickNodesDistinct: new Set(bricks.map((b) => b.node)).size,
      brickPathsFollowHeketiLayout: bricks.every((b) => b.path === `/var/lib/heketi/mounts/vg_${b.device}/brick_${b.id}/brick`),
      brickVolumeIsThisVolume: bricks.every((b) => b.volume === j.id),
      brickDeviceIsOnBrickNode: bricks.every((b) => deviceNode.get(b.device) === b.node),
    };
  };
  const rVol = await S("volumes: get", "GET", `/volumes/${vol}`, { facts: volumeFacts });
  const volName: string = (rVol.json as any)?.name ?? "vol_missing";
  const brickDevice: string = (rVol.json as any)?.bricks?.[0]?.device ?? MISSING_ID;
  await S("volumes: create with a name in use", "POST", "/volumes", { body: { size: 1, durability: rep3, name: volName } });
  await S("volumes: list with one", "GET", "/volumes", { facts: (j) => ({ ...listFacts("volumes")(j), isTheVolume: j.volumes?.[0] === vol }) });
  await S("volumes: user key lists them too", "GET", "/volumes", { auth: "user", facts: listFacts("volumes") });
  await S("clusters: get with a volume", "GET", `/clusters/${cluster}`, {
    facts: (j) => ({ ...clusterFacts(() => cluster, () => nodes)(j), volumeIsListed: j.volumes?.includes(vol) }),
  });
  await S("devices: get one holding a brick", "GET", `/devices/${brickDevice}`, {
    facts: (j) => {
      const { name: _which, ...f } = deviceFacts(() => brickDevice)(j); // which device holds a brick varies
      return { ...f, brickSizes: (j.bricks ?? []).map((b: any) => b.size), brickVolumeIsTheVolume: (j.bricks ?? []).every((b: any) => b.volume === vol) };
    },
  });
  await S("volumes: delete a cluster that has a volume", "DELETE", `/clusters/${cluster}`);

  await S("volumes: expand by 0", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 0 } });
  await S("volumes: expand with bad JSON", "POST", `/volumes/${vol}/expand`, { body: "{not json" });
  await S("volumes: expand beyond the brick limit (100000 GiB)", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 100_000 } });
  await S("volumes: expand unknown", "POST", `/volumes/${UNKNOWN_ID}/expand`, { body: { expand_size: 1 } });
  const rExpand = await S("volumes: expand by 1", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 1 } });
  await T.poll("volumes: expand by 1: queue", rExpand.headers.get("location"), {
    respFacts: (r) => ({ locationIsTheVolume: r.headers.get("location") === `/volumes/${vol}` }),
  });
  await S("volumes: get after expand", "GET", `/volumes/${vol}`, { facts: volumeFacts });

  await S("operations: counters", "GET", "/operations", { facts: (j) => ({ value: j }) });
  await S("operations: pending list", "GET", "/operations/pending", { facts: (j) => ({ count: j.pendingoperations?.length }) });
  await S("operations: unknown pending id", "GET", `/operations/pending/${UNKNOWN_ID}`);
  // Names only: the heketi_* sample names (the go_*/process_*/promhttp_* ones are runtime-specific).
  await S("metrics", "GET", "/metrics", {
    auth: "none",
    opaqueText: true,
    respFacts: (r) => ({ heketiMetricNames: [...new Set(r.text.split("\n").flatMap((l) => /^(heketi_[A-Za-z0-9_:]*)/.exec(l)?.[1] ?? []))].sort() }),
  });
  await S("db: dump", "GET", "/db/dump", { shapeDepth: 1, facts: (j) => ({ topLevelKeys: Object.keys(j).sort() }) });
  await S("admin: mode", "GET", "/admin", { facts: (j) => ({ value: j }) });
  await S("internal: log level", "GET", "/internal/logging", { facts: (j) => ({ value: j }) });

  const rDel = await S("volumes: delete", "DELETE", `/volumes/${vol}`);
  await T.poll("volumes: delete: queue", rDel.headers.get("location"));
  await S("volumes: get deleted", "GET", `/volumes/${vol}`);
  await S("volumes: delete deleted", "DELETE", `/volumes/${vol}`);
  await S("volumes: expand deleted", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 1 } });
  await S("volumes: list after delete", "GET", "/volumes", { facts: listFacts("volumes") });

  // ---- device and node states, teardown -----------------------------------------------------
  const state = async (step: string, kind: "devices" | "nodes", id: string, body: unknown) => {
    const r = await S(step, "POST", `/${kind}/${id}/state`, { body });
    if (r.status === 202) await T.poll(`${step}: queue`, r.headers.get("location"));
    return r;
  };
  await state("devices: state bogus", "devices", d0, { state: "bogus" });
  await state("devices: state missing", "devices", d0, {});
  await state("devices: state of unknown", "devices", UNKNOWN_ID, { state: "offline" });
  await state("devices: online -> failed is refused", "devices", d0, { state: "failed" });
  await state("devices: online -> offline", "devices", d0, { state: "offline" });
  await S("devices: get offline", "GET", `/devices/${d0}`, { facts: deviceFacts(() => d0) });
  await S("devices: delete while offline", "DELETE", `/devices/${d0}`);
  await state("devices: offline -> online", "devices", d0, { state: "online" });
  await state("devices: online -> offline again", "devices", d0, { state: "offline" });
  await state("devices: offline -> failed (remove)", "devices", d0, { state: "failed" });
  await S("devices: get failed", "GET", `/devices/${d0}`, { facts: deviceFacts(() => d0) });
  await state("devices: failed -> online is refused", "devices", d0, { state: "online" });
  const rDd = await S("devices: delete failed", "DELETE", `/devices/${d0}`);
  await T.poll("devices: delete failed: queue", rDd.headers.get("location"));
  await S("devices: get deleted", "GET", `/devices/${d0}`);

  await state("nodes: state bogus", "nodes", nodes[0], { state: "bogus" });
  await state("nodes: online -> failed is refused", "nodes", nodes[0], { state: "failed" });
  await state("nodes: online -> offline", "nodes", nodes[0], { state: "offline" });
  await state("nodes: offline -> online", "nodes", nodes[0], { state: "online" });
  await S("nodes: get node 1 after state changes", "GET", `/nodes/${nodes[0]}`, { facts: nodeFacts(0) });

  // Remaining devices: offline -> failed -> delete (quietly numbered steps; all must be 202 -> 204).
  for (const [i, devs] of devicesOf.entries()) {
    for (const [j, d] of devs.entries()) {
      if (d === d0) continue;
      const step = `teardown: node ${i + 1} device ${j + 1}`;
      await state(`${step}: offline`, "devices", d, { state: "offline" });
      await state(`${step}: failed`, "devices", d, { state: "failed" });
      const r = await S(`${step}: delete`, "DELETE", `/devices/${d}`);
      await T.poll(`${step}: delete: queue`, r.headers.get("location"));
    }
  }
  for (const [i, n] of nodes.entries()) {
    const r = await S(`teardown: node ${i + 1}: delete`, "DELETE", `/nodes/${n}`);
    await T.poll(`teardown: node ${i + 1}: delete: queue`, r.headers.get("location"));
  }
  await S("nodes: get deleted", "GET", `/nodes/${nodes[0]}`);
  await S("clusters: get after teardown", "GET", `/clusters/${cluster}`, { facts: clusterFacts(() => cluster) });
  await S("teardown: cluster: delete", "DELETE", `/clusters/${cluster}`);
  await S("clusters: list after teardown", "GET", "/clusters", { facts: listFacts("clusters") });
  await S("operations: counters at the end", "GET", "/operations", { facts: (j) => ({ value: j }) });
  return T.entries;
}

// ------------------------------------------------------------------------------------------------
// Snapshots and comparison

/** The comparable part of a transcript (what is written to test/fixtures/heketi-transcript.json). */
export function comparable(entries: TranscriptEntry[]): TranscriptEntry[] {
  return entries.map(({ observed: _observed, ...rest }) => rest);
}

export interface TranscriptFile {
  comment: string;
  server: string;
  entries: TranscriptEntry[];
}

export function readTranscriptFile(file: string): TranscriptEntry[] {
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as TranscriptFile | TranscriptEntry[];
  return Array.isArray(parsed) ? parsed : parsed.entries;
}

const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));

function diffShape(a: Shape, b: Shape, at: string, out: string[], la: string, lb: string) {
  const kind = (s: Shape) => (typeof s === "string" ? s : Array.isArray(s) ? (s.length ? "array" : "empty array") : "object");
  if (typeof a === "string" || typeof b === "string" || kind(a) !== kind(b)) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at}: ${la} ${kind(a)}, ${lb} ${kind(b)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length && b.length) diffShape(a[0], b[0], `${at}[0]`, out, la, lb);
    return;
  }
  const oa = a as Record<string, Shape>;
  const ob = b as Record<string, Shape>;
  for (const k of [...new Set([...Object.keys(oa), ...Object.keys(ob)])].sort()) {
    const p = at ? `${at}.${k}` : k;
    if (!(k in ob)) out.push(`${p}: only in ${la} (${kind(oa[k])})`);
    else if (!(k in oa)) out.push(`${p}: only in ${lb} (${kind(ob[k])})`);
    else diffShape(oa[k], ob[k], p, out, la, lb);
  }
}

/**
 * Differences between two transcripts, one readable line each; [] when they agree. `a` is the reference
 * (normally the Heketi snapshot), `b` the candidate. Entries are matched by step name. When the statuses
 * differ the step gets one line summarising both answers; otherwise headers, body (text, or JSON shape and
 * layout), facts and poll problems are compared one by one.
 */
export function compareTranscripts(a: TranscriptEntry[], b: TranscriptEntry[], labels: [string, string] = ["a", "b"]): string[] {
  const [la, lb] = labels;
  const out: string[] = [];
  const byName = new Map(b.map((e) => [e.step, e]));
  const inA = new Set(a.map((e) => e.step));
  for (const ea of a) {
    const eb = byName.get(ea.step);
    const tag = `[${ea.step}]`;
    if (!eb) {
      out.push(`${tag} missing in ${lb}`);
      continue;
    }
    const d = (what: string, x: unknown, y: unknown) => {
      if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${tag} ${what}: ${la} ${show(x)}, ${lb} ${show(y)}`);
    };
    d("request", `${ea.method} ${ea.path}`, `${eb.method} ${eb.path}`);
    if (ea.status !== eb.status) {
      // One line for the whole answer: the headers, body and facts of two different answers are noise.
      const summary = (e: TranscriptEntry) => {
        const t = e.body.kind === "text" && e.body.text !== undefined ? `text ${JSON.stringify(e.body.text.length > 200 ? e.body.text.slice(0, 200) + "…" : e.body.text)}` : e.body.kind;
        return `${e.status} ${t}${e.headers.location ? ` (Location ${e.headers.location})` : ""}`;
      };
      out.push(`${tag} status: ${la} ${summary(ea)}, ${lb} ${summary(eb)}`);
      continue;
    }
    for (const h of [...new Set([...Object.keys(ea.headers), ...Object.keys(eb.headers)])].sort()) d(`header ${h}`, ea.headers[h], eb.headers[h]);
    if (ea.body.kind !== eb.body.kind) {
      const detail = (r: BodyRecord) => (r.kind === "text" && r.text !== undefined ? `text ${JSON.stringify(r.text)}` : r.kind);
      out.push(`${tag} body: ${la} ${detail(ea.body)}, ${lb} ${detail(eb.body)}`);
    } else if (ea.body.kind === "text" && eb.body.kind === "text") {
      if (ea.body.text !== undefined || eb.body.text !== undefined) d("body text", ea.body.text, eb.body.text);
    } else if (ea.body.kind === "json" && eb.body.kind === "json") {
      const lines: string[] = [];
      diffShape(ea.body.shape, eb.body.shape, "", lines, la, lb);
      for (const l of lines) out.push(`${tag} body json ${l}`);
      d("body json layout", ea.body.layout, eb.body.layout);
    }
    const fa = ea.facts ?? {};
    const fb = eb.facts ?? {};
    for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])]) d(`fact ${k}`, fa[k], fb[k]);
    d("poll pendingProblems", ea.poll?.pendingProblems, eb.poll?.pendingProblems);
  }
  for (const eb of b) if (!inA.has(eb.step)) out.push(`[${eb.step}] only in ${lb}`);
  const orderA = a.map((e) => e.step).filter((s) => byName.has(s));
  const orderB = b.map((e) => e.step).filter((s) => inA.has(s));
  if (JSON.stringify(orderA) !== JSON.stringify(orderB)) out.push(`step order differs between ${la} and ${lb}`);
  return out;
}

// ------------------------------------------------------------------------------------------------
// CLI

async function main(argv: string[]) {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const url = arg("url");
  if (!url) {
    console.error("usage: api-transcript --url URL --admin-key KEY --user-key KEY [--compare FILE] [--out FILE] [--topology FILE] [--quiet]");
    process.exit(2);
  }
  const topologyFile = arg("topology");
  const entries = await apiTranscript({
    url,
    adminKey: arg("admin-key") ?? process.env.HEKETI_ADMIN_KEY ?? "",
    userKey: arg("user-key") ?? process.env.HEKETI_USER_KEY ?? "",
    topology: topologyFile ? (JSON.parse(fs.readFileSync(topologyFile, "utf8")) as TranscriptTopology) : undefined,
    log: argv.includes("--quiet") ? undefined : (l) => console.error(l),
  });
  const out = arg("out");
  if (out) fs.writeFileSync(out, JSON.stringify({ comment: "apiTranscript output", server: url, entries }, null, 2) + "\n");
  const cmp = arg("compare");
  if (cmp) {
    const diffs = compareTranscripts(readTranscriptFile(cmp), entries, ["heketi", "server"]);
    for (const l of diffs) console.log(l);
    console.log(diffs.length === 0 ? "transcripts agree" : `${diffs.length} difference(s)`);
    process.exit(diffs.length === 0 ? 0 : 1);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
