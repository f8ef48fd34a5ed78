/**
 * What the dynamic providers do, loaded fresh in the provider process by the shims (shims.ts).
 * It translates Pulumi's check/diff/create/read/update/delete into engine calls; storage decisions
 * stay in the engine. Engines are cached per ledger, so all resources of a run share one SSH pool.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Engine } from "../engine";
import { NotFoundError } from "../model/errors";
import { ClusterInputs, Connection, ConnectionSchema, DeviceInputs, NodeInputs, VolumeInputs } from "./inputs";

type Dyn = pulumi.dynamic.ResourceProvider;
type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Pulumi's placeholder for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

/** Only the keys a schema declares as inputs (read must not turn outputs into inputs). */
function inputsOf(schema: z.ZodObject, p: Props): Props {
  return Object.fromEntries(Object.keys(schema.shape).filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

function strip(p: Props): Props {
  const { __provider: _p, ...rest } = p ?? {};
  return rest;
}

const engines = new Map<string, Promise<Engine>>();

/** One engine per ledger in this process; at first use it recovers operations a crash left behind. */
export function engineFor(c: Connection): Promise<Engine> {
  let e = engines.get(c.ledgerPath);
  if (!e) {
    e = (async () => {
      const engine = new Engine({
        ledgerPath: c.ledgerPath,
        ssh: { user: c.ssh.user, port: c.ssh.port, sudo: c.ssh.sudo, privateKey: c.ssh.privateKey, privateKeyPath: c.ssh.privateKeyPath, knownHostsPath: c.ssh.knownHostsPath },
        log: (m) => console.error(`[glusterfs] ${m}`),
      });
      const recovered = await engine.recover();
      for (const r of recovered) console.error(`[glusterfs] recovered operation ${r.id} (${r.type}): ${r.action}${r.error ? `: ${r.error}` : ""}`);
      return engine;
    })();
    e.catch(() => engines.delete(c.ledgerPath));
    engines.set(c.ledgerPath, e);
  }
  return e;
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
function check<S extends z.ZodType>(schema: S, news: Props, extra?: (v: z.output<S>) => Array<{ property: string; reason: string }>): pulumi.dynamic.CheckResult {
  const inputs = strip(news);
  const r = schema.safeParse(inputs);
  if (!r.success) {
    const failures = r.error.issues
      .filter((i) => !touchesUnknown(inputs, i.path))
      .map((i) => ({ property: String(i.path[0] ?? ""), reason: `${i.path.join(".") || "(value)"}: ${i.message}` }));
    return { inputs: news, failures };
  }
  return { inputs: { ...news, ...(r.data as object) }, failures: extra?.(r.data) ?? [] };
}

function at(o: Props, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Props)[k] : undefined), o);
}

/** Property paths whose value differs (a change of the ledger path means another cluster: replace). */
function changed(olds: Props, news: Props, paths: string[]): string[] {
  return paths.filter((k) => JSON.stringify(at(olds, k) ?? null) !== JSON.stringify(at(news, k) ?? null));
}

function diffResult(olds: Props, news: Props, replaceKeys: string[], updateKeys: string[]): pulumi.dynamic.DiffResult {
  const replaces = [...new Set(changed(olds, news, replaceKeys).map((k) => k.split(".")[0]))];
  const updates = changed(olds, news, updateKeys);
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
}

const gone = { id: "", props: {} } as unknown as pulumi.dynamic.ReadResult;

// ---------------------------------------------------------------------------------------------

