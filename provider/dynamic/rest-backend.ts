/**
 * The REST backend: resources of a cluster whose connection is `{ rest: { url, user, key } }` are
 * managed through a Heketi-compatible REST API, so Pulumi and Kubernetes share one source of truth
 * (the server's database). What Heketi's API cannot do (change a node's zone, change the options of
 * a volume) is refused at check, before anything is touched (the resources' rules, provider/resources).
 */
import { HeketiClient, isNotFound, VolumeCreateRequest, VolumeInfo } from "../rest-client";
import { cluster as clusterResource, type RestClusterInputs } from "../resources/cluster";
import { type RestConnection, RestConnectionSchema } from "../resources/connection";
import { device as deviceResource, type RestDeviceInputs } from "../resources/device";
import { node as nodeResource, type RestNodeInputs } from "../resources/node";
import type { Props } from "../resources/resource";
import { volume as volumeResource, type RestVolumeInputs } from "../resources/volume";
import { assertAdoptable } from "../resources/adoption";
import type { BackendModule, StorageBackend } from "./backend";

const clients = new Map<string, HeketiClient>();

/** One client per server, user, key and poll interval in this process. */
export function clientFor(c: RestConnection): HeketiClient {
  const k = JSON.stringify([c.rest.url, c.rest.user, c.rest.key, c.rest.pollIntervalMs]);
  let client = clients.get(k);
  if (!client) {
    client = new HeketiClient({ url: c.rest.url, user: c.rest.user, key: c.rest.key, pollIntervalMs: c.rest.pollIntervalMs, log: (m) => console.error(`[glusterfs] ${m}`) });
    clients.set(k, client);
  }
  return client;
}

/** `undefined` instead of Heketi's "Id not found"; every other error stays an error. */
async function unlessGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The entity an update works on must exist on the server the (possibly new) URL and key reach. */
async function mustExist<T>(c: RestConnection, kind: string, id: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
    throw new Error(`${kind} ${id} is not known to the server at ${c.rest.url}: a new URL or key must reach the same server (run \`pulumi refresh\` if it was deleted there)`, { cause: e });
  }
}

