/**
 * Sending the transcript's requests (plain fetch, `redirect: "manual"`, JWTs signed with `jose`) and
 * recording, per step, what is deterministic and server-independent.
 */
import { createHash } from "node:crypto";
import { SignJWT, UnsecuredJWT } from "jose";
import { Normaliser, shapeOf } from "./normalise";
import { BodyRecord, MISSING_ID, TranscriptEntry, TranscriptTarget, TranscriptTopology } from "./types";

export type Claims = Record<string, unknown>;
export type AuthSpec =
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

export interface Resp {
  status: number;
  headers: Headers;
  text: string;
  json?: unknown;
  error?: string;
  ms: number;
}

export interface StepOptions {
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

export class Runner {
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

export const idFromLocation = (r: Resp, prefix: string): string | undefined => {
  const loc = r.headers.get("location") ?? "";
  const m = new RegExp(`^${prefix}/([0-9a-fA-F]{32})$`).exec(loc);
  return m?.[1];
};
export const isSorted = (a: string[]) => a.every((x, i) => i === 0 || a[i - 1] <= x);
export const sorted = <T>(a: T[]) => [...a].sort();
