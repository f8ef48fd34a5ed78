/**
 * The ledger as Heketi's db dump (what `heketi db export` writes and `heketi-cli db dump` shows). Facts
 * about Heketi's format this relies on (checked against a heketi v10 export):
 * - a volume's `Bricks` list is sorted by brick id, NOT in gluster's brick order: a dump does not say
 *   which bricks form a replica/disperse set, hence our `x-pgfs` extension (ExportOptions.brickSets),
 *   which Heketi's JSON decoder ignores;
 * - a brick's `LvmThinPool` is usually `tp_<brick id>` but not always (Heketi names the pool after the
 *   id it generated first): the ledger keeps the name (bricks.thin_pool) so the engine can remove it;
 * - `GlusterVolumeOptions` carries Heketi's private `user.heketi.arbiter true` (arbiter volumes).
 */
import { createHash } from "node:crypto";
import { thinPoolName } from "../../commands/layout";
import type { BrickRow, DeviceRow, Ledger, NodeRow, VolumeRow } from "../../ledger/ledger";
import { brickInfo, durabilityOf, heketiState, mountOf, optionsOf } from "../json";
import { GENERATION_META_KEY, HEKETI_DB_ATTRIBUTES, HEKETI_SUBTYPE, PGFS_EXTENSION } from "./constants";
import type { HeketiBrickEntry, HeketiDeviceEntry, HeketiDump, HeketiNodeEntry, HeketiVolumeEntry } from "./format";
import { pendingOperationsOf } from "./pending";

export interface ExportOptions {
  /**
   * Add `"x-pgfs": {"brickSets": [[...], ...]}` to each volume entry: its bricks grouped by set in
   * gluster's order, so importDump restores multi-set volumes without asking gluster. Heketi's decoder
   * ignores the field (`heketi db import` accepts such a file). Default false: Heketi's shape only.
   */
  brickSets?: boolean;
}

const sortedIds = (xs: Array<{ id: string }>) => xs.map((x) => x.id).sort();
const mapOf = <T>(entries: Array<[string, T]>): Record<string, T> => Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The ledger as Heketi's db dump. Read in one transaction (a consistent snapshot). Operations in flight
 * appear as Heketi's pending operations (see `pendingOperationsOf`); nodes and devices still being
 * added are left out, as Heketi writes them only when the add has finished.
 */
export function exportDump(ledger: Ledger, opts: ExportOptions = {}): HeketiDump {
  return ledger.db.transaction(() => buildDump(ledger, opts))();
}

function buildDump(ledger: Ledger, opts: ExportOptions): HeketiDump {
  const clusters = ledger.listClusters();
  const nodes = ledger.listNodes().filter((n) => n.state !== "adding");
  const nodeIds = new Set(nodes.map((n) => n.id));
  const devices = ledger.listDevices().filter((d) => d.state !== "adding" && nodeIds.has(d.nodeId));
  const volumes = ledger.listVolumes();
  const bricks = volumes.flatMap((v) => ledger.listBricks(v.id));
  const { operations, volumePending, brickPending } = pendingOperationsOf(ledger, volumes, bricks);

  const bricksOfDevice = new Map<string, BrickRow[]>();
  for (const b of bricks) bricksOfDevice.set(b.deviceId, [...(bricksOfDevice.get(b.deviceId) ?? []), b]);

  return {
    clusterentries: mapOf(
      clusters.map((c) => [
        c.id,
        {
          Info: {
            id: c.id,
            nodes: sortedIds(nodes.filter((n) => n.clusterId === c.id)),
            volumes: sortedIds(volumes.filter((v) => v.clusterId === c.id)),
            block: c.block,
            file: c.file,
            blockvolumes: [],
          },
        },
      ]),
    ),
    volumeentries: mapOf(volumes.map((v) => [v.id, volumeEntry(ledger, v, bricks.filter((b) => b.volumeId === v.id), volumePending.get(v.id) ?? "", opts)])),
    brickentries: mapOf(bricks.map((b) => [b.id, brickEntry(b, brickPending.get(b.id) ?? "")])),
    nodeentries: mapOf(nodes.map((n) => [n.id, nodeEntry(n, devices)])),
    deviceentries: mapOf(devices.map((d) => [d.id, deviceEntry(d, bricksOfDevice.get(d.id) ?? [])])),
    blockvolumeentries: {},
    dbattributeentries: Object.fromEntries(
      HEKETI_DB_ATTRIBUTES.map((k) => [k, { Key: k, Value: k === "DB_GENERATION_ID" ? generationId(ledger, clusters.map((c) => c.id)) : "yes" }]),
    ),
    pendingoperations: mapOf(operations.map((o) => [o.Id, o])),
  };
}

