/**
 * Heketi's endpoints (heketi.md §1.3) on the engine. Synchronous checks answer at once with Heketi's
 * status codes and texts; remote work runs as a queue job (202 + /queue/<id>).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Router from "find-my-way";
import type { z } from "zod";
import type { Engine } from "../engine";
import * as api from "../heketi/api";
import { clusterInfo, deviceInfo, nodeInfo, visibleNode, visibleVolume, volumeInfo } from "../heketi/json";
import { ConflictError, EngineError, ValidationError } from "../model/errors";
import { newId } from "../model/ids";
import { DevicePath, NodeAdd, Tags, validate } from "../model/schemas";
import type { Role } from "./auth";
import type { ServeConfig } from "./config";
import { accepted, decode, empty, HttpError, json, readBody } from "./http";
import { operationCounts, pendingDetail, pendingOperations, pendingSummary } from "./pending-operations";
import type { AsyncQueue, Throttle } from "./queue";
import { volumeCreateInput } from "./volume-request";

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  role: Role;
}

export interface RouteContext {
  engine: Engine;
  queue: AsyncQueue;
  throttle: Throttle;
  config: ServeConfig;
  state: { admin: "normal" | "read-only" | "local-client"; logLevel: string };
  dump?: () => unknown;
  beforeNodeAdd?: (manageHost: string, storageHost: string) => void;
}

type Handler = (c: Call) => Promise<void>;

const ID = ":id(^[A-Fa-f0-9]+$)";

export function registerRoutes(router: Router.Instance<Router.HTTPVersion.V1>, rc: RouteContext): void {
  const { engine, queue } = rc;
  const ledger = engine.ledger;
  const on = (method: "GET" | "POST" | "DELETE", path: string, h: Handler) => router.on(method, path, h as unknown as Router.Handler<Router.HTTPVersion.V1>);
  const body = async <S extends import("zod").ZodType>(c: Call, schema: S) => decode(schema, await readBody(c.req));

  /** Start a job; answer 202. `throttled` jobs count against max in-flight operations (429 past it). */
  function start(c: Call, job: () => Promise<string | void>, opts: { throttled?: boolean } = {}): void {
    let release: (() => void) | undefined;
    if (opts.throttled) {
      release = rc.throttle.tryAcquire();
      if (!release) throw busy(rc);
    }
    accepted(c.res, queue.start(job, release));
  }

  const found = <T>(v: T | undefined): T => {
    if (v === undefined) throw new HttpError(404, "Id not found");
    return v;
  };

  // ---- queue -------------------------------------------------------------------------------------
  on("GET", `/queue/${ID}`, async (c) => {
    const e = queue.take(c.params.id);
    if (!e) throw new HttpError(404, "Id not found");
    if (e.state === "pending") return empty(c.res, 200, { "X-Pending": "true" });
    if (e.state === "failed") throw new HttpError(500, e.message);
    if (e.location) {
      // Go's http.Redirect on a GET: a tiny HTML body with the link
      c.res.writeHead(303, { Location: e.location, "Content-Type": "text/html; charset=utf-8" });
      return void c.res.end(`<a href="${e.location}">See Other</a>.\n\n`);
    }
    return empty(c.res, 204);
  });

  // ---- clusters ----------------------------------------------------------------------------------
  on("POST", "/clusters", async (c) => {
    const req = await body(c, api.ClusterFlagsRequest);
    const cl = engine.createCluster({ file: req.file ?? false, block: req.block ?? false });
    json(c.res, 201, clusterInfo(ledger, cl.id));
  });
  on("GET", "/clusters", async (c) => json(c.res, 200, { clusters: ledger.listClusters().map((x) => x.id).sort() }));
  on("GET", `/clusters/${ID}`, async (c) => {
    found(ledger.findCluster(c.params.id));
    json(c.res, 200, clusterInfo(ledger, c.params.id));
  });
  on("POST", `/clusters/${ID}/flags`, async (c) => {
    const req = await body(c, api.ClusterFlagsRequest);
    found(ledger.findCluster(c.params.id));
    engine.setClusterFlags(c.params.id, { file: req.file ?? false, block: req.block ?? false });
    c.res.writeHead(200, { "Content-Type": "application/json; charset=UTF-8" });
    c.res.end();
  });
  on("DELETE", `/clusters/${ID}`, async (c) => {
    found(ledger.findCluster(c.params.id));
    engine.deleteCluster(c.params.id);
    empty(c.res, 200);
  });

  // ---- nodes -------------------------------------------------------------------------------------
  on("POST", "/nodes", async (c) => {
    const req = await body(c, api.NodeAddRequest);
    const manage = req.hostnames?.manage?.[0] ?? "";
    const storage = req.hostnames?.storage?.[0] ?? "";
    const blank: string[] = [];
    if (!req.zone) blank.push("zone: cannot be blank");
    if (!req.cluster) blank.push("cluster: cannot be blank");
    if (!manage || !storage) blank.push(`hostnames: (${[!manage && "manage: cannot be blank", !storage && "storage: cannot be blank"].filter(Boolean).join("; ")}.)`);
    if (req.cluster && !/^[A-Fa-f0-9]+$/.test(req.cluster)) blank.push(`cluster: ${req.cluster} is not a valid UUID`);
    if (blank.length) throw new HttpError(400, `validation failed: ${blank.join("; ")}.`);
    if (!ledger.findCluster(req.cluster!)) throw new HttpError(404, "Cluster id does not exist");
    for (const h of [manage, storage]) {
      const other = ledger.listNodes().find((n) => n.manageHost === h || n.storageHost === h);
      if (other) throw new HttpError(409, `Hostname ${h} already used by node with id ${other.id}\n`);
    }
    const input = { id: newId(), clusterId: req.cluster!, manageHostname: manage, storageHostname: storage, zone: req.zone!, tags: req.tags ?? {} };
    validate(NodeAdd, input, "invalid node");
    rc.beforeNodeAdd?.(manage, storage);
    start(c, async () => `/nodes/${(await engine.addNode(input)).id}`);
  });
  on("GET", `/nodes/${ID}`, async (c) => {
    const n = found(ledger.findNode(c.params.id));
    if (!visibleNode(n)) throw new HttpError(404, "Id not found");
    json(c.res, 200, nodeInfo(ledger, n.id));
  });
  on("DELETE", `/nodes/${ID}`, async (c) => {
    const n = found(ledger.findNode(c.params.id));
    if (ledger.listDevices(n.id).length) throw new HttpError(409, `Unable to delete node [${n.id}] because it contains devices`);
    start(c, () => engine.removeNode(n.id));
  });
  on("POST", `/nodes/${ID}/state`, async (c) => {
    const req = await body(c, api.StateRequest);
    const n = found(ledger.findNode(c.params.id));
    const st = stateOf(req);
    start(c, () => engine.setNodeState(n.id, st, { healCheck: req.healcheck !== "disable" }), { throttled: st === "failed" });
  });
  on("POST", `/nodes/${ID}/tags`, async (c) => {
    const req = await body(c, api.TagsChangeRequest);
    const n = found(ledger.findNode(c.params.id));
    const tags = changeTags(n.tags, req);
    engine.setNodeMetadata(n.id, { tags });
    json(c.res, 200, tags);
  });

  // ---- devices -----------------------------------------------------------------------------------
  on("POST", "/devices", async (c) => {
    const req = await body(c, api.DeviceAddRequest);
    if (!req.name) throw new HttpError(400, "validation failed: name: cannot be blank.");
    if (!req.node) throw new HttpError(400, "validation failed: node: cannot be blank.");
    if (!/^\/[a-zA-Z0-9_.:/-]+$/.test(req.name)) throw new HttpError(400, "validation failed: name: must be in a valid format.");
    if (!DevicePath.safeParse(req.name).success) throw new HttpError(400, `validation failed: name: ${DevicePath.safeParse(req.name).error!.issues[0].message}.`);
    const node = ledger.findNode(req.node);
    if (!node) throw new HttpError(404, "Node id does not exist");
    if (ledger.listDevices(node.id).some((d) => d.path === req.name)) throw new HttpError(409, `Device ${req.name} is already used on node ${node.id}`);
    const input = { id: newId(), nodeId: node.id, path: req.name, destroyData: req.destroydata ?? false, tags: req.tags ?? {} };
    start(c, async () => void (await engine.addDevice(input)));
  });
  on("GET", `/devices/${ID}`, async (c) => {
    const d = found(ledger.findDevice(c.params.id));
    if (d.state === "adding") throw new HttpError(404, "Id not found");
    json(c.res, 200, deviceInfo(ledger, d));
  });
  on("DELETE", `/devices/${ID}`, async (c) => {
    const raw = Number(c.req.headers["content-length"] ?? 0) > 0 ? await readBody(c.req) : "";
    const opts = raw ? decode(api.DeviceDeleteOptions, raw) : {};
    const d = found(ledger.findDevice(c.params.id));
    if (d.state !== "failed") throw new HttpError(400, `device: ${d.id} is not in failed state`);
    if (ledger.listBricksOnDevice(d.id).length) throw new HttpError(409, `Unable to delete device [${d.id}] because it contains bricks`);
    start(c, async () => {
      try {
        await engine.removeDevice(d.id);
      } catch (err) {
        if (!opts.forceforget) throw err;
        engine.forgetDevice(d.id); // forceforget: drop it regardless
      }
    });
  });
  on("POST", `/devices/${ID}/state`, async (c) => {
    const req = await body(c, api.StateRequest);
    const d = found(ledger.findDevice(c.params.id));
    const st = stateOf(req);
    start(c, () => engine.setDeviceState(d.id, st, { healCheck: req.healcheck !== "disable" }), { throttled: st === "failed" });
  });
  on("GET", `/devices/${ID}/resync`, async (c) => {
    const d = found(ledger.findDevice(c.params.id));
    start(c, () => engine.resyncDevice(d.id));
  });
  on("POST", `/devices/${ID}/tags`, async (c) => {
    const req = await body(c, api.TagsChangeRequest);
    const d = found(ledger.findDevice(c.params.id));
    const tags = changeTags(d.tags, req);
    engine.setDeviceTags(d.id, tags);
    json(c.res, 200, tags);
  });

  // ---- volumes -----------------------------------------------------------------------------------
  on("POST", "/volumes", async (c) => {
    const req = await body(c, api.VolumeCreateRequest);
    const input = volumeCreateInput(req, ledger);
    const release = rc.throttle.tryAcquire();
    if (!release) throw busy(rc);
    let started: ReturnType<Engine["startCreateVolume"]>;
    try {
      started = engine.startCreateVolume(input);
    } catch (err) {
      release();
      if (err instanceof ValidationError && err.issues.some((i) => i.field === "clusters")) throw new HttpError(400, "No clusters configured");
      throw err;
    }
    accepted(c.res, queue.start(async () => `/volumes/${(await started.done).id}`, release));
  });
  on("GET", "/volumes", async (c) => json(c.res, 200, { volumes: ledger.listVolumes().filter(visibleVolume).map((v) => v.id).sort() }));
  on("GET", `/volumes/${ID}`, async (c) => {
    const v = found(ledger.findVolume(c.params.id));
    if (!visibleVolume(v)) throw new HttpError(404, "Id not found");
    json(c.res, 200, volumeInfo(ledger, v.id));
  });
  on("POST", `/volumes/${ID}/expand`, async (c) => {
    const req = await body(c, api.VolumeExpandRequest);
    const v = found(ledger.findVolume(c.params.id));
    if (!visibleVolume(v)) throw new HttpError(404, "Id not found");
    if (!req.expand_size || req.expand_size < 1) throw new HttpError(400, "validation failed: expand_size: cannot be blank.");
    const release = rc.throttle.tryAcquire();
    if (!release) throw busy(rc);
    let started: ReturnType<Engine["startExpandVolume"]>;
    try {
      started = engine.startExpandVolume(v.id, req.expand_size);
    } catch (err) {
      release();
      if (err instanceof ConflictError) throw new HttpError(500, `Failed to allocate volume expansion: ${err.message}`);
      throw err;
    }
    accepted(c.res, queue.start(async () => `/volumes/${(await started.done).id}`, release));
  });
  on("DELETE", `/volumes/${ID}`, async (c) => {
    const v = found(ledger.findVolume(c.params.id));
    if (v.name === "heketidbstorage") throw new HttpError(409, "Cannot delete volume containing the Heketi database");
    const release = rc.throttle.tryAcquire();
    if (!release) throw busy(rc);
    let started: ReturnType<Engine["startDeleteVolume"]>;
    try {
      started = engine.startDeleteVolume(v.id);
    } catch (err) {
      release();
      if (err instanceof ConflictError) throw new HttpError(500, "Failed to set up volume delete: The target exists, contains other items, or is in use.");
      throw err;
    }
    accepted(c.res, queue.start(() => started.done, release));
  });

  // block volumes are not supported: lists are empty, creates are refused
  on("GET", "/blockvolumes", async (c) => json(c.res, 200, { blockvolumes: [] }));
  on("POST", "/blockvolumes", async () => {
    throw new HttpError(400, "Block volumes are not supported by this server (file volumes only)");
  });
  // no block volume exists, so every id is unknown, as Heketi answers for one it does not have
  for (const [method, path] of [["GET", `/blockvolumes/${ID}`], ["DELETE", `/blockvolumes/${ID}`], ["POST", `/blockvolumes/${ID}/expand`]] as const) {
    on(method, path, async (c) => {
      throw new HttpError(404, `Id not found: ${c.params.id}`);
    });
  }
  on("POST", `/volumes/${ID}/block-restriction`, async (c) => {
    ledger.getVolume(c.params.id);
    throw new HttpError(400, "Block volumes are not supported by this server (file volumes only)");
  });

  // ---- bricks ----------------------------------------------------------------------------------------
  on("POST", `/bricks/to-evict/${ID}`, async (c) => {
    const raw = await readBody(c.req);
    const req = raw ? decode(api.BrickEvictRequest, raw) : {};
    if (req.healcheck && req.healcheck !== "enable" && req.healcheck !== "disable") throw new HttpError(400, "validation failed: healcheck: must be a valid value.");
    const b = ledger.findBrick(c.params.id);
    if (!b) throw new HttpError(404, `Id not found: ${c.params.id}`);
    start(c, () => engine.evictBrick(b.id, { healCheck: req.healcheck !== "disable" }), { throttled: true });
  });

  // Heketi endpoints this server does not implement: say so and what to use instead, rather than "Invalid path"
  for (const [method, path, what] of UNSUPPORTED) {
    on(method, path, async () => {
      throw new HttpError(501, what);
    });
  }

  // ---- topology (heketi-cli composes it client-side; served here in one call) ---------------------
  on("GET", "/topology", async (c) =>
    json(c.res, 200, {
      clusters: ledger.listClusters().sort((a, b) => (a.id < b.id ? -1 : 1)).map((cl) => {
        const info = clusterInfo(ledger, cl.id);
        return { id: cl.id, file: cl.file, block: cl.block, nodes: info.nodes.map((n) => nodeInfo(ledger, n)), volumes: info.volumes.map((v) => volumeInfo(ledger, v)), blockvolumes: [] };
      }),
    }),
  );

  // ---- operations, db, admin, logging -----------------------------------------------------------
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
  on("GET", "/admin", async (c) => json(c.res, 200, { state: rc.state.admin }));
  on("POST", "/admin", async (c) => {
    // Heketi answers a bad /admin body with 400 and the decoder's error, not the usual 422
    let req: z.output<typeof api.AdminStatus>;
    try {
      req = api.AdminStatus.parse(JSON.parse(await readBody(c.req)));
    } catch (e) {
      throw new HttpError(400, `request unable to be parsed: ${e instanceof SyntaxError ? e.message : "state must be a string"}`);
    }
    if (req.state !== "normal" && req.state !== "read-only" && req.state !== "local-client") throw new HttpError(400, "validation failed: state: must be a valid value.");
    rc.state.admin = req.state;
    empty(c.res, 204);
  });
  on("GET", "/internal/logging", async (c) => json(c.res, 200, { loglevel: { glusterfs: rc.state.logLevel } }));
  on("POST", "/internal/logging", async (c) => {
    let level: unknown;
    try {
      level = (JSON.parse(await readBody(c.req)) as { loglevel?: { glusterfs?: unknown } }).loglevel?.glusterfs;
    } catch {
      throw new HttpError(400, "request unable to be parsed: invalid JSON");
    }
    if (typeof level !== "string" || !["none", "critical", "error", "warning", "info", "debug"].includes(level)) throw new HttpError(422, "unknown log level");
    rc.state.logLevel = level;
    json(c.res, 200, { loglevel: { glusterfs: level } });
  });
}

/** Heketi endpoints answered with 501 and what the operator can do instead. */
const UNSUPPORTED: ReadonlyArray<readonly ["GET" | "POST", string, string]> = [
  ["POST", `/volumes/${ID}/clone`, "Volume clone is not supported by this server (pulumi-glusterfs): create a new volume and copy the data"],
  ["GET", "/db/check", "db check is not supported by this server (pulumi-glusterfs): the ledger's references are SQLite foreign keys, checked at every write; GET /db/dump exports it"],
  ["GET", "/backup/db", "backup/db is not supported by this server (pulumi-glusterfs): its database is SQLite, not Heketi's BoltDB; GET /db/dump exports it in Heketi's JSON, or copy the ledger file with sqlite3 .backup"],
  ["GET", "/internal/state/examine/gluster", "state examine gluster is not supported by this server (pulumi-glusterfs): for clusters managed by Pulumi, pulumi refresh compares the resources with the nodes"],
];

function busy(rc: RouteContext): HttpError {
  return new HttpError(429, "Server busy. Retry operation later.", { "Retry-After": String(rc.config.retryAfterSec) });
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

