/**
 * A small typed client for a Heketi-compatible REST API (heketi.md §1, §2): what the Pulumi REST
 * backend needs, no more. Every request carries a freshly signed JWT (also each poll and the redirect
 * hop); asynchronous operations (202 + Location) are polled to their end; 429 is retried.
 */
import { z } from "zod";
import { ClusterInfo, ClusterList, DeviceInfo, NodeInfo, VolumeInfo, VolumeList } from "../heketi/api";
import { HeketiError, HeketiProtocolError, HeketiUnreachableError } from "./errors";
import { signRequest } from "./jwt";

export type { ClusterInfo, DeviceInfo, NodeInfo, VolumeInfo } from "../heketi/api";

export type EntityState = "online" | "offline" | "failed";
export type Tags = Record<string, string>;

export interface HeketiClientOptions {
  /** Base URL, e.g. http://heketi.example.com:8080 (a path prefix is kept: http://proxy/heketi). */
  url: string;
  /** JWT issuer (default `admin`; Heketi's `user` may only touch /volumes). */
  user?: string;
  /** The shared secret of that user (Heketi's `jwt.admin.key`). */
  key: string;
  /** Delay between polls of /queue/<id> (default 400 ms, like the Go client). */
  pollIntervalMs?: number;
  /** Give up waiting for one asynchronous operation after this long (default 1 hour; the operation goes on on the server). */
  operationTimeoutMs?: number;
  /** Timeout of one HTTP request (default 10 minutes: Heketi places volumes synchronously). */
  requestTimeoutMs?: number;
  /** Retries of a 429 answer (default 6, like the Go client). */
  maxRetries?: number;
  /**
   * Delay before retry number `attempt` (1-based) after a 429. Default: the server's `Retry-After`
   * (seconds or an HTTP date) when present, else a random 10–30 s.
   */
  retryDelayMs?: (attempt: number, retryAfter: string | null) => number;
  /** Lifetime of each token (default 300 s). */
  tokenLifetimeSeconds?: number;
  /** Progress messages (retries, transient poll failures). */
  log?: (message: string) => void;
  /** Stand-in for the global fetch (tests). */
  fetch?: typeof fetch;
}

export interface NodeAddRequest {
  cluster: string;
  zone: number;
  hostnames: { manage: string[]; storage: string[] };
  tags?: Tags;
}

export interface DeviceAddRequest {
  node: string;
  /** The device path on the node; Heketi's device `name`. */
  name: string;
  tags?: Tags;
  destroydata?: boolean;
}

export interface VolumeCreateRequest {
  size: number;
  name?: string;
  clusters?: string[];
  durability?: { type: "none" | "replicate" | "disperse"; replicate?: { replica?: number }; disperse?: { data?: number; redundancy?: number } };
  gid?: number;
  glustervolumeoptions?: string[];
  block?: boolean;
  snapshot?: { enable: boolean; factor: number };
}

/** How an asynchronous operation ended: with the resource it points at (303, followed), or without (204). */
interface Final {
  /** Path of the resource the 303 pointed at (e.g. /nodes/<id>), when there was one. */
  location?: string;
  response?: Response;
}

const DEFAULT_POLL_MS = 400;
const DEFAULT_OPERATION_TIMEOUT_MS = 60 * 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_MAX_RETRIES = 6;
/** Consecutive network failures tolerated while polling (losing the poll would lose the result). */
const POLL_NETWORK_RETRIES = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Go client's delay after a 429: Retry-After when given, else random in [10, 30) s. */
export function defaultRetryDelayMs(_attempt: number, retryAfter: string | null): number {
  const after = parseRetryAfter(retryAfter);
  return after ?? 10_000 + Math.floor(Math.random() * 20_000);
}

