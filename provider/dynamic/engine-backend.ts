/**
 * The engine backend: resources of a cluster whose connection is `{ ledgerPath, ssh }` are managed
 * by the embedded Engine (SQLite ledger, journaled operations over SSH). Engines are cached per
 * ledger, so all resources of a run share one SSH pool.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Engine } from "../engine";
import { NotFoundError } from "../model/errors";
import type { VolumeRow } from "../ledger/ledger";
import type { DeclaredPool, RebuildPlan } from "../operations/rebuild";
import type { EngineClusterInputs } from "../resources/cluster";
import { backendOf, type EngineConnection, EngineConnectionSchema } from "../resources/connection";
import type { EngineDeviceInputs } from "../resources/device";
import { node as nodeResource, type EngineNodeInputs } from "../resources/node";
import { assertAdoptable, sortedOptions } from "../resources/adoption";
import { PoolSchema } from "../resources/pool";
import type { Props } from "../resources/resource";
import { volume as volumeResource, type EngineVolumeInputs } from "../resources/volume";
import type { BackendModule, StorageBackend } from "./backend";

const engines = new Map<string, Promise<Engine>>();

/** The ledger file of a connection: a relative path is taken from the directory Pulumi runs the program in. */
export function ledgerFile(c: EngineConnection): string {
  return path.resolve(c.ledgerPath);
}

/** One engine per ledger in this process; at first use it recovers operations a crash left behind. */
export function engineForConnection(c: EngineConnection): Promise<Engine> {
  const file = ledgerFile(c);
  let e = engines.get(file);
  if (!e) {
    e = (async () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const engine = new Engine({
        ledgerPath: file,
        ssh: { user: c.ssh.user, port: c.ssh.port, sudo: c.ssh.sudo, privateKey: c.ssh.privateKey, privateKeyPath: c.ssh.privateKeyPath, knownHostsPath: c.ssh.knownHostsPath },
        log: (m) => console.error(`[glusterfs] ${m}`),
      });
      const recovered = await engine.recover();
      for (const r of recovered) console.error(`[glusterfs] recovered operation ${r.id} (${r.type}): ${r.action}${r.error ? `: ${r.error}` : ""}`);
      return engine;
    })();
    e.catch(() => engines.delete(file));
    engines.set(file, e);
  }
  return e;
}

/**
 * The ledger is a cache of the nodes: once per process, and again whenever a call names nodes not
 * asked yet, the cluster's rows are rebuilt from the nodes the program declares (the state's copy of
 * the pool on `destroy`). So a moved folder, a fresh clone or a CI runner starts from what is true.
 */
class Truth {
  /** per cluster: the nodes whose holdings the ledger reflects (asked, or added by this process) */
  private readonly known = new Map<string, Set<string>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly last = new Map<string, RebuildPlan>();

  constructor(private readonly engine: Engine) {}

  /** Rebuild when the pool names a node not known yet; calls that arrive meanwhile wait for the same rebuild. */
  async sync(pool: DeclaredPool): Promise<void> {
    const known = this.known.get(pool.clusterId);
    const fresh = pool.nodes.filter((n) => !known?.has(n.nodeId));
    // every node is known: wait for a rebuild under way (its failure is the failure of the calls that needed it)
    if (known && !fresh.length) return this.running.get(pool.clusterId)?.catch(() => undefined);
    return this.rebuild(pool, fresh);
  }

  /** Rebuild now, whatever is known (after adoption wrote tags on the nodes): calls wait for it as for any rebuild. */
  again(pool: DeclaredPool): Promise<void> {
    const known = this.known.get(pool.clusterId);
    return this.rebuild(pool, pool.nodes.filter((n) => !known?.has(n.nodeId)));
  }

