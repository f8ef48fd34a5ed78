/**
 * The engine backend: resources of a cluster whose connection is `{ ledgerPath, ssh }` are managed
 * by the embedded Engine (SQLite ledger, journaled operations over SSH). Engines are cached per
 * ledger, so all resources of a run share one SSH pool.
 */
import { Engine } from "../engine";
import { NotFoundError } from "../model/errors";
import type { BackendModule, Props, StorageBackend } from "./backend";
import { backendOf, EngineClusterInputs, EngineConnection, EngineConnectionSchema, EngineDeviceInputs, EngineInputs, EngineNodeInputs, EngineVolumeInputs } from "./inputs";

const engines = new Map<string, Promise<Engine>>();

/** One engine per ledger in this process; at first use it recovers operations a crash left behind. */
export function engineFor(c: EngineConnection): Promise<Engine> {
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

function backend(engine: Engine): StorageBackend<EngineClusterInputs, EngineNodeInputs, EngineDeviceInputs, EngineVolumeInputs> {
  return {
    cluster: {
      async create(i) {
        const c = engine.createCluster({ name: i.name, file: i.file, block: i.block });
        return { id: c.id, outs: { ...i, ledgerPath: i.connection.ledgerPath, clusterId: c.id } };
      },
      async read(id, p) {
        const c = engine.ledger.findCluster(id);
        if (!c) return undefined;
        return { props: { ...p, file: c.file, block: c.block, clusterId: c.id } };
      },
      async update(id, olds, i) {
        mustKnow(engine, olds, "cluster", id, engine.ledger.findCluster(id));
        engine.ledger.setClusterFlags(id, i.file, i.block);
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
        const n = await engine.addNode({ clusterId: i.clusterId, manageHostname: i.manageHostname, storageHostname: i.storageHostname, zone: i.zone, tags: i.tags, ssh: i.ssh });
        return { id: n.id, outs: { ...i, nodeId: n.id, state: n.state } };
      },
      async read(id, p) {
        const live = await engine.inspectNode(id);
        if (!live) return undefined;
        return { props: { ...p, zone: live.zone, tags: live.tags, state: live.state }, inputs: inputsOf(Object.keys(EngineInputs.node.shape), { ...p, zone: live.zone, tags: live.tags }) };
      },
      async update(id, olds, i) {
        mustKnow(engine, olds, "node", id, engine.ledger.findNode(id));
        engine.ledger.updateNode(id, { zone: i.zone, tags: i.tags, ssh: i.ssh });
        return { ...olds, ...i, nodeId: id };
      },
      async delete(id) {
        if (!engine.ledger.findNode(id)) return;
        await engine.removeNode(id);
      },
    },
    device: {
      async create(i) {
        const d = await engine.addDevice({ nodeId: i.nodeId, path: i.path, destroyData: i.destroyData, tags: i.tags });
        return { id: d.id, outs: { ...i, deviceId: d.id, totalKiB: d.totalKiB, freeKiB: d.freeKiB, usedKiB: d.usedKiB } };
      },
      async read(id, p) {
        const live = await engine.inspectDevice(id);
        if (!live) return undefined;
        return { props: { ...p, totalKiB: live.totalKiB, freeKiB: live.freeKiB, usedKiB: live.usedKiB, sizeOnNodeKiB: live.sizeOnNodeKiB } };
      },
      async update(id, olds, i) {
        mustKnow(engine, olds, "device", id, engine.ledger.findDevice(id));
        engine.ledger.updateDevice(id, { tags: i.tags });
        return { ...olds, ...i, deviceId: id };
      },
      async delete(id) {
        if (!engine.ledger.findDevice(id)) return;
        await engine.removeDevice(id);
      },
    },
    volume: {
      async create(i) {
        await engine.forgetVanishedVolume(i.clusterId, i.name);
        const v = await engine.createVolume({ name: i.name, sizeGiB: i.sizeGiB, clusters: [i.clusterId], durability: i.durability, gid: i.gid, snapshotFactor: i.snapshotFactor, options: i.options });
        return { id: v.id, outs: volumeOuts(engine, i, v.id) };
      },
      async read(id, p) {
        const live = await engine.inspectVolume(id);
        if (!live || !live.existsInGluster) return undefined;
        return {
          props: { ...p, ...volumeOuts(engine, p as EngineVolumeInputs, id), status: live.status, brickCount: live.brickCount },
          inputs: inputsOf(Object.keys(EngineInputs.volume.shape), { ...p, sizeGiB: live.sizeGiB, options: live.options }),
        };
      },
      async update(id, olds, i) {
        mustKnow(engine, olds, "volume", id, engine.ledger.findVolume(id));
        if (i.sizeGiB > olds.sizeGiB) await engine.expandVolume(id, i.sizeGiB - olds.sizeGiB);
        if (JSON.stringify(i.options) !== JSON.stringify(olds.options ?? [])) await engine.setVolumeOptions(id, i.options);
        return volumeOuts(engine, i, id);
      },
      async delete(id) {
        if (!engine.ledger.findVolume(id)) return;
        await engine.deleteVolume(id);
      },
    },
  };
}

export const engineBackend: BackendModule = {
  rules: {},
  async open(connection) {
    return backend(await engineFor(EngineConnectionSchema.parse(connection)));
  },
};