/** `Retry-After`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (v === null || v.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function checkId(id: string): string {
  if (!/^[0-9a-fA-F]+$/.test(id)) throw new Error(`not a Heketi id: '${id}' (expected hex)`);
  return id;
}

export class HeketiClient {
  readonly baseUrl: string;
  readonly user: string;
  private readonly key: string;
  private readonly pollMs: number;
  private readonly operationTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryDelay: (attempt: number, retryAfter: string | null) => number;
  private readonly tokenLifetime: number;
  private readonly log: (m: string) => void;
  private readonly fetchImpl: typeof fetch;

  constructor(o: HeketiClientOptions) {
    const u = new URL(o.url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`Heketi URL must be http:// or https:// (got ${o.url})`);
    if (u.search || u.hash) throw new Error(`Heketi URL must not have a query or fragment (got ${o.url})`);
    this.baseUrl = `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
    this.user = o.user ?? "admin";
    this.key = o.key;
    this.pollMs = o.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.operationTimeoutMs = o.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    this.requestTimeoutMs = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxRetries = o.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.retryDelay = o.retryDelayMs ?? defaultRetryDelayMs;
    this.tokenLifetime = o.tokenLifetimeSeconds ?? 300;
    this.log = o.log ?? (() => {});
    this.fetchImpl = o.fetch ?? fetch;
  }

  // ---- server -------------------------------------------------------------------------------

  /** GET /hello: "Hello from Heketi" (no auth needed). */
  async hello(): Promise<string> {
    const r = await this.request("GET", "/hello");
    await this.expect(r, [200], "GET", "/hello");
    return r.text();
  }

  // ---- clusters -----------------------------------------------------------------------------

  /** POST /clusters (synchronous 201). The flags are sent explicitly: Heketi takes `{}` as file=false, block=false. */
  async createCluster(flags: { file: boolean; block: boolean }): Promise<ClusterInfo> {
    return this.syncJson("POST", "/clusters", flags, [201, 200], ClusterInfo);
  }

  async clusterInfo(id: string): Promise<ClusterInfo> {
    return this.syncJson("GET", `/clusters/${checkId(id)}`, undefined, [200], ClusterInfo);
  }

  async listClusters(): Promise<string[]> {
    return (await this.syncJson("GET", "/clusters", undefined, [200], ClusterList)).clusters;
  }

  /** POST /clusters/{id}/flags (synchronous 200, empty body). */
  async setClusterFlags(id: string, flags: { file: boolean; block: boolean }): Promise<void> {
    await this.syncNoContent("POST", `/clusters/${checkId(id)}/flags`, flags, [200, 204]);
  }

  /** DELETE /clusters/{id} (synchronous 200; 409 while it has nodes or volumes). */
  async deleteCluster(id: string): Promise<void> {
    await this.syncNoContent("DELETE", `/clusters/${checkId(id)}`, undefined, [200, 204]);
  }

  // ---- nodes --------------------------------------------------------------------------------

  /** POST /nodes, then the queue until 303 → /nodes/<id>. */
  async addNode(req: NodeAddRequest): Promise<NodeInfo> {
    return this.asyncJson("POST", "/nodes", req, NodeInfo);
  }

  async nodeInfo(id: string): Promise<NodeInfo> {
    return this.syncJson("GET", `/nodes/${checkId(id)}`, undefined, [200], NodeInfo);
  }

  /** DELETE /nodes/{id} (final 204; 409 while it has devices). */
  async deleteNode(id: string): Promise<void> {
    await this.asyncNoContent("DELETE", `/nodes/${checkId(id)}`);
  }

  /** POST /nodes/{id}/state. `failed` evacuates every device of the node (and is throttled). */
  async setNodeState(id: string, state: EntityState): Promise<void> {
    await this.asyncNoContent("POST", `/nodes/${checkId(id)}/state`, { state });
  }

  /** POST /nodes/{id}/tags (synchronous; answers the resulting tags). `set` replaces all tags. */
  async setNodeTags(id: string, tags: Tags, changeType: "set" | "update" | "delete" = "set"): Promise<Tags> {
    return this.syncJson("POST", `/nodes/${checkId(id)}/tags`, { tags, change_type: changeType }, [200], z.record(z.string(), z.string()));
  }

  // ---- devices ------------------------------------------------------------------------------

  /**
   * POST /devices. Its queue ends in 204 with no id, so the new device is found afterwards on the
   * node: the device of that name that was not there before (Heketi's mock executor accepts the same
   * name twice on a node, so the name alone is not enough).
   */
  async addDevice(req: DeviceAddRequest): Promise<DeviceInfo> {
    const before = new Set((await this.nodeInfo(req.node)).devices.map((d) => d.id));
    await this.asyncNoContent("POST", "/devices", req);
    const named = (await this.nodeInfo(req.node)).devices.filter((x) => x.name === req.name);
    const fresh = named.filter((x) => !before.has(x.id));
    const d = fresh.length === 1 ? fresh[0] : fresh.length === 0 && named.length === 1 ? named[0] : undefined;
    if (!d) {
      throw new HeketiProtocolError(
        "POST",
        "/devices",
        `device add of ${req.name} succeeded but node ${req.node} lists ${fresh.length ? `${fresh.length} new devices` : `${named.length} devices`} of that name: cannot tell which is the new one`,
      );
    }
    return this.deviceInfo(d.id);
  }

  async deviceInfo(id: string): Promise<DeviceInfo> {
    return this.syncJson("GET", `/devices/${checkId(id)}`, undefined, [200], DeviceInfo);
  }

  /**
   * POST /devices/{id}/state. online → offline stops new bricks; offline → failed moves every brick
   * away (Heketi's "device remove"; throttled). Transition errors come back as 500 from the queue.
   */
  async setDeviceState(id: string, state: EntityState, healcheck?: "enable" | "disable"): Promise<void> {
    await this.asyncNoContent("POST", `/devices/${checkId(id)}/state`, healcheck ? { state, healcheck } : { state });
  }

  /** DELETE /devices/{id}: the device must be `failed` and brick-less (400 / 409 otherwise). */
  async deleteDevice(id: string, o: { forceForget?: boolean } = {}): Promise<void> {
    await this.asyncNoContent("DELETE", `/devices/${checkId(id)}`, o.forceForget === undefined ? undefined : { forceforget: o.forceForget });
  }

  async setDeviceTags(id: string, tags: Tags, changeType: "set" | "update" | "delete" = "set"): Promise<Tags> {
    return this.syncJson("POST", `/devices/${checkId(id)}/tags`, { tags, change_type: changeType }, [200], z.record(z.string(), z.string()));
  }

  // ---- volumes ------------------------------------------------------------------------------

  /** POST /volumes: placement is synchronous (500 "Failed to allocate new volume: ..."), the rest on the queue. */
  async createVolume(req: VolumeCreateRequest): Promise<VolumeInfo> {
    return this.asyncJson("POST", "/volumes", req, VolumeInfo);
  }

  async volumeInfo(id: string): Promise<VolumeInfo> {
    return this.syncJson("GET", `/volumes/${checkId(id)}`, undefined, [200], VolumeInfo);
  }

  async listVolumes(): Promise<string[]> {
    return (await this.syncJson("GET", "/volumes", undefined, [200], VolumeList)).volumes;
  }

  /** POST /volumes/{id}/expand with the size to ADD (GiB). */
  async expandVolume(id: string, addGiB: number): Promise<VolumeInfo> {
    return this.asyncJson("POST", `/volumes/${checkId(id)}/expand`, { expand_size: addGiB }, VolumeInfo);
  }

  async deleteVolume(id: string): Promise<void> {
    await this.asyncNoContent("DELETE", `/volumes/${checkId(id)}`);
  }

  // ---- protocol -----------------------------------------------------------------------------

  /** Where a path or a Location points: server-relative paths are taken relative to the base URL. */
  resolve(location: string): URL {
    if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return new URL(location);
    if (location.startsWith("/")) return new URL(this.baseUrl + location);
    return new URL(location, this.baseUrl + "/");
  }

  /** One request (signed for its own method and path), retrying 429 answers. */
  private async request(method: string, pathOrUrl: string | URL, body?: unknown): Promise<Response> {
    const url = typeof pathOrUrl === "string" ? this.resolve(pathOrUrl) : pathOrUrl;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      const token = await signRequest({ user: this.user, key: this.key, method, path: url.pathname, lifetimeSeconds: this.tokenLifetime });
      const headers: Record<string, string> = { authorization: `bearer ${token}`, accept: "application/json, text/plain" };
      if (payload !== undefined) headers["content-type"] = "application/json";
      let r: Response;
      try {
        r = await this.fetchImpl(url, { method, headers, body: payload, redirect: "manual", signal: AbortSignal.timeout(this.requestTimeoutMs) });
      } catch (e) {
        throw new HeketiUnreachableError(this.baseUrl, e, (e as Error)?.name === "TimeoutError" ? `${method} ${url.pathname} timed out after ${this.requestTimeoutMs} ms` : undefined);
      }
      if (r.status !== 429 || attempt >= this.maxRetries) return r;
      const text = (await r.text()).trim();
      const delay = this.retryDelay(attempt + 1, r.headers.get("retry-after"));
      this.log(`${method} ${url.pathname}: server busy (429 ${text}); retry ${attempt + 1}/${this.maxRetries} in ${(delay / 1000).toFixed(1)}s`);
      await sleep(delay);
    }
  }

  private async errorFrom(r: Response, method: string, path: string, operation?: string): Promise<HeketiError> {
    const text = (await r.text().catch(() => "")).trim();
    return new HeketiError(r.status, text, method, path, operation);
  }

  private async expect(r: Response, ok: number[], method: string, path: string): Promise<void> {
    if (!ok.includes(r.status)) throw await this.errorFrom(r, method, path);
  }

  private async parse<S extends z.ZodType>(r: Response, schema: S, method: string, path: string): Promise<z.output<S>> {
    const text = await r.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new HeketiProtocolError(method, path, `HTTP ${r.status} body is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
    }
    const p = schema.safeParse(value);
    if (!p.success) throw new HeketiProtocolError(method, path, z.prettifyError(p.error));
    return p.data;
  }

  private async syncJson<S extends z.ZodType>(method: string, path: string, body: unknown, ok: number[], schema: S): Promise<z.output<S>> {
    const r = await this.request(method, path, body);
    await this.expect(r, ok, method, path);
    return this.parse(r, schema, method, path);
  }

  private async syncNoContent(method: string, path: string, body: unknown, ok: number[]): Promise<void> {
    const r = await this.request(method, path, body);
    await this.expect(r, ok, method, path);
    await r.text();
  }

  /** An asynchronous operation whose end is a resource (303 → GET → 200 JSON). */
  private async asyncJson<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): Promise<z.output<S>> {
    const f = await this.operation(method, path, body);
    if (!f.response) throw new HeketiProtocolError(method, path, "the operation finished without a result (204), a resource was expected");
    return this.parse(f.response, schema, method, f.location ?? path);
  }

  private async asyncNoContent(method: string, path: string, body?: unknown): Promise<void> {
    const f = await this.operation(method, path, body);
    await f.response?.text();
  }

  /**
   * Start an operation and wait for its end. 202 + Location → poll; any other 2xx is taken as a
   * synchronous success (a tolerant reading; Heketi always answers 202 here); anything else is an error.
   */
  private async operation(method: string, path: string, body?: unknown): Promise<Final> {
    const r = await this.request(method, path, body);
    if (r.status === 202) {
      const location = r.headers.get("location");
      await r.text();
      if (!location) throw new HeketiProtocolError(method, path, "202 Accepted without a Location header");
      return this.wait(location, `${method} ${path}`);
    }
    if (r.status >= 200 && r.status < 300) return { response: r.status === 204 ? (await r.text(), undefined) : r };
    throw await this.errorFrom(r, method, path);
  }

  /**
   * Poll GET <queue> until the operation ends (heketi.md §1.2): 200 + X-Pending = running;
   * 303 = done, the result is at Location (fetched with its own freshly signed GET); 204 = done;
   * 500 or anything else = failed, with the server's text. The terminal answer is given once.
   */
  private async wait(location: string, operation: string): Promise<Final> {
    const queue = this.resolve(location);
    const deadline = Date.now() + this.operationTimeoutMs;
    let networkFailures = 0;
    for (;;) {
      let r: Response;
      try {
        r = await this.request("GET", queue);
        networkFailures = 0;
      } catch (e) {
        if (!(e instanceof HeketiUnreachableError) || ++networkFailures > POLL_NETWORK_RETRIES) throw e;
        this.log(`${operation}: polling ${queue.pathname} failed (${e.message}); retrying`);
        await sleep(this.pollMs);
        continue;
      }
      const pending = r.headers.get("x-pending");
      if (r.status === 200 && pending !== null && pending.toLowerCase() !== "false") {
        await r.text();
        if (Date.now() > deadline) {
          throw new Error(`Heketi ${operation}: still running after ${Math.round(this.operationTimeoutMs / 1000)} s (${queue.pathname}); it goes on on the server`);
        }
        await sleep(this.pollMs);
        continue;
      }
      if (r.status === 303) {
        const to = r.headers.get("location");
        await r.text();
        if (!to) throw new HeketiProtocolError("GET", queue.pathname, "303 See Other without a Location header");
        const target = this.resolve(to);
        const f = await this.request("GET", target);
        if (f.status !== 200) throw await this.errorFrom(f, "GET", target.pathname, operation);
        return { location: target.pathname, response: f };
      }
      if (r.status === 204) {
        await r.text();
        return {};
      }
      if (r.status === 200) return { response: r };
      throw await this.errorFrom(r, "GET", queue.pathname, operation);
    }
  }
}