  /** Queue a rebuild after any under way; `fresh` nodes count as known unless it fails. */
  private rebuild(pool: DeclaredPool, fresh: DeclaredPool["nodes"]): Promise<void> {
    const set = this.known.get(pool.clusterId) ?? new Set<string>();
    for (const n of fresh) set.add(n.nodeId);
    this.known.set(pool.clusterId, set);
    const before = this.running.get(pool.clusterId) ?? Promise.resolve();
    const run = before
      .catch(() => undefined)
      .then(() => this.engine.rebuildCluster(pool))
      .then(
        (plan) => void this.last.set(pool.clusterId, plan),
        (err) => {
          for (const n of fresh) set.delete(n.nodeId); // not asked after all: the next call tries again
          throw err;
        },
      );
    this.running.set(pool.clusterId, run);
    return run;
  }

  /** A cluster or node this process created: the ledger already holds what is on it (nothing, then what we did). */
  learned(clusterId: string, nodeId?: string): void {
    const set = this.known.get(clusterId) ?? new Set<string>();
    if (nodeId) set.add(nodeId);
    this.known.set(clusterId, set);
  }

  /**
   * A resource the ledger does not have: gone only if every node answered. Otherwise nobody can say,
   * and concluding "gone" would drop live storage from the state (refresh) or leave it behind (destroy).
   */
  assertAbsent(clusterId: string | undefined, kind: string, id: string): void {
    const plan = clusterId ? this.last.get(clusterId) : undefined;
    if (!plan || plan.complete) return;
    const silent = plan.unresolved.map((u) => `volume ${u.name}: ${u.why}`);
    throw new Error(
      `cannot tell whether ${kind} ${id} still exists: the ledger does not have it and not every node could be asked` +
        `${silent.length ? ` (${silent.join("; ")})` : " (a node did not answer, or gluster's volume list could not be read)"}. ` +
        "Bring the nodes back (or check SSH from this machine) and run the command again; nothing was changed.",
    );
  }
}

const truths = new WeakMap<Engine, Truth>();
function truthOf(engine: Engine): Truth {
  let t = truths.get(engine);
  if (!t) truths.set(engine, (t = new Truth(engine)));
  return t;
}

/** The pool a call carries (inputs, or the state's copy), with the resource's own node added when it is one. */
function poolOf(p: Props, self?: { id: string; props: Props }): DeclaredPool | undefined {
  const r = PoolSchema.safeParse(p.pool);
  if (!r.success) return undefined;
  const pool = { clusterId: r.data.clusterId, nodes: [...r.data.nodes] };
  if (self && !pool.nodes.some((n) => n.nodeId === self.id)) {
    const s = self.props;
    pool.nodes.push({ nodeId: self.id, manageHostname: s.manageHostname, storageHostname: s.storageHostname, zone: s.zone, tags: s.tags ?? {}, ssh: s.ssh ?? {} });
  }
  return pool;
}