/** The Heketi generation id: the one an imported ledger came with, else one derived from the cluster ids (stable across exports). */
function generationId(ledger: Ledger, clusterIds: string[]): string {
  return ledger.getMeta(GENERATION_META_KEY) ?? createHash("sha256").update(`pgfs-ledger:${[...clusterIds].sort().join(",")}`).digest("hex").slice(0, 32);
}

function nodeEntry(n: NodeRow, devices: DeviceRow[]): HeketiNodeEntry {
  return {
    State: heketiState(n.state),
    Info: {
      zone: n.zone,
      hostnames: { manage: [n.manageHost], storage: [n.storageHost] },
      cluster: n.clusterId,
      ...(Object.keys(n.tags).length ? { tags: n.tags } : {}),
      id: n.id,
    },
    Devices: sortedIds(devices.filter((d) => d.nodeId === n.id)),
  };
}

function deviceEntry(d: DeviceRow, bricks: BrickRow[]): HeketiDeviceEntry {
  return {
    State: heketiState(d.state),
    Info: {
      name: d.path,
      ...(Object.keys(d.tags).length ? { tags: d.tags } : {}),
      storage: { total: d.totalKiB, free: d.freeKiB, used: d.usedKiB },
      id: d.id,
      ...(d.pvUuid ? { pv_uuid: d.pvUuid } : {}),
    },
    Bricks: sortedIds(bricks),
    NodeId: d.nodeId,
    ExtentSize: d.extentKiB,
  };
}

function brickEntry(b: BrickRow, pending: string): HeketiBrickEntry {
  return {
    Info: brickInfo(b),
    TpSize: b.tpKiB,
    PoolMetadataSize: b.metaKiB,
    Pending: { Id: pending },
    LvmThinPool: b.thinPool ?? thinPoolName(b.id),
    LvmLv: "",
    SubType: b.subtype === "arbiter" ? HEKETI_SUBTYPE.arbiter : HEKETI_SUBTYPE.normal,
  };
}

function volumeEntry(ledger: Ledger, v: VolumeRow, bricks: BrickRow[], pending: string, opts: ExportOptions): HeketiVolumeEntry {
  const f = v.snapshotFactor;
  const e: HeketiVolumeEntry = {
    Info: {
      size: v.sizeGiB,
      name: v.name,
      durability: durabilityOf(v),
      ...(v.gid ? { gid: v.gid } : {}),
      snapshot: { enable: v.snapshotEnable, factor: f },
      id: v.id,
      cluster: v.clusterId,
      mount: mountOf(ledger, v),
      blockinfo: {},
    },
    Bricks: sortedIds(bricks),
    GlusterVolumeOptions: optionsOf(v),
    Pending: { Id: pending },
  };
  if (opts.brickSets) {
    const sets = new Map<number, BrickRow[]>();
    for (const b of [...bricks].sort((a, c) => a.setIndex - c.setIndex || a.position - c.position)) sets.set(b.setIndex, [...(sets.get(b.setIndex) ?? []), b]);
    e[PGFS_EXTENSION] = { brickSets: [...sets.values()].map((s) => s.map((b) => b.id)) };
  }
  return e;
}
