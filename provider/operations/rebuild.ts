/**
 * The ledger brought in line with the nodes. The ledger is a cache of what the nodes hold plus the
 * journal of operations under way; the truth is on the nodes: Heketi's layout (`vg_<device>`,
 * `tp_/brick_<brick>`, brick paths that name both), our LVM tags, and gluster's volume info
 * (`user.heketi.id`, the bricks in set order, the options). What the nodes cannot say (a node's id,
 * management address, zone and tags; a device's tags) comes from the pool as the program declares it.
 *
 * So a checkout with no ledger, a stale one (another checkout changed the cluster since) or a moved
 * one converges on the same rows. Rules:
 *  - a node that does not answer keeps the rows the ledger has for it: unknown is not absent;
 *  - a row is dropped only when the node that should hold it answered and does not;
 *  - rows under an operation (opId set) belong to that operation and are left as they are (recovery
 *    has already settled the operations of dead processes, so these are this process's own);
 *  - rows of other clusters in the same ledger are never touched.
 */
import * as G from "../commands/gluster";
import * as L from "../commands/lvm";
import { assertFilePath, brickMountPoint, brickPath, DEFAULT_FSTAB, HEKETI_MOUNT_ROOT, lvName, parseBrickPath, thinPoolName } from "../commands/layout";
import { durabilityOf, GlusterVolumeInfo, LvRow, parsePoolListXml, parsePvsReport, parseVgsReport, parseLvsReport, parseVolumeInfoXml, PvRow, VgRow } from "../commands/parsers";
import { Script, ignoreFailure, script, section, sh, splitSections } from "../commands/shell";
import type { BrickRow, DeviceRow, Ledger, NodeRow, VolumeRow } from "../ledger/ledger";
import type { GlusterOption, SshSettings } from "../model/schemas";
import { KIB_PER_GIB } from "../model/units";
import { OpContext, probeScript } from "./context";

/** A node as the program declares it (see provider/resources/pool.ts). */
export interface DeclaredNode {
  nodeId: string;
  manageHostname: string;
  storageHostname: string;
  zone: number;
  tags: Record<string, string>;
  ssh: Partial<SshSettings>;
  devices?: Array<{ deviceId: string; path: string; tags: Record<string, string> }>;
}

export interface DeclaredPool {
  clusterId: string;
  nodes: DeclaredNode[];
}

/** What one node says about itself. */
export type NodeFacts =
  | {
      nodeId: string;
      answered: true;
      uuid: string | null;
      /** the other members of its gluster pool, as it names them */
      peers: Array<{ uuid: string; hostnames: string[] }>;
      pvs: PvRow[];
      vgs: VgRow[];
      lvs: LvRow[];
      groups: Map<string, number>;
      volumes: GlusterVolumeInfo[] | null;
      /** mount points that are mounted */
      mounts: Set<string>;
      /** mount points that fstab names */
      fstab: Set<string>;
      /** what is mounted where (/proc/mounts): how a hand-built brick's directory leads to its LV */
      mountTable: MountEntry[];
    }
  | { nodeId: string; answered: false; error: string };

export interface RebuildPlan {
  clusterId: string;
  nodes: NodeRow[];
  /** per node that answered: its devices as they are */
  devices: DeviceRow[];
  /** device rows of answering nodes that the node no longer has */
  goneDevices: string[];
  volumes: Array<{ volume: VolumeRow; bricks: BrickRow[] }>;
  /** ledger volumes of this cluster gluster no longer has and whose bricks are gone as well */
  goneVolumes: string[];
  /** volumes gluster has (marked with an id) that could not be mapped onto answering nodes */
  unresolved: Array<{ id: string; name: string; why: string }>;
  /** every node answered and gluster's volume list was read: absence in the ledger means absence */
  complete: boolean;
  warnings: string[];
}

/** Options gluster sets by itself on every new volume: not the volume's own. */
const GLUSTER_DEFAULT_OPTIONS = new Set(["transport.address-family", "storage.fips-mode-rchecksum", "nfs.disable", "performance.client-io-threads", "cluster.granular-entry-heal"]);