/** Only the keys a schema declares as inputs (read must not turn outputs into inputs). */
function inputsOf(keys: string[], p: Props): Props {
  return Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

function volumeOuts(engine: Engine, i: EngineVolumeInputs, id: string): Props {
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

/**
 * An update that moves a resource from a REST server to this engine keeps its id: it must be in the
 * ledger (e.g. the ledger the server ran on), else nothing is touched.
 */
function mustKnow(engine: Engine, olds: Props, kind: string, id: string, found: unknown): void {
  if (backendOf(olds.connection) === "rest" && !found) {
    throw new NotFoundError(`${kind} (moving from the REST server at ${olds.connection.rest?.url} to the ledger ${engine.ledger.file})`, id);
  }
}

/** What `adopt` compares between a live volume and the program. */
function volumeComparison(v: VolumeRow, i: EngineVolumeInputs) {
  return [
    { input: "clusterId", live: v.clusterId, declared: i.clusterId },
    { input: "name", live: v.name, declared: i.name },
    { input: "sizeGiB", live: v.sizeGiB, declared: i.sizeGiB },
    { input: "durability", live: v.durability, declared: i.durability },
    { input: "gid", live: v.gid, declared: i.gid },
    { input: "snapshotFactor", live: v.snapshotFactor, declared: i.snapshotFactor },
    { input: "options", live: sortedOptions(v.options), declared: sortedOptions(i.options) },
  ];
}

/** The backend on one engine (exported for tests that give the engine a simulated executor). */
export function backend(engine: Engine): StorageBackend<EngineClusterInputs, EngineNodeInputs, EngineDeviceInputs, EngineVolumeInputs> {
  const truth = truthOf(engine);
  const sync = async (pool: DeclaredPool | undefined) => {
    if (pool) await truth.sync(pool);
  };
  /** Adopt the cluster row when this ledger does not have it yet (a new checkout): a cluster is its nodes. */
  const knowCluster = (id: string, i: { name?: string; file?: boolean; block?: boolean }) => {
    if (!engine.ledger.findCluster(id)) engine.createCluster({ id, name: i.name, file: i.file ?? true, block: i.block ?? false });
  };
  return {
    cluster: {
      async create(i) {
        const c = engine.createCluster({ name: i.name, file: i.file, block: i.block });
        truth.learned(c.id);
        return { id: c.id, outs: { ...i, ledgerPath: i.connection.ledgerPath, clusterId: c.id } };
      },
      /** A cluster is its nodes: its row is recorded under the given id (Heketi's, so StorageClasses keep theirs); the nodes are checked as they are adopted. */
      async adopt(id, i) {
        const c = engine.ledger.findCluster(id);
        if (c) assertAdoptable("cluster", id, [{ input: "file", live: c.file, declared: i.file }, { input: "block", live: c.block, declared: i.block }]);
        else knowCluster(id, i);
        return { id, outs: { ...i, ledgerPath: i.connection.ledgerPath, clusterId: id } };
      },
      async read(id, p) {
        const c = engine.ledger.findCluster(id);
        // not in this checkout's ledger: the cluster lives as long as its nodes do, and they are read with them
        if (!c) return { props: p };
        return { props: { ...p, file: c.file, block: c.block, clusterId: c.id } };
      },
      async update(id, olds, i) {
        if (backendOf(olds.connection) === "rest") mustKnow(engine, olds, "cluster", id, engine.ledger.findCluster(id));
        knowCluster(id, i);
        engine.setClusterFlags(id, { file: i.file, block: i.block });
        return { ...olds, ...i, ledgerPath: i.connection.ledgerPath, clusterId: id };
      },
      async delete(id) {
        try {
          engine.deleteCluster(id);
        } catch (e) {
          if (!(e instanceof NotFoundError)) throw e;
        }
      },
    },
    node: {
      async create(i) {
        await sync(poolOf(i));
        const n = await engine.addNode({ clusterId: i.clusterId, manageHostname: i.manageHostname, storageHostname: i.storageHostname, zone: i.zone, tags: i.tags, ssh: i.ssh });
        truth.learned(i.clusterId, n.id);
        return { id: n.id, outs: { ...i, nodeId: n.id, state: n.state } };
      },
      /** The node answers, glusterd runs, and the rest of the pool sees it: then its rows are what the node holds (the rebuild). */
      async adopt(id, i) {
        knowCluster(i.clusterId, {});
        const pool = poolOf(i, { id, props: i }) ?? { clusterId: i.clusterId, nodes: [] };
        if (!pool.nodes.some((n) => n.nodeId === id)) pool.nodes.push({ nodeId: id, manageHostname: i.manageHostname, storageHostname: i.storageHostname, zone: i.zone, tags: i.tags, ssh: i.ssh });
        await truth.sync(pool);
        const row = engine.ledger.findNode(id);
        if (!row || row.clusterId !== i.clusterId) throw new Error(`cannot adopt node ${id} (${i.manageHostname}): the ledger has it in cluster ${row?.clusterId ?? "(none)"}, not ${i.clusterId}; nothing was changed`);
        const live = await engine.inspectNode(id);
        if (!live?.glusterdUp) throw new Error(`cannot adopt node ${i.manageHostname}: glusterd does not answer there (\`gluster pool list\` failed over SSH); start it, or check SSH from this machine, and run again; nothing was changed`);
        if (live.connectedInPool === false) throw new Error(`cannot adopt node ${i.manageHostname}: the other nodes of the pool do not see ${i.storageHostname} as a connected peer; is it in this trusted pool (\`gluster pool list\` on a member)? Nothing was changed`);
        return { id, outs: { ...i, nodeId: id, state: live.state } };
      },
      async read(id, p) {
        await sync(poolOf(p, { id, props: p }));
        const live = await engine.inspectNode(id);
        if (!live) return undefined;
        return { props: { ...p, zone: live.zone, tags: live.tags, state: live.state }, inputs: inputsOf(Object.keys(nodeResource.engine.shape), { ...p, zone: live.zone, tags: live.tags }) };
      },
      async update(id, olds, i) {
        await sync(poolOf(i, { id, props: i }));
        mustKnow(engine, olds, "node", id, engine.ledger.findNode(id));
        if (i.zone !== undefined) await engine.setNodeZone(id, i.zone);
        engine.setNodeMetadata(id, { tags: i.tags, ssh: i.ssh });
        return { ...olds, ...i, nodeId: id };
      },
      async delete(id, p) {
        await sync(poolOf(p, { id, props: p }));
        if (!engine.ledger.findNode(id)) return;
        await engine.removeNode(id);
      },
    },
    device: {
      async create(i) {
        await sync(poolOf(i));
        const d = await engine.addDevice({ nodeId: i.nodeId, path: i.path, destroyData: i.destroyData, tags: i.tags });
        return { id: d.id, outs: { ...i, deviceId: d.id, totalKiB: d.totalKiB, freeKiB: d.freeKiB, usedKiB: d.usedKiB } };
      },
      /**
       * Its volume group is on the node, on the declared disk: Heketi's `vg_<id>`, or one built by hand
       * (any name, one disk), which is tagged as this device and keeps its name.
       */
      async adopt(id, i) {
        const pool = poolOf(i);
        await sync(pool);
        let d = engine.ledger.findDevice(id);
        const node = engine.ledger.findNode(i.nodeId);
        if (!d && node && !engine.ledger.listDevices(node.id).some((x) => x.path === i.path)) {
          await engine.adoptHandBuiltDevice(id, node.id, i.path);
          if (pool) await truth.again(pool);
          d = engine.ledger.findDevice(id);
        }
        if (!d || d.nodeId !== i.nodeId) {
          throw new Error(
            `cannot adopt device ${id} (${i.path}): ${node ? node.manageHost : `node ${i.nodeId}`} has no volume group vg_${id}` +
              `${d ? ` (it is on node ${d.nodeId})` : ""}. A device is adopted in Heketi's layout only (vg_<device id> on the disk); check the id (\`vgs\` on the node); nothing was changed`,
          );
        }
        assertAdoptable("device", id, [{ input: "path", live: d.path, declared: i.path }]);
        engine.setDeviceTags(id, i.tags);
        const live = await engine.inspectDevice(id);
        return { id, outs: { ...i, deviceId: id, totalKiB: live?.totalKiB ?? d.totalKiB, freeKiB: live?.freeKiB ?? d.freeKiB, usedKiB: live?.usedKiB ?? d.usedKiB } };
      },
      async read(id, p) {
        const pool = poolOf(p);
        await sync(pool);
        const live = await engine.inspectDevice(id);
        if (!live) {
          truth.assertAbsent(pool?.clusterId, "device", id);
          return undefined;
        }
        return { props: { ...p, totalKiB: live.totalKiB, freeKiB: live.freeKiB, usedKiB: live.usedKiB, sizeOnNodeKiB: live.sizeOnNodeKiB } };
      },
      async update(id, olds, i) {
        await sync(poolOf(i));
        mustKnow(engine, olds, "device", id, engine.ledger.findDevice(id));
        engine.setDeviceTags(id, i.tags);
        return { ...olds, ...i, deviceId: id };
      },
      async delete(id, p) {
        const pool = poolOf(p);
        await sync(pool);
        if (!engine.ledger.findDevice(id)) return truth.assertAbsent(pool?.clusterId, "device", id);
        await engine.removeDevice(id);
      },
    },
    volume: {
      async create(i) {
        await sync(poolOf(i));
        await engine.forgetVanishedVolume(i.clusterId, i.name);
        const v = await engine.createVolume({ name: i.name, sizeGiB: i.sizeGiB, clusters: [i.clusterId], durability: i.durability, gid: i.gid, snapshotFactor: i.snapshotFactor, options: i.options });
        return { id: v.id, outs: volumeOuts(engine, i, v.id) };
      },
      /** Gluster has it (`user.heketi.id` = the id, bricks in Heketi's layout on declared devices) as the program declares it. */
      async adopt(id, i) {
        const pool = poolOf(i);
        await sync(pool);
        let v = engine.ledger.findVolume(id);
        if (!v) {
          truth.assertAbsent(pool?.clusterId, "volume", id);
          // not marked with this id: a volume built by hand, taken over in place once it is what the program says
          const plan = await engine.planHandBuiltVolume(i.clusterId, id, i.name);
          assertAdoptable("volume", id, volumeComparison(plan.volume, i));
          await engine.adoptHandBuiltVolume(plan);
          if (pool) await truth.again(pool);
          v = engine.ledger.findVolume(id);
          if (!v) throw new Error(`volume ${i.name} was tagged as ${id} on the nodes, but the rebuild did not record it (see the warnings above); run \`pulumi up\` again, or \`pulumi-glusterfs check\``);
        }
        const live = await engine.inspectVolume(id);
        if (!live?.existsInGluster) throw new Error(`cannot adopt volume ${i.name} (${id}): it is gone from gluster; nothing was changed`);
        assertAdoptable("volume", id, volumeComparison(v, i));
        return { id, outs: { ...volumeOuts(engine, i, id), status: live.status ?? "Started" } };
      },
      async read(id, p) {
        const pool = poolOf(p);
        await sync(pool);
        if (typeof p.name === "string") engine.nameVanishedVolume(id, p.name);
        const live = await engine.inspectVolume(id);
        if (!live) {
          truth.assertAbsent(pool?.clusterId, "volume", id);
          return undefined;
        }
        if (!live.existsInGluster) return undefined;
        return {
          props: { ...p, ...volumeOuts(engine, p as EngineVolumeInputs, id), status: live.status, brickCount: live.brickCount },
          inputs: inputsOf(Object.keys(volumeResource.engine.shape), { ...p, sizeGiB: live.sizeGiB, options: live.options }),
        };
      },
      async update(id, olds, i) {
        await sync(poolOf(i));
        mustKnow(engine, olds, "volume", id, engine.ledger.findVolume(id));
        if (i.sizeGiB > olds.sizeGiB) await engine.expandVolume(id, i.sizeGiB - olds.sizeGiB);
        if (JSON.stringify(i.options) !== JSON.stringify(olds.options ?? [])) await engine.setVolumeOptions(id, i.options);
        return volumeOuts(engine, i, id);
      },
      async delete(id, p) {
        const pool = poolOf(p);
        await sync(pool);
        if (!engine.ledger.findVolume(id)) return truth.assertAbsent(pool?.clusterId, "volume", id);
        await engine.deleteVolume(id);
      },
    },
  };
}

export const engineBackend: BackendModule = {
  async open(connection, call) {
    const c = EngineConnectionSchema.parse(connection);
    if (!fs.existsSync(ledgerFile(c)) && call?.exists && call.kind !== "cluster" && !poolOf(call.values) && backendOf(call.olds?.connection) === "engine") {
      // never start an empty ledger for a resource that exists: "not in the ledger" would read as "gone"
      throw new Error(
        `the ledger ${ledgerFile(c)} does not exist, and this resource's state does not say where the cluster's nodes are ` +
          "(it was written by an older pulumi-glusterfs). Run `pulumi up` once from a checkout that has the ledger (it records the nodes in the state and changes nothing on them), " +
          "or put the ledger file back at that path, or run from the directory the program ran in before; nothing was changed.",
      );
    }
    return backend(await engineForConnection(c));
  },
};
