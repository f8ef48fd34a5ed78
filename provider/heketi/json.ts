/**
 * The ledger as Heketi shows it (heketi.md §1.4): pure mappings from ledger rows to Heketi's JSON,
 * with its quirks where clients can see them (sorted id lists, `[]` not null, structs always present,
 * omitted empty tags/gid).
 */
import type { BrickRow, DeviceRow, Ledger, NodeRow, VolumeRow } from "../ledger/ledger";
import type { BrickInfo, ClusterInfo, DeviceInfo, NodeInfo, VolumeInfo } from "./api";

const sorted = (xs: string[]) => [...xs].sort();

/** Volumes a client may see: not being created or deleted (Heketi hides pending volumes). */
export function visibleVolume(v: VolumeRow): boolean {
  return v.state === "online" || v.state === "expanding";
}

/** Nodes a client may see: added (a node still being probed is not in Heketi's db yet). */
export function visibleNode(n: NodeRow): boolean {
  return n.state !== "adding";
}

/** Heketi's device/node states: online | offline | failed. Ours in flight map to what they were heading from. */
export function heketiState(s: string): string {
  if (s === "online" || s === "offline" || s === "failed") return s;
  return s === "removing" ? "offline" : "online";
}

export function clusterInfo(ledger: Ledger, id: string): ClusterInfo {
  const c = ledger.getCluster(id);
  return {
    id: c.id,
    nodes: sorted(ledger.listNodes(c.id).filter(visibleNode).map((n) => n.id)),
    volumes: sorted(ledger.listVolumes(c.id).filter(visibleVolume).map((v) => v.id)),
    block: c.block,
    file: c.file,
    blockvolumes: [],
  };
}

export function brickInfo(b: BrickRow): BrickInfo {
  return { id: b.id, path: b.path, device: b.deviceId, node: b.nodeId, volume: b.volumeId, size: b.sizeKiB };
}

export function deviceInfo(ledger: Ledger, d: DeviceRow): DeviceInfo {
  const out: DeviceInfo = {
    name: d.path,
    storage: { total: d.totalKiB, free: d.freeKiB, used: d.usedKiB },
    id: d.id,
    state: heketiState(d.state),
    bricks: ledger
      .listBricksOnDevice(d.id)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map(brickInfo),
  };
  if (Object.keys(d.tags).length) out.tags = d.tags;
  out.paths = [d.path];
  if (d.pvUuid) out.pv_uuid = d.pvUuid;
  // key order as Heketi emits it
  const { name, tags, storage, id, paths, pv_uuid, state, bricks } = out;
  return JSON.parse(JSON.stringify({ name, tags, storage, id, paths, pv_uuid, state, bricks }));
}

export function nodeInfo(ledger: Ledger, id: string): NodeInfo {
  const n = ledger.getNode(id);
  const devices = ledger
    .listDevices(n.id)
    .filter((d) => d.state !== "adding")
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((d) => deviceInfo(ledger, d));
  return {
    zone: n.zone,
    hostnames: { manage: [n.manageHost], storage: [n.storageHost] },
    cluster: n.clusterId,
    ...(Object.keys(n.tags).length ? { tags: n.tags } : {}),
    id: n.id,
    state: heketiState(n.state),
    devices,
  };
}

/** `mount.glusterfs`: every node of the cluster in node-id order, its storage address. */
export function mountOf(ledger: Ledger, v: VolumeRow): VolumeInfo["mount"] {
  const hosts = ledger
    .listNodes(v.clusterId)
    .filter(visibleNode)
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((n) => n.storageHost);
  return { glusterfs: { hosts, device: `${hosts[0] ?? ""}:${v.name}`, options: { "backup-volfile-servers": hosts.slice(1).join(",") } } };
}

export function durabilityOf(v: VolumeRow): VolumeInfo["durability"] {
  const d = v.durability;
  if (d.type === "replicate") return { type: "replicate", replicate: { replica: d.replica }, disperse: {} };
  if (d.type === "disperse") return { type: "disperse", replicate: {}, disperse: { data: d.data, redundancy: d.redundancy } };
  return { type: "none", replicate: {}, disperse: {} };
}

/** The volume's gluster options as Heketi lists them ("key value"), arbiter as Heketi's private option. */
export function optionsOf(v: VolumeRow): string[] {
  const opts = v.options.map((o) => `${o.key} ${o.value}`);
  if (v.durability.type === "replicate" && v.durability.arbiter) opts.push("user.heketi.arbiter true");
  return opts;
}

export function volumeInfo(ledger: Ledger, id: string): VolumeInfo {
  const v = ledger.getVolume(id);
  return {
    size: v.sizeGiB,
    name: v.name,
    durability: durabilityOf(v),
    ...(v.gid ? { gid: v.gid } : {}),
    glustervolumeoptions: optionsOf(v),
    snapshot: { enable: v.snapshotEnable, factor: v.snapshotFactor },
    id: v.id,
    cluster: v.clusterId,
    mount: mountOf(ledger, v),
    blockinfo: {},
    bricks: ledger
      .listBricks(v.id)
      .filter((b) => b.state !== "pending")
      .sort((a, b) => a.setIndex - b.setIndex || a.position - b.position)
      .map(brickInfo),
  };
}