/** `<gid> <path>` of every brick root (Heketi chowns it to the volume's gid). */
const BRICK_GROUPS = sh`find ${HEKETI_MOUNT_ROOT} -mindepth 3 -maxdepth 3 -name brick -printf ${"%G %p\n"}`;

export interface MountEntry {
  source: string;
  target: string;
}

/** The entries of a mount table (`/proc/mounts` or fstab: source and mount point, octal escapes undone). */
export function mountEntries(table: string): MountEntry[] {
  const out: MountEntry[] = [];
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  for (const line of table.split("\n")) {
    if (/^\s*(#|$)/.test(line)) continue;
    const [source, target] = line.trim().split(/\s+/);
    if (source && target?.startsWith("/")) out.push({ source: unescape(source), target: unescape(target) });
  }
  return out;
}

/** The mount points of a mount table. */
export function brickMountsIn(table: string): Set<string> {
  return new Set(mountEntries(table).map((e) => e.target));
}

/**
 * The mount that holds a path: the entry with the longest mount point that is the path or one of its
 * parents (what a hand-built brick directory sits on).
 */
export function mountHolding(table: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of table) {
    const inside = e.target === path || path.startsWith(e.target === "/" ? "/" : `${e.target}/`);
    if (inside && (!best || e.target.length > best.target.length)) best = e;
  }
  return best;
}

/**
 * One script per node: its pool view, PVs, VGs, LVs, the group of each brick root, gluster's volumes,
 * the mounts and the fstab lines.
 */
export function factsScript(fstab = DEFAULT_FSTAB): Script {
  return script([
    section("mounts", sh`cat /proc/mounts`),
    section("fstab", sh`cat ${assertFilePath(fstab)}`),
    section("pool", G.poolList({ timeoutSeconds: 30 })),
    section("pvs", L.pvsReport()),
    section("vgs", L.vgsReport()),
    section("lvs", L.lvsReport()),
    section("groups", ignoreFailure(BRICK_GROUPS)),
    section("volumes", G.volumeInfo(undefined, { timeoutSeconds: 60 })),
  ]);
}

export function parseFacts(nodeId: string, stdout: string): NodeFacts {
  const s = splitSections(stdout);
  const need = (name: string) => {
    const sec = s.get(name);
    if (!sec || sec.rc !== 0) throw new Error(`${name} failed (exit ${sec?.rc ?? "none"})${sec?.output ? `: ${sec.output.trim().slice(0, 300)}` : ""}`);
    return sec.output;
  };
  const pool = parsePoolListXml(need("pool"));
  const groups = new Map<string, number>();
  for (const line of (s.get("groups")?.output ?? "").split("\n")) {
    const m = /^(\d+) (\/\S+)$/.exec(line.trim());
    if (m) groups.set(m[2], Number(m[1]));
  }
  let volumes: GlusterVolumeInfo[] | null = null;
  try {
    volumes = parseVolumeInfoXml(s.get("volumes")?.output ?? "");
  } catch {
    volumes = null;
  }
  return {
    nodeId,
    answered: true,
    uuid: pool.find((p) => p.isLocal)?.uuid ?? null,
    peers: pool.filter((p) => !p.isLocal).map((p) => ({ uuid: p.uuid, hostnames: p.hostnames })),
    pvs: parsePvsReport(need("pvs")),
    vgs: parseVgsReport(need("vgs")),
    lvs: parseLvsReport(need("lvs")),
    groups,
    volumes,
    mounts: brickMountsIn(need("mounts")),
    fstab: brickMountsIn(need("fstab")),
    mountTable: mountEntries(need("mounts")),
  };
}

const VG = /^vg_([0-9a-f]{32})$/;

/**
 * Bricks we tagged for a volume gluster does not have are recorded as a volume named by its own id
 * (planRebuild below): such a row is a leftover, ours to remove, not an operator's volume.
 */
export function isRecordedLeftover(v: Pick<VolumeRow, "id" | "name">): boolean {
  return v.name === v.id;
}

/** Pure: the rows the cluster should have, from the ledger as it is, the declared pool and each node's facts. */
export function planRebuild(ledger: Ledger, pool: DeclaredPool, facts: NodeFacts[]): RebuildPlan {
  const warnings: string[] = [];
  const byId = new Map(facts.map((f) => [f.nodeId, f]));
  const known = new Map(ledger.listNodes(pool.clusterId).map((n) => [n.id, n]));

  const nodes: NodeRow[] = pool.nodes.map((d) => {
    const old = known.get(d.nodeId) ?? ledger.findNode(d.nodeId);
    if (old?.opId) return old;
    return {
      id: d.nodeId, clusterId: pool.clusterId, manageHost: d.manageHostname, storageHost: d.storageHostname, zone: d.zone, tags: d.tags, ssh: d.ssh,
      state: old?.state === "offline" || old?.state === "failed" ? old.state : "online", opId: null, createdAt: old?.createdAt ?? new Date().toISOString(),
    };
  });
  for (const old of known.values()) if (!nodes.some((n) => n.id === old.id)) nodes.push(old); // no longer declared: a delete of it may follow
  const declaredDevice = new Map(pool.nodes.flatMap((n) => (n.devices ?? []).map((d) => [d.deviceId, d] as const)));

  // devices: the VGs in Heketi's layout on every node that answered
  const devices: DeviceRow[] = [];
  const goneDevices: string[] = [];
  const lvsOf = new Map<string, { node: string; lvs: Map<string, LvRow> }>(); // device id → its LVs
  for (const n of nodes) {
    const f = byId.get(n.id);
    if (!f || !f.answered) {
      if (known.has(n.id)) devices.push(...ledger.listDevices(n.id)); // unknown is not absent
      continue;
    }
    const live = new Set<string>();
    for (const vg of f.vgs) {
      // Heketi's vg_<id>, or a VG built by hand that was adopted as a device (tagged with its id)
      const named = VG.exec(vg.vgName)?.[1];
      const id = named ?? (vg.pgfs.device && vg.pgfs.cluster === pool.clusterId ? vg.pgfs.device : undefined);
      if (!id) continue;
      live.add(id);
      const old = ledger.findDevice(id);
      if (old?.opId) continue;
      const pv = f.pvs.find((p) => p.vgName === vg.vgName);
      const extentKiB = vg.extentSizeKiB ?? old?.extentKiB ?? 4096;
      const totalKiB = vg.extentCount !== null && vg.extentSizeKiB !== null ? vg.extentCount * vg.extentSizeKiB : (vg.sizeKiB ?? 0);
      devices.push({
        id, nodeId: n.id, path: declaredDevice.get(id)?.path ?? old?.path ?? pv?.pvName ?? "", state: old?.state ?? "online",
        totalKiB, freeKiB: totalKiB, usedKiB: 0, extentKiB, pvUuid: pv?.pvUuid ?? old?.pvUuid ?? null,
        tags: declaredDevice.get(id)?.tags ?? old?.tags ?? {}, opId: null, createdAt: old?.createdAt ?? new Date().toISOString(),
        ...(named ? {} : { vg: vg.vgName }),
      });
      lvsOf.set(id, { node: n.id, lvs: new Map(f.lvs.filter((l) => l.vgName === vg.vgName).map((l) => [l.lvName, l])) });
    }
    for (const d of ledger.listDevices(n.id)) if (!live.has(d.id) && !d.opId) goneDevices.push(d.id);
  }

  // volumes: gluster's list, as any node that answered saw it
  const glusterVolumes = facts.find((f): f is Extract<NodeFacts, { answered: true }> => f.answered && f.volumes !== null)?.volumes ?? null;
  const nodeOfHost = (host: string, uuid: string): NodeRow | undefined =>
    nodes.find((n) => n.storageHost === host) ?? nodes.find((n) => { const f = byId.get(n.id); return !!f && f.answered && !!f.uuid && f.uuid === uuid; });
  const volumes: RebuildPlan["volumes"] = [];
  const unresolved: RebuildPlan["unresolved"] = [];
  const live = new Set<string>();
  const busy = new Set(ledger.listVolumes(pool.clusterId).filter((v) => v.opId || v.state !== "online").map((v) => v.id));
  for (const g of glusterVolumes ?? []) {
    if (!g.heketiId) continue; // not made by Heketi or by us: never ours to manage
    live.add(g.heketiId);
    if (busy.has(g.heketiId)) continue;
    const mapped = mapVolume(g, ledger.findVolume(g.heketiId), pool.clusterId, nodeOfHost, lvsOf, byId);
    if ("why" in mapped) unresolved.push({ id: g.heketiId, name: g.name, why: mapped.why });
    else volumes.push(mapped);
  }
  const goneVolumes: string[] = [];
  if (glusterVolumes) {
    for (const v of ledger.listVolumes(pool.clusterId)) {
      if (live.has(v.id) || busy.has(v.id)) continue;
      // gone from gluster: keep the row while its bricks are still on the nodes (the next create of that name cleans them)
      const bricksLeft = ledger.listBricks(v.id).some((b) => { const l = lvsOf.get(b.deviceId); return !l || l.lvs.has(b.lv ?? lvName(b.id)); });
      if (!bricksLeft) goneVolumes.push(v.id);
    }
  }
  for (const u of unresolved) warnings.push(`volume ${u.name} (${u.id}): ${u.why}`);

  // bricks we made (tagged) for a volume gluster does not have and the ledger does not know: a volume
  // deleted by hand in gluster, or a create cut off in another checkout. Recorded under the volume's id
  // (nameVanishedVolume gives it its name back), so its space is counted and a delete or the next
  // create of that name cleans them; nothing here removes them.
  if (glusterVolumes) {
    const orphans = new Map<string, BrickRow[]>();
    for (const [deviceId, l] of lvsOf) {
      for (const lv of l.lvs.values()) {
        const { brick, volume } = lv.pgfs;
        if (!lv.isThinVolume || !brick || !volume || lv.lvName !== lvName(brick) || live.has(volume) || ledger.findVolume(volume)) continue;
        const pool = lv.poolLv ? l.lvs.get(lv.poolLv) : undefined;
        const list = orphans.get(volume) ?? [];
        list.push({
          id: brick, volumeId: volume, deviceId, nodeId: l.node, path: brickPath(deviceId, brick), sizeKiB: lv.sizeKiB ?? 0,
          tpKiB: pool?.sizeKiB ?? 0, metaKiB: pool?.metadataSizeKiB ?? 0, setIndex: 0, position: list.length, subtype: "data", state: "ready", opId: null,
          thinPool: !pool || pool.lvName === thinPoolName(brick) ? null : pool.lvName,
        });
        orphans.set(volume, list);
      }
    }
    for (const [id, bricks] of orphans) {
      warnings.push(`volume ${id} is gone from gluster, but ${bricks.length} of its bricks are still on the nodes: kept until it is deleted or its name is used again`);
      volumes.push({
        volume: {
          id, clusterId: pool.clusterId, name: id, sizeGiB: Math.max(1, Math.round(bricks.reduce((a, b) => a + b.sizeKiB, 0) / KIB_PER_GIB)), durability: { type: "none" },
          gid: 0, snapshotFactor: 1, options: [], state: "online", opId: null, createdAt: new Date().toISOString(), snapshotEnable: false,
        },
        bricks,
      });
    }
  }

  // space: what the bricks reserve (as the engine counts it), and what else takes room in the VG
  const bricksOn = new Map<string, BrickRow[]>();
  const mappedIds = new Set(volumes.map((v) => v.volume.id));
  const keptVolumes = ledger.listVolumes(pool.clusterId).filter((v) => !mappedIds.has(v.id) && !goneVolumes.includes(v.id));
  for (const b of [...volumes.flatMap((v) => v.bricks), ...keptVolumes.flatMap((v) => ledger.listBricks(v.id))]) {
    bricksOn.set(b.deviceId, [...(bricksOn.get(b.deviceId) ?? []), b]);
  }
  for (const d of devices) {
    const l = lvsOf.get(d.id);
    if (!l) continue;
    const mine = bricksOn.get(d.id) ?? [];
    // a pool several bricks share (hand-built layouts) is counted once
    const poolSpace = new Map(mine.map((b) => [b.thinPool ?? thinPoolName(b.id), b.tpKiB + b.metaKiB]));
    const pools = new Set(poolSpace.keys());
    const used = [...poolSpace.values()].reduce((a, k) => a + k, 0);
    // LVs that belong to no known brick (made by hand, or left by an operation elsewhere) take space too
    const foreign = [...l.lvs.values()].filter((lv) => !lv.isThinVolume && !pools.has(lv.lvName)).reduce((a, lv) => a + (lv.sizeKiB ?? 0) + (lv.metadataSizeKiB ?? 0), 0);
    if (foreign > 0) warnings.push(`device ${d.path} [${d.id}]: ${foreign} KiB are taken by logical volumes that belong to no brick`);
    d.usedKiB = used;
    d.freeKiB = Math.max(0, d.totalKiB - used - foreign);
  }
  for (const id of goneDevices.filter((id) => bricksOn.has(id))) warnings.push(`device ${id}: gone from its node, but bricks of a volume still point at it`);

  const complete = glusterVolumes !== null && nodes.every((n) => byId.get(n.id)?.answered === true) && unresolved.length === 0;
  return { clusterId: pool.clusterId, nodes, devices, goneDevices: goneDevices.filter((id) => !bricksOn.has(id)), volumes, goneVolumes, unresolved, complete, warnings };
}

/**
 * A gluster volume as ledger rows, from the nodes' facts. `adopting` maps a volume gluster does not
 * mark yet: its id, and the id of each hand-built brick LV (a tag adoption left, or a new one).
 */
export function mapVolume(
  g: GlusterVolumeInfo,
  old: VolumeRow | undefined,
  clusterId: string,
  nodeOfHost: (host: string, uuid: string) => NodeRow | undefined,
  lvsOf: Map<string, { node: string; lvs: Map<string, LvRow> }>,
  facts: Map<string, NodeFacts>,
  adopting?: { id: string; brickIdOf: (lv: LvRow) => string | undefined },
): { volume: VolumeRow; bricks: BrickRow[] } | { why: string } {
  const id = adopting?.id ?? g.heketiId!;
  if (old && old.clusterId !== clusterId) return { why: `the ledger has it in another cluster (${old.clusterId})` };
  const durability = durabilityOf(g);
  const setSize = g.disperseCount > 0 ? g.disperseCount : Math.max(1, g.replicaCount);
  const dataPerSet = durability.type === "disperse" ? durability.data : 1;
  const bricks: BrickRow[] = [];
  for (const [i, b] of g.bricks.entries()) {
    const node = nodeOfHost(b.host, b.hostUuid);
    if (!node) return { why: `brick ${b.name} is on a host that is not a declared node of this cluster` };
    const f = facts.get(node.id);
    if (!f || !f.answered) return { why: `node ${node.manageHost} (holding brick ${b.name}) did not answer` };
    const ids = parseBrickPath(b.path);
    if (!ids || ids.isMountPoint) {
      const hand = handBuiltBrick(b.name, b.path, node, f, lvsOf, adopting?.brickIdOf ?? ((lv) => (lv.pgfs.volume === id ? lv.pgfs.brick : undefined)));
      if ("why" in hand) return hand;
      bricks.push({ ...hand, volumeId: id, setIndex: Math.floor(i / setSize), position: i % setSize, subtype: b.isArbiter ? "arbiter" : "data", state: "ready", opId: null });
      continue;
    }
    const dev = lvsOf.get(ids.deviceId);
    if (!dev || dev.node !== node.id) return { why: `brick ${b.name}: its volume group vg_${ids.deviceId} is not on ${node.manageHost}` };
    const lv = dev.lvs.get(lvName(ids.brickId));
    const pool = lv?.poolLv ? dev.lvs.get(lv.poolLv) : undefined;
    if (!lv || !pool || lv.sizeKiB === null || pool.sizeKiB === null) return { why: `brick ${b.name}: its thin LV or pool is missing on ${node.manageHost}` };
    bricks.push({
      id: ids.brickId, volumeId: id, deviceId: ids.deviceId, nodeId: node.id, path: b.path, sizeKiB: lv.sizeKiB, tpKiB: pool.sizeKiB, metaKiB: pool.metadataSizeKiB ?? 0,
      setIndex: Math.floor(i / setSize), position: i % setSize, subtype: b.isArbiter ? "arbiter" : "data", state: "ready", opId: null,
      thinPool: pool.lvName === thinPoolName(ids.brickId) ? null : pool.lvName,
    });
  }
  const data = bricks.filter((b) => b.subtype === "data");
  const sets = new Map<number, number>();
  for (const b of data) if (!sets.has(b.setIndex)) sets.set(b.setIndex, b.sizeKiB);
  const sizeKiB = [...sets.values()].reduce((a, k) => a + k * dataPerSet, 0);
  const first = data[0];
  const factor = first ? Math.min(100, Math.max(1, Math.round((first.tpKiB / first.sizeKiB) * 100) / 100)) : 1;
  const firstFacts = first ? facts.get(first.nodeId) : undefined;
  const gid = old?.gid ?? (firstFacts?.answered ? firstFacts.groups.get(first!.path) : undefined) ?? 0;
  const options: GlusterOption[] =
    old?.options ?? g.options.filter((o) => !o.name.startsWith("user.heketi.") && !GLUSTER_DEFAULT_OPTIONS.has(o.name)).map((o) => ({ key: o.name, value: o.value }));
  return {
    volume: {
      id, clusterId, name: g.name, sizeGiB: Math.max(1, Math.round(sizeKiB / KIB_PER_GIB)), durability, gid, snapshotFactor: old?.snapshotFactor ?? factor,
      options, state: "online", opId: null, createdAt: old?.createdAt ?? new Date().toISOString(), snapshotEnable: old?.snapshotEnable ?? factor > 1,
    },
    bricks,
  };
}

type HandBuilt = Pick<BrickRow, "id" | "deviceId" | "nodeId" | "path" | "sizeKiB" | "tpKiB" | "metaKiB" | "thinPool" | "lv" | "mountPoint">;

/**
 * A brick an operator built by hand (any VG, LV and mount point): its directory's mount, the thin LV
 * mounted there, that LV's pool, in a VG adopted as a device of the node. `idOf` names the brick: the
 * `pgfs.brick` tag adoption put on the LV (or, when adopting, a new id).
 */
export function handBuiltBrick(
  name: string,
  path: string,
  node: NodeRow,
  f: Extract<NodeFacts, { answered: true }>,
  lvsOf: Map<string, { node: string; lvs: Map<string, LvRow> }>,
  idOf: (lv: LvRow) => string | undefined,
): HandBuilt | { why: string } {
  const mount = mountHolding(f.mountTable, path);
  if (!mount || mount.target === "/") return { why: `brick ${name} is not on a mounted file system of its own on ${node.manageHost}` };
  let found: { deviceId: string; lv: LvRow; lvs: Map<string, LvRow> } | undefined;
  for (const [deviceId, l] of lvsOf) {
    if (l.node !== node.id) continue;
    for (const lv of l.lvs.values()) if (lv.dmPath === mount.source || `/dev/${lv.vgName}/${lv.lvName}` === mount.source) found = { deviceId, lv, lvs: l.lvs };
  }
  if (!found) return { why: `brick ${name}: ${mount.source} (mounted at ${mount.target}) is not a logical volume on a device of ${node.manageHost} in this cluster` };
  const { lv, deviceId } = found;
  const pool = lv.poolLv ? found.lvs.get(lv.poolLv) : undefined;
  if (!lv.isThinVolume || !pool || lv.sizeKiB === null || pool.sizeKiB === null) return { why: `brick ${name}: ${lv.vgName}/${lv.lvName} is not a thin LV in a thin pool (only thin-provisioned bricks can be managed)` };
  const id = idOf(lv);
  if (!id) return { why: `brick ${name}: ${lv.vgName}/${lv.lvName} is not tagged as a brick of this volume (adopt the volume first)` };
  return {
    id, deviceId, nodeId: node.id, path, sizeKiB: lv.sizeKiB, tpKiB: pool.sizeKiB, metaKiB: pool.metadataSizeKiB ?? 0,
    thinPool: pool.lvName === thinPoolName(id) ? null : pool.lvName,
    lv: lv.lvName === lvName(id) ? null : lv.lvName,
    mountPoint: mount.target === brickMountPoint(deviceId, id) ? null : mount.target,
  };
}

/** Write a plan: one transaction, this cluster's rows only. */
export function applyRebuild(ledger: Ledger, plan: RebuildPlan): void {
  ledger.immediate(() => {
    if (!ledger.findCluster(plan.clusterId)) ledger.insertCluster({ id: plan.clusterId, file: true, block: false });
    for (const n of plan.nodes) ledger.putNode(n);
    for (const v of plan.volumes) for (const b of ledger.listBricks(v.volume.id)) ledger.deleteBrick(b.id);
    for (const id of plan.goneVolumes) {
      for (const b of ledger.listBricks(id)) ledger.deleteBrick(b.id);
      ledger.deleteVolume(id);
    }
    for (const id of plan.goneDevices) ledger.deleteDevice(id);
    for (const d of plan.devices) ledger.putDevice(d);
    for (const { volume, bricks } of plan.volumes) {
      ledger.putVolume(volume);
      for (const b of bricks) ledger.insertBrick(b);
    }
  });
}

/** Ask every declared node (in parallel) what it holds. */
export async function gatherFacts(ctx: OpContext, nodes: NodeRow[]): Promise<NodeFacts[]> {
  const text = factsScript(ctx.settings.fstab);
  return Promise.all(
    nodes.map(async (n): Promise<NodeFacts> => {
      try {
        const r = await probeScript(ctx, n, text, { timeoutMs: 120_000 });
        return parseFacts(n.id, r.stdout);
      } catch (e) {
        return { nodeId: n.id, answered: false, error: (e as Error).message };
      }
    }),
  );
}

/** Bring the cluster's rows in line with its nodes; returns the plan that was applied. */
export async function rebuildCluster(ctx: OpContext, pool: DeclaredPool): Promise<RebuildPlan> {
  const targets: NodeRow[] = pool.nodes.map((d) => ({
    id: d.nodeId, clusterId: pool.clusterId, manageHost: d.manageHostname, storageHost: d.storageHostname, zone: d.zone, tags: d.tags, ssh: d.ssh, state: "online", opId: null, createdAt: "",
  }));
  for (const n of ctx.ledger.listNodes(pool.clusterId)) if (!targets.some((t) => t.id === n.id)) targets.push(n);
  const t0 = Date.now();
  const facts = await gatherFacts(ctx, targets);
  for (const f of facts) if (!f.answered) ctx.log(`node ${targets.find((t) => t.id === f.nodeId)?.manageHost} did not answer (${f.error}): its rows stay as the ledger has them`);
  const plan = planRebuild(ctx.ledger, pool, facts);
  for (const w of plan.warnings) ctx.log(w);
  applyRebuild(ctx.ledger, plan);
  const answered = facts.filter((f) => f.answered).length;
  ctx.log(
    `ledger ${ctx.ledger.file} brought in line with the nodes (${answered} of ${targets.length} answered, ${plan.volumes.length} volume(s)) in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
  return plan;
}