export const cluster: Dyn = {
  async check(_olds, news) {
    return check(ClusterInputs, news);
  },
  async diff(_id, olds, news) {
    return diffResult(olds, news, ["connection.ledgerPath", "name"], ["connection", "file", "block"]);
  },
  async create(inputs) {
    const i = ClusterInputs.parse(strip(inputs));
    const engine = await engineFor(i.connection);
    const c = engine.createCluster({ name: i.name, file: i.file, block: i.block });
    return { id: c.id, outs: { ...i, ledgerPath: i.connection.ledgerPath, clusterId: c.id } };
  },
  async read(id, props) {
    const p = props as Props;
    const engine = await engineFor(connectionOf(p));
    const c = engine.ledger.findCluster(id);
    if (!c) return gone;
    return { id, props: { ...p, file: c.file, block: c.block, clusterId: c.id } };
  },
  async update(id, olds, news) {
    const i = ClusterInputs.parse(strip(news));
    const engine = await engineFor(i.connection);
    engine.ledger.setClusterFlags(id, i.file, i.block);
    return { outs: { ...(olds as Props), ...i, ledgerPath: i.connection.ledgerPath, clusterId: id } };
  },
  async delete(id, props) {
    const engine = await engineFor(connectionOf(props as Props));
    try {
      engine.deleteCluster(id);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  },
};

/** The cluster connection every resource carries in its state (what delete and read work from). */
function connectionOf(p: Props): Connection {
  return ConnectionSchema.parse(p.connection);
}

export const node: Dyn = {
  async check(_olds, news) {
    return check(NodeInputs, news);
  },
  async diff(_id, olds, news) {
    return diffResult(olds, news, ["connection.ledgerPath", "clusterId", "manageHostname", "storageHostname"], ["zone", "tags", "ssh", "connection"]);
  },
  async create(inputs) {
    const i = NodeInputs.parse(strip(inputs));
    const engine = await engineFor(i.connection);
    const n = await engine.addNode({ clusterId: i.clusterId, manageHostname: i.manageHostname, storageHostname: i.storageHostname, zone: i.zone, tags: i.tags, ssh: i.ssh });
    return { id: n.id, outs: { ...i, nodeId: n.id, state: n.state } };
  },
  async read(id, props) {
    const p = props as Props;
    const engine = await engineFor(connectionOf(p));
    const live = await engine.inspectNode(id);
    if (!live) return gone;
    return { id, props: { ...p, zone: live.zone, tags: live.tags, state: live.state }, inputs: inputsOf(NodeInputs, { ...p, zone: live.zone, tags: live.tags }) };
  },
  async update(id, olds, news) {
    const i = NodeInputs.parse(strip(news));
    const engine = await engineFor(i.connection);
    engine.ledger.updateNode(id, { zone: i.zone, tags: i.tags, ssh: i.ssh });
    return { outs: { ...(olds as Props), ...i, nodeId: id } };
  },
  async delete(id, props) {
    const engine = await engineFor(connectionOf(props as Props));
    if (!engine.ledger.findNode(id)) return;
    await engine.removeNode(id);
  },
};

export const device: Dyn = {
  async check(_olds, news) {
    return check(DeviceInputs, news);
  },
  async diff(_id, olds, news) {
    return diffResult(olds, news, ["connection.ledgerPath", "nodeId", "path"], ["tags", "connection", "destroyData"]);
  },
  async create(inputs) {
    const i = DeviceInputs.parse(strip(inputs));
    const engine = await engineFor(i.connection);
    const d = await engine.addDevice({ nodeId: i.nodeId, path: i.path, destroyData: i.destroyData, tags: i.tags });
    return { id: d.id, outs: { ...i, deviceId: d.id, totalKiB: d.totalKiB, freeKiB: d.freeKiB, usedKiB: d.usedKiB } };
  },
  async read(id, props) {
    const p = props as Props;
    const engine = await engineFor(connectionOf(p));
    const live = await engine.inspectDevice(id);
    if (!live) return gone;
    return { id, props: { ...p, totalKiB: live.totalKiB, freeKiB: live.freeKiB, usedKiB: live.usedKiB, sizeOnNodeKiB: live.sizeOnNodeKiB } };
  },
  async update(id, olds, news) {
    const i = DeviceInputs.parse(strip(news));
    const engine = await engineFor(i.connection);
    engine.ledger.updateDevice(id, { tags: i.tags });
    return { outs: { ...(olds as Props), ...i, deviceId: id } };
  },
  async delete(id, props) {
    const engine = await engineFor(connectionOf(props as Props));
    if (!engine.ledger.findDevice(id)) return;
    await engine.removeDevice(id);
  },
};

export const volume: Dyn = {
  async check(olds, news) {
    return check(VolumeInputs, news, (v) =>
      olds && typeof (olds as Props).sizeGiB === "number" && v.sizeGiB < (olds as Props).sizeGiB
        ? [{ property: "sizeGiB", reason: `sizeGiB: a GlusterFS volume cannot shrink (${(olds as Props).sizeGiB} → ${v.sizeGiB} GiB); it can only grow in place. Create a new, smaller volume and move the data.` }]
        : [],
    );
  },
  async diff(_id, olds, news) {
    return diffResult(olds, news, ["connection.ledgerPath", "clusterId", "name", "durability", "gid", "snapshotFactor"], ["sizeGiB", "options", "connection"]);
  },
  async create(inputs) {
    const i = VolumeInputs.parse(strip(inputs));
    const engine = await engineFor(i.connection);
    await engine.forgetVanishedVolume(i.clusterId, i.name);
    const v = await engine.createVolume({ name: i.name, sizeGiB: i.sizeGiB, clusters: [i.clusterId], durability: i.durability, gid: i.gid, snapshotFactor: i.snapshotFactor, options: i.options });
    return { id: v.id, outs: volumeOuts(engine, i, v.id) };
  },
  async read(id, props) {
    const p = props as Props;
    const engine = await engineFor(connectionOf(p));
    const live = await engine.inspectVolume(id);
    if (!live || !live.existsInGluster) return gone;
    return { id, props: { ...p, ...volumeOuts(engine, p as VolumeInputs, id), status: live.status, brickCount: live.brickCount }, inputs: inputsOf(VolumeInputs, { ...p, sizeGiB: live.sizeGiB, options: live.options }) };
  },
  async update(id, olds, news) {
    const i = VolumeInputs.parse(strip(news));
    const o = olds as Props;
    const engine = await engineFor(i.connection);
    if (i.sizeGiB > o.sizeGiB) await engine.expandVolume(id, i.sizeGiB - o.sizeGiB);
    if (JSON.stringify(i.options) !== JSON.stringify(o.options ?? [])) await engine.setVolumeOptions(id, i.options);
    return { outs: volumeOuts(engine, i, id) };
  },
  async delete(id, props) {
    const engine = await engineFor(connectionOf(props as Props));
    if (!engine.ledger.findVolume(id)) return;
    await engine.deleteVolume(id);
  },
};

function volumeOuts(engine: Engine, i: VolumeInputs, id: string): Props {
  const v = engine.ledger.getVolume(id);
  const m = engine.mountInfo(id);
  return {
    ...i,
    volumeId: id,
    sizeGiB: v.sizeGiB,
    mountDevice: m.device,
    hosts: m.hosts,
    backupVolfileServers: m.options["backup-volfile-servers"],
    brickCount: engine.ledger.listBricks(id).length,
    status: "Started",
  };
}