function inputsOf(keys: string[], p: Props): Props {
  return Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const sortedTags = (t: Record<string, string> | undefined) => Object.fromEntries(Object.entries(t ?? {}).sort(([a], [b]) => a.localeCompare(b)));

/** Heketi's option that makes a replica-3 volume an arbiter volume (heketi.md §3.3). */
const ARBITER_OPTION = "user.heketi.arbiter true";

export function volumeRequest(i: RestVolumeInputs): VolumeCreateRequest {
  const d = i.durability;
  const durability: VolumeCreateRequest["durability"] =
    d.type === "none" ? { type: "none" } : d.type === "replicate" ? { type: "replicate", replicate: { replica: d.replica } } : { type: "disperse", disperse: { data: d.data, redundancy: d.redundancy } };
  const options = i.options.map((o) => `${o.key} ${o.value}`);
  if (d.type === "replicate" && d.arbiter) options.push(ARBITER_OPTION);
  return {
    size: i.sizeGiB,
    name: i.name,
    clusters: [i.clusterId],
    durability,
    ...(i.gid ? { gid: i.gid } : {}),
    ...(options.length ? { glustervolumeoptions: options } : {}),
    // heketi-cli's rule: snapshots are enabled only for a factor above 1 (Heketi forces factor 1 otherwise)
    snapshot: { enable: i.snapshotFactor > 1, factor: i.snapshotFactor },
  };
}

/** A volume's durability as Heketi reports it, reduced to what tells two apart. */
function restDurability(v: Pick<VolumeInfo, "durability">): string {
  const d = v.durability;
  if (d.type === "replicate") return `replicate ${d.replicate.replica ?? 3}`;
  if (d.type === "disperse") return `disperse ${d.disperse.data}+${d.disperse.redundancy}`;
  return "none";
}

function volumeOuts(i: Props, v: VolumeInfo): Props {
  const g = v.mount.glusterfs;
  return {
    ...i,
    volumeId: v.id,
    sizeGiB: v.size,
    mountDevice: g.device,
    hosts: g.hosts,
    backupVolfileServers: g.options["backup-volfile-servers"] ?? "",
    brickCount: v.bricks.length,
    // Heketi only lists volumes it has created and started; it does not report gluster's status
    status: "Started",
  };
}

function backend(c: RestConnection): StorageBackend<RestClusterInputs, RestNodeInputs, RestDeviceInputs, RestVolumeInputs> {
  const api = clientFor(c);
  return {
    cluster: {
      async create(i) {
        const cl = await api.createCluster({ file: i.file, block: i.block });
        return { id: cl.id, outs: { ...i, clusterId: cl.id, restUrl: i.connection.rest.url } };
      },
      async adopt(id, i) {
        const cl = await mustExist(c, "cluster", id, api.clusterInfo(id));
        assertAdoptable("cluster", id, [{ input: "file", live: cl.file, declared: i.file }, { input: "block", live: cl.block, declared: i.block }]);
        return { id, outs: { ...i, clusterId: id, restUrl: i.connection.rest.url } };
      },
      async read(id, p) {
        const cl = await unlessGone(api.clusterInfo(id));
        if (!cl) return undefined;
        const props = { ...p, file: cl.file, block: cl.block, clusterId: cl.id, restUrl: c.rest.url };
        return { props, inputs: inputsOf(Object.keys(clusterResource.rest.shape), props) };
      },
      async update(id, olds, i) {
        const cl = await mustExist(c, "cluster", id, api.clusterInfo(id));
        if (cl.file !== i.file || cl.block !== i.block) await api.setClusterFlags(id, { file: i.file, block: i.block });
        return { ...olds, ...i, clusterId: id, restUrl: i.connection.rest.url };
      },
      async delete(id) {
        try {
          await api.deleteCluster(id);
        } catch (e) {
          if (isNotFound(e)) return;
          throw e;
        }
      },
    },
    node: {
      async create(i) {
        const n = await api.addNode({ cluster: i.clusterId, zone: i.zone, hostnames: { manage: [i.manageHostname], storage: [i.storageHostname] }, tags: i.tags });
        return { id: n.id, outs: { ...i, nodeId: n.id, state: n.state } };
      },
      async adopt(id, i) {
        const n = await mustExist(c, "node", id, api.nodeInfo(id));
        assertAdoptable("node", id, [
          { input: "clusterId", live: n.cluster, declared: i.clusterId },
          { input: "manageHostname", live: n.hostnames.manage[0], declared: i.manageHostname },
          { input: "storageHostname", live: n.hostnames.storage[0], declared: i.storageHostname },
          { input: "zone", live: n.zone, declared: i.zone },
          { input: "tags", live: sortedTags(n.tags), declared: sortedTags(i.tags) },
        ]);
        return { id, outs: { ...i, nodeId: id, state: n.state } };
      },
      async read(id, p) {
        const n = await unlessGone(api.nodeInfo(id));
        if (!n) return undefined;
        const live = { zone: n.zone, tags: n.tags ?? {} };
        return { props: { ...p, ...live, state: n.state }, inputs: inputsOf(Object.keys(nodeResource.rest.shape), { ...p, ...live }) };
      },
      async update(id, olds, i) {
        const n = await mustExist(c, "node", id, api.nodeInfo(id));
        if (n.zone !== i.zone) throw new Error(`node ${id}: Heketi's API cannot change a node's zone (${n.zone} → ${i.zone})`);
        if (!same(sortedTags(n.tags), sortedTags(i.tags))) await api.setNodeTags(id, i.tags, "set");
        return { ...olds, ...i, nodeId: id, state: n.state };
      },
      /** What the Heketi docs prescribe: the node has no devices left (Pulumi deleted them first), disable it, delete it. */
      async delete(id) {
        const n = await unlessGone(api.nodeInfo(id));
        if (!n) return;
        if (n.devices.length) {
          throw new Error(`node ${id} (${n.hostnames.manage[0]}) still has devices ${n.devices.map((d) => `${d.id} (${d.name})`).join(", ")} on the server: delete them first`);
        }
        if (n.state === "online") await api.setNodeState(id, "offline");
        try {
          await api.deleteNode(id);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      },
    },
    device: {
      async create(i) {
        const d = await api.addDevice({ node: i.nodeId, name: i.path, tags: i.tags, destroydata: i.destroyData });
        return { id: d.id, outs: { ...i, deviceId: d.id, totalKiB: d.storage.total, freeKiB: d.storage.free, usedKiB: d.storage.used, state: d.state } };
      },
      async adopt(id, i) {
        const d = await mustExist(c, "device", id, api.deviceInfo(id));
        const node = (await api.nodeInfo(i.nodeId)).devices.some((x) => x.id === id) ? i.nodeId : "another node";
        assertAdoptable("device", id, [
          { input: "nodeId", live: node, declared: i.nodeId },
          { input: "path", live: d.name, declared: i.path },
          { input: "tags", live: sortedTags(d.tags), declared: sortedTags(i.tags) },
        ]);
        return { id, outs: { ...i, deviceId: id, totalKiB: d.storage.total, freeKiB: d.storage.free, usedKiB: d.storage.used, state: d.state } };
      },
      async read(id, p) {
        const d = await unlessGone(api.deviceInfo(id));
        if (!d) return undefined;
        return {
          props: { ...p, tags: d.tags ?? {}, totalKiB: d.storage.total, freeKiB: d.storage.free, usedKiB: d.storage.used, state: d.state },
          inputs: inputsOf(Object.keys(deviceResource.rest.shape), { ...p, tags: d.tags ?? {} }),
        };
      },
      async update(id, olds, i) {
        const d = await mustExist(c, "device", id, api.deviceInfo(id));
        if (!same(sortedTags(d.tags), sortedTags(i.tags))) await api.setDeviceTags(id, i.tags, "set");
        return { ...olds, ...i, deviceId: id, totalKiB: d.storage.total, freeKiB: d.storage.free, usedKiB: d.storage.used, state: d.state };
      },
      /**
       * Heketi deletes only a `failed` device: online → offline → failed (which moves any bricks to
       * other devices, or fails saying why) → DELETE. Each step is skipped when already done.
       */
      async delete(id) {
        const d = await unlessGone(api.deviceInfo(id));
        if (!d) return;
        const step = async (what: string, f: () => Promise<void>) => {
          try {
            await f();
          } catch (e) {
            if (isNotFound(e)) return;
            throw new Error(`device ${id} (${d.name}): ${what} failed: ${(e as Error).message}`, { cause: e });
          }
        };
        if (d.state === "online") await step("disabling it (state offline)", () => api.setDeviceState(id, "offline"));
        if (d.state !== "failed") await step(`removing it (state failed${d.bricks.length ? `, which moves its ${d.bricks.length} brick(s) to other devices` : ""})`, () => api.setDeviceState(id, "failed"));
        await step("deleting it", () => api.deleteDevice(id));
      },
    },
    volume: {
      async create(i) {
        const v = await api.createVolume(volumeRequest(i));
        return { id: v.id, outs: volumeOuts(i, v) };
      },
      /** What Heketi reports of it: name, size, durability, gid, snapshot factor and the create-time options. */
      async adopt(id, i) {
        const v = await mustExist(c, "volume", id, api.volumeInfo(id));
        const want = volumeRequest(i);
        // Heketi pads the list with empty strings, and records its own id option
        const liveOptions = [...(v.glustervolumeoptions ?? [])].filter((o) => o.trim() && !o.startsWith("user.heketi.id")).sort();
        assertAdoptable("volume", id, [
          { input: "clusterId", live: v.cluster, declared: i.clusterId },
          { input: "name", live: v.name, declared: i.name },
          { input: "sizeGiB", live: v.size, declared: i.sizeGiB },
          { input: "durability", live: restDurability(v), declared: restDurability({ durability: { type: want.durability?.type, replicate: want.durability?.replicate ?? {}, disperse: want.durability?.disperse ?? {} } }) },
          { input: "gid", live: v.gid ?? 0, declared: i.gid },
          { input: "snapshotFactor", live: v.snapshot.enable ? v.snapshot.factor : 1, declared: i.snapshotFactor },
          { input: "options", live: liveOptions, declared: [...(want.glustervolumeoptions ?? [])].sort() },
        ]);
        return { id, outs: volumeOuts(i, v) };
      },
      async read(id, p) {
        const v = await unlessGone(api.volumeInfo(id));
        if (!v) return undefined;
        return { props: { ...p, ...volumeOuts(p, v) }, inputs: inputsOf(Object.keys(volumeResource.rest.shape), { ...p, sizeGiB: v.size }) };
      },
      /** Expand by what the server's volume lacks (it may have grown behind Pulumi's back); shrinking was refused at check. */
      async update(id, _olds, i) {
        let v = await mustExist(c, "volume", id, api.volumeInfo(id));
        if (i.sizeGiB > v.size) v = await api.expandVolume(id, i.sizeGiB - v.size);
        return volumeOuts(i, v);
      },
      async delete(id) {
        try {
          await api.deleteVolume(id);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      },
    },
  };
}

export const restBackend: BackendModule = {
  async open(connection) {
    return backend(RestConnectionSchema.parse(connection));
  },
};
