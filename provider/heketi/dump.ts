/**
 * Heketi's database dump (`heketi db export`, `heketi db import`, `GET /db/dump`; heketi.md §6.4)
 * and the ledger, both ways:
 *
 *   exportDump(ledger)            the ledger in Heketi's dump format (what `heketi-cli db dump` shows)
 *   importDump(ledger, dump, o)   a Heketi export loaded into an EMPTY ledger, in one transaction
 *
 * Facts about Heketi's format this module relies on (checked against a heketi v10 export):
 * - every section is a map id → entry; entries use Go field names at the top level and the REST API's
 *   names inside `Info`;
 * - a volume's `Bricks` list is sorted by brick id, NOT in gluster's brick order: a dump does not say
 *   which bricks form a replica/disperse set. One-set volumes are unambiguous; for the others the set
 *   order comes from `gluster volume info --xml` (opts.glusterVolumes) or from our own `x-pgfs`
 *   extension (exportDump({ brickSets: true })), which Heketi's JSON decoder ignores;
 * - a brick's `LvmThinPool` is usually `tp_<brick id>` but not always (Heketi names the pool after the
 *   id it generated first): the ledger keeps the name (bricks.thin_pool) so the engine can remove it;
 * - `GlusterVolumeOptions` carries empty "" entries (unset pre/post-request options) and Heketi's
 *   private `user.heketi.arbiter true` (arbiter volumes).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { brickPath, lvName, thinPoolName } from "../commands/layout";
import type { GlusterVolumeInfo } from "../commands/parsers/gluster";
import type { BrickRow, DeviceRow, DeviceState, Ledger, NodeRow, NodeState, OperationRow, VolumeRow } from "../ledger/ledger";
import { ownerAlive } from "../ledger/owner";
import { ConflictError, ValidationError } from "../model/errors";
import { DevicePath, Durability, Gid, GlusterOption, Hostname, SizeGiB, SnapshotFactor, SshOverrides, StorageAddress, Tags, VolumeName, Zone } from "../model/schemas";
import type { BrickInfo, ClusterInfo, VolumeInfo } from "./api";
import { brickInfo, durabilityOf, heketiState, mountOf, optionsOf } from "./json";

// ---------------------------------------------------------------------------------------------
// Heketi's enumerations, as the heketi v10.3.0 binary reads them (checked by test/smoke/heketi-dump.test.ts:
// our export through `heketi db import`, then GET /operations/pending/{id}). Newer values were appended
// at the end (expand-block-volume), so they do not follow every version of Heketi's source.

/** PendingOperationType: the `Type` of a pending operation. */
export const HEKETI_OP_TYPE = {
  unknown: 0,
  "create-volume": 1,
  "delete-volume": 2,
  "expand-volume": 3,
  "create-block-volume": 4,
  "delete-block-volume": 5,
  "remove-device": 6,
  "clone-volume": 7,
  "evict-brick": 8,
  "expand-block-volume": 9,
} as const;
const OP_TYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(HEKETI_OP_TYPE).map(([k, v]) => [v, k]));

/** PendingChangeType: the `Change` of a pending operation's action. */
export const HEKETI_CHANGE = {
  AddBrick: 1,
  AddVolume: 2,
  DeleteBrick: 3,
  DeleteVolume: 4,
  ExpandVolume: 5,
  AddBlockVolume: 6,
  DeleteBlockVolume: 7,
  RemoveDevice: 8,
  CloneVolume: 9,
  SnapshotVolume: 10,
  AddVolumeClone: 11,
  ChildOperation: 12,
  ParentOperation: 13,
  ExpandBlockVolume: 14,
} as const;

/** Heketi's `type_name` of a pending operation type (GET /operations/pending). */
export function heketiOperationName(type: number): string {
  return OP_TYPE_NAME[type] && type !== 0 ? OP_TYPE_NAME[type] : "unknown";
}

/** Heketi's description of a change (GET /operations/pending/{id} `changes[].description`), as v10.3.0 prints them. */
export const HEKETI_CHANGE_DESCRIPTION: Record<number, string> = {
  [HEKETI_CHANGE.AddBrick]: "Add brick",
  [HEKETI_CHANGE.AddVolume]: "Add volume",
  [HEKETI_CHANGE.DeleteBrick]: "Delete brick",
  [HEKETI_CHANGE.DeleteVolume]: "Delete volume",
  [HEKETI_CHANGE.ExpandVolume]: "Expand volume",
  [HEKETI_CHANGE.AddBlockVolume]: "Add block volume",
  [HEKETI_CHANGE.DeleteBlockVolume]: "Delete block volume",
  [HEKETI_CHANGE.RemoveDevice]: "Remove device",
  [HEKETI_CHANGE.CloneVolume]: "Clone volume from",
  [HEKETI_CHANGE.SnapshotVolume]: "Snapshot volume",
  [HEKETI_CHANGE.AddVolumeClone]: "Expand volume to",
  [HEKETI_CHANGE.ChildOperation]: "Performing child operation",
  [HEKETI_CHANGE.ParentOperation]: "Belongs to parent operation",
  [HEKETI_CHANGE.ExpandBlockVolume]: "Expand block volume",
};

/** Brick `SubType`: 0 unknown (dbs older than DB_BRICK_HAS_SUBTYPE_FIELD), 1 normal, 2 arbiter. */
export const HEKETI_SUBTYPE = { unknown: 0, normal: 1, arbiter: 2 } as const;

/** The db attributes a heketi v10 database carries (a db with any other key makes Heketi refuse to start). */
export const HEKETI_DB_ATTRIBUTES = [
  "DB_BRICK_HAS_SUBTYPE_FIELD",
  "DB_CLUSTER_HAS_FILE_BLOCK_FLAG",
  "DB_DEVICE_HAS_ID_META",
  "DB_GENERATION_ID",
  "DB_HAS_PENDING_OPS_BUCKET",
] as const;

/** Ledger meta key holding the DB_GENERATION_ID of the Heketi db an imported ledger came from. */
export const GENERATION_META_KEY = "heketi_generation_id";

/** The key of our extension in a volume entry (Heketi ignores unknown fields). */
export const PGFS_EXTENSION = "x-pgfs";

// ---------------------------------------------------------------------------------------------
// The dump's shape (what exportDump writes)

export interface HeketiPending {
  Id: string;
}
export interface HeketiClusterEntry {
  Info: ClusterInfo;
}
export interface HeketiNodeEntry {
  State: string;
  Info: { zone: number; hostnames: { manage: string[]; storage: string[] }; cluster: string; tags?: Record<string, string>; id: string };
  Devices: string[];
}
export interface HeketiDeviceEntry {
  State: string;
  Info: { name: string; tags?: Record<string, string>; storage: { total: number; free: number; used: number }; id: string; paths?: string[]; pv_uuid?: string };
  Bricks: string[];
  NodeId: string;
  ExtentSize: number;
}
export interface HeketiBrickEntry {
  Info: BrickInfo;
  TpSize: number;
  PoolMetadataSize: number;
  Pending: HeketiPending;
  LvmThinPool: string;
  LvmLv: string;
  SubType: number;
}
export type HeketiVolumeInfo = Omit<VolumeInfo, "bricks" | "glustervolumeoptions" | "clusters" | "block">;
export interface HeketiVolumeEntry {
  Info: HeketiVolumeInfo;
  Bricks: string[];
  GlusterVolumeOptions: string[];
  Pending: HeketiPending;
  /** Ours, only with exportDump({ brickSets: true }): the bricks in gluster's order, one list per set. */
  "x-pgfs"?: { brickSets: string[][] };
}
export interface HeketiPendingOperation {
  Id: string;
  Timestamp: number;
  Type: number;
  Actions: Array<{ Change: number; Id: string; Delta: unknown }>;
  /** "" new (in flight), "stale" (its owner is gone), "failed" (its rollback failed) */
  Status: "" | "stale" | "failed";
}
export interface HeketiDump {
  clusterentries: Record<string, HeketiClusterEntry>;
  volumeentries: Record<string, HeketiVolumeEntry>;
  brickentries: Record<string, HeketiBrickEntry>;
  nodeentries: Record<string, HeketiNodeEntry>;
  deviceentries: Record<string, HeketiDeviceEntry>;
  blockvolumeentries: Record<string, unknown>;
  dbattributeentries: Record<string, { Key: string; Value: string }>;
  pendingoperations: Record<string, HeketiPendingOperation>;
}

// ---------------------------------------------------------------------------------------------
// Export

export interface ExportOptions {
  /**
   * Add `"x-pgfs": {"brickSets": [[...], ...]}` to each volume entry: its bricks grouped by set in
   * gluster's order, so importDump restores multi-set volumes without asking gluster. Heketi's decoder
   * ignores the field (`heketi db import` accepts such a file). Default false: Heketi's shape only.
   */
  brickSets?: boolean;
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
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

/**
 * Our operations in flight as Heketi's pending operations, and the `Pending.Id` markers they put on
 * volumes and bricks. Mapping (ours → Heketi `Type`, actions):
 *   create-volume   → 1 create-volume:  AddVolume(volume), AddBrick(each brick); volume + bricks marked
 *   delete-volume   → 2 delete-volume:  DeleteVolume(volume), DeleteBrick(each brick); volume + bricks marked
 *   expand-volume   → 3 expand-volume:  ExpandVolume(volume, Delta = GiB added), AddBrick(each new brick); new bricks marked
 *   evacuate-device → 6 remove-device:  RemoveDevice(device) [+ ChildOperation(child)]; with a brick move in flight,
 *                     a child 8 evict-brick (id derived from ours): DeleteBrick(old), AddBrick(new),
 *                     ParentOperation(parent); both bricks marked with the child's id
 *   evict-brick     → 8 evict-brick:    DeleteBrick(old), AddBrick(new) while its move is in flight; both bricks marked
 * add-node, add-device, remove-node, remove-device (of an empty device) and set-volume-options have no
 * pending operation in Heketi (they are not journaled there) and are left out.
 * Status: failed → "failed"; running/committed → "" (new) while the owning process lives, else "stale".
 */
export function pendingOperationsOf(
  ledger: Ledger,
  volumes: VolumeRow[] = ledger.listVolumes(),
  bricks: BrickRow[] = volumes.flatMap((v) => ledger.listBricks(v.id)),
): { operations: HeketiPendingOperation[]; volumePending: Map<string, string>; brickPending: Map<string, string> } {
  const operations: HeketiPendingOperation[] = [];
  const volumePending = new Map<string, string>();
  const brickPending = new Map<string, string>();
  const bricksOf = (volumeId: string) => bricks.filter((b) => b.volumeId === volumeId).sort(byId);
  for (const op of ledger.listOperations(["running", "committed", "failed"])) {
    const base = { Timestamp: Math.floor(Date.parse(op.createdAt) / 1000), Status: heketiOpStatus(ledger, op) };
    const plan = (op.plan ?? {}) as { volumeId?: string; addGiB?: number; deviceId?: string; move?: { oldBrickId: string; newBrickId: string } | null };
    switch (op.type) {
      case "create-volume":
      case "delete-volume": {
        if (!plan.volumeId) break;
        const create = op.type === "create-volume";
        const vb = bricksOf(plan.volumeId);
        operations.push({
          Id: op.id, ...base, Type: HEKETI_OP_TYPE[op.type],
          Actions: [
            { Change: create ? HEKETI_CHANGE.AddVolume : HEKETI_CHANGE.DeleteVolume, Id: plan.volumeId, Delta: null },
            ...vb.map((b) => ({ Change: create ? HEKETI_CHANGE.AddBrick : HEKETI_CHANGE.DeleteBrick, Id: b.id, Delta: null })),
          ],
        });
        volumePending.set(plan.volumeId, op.id);
        for (const b of vb) brickPending.set(b.id, op.id);
        break;
      }
      case "expand-volume": {
        if (!plan.volumeId) break;
        const added = ledger.listBricksOfOperation(op.id).sort(byId);
        operations.push({
          Id: op.id, ...base, Type: HEKETI_OP_TYPE["expand-volume"],
          Actions: [
            { Change: HEKETI_CHANGE.ExpandVolume, Id: plan.volumeId, Delta: plan.addGiB ?? 0 },
            ...added.map((b) => ({ Change: HEKETI_CHANGE.AddBrick, Id: b.id, Delta: null })),
          ],
        });
        for (const b of added) brickPending.set(b.id, op.id);
        break;
      }
      case "evacuate-device": {
        if (!plan.deviceId) break;
        const parent: HeketiPendingOperation = {
          Id: op.id, ...base, Type: HEKETI_OP_TYPE["remove-device"],
          Actions: [{ Change: HEKETI_CHANGE.RemoveDevice, Id: plan.deviceId, Delta: null }],
        };
        operations.push(parent);
        if (plan.move) {
          const child = createHash("sha256").update(`${op.id}:${plan.move.newBrickId}`).digest("hex").slice(0, 32);
          parent.Actions.push({ Change: HEKETI_CHANGE.ChildOperation, Id: child, Delta: null });
          operations.push({
            Id: child, ...base, Type: HEKETI_OP_TYPE["evict-brick"],
            Actions: [
              { Change: HEKETI_CHANGE.DeleteBrick, Id: plan.move.oldBrickId, Delta: null },
              { Change: HEKETI_CHANGE.AddBrick, Id: plan.move.newBrickId, Delta: null },
              { Change: HEKETI_CHANGE.ParentOperation, Id: op.id, Delta: null },
            ],
          });
          brickPending.set(plan.move.oldBrickId, child);
          brickPending.set(plan.move.newBrickId, child);
        }
        break;
      }
      case "evict-brick": {
        const actions = plan.move
          ? [{ Change: HEKETI_CHANGE.DeleteBrick, Id: plan.move.oldBrickId, Delta: null }, { Change: HEKETI_CHANGE.AddBrick, Id: plan.move.newBrickId, Delta: null }]
          : [];
        operations.push({ Id: op.id, ...base, Type: HEKETI_OP_TYPE["evict-brick"], Actions: actions });
        if (plan.move) {
          brickPending.set(plan.move.oldBrickId, op.id);
          brickPending.set(plan.move.newBrickId, op.id);
        }
        break;
      }
      default:
        break; // not a pending operation in Heketi
    }
  }
  return { operations, volumePending, brickPending };
}

function heketiOpStatus(ledger: Ledger, op: OperationRow): HeketiPendingOperation["Status"] {
  if (op.status === "failed") return "failed";
  return op.ownerBoot === ledger.owner || ownerAlive(op.ownerBoot) ? "" : "stale";
}

// ---------------------------------------------------------------------------------------------
// The dump as it comes in: validated the way Go's decoder reads it (unknown fields ignored, missing
// fields are zero values), plus what we need to be true to import it.

const HId = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hex id");
const kib = z.number().int("must be a whole number of KiB").min(0, "must not be negative");
const ids = z.array(HId).nullish().transform((x) => x ?? []);
const tagMap = z.record(z.string(), z.string()).nullish().transform((x) => x ?? {});
const pending = z.object({ Id: z.string().default("") }).nullish().transform((p) => p?.Id ?? "");
const state = z.enum(["online", "offline", "failed"], { message: "must be online, offline or failed" });
const section = <T extends z.ZodType>(entry: T) => z.record(HId, entry).nullish().transform((x) => (x ?? {}) as Record<string, z.output<T>>);

const ClusterEntryIn = z.object({
  Info: z.object({
    id: HId,
    nodes: ids,
    volumes: ids,
    block: z.boolean().default(false),
    // dbs older than DB_CLUSTER_HAS_FILE_BLOCK_FLAG held file volumes only
    file: z.boolean().default(true),
    blockvolumes: ids,
  }),
});
const NodeEntryIn = z.object({
  State: state,
  Info: z.object({
    zone: z.number().int(),
    hostnames: z.object({
      manage: z.array(z.string()).min(1, "needs a management hostname"),
      storage: z.array(z.string()).min(1, "needs a storage hostname"),
    }),
    cluster: HId,
    tags: tagMap,
    id: HId,
  }),
  Devices: ids,
});
const DeviceEntryIn = z.object({
  State: state,
  Info: z.object({
    name: z.string(),
    tags: tagMap,
    storage: z.object({ total: kib, free: kib, used: kib }),
    id: HId,
    paths: z.array(z.string()).nullish(),
    pv_uuid: z.string().nullish(),
  }),
  Bricks: ids,
  NodeId: HId,
  ExtentSize: kib.default(0),
});
const BrickEntryIn = z.object({
  Info: z.object({ id: HId, path: z.string(), device: HId, node: HId, volume: HId, size: kib }),
  TpSize: kib.default(0),
  PoolMetadataSize: kib.default(0),
  Pending: pending,
  LvmThinPool: z.string().default(""),
  LvmLv: z.string().default(""),
  SubType: z.number().int().min(0).max(2, "must be 0 (unknown), 1 (normal) or 2 (arbiter)").default(0),
});
const VolumeEntryIn = z.object({
  Info: z.object({
    size: z.number().int(),
    name: z.string(),
    durability: z
      .object({
        type: z.string().default(""),
        replicate: z.object({ replica: z.number().int().default(0) }).nullish(),
        disperse: z.object({ data: z.number().int().default(0), redundancy: z.number().int().default(0) }).nullish(),
      })
      .nullish(),
    gid: z.number().int().default(0),
    snapshot: z.object({ enable: z.boolean().default(false), factor: z.number().default(0) }).nullish(),
    id: HId,
    cluster: HId,
    block: z.boolean().default(false),
  }),
  Bricks: ids,
  GlusterVolumeOptions: z.array(z.string()).nullish().transform((x) => x ?? []),
  Pending: pending,
  [PGFS_EXTENSION]: z.object({ brickSets: z.array(z.array(HId)) }).optional(),
});
const PendingOperationIn = z.object({
  Id: HId,
  Timestamp: z.number().int().default(0),
  Type: z.number().int(),
  Actions: z
    .array(z.object({ Change: z.number().int(), Id: z.string(), Delta: z.unknown().optional() }))
    .nullish()
    .transform((x) => x ?? []),
  Status: z.string().default(""),
});

export const HeketiDumpIn = z.object({
  clusterentries: section(ClusterEntryIn),
  volumeentries: section(VolumeEntryIn),
  brickentries: section(BrickEntryIn),
  nodeentries: section(NodeEntryIn),
  deviceentries: section(DeviceEntryIn),
  blockvolumeentries: z.record(z.string(), z.unknown()).nullish().transform((x) => x ?? {}),
  dbattributeentries: z
    .record(z.string(), z.object({ Key: z.string(), Value: z.string() }))
    .nullish()
    .transform((x) => x ?? {}),
  pendingoperations: section(PendingOperationIn),
});
export type HeketiDumpIn = z.output<typeof HeketiDumpIn>;

/** Parse a Heketi export (an object or its JSON text); a malformed one is refused naming each entry and field. */
export function parseHeketiDump(input: unknown): HeketiDumpIn {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new ValidationError([{ field: "(file)", rule: `is not JSON: ${(e as Error).message}` }], "invalid Heketi export");
    }
  }
  const r = HeketiDumpIn.safeParse(value);
  if (r.success) return r.data;
  throw new ValidationError(
    r.error.issues.map((i) => ({ field: i.path.length ? i.path.map(String).join(".") : "(value)", rule: i.message })),
    "invalid Heketi export",
  );
}

// ---------------------------------------------------------------------------------------------
// Import

export interface ImportOptions {
  /**
   * SSH settings stored on every imported node: only what differs from the engine's defaults (the
   * engine resolves a node's target as its own settings over the engine's, see Engine.target).
   * Default {}: every node uses the engine's SSH defaults.
   */
  ssh?: z.input<typeof SshOverrides>;
  /** Per node, by management hostname, over `ssh`. */
  sshByHost?: Record<string, z.input<typeof SshOverrides>>;
  /**
   * What to do with Heketi's pending operations (volumes/bricks in the middle of a change):
   * "refuse" (default) the whole import; "skip" the pending volumes and the bricks being added, and
   * report them (their space stays counted as used on their devices).
   */
  pending?: "refuse" | "skip";
  /**
   * The cluster's volumes as gluster reports them (`gluster volume info --xml` on any node, parsed with
   * parseVolumeInfoXml): the brick order of each volume, i.e. which bricks form a set. Needed for
   * volumes with more than one brick set (expanded or large volumes) unless the dump carries `x-pgfs`.
   * When given, every volume it names must match the export brick for brick.
   */
  glusterVolumes?: GlusterVolumeInfo[];
}

export interface ImportReport {
  clusters: number;
  nodes: number;
  devices: number;
  volumes: number;
  bricks: number;
  /** Entries left out (pending: "skip"), with why. */
  skipped: Array<{ kind: "volume" | "brick"; id: string; name?: string; reason: string }>;
  /** Things the import kept as exported but an operator should know. */
  warnings: string[];
  /** DB_GENERATION_ID of the imported Heketi db (kept in the ledger's meta), if it had one. */
  generationId: string | null;
  /** The journal entry recording the import. */
  operationId: string;
}

/** What an import would write (planImport), before it is written. */
export interface ImportPlan {
  clusters: Array<{ id: string; file: boolean; block: boolean }>;
  nodes: Array<Omit<NodeRow, "createdAt" | "opId">>;
  devices: Array<Omit<DeviceRow, "createdAt" | "opId">>;
  volumes: Array<Omit<VolumeRow, "createdAt">>; // snapshotEnable: Heketi's, as requested
  bricks: BrickRow[];
  skipped: ImportReport["skipped"];
  warnings: string[];
}

class Problems {
  readonly issues: Array<{ field: string; rule: string }> = [];
  add(field: string, rule: string): void {
    this.issues.push({ field, rule });
  }
  /** Parse with a schema; record its issues under `field`. */
  check<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> | undefined {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const i of r.error.issues) this.add(i.path.length ? `${field}.${i.path.join(".")}` : field, i.message);
    return undefined;
  }
}

/**
 * Load a Heketi export into an empty ledger, in one transaction: clusters, nodes, devices, volumes and
 * bricks keep their Heketi ids, so the bricks' LVs, mounts and fstab lines on the nodes are exactly
 * where the engine looks for them (provider/commands/layout.ts). A non-empty ledger is refused (like
 * `heketi db import` refuses an existing db file); so is an export that is malformed, holds block
 * volumes, pending operations (unless opts.pending is "skip"), bricks outside Heketi's layout (clones),
 * or multi-set volumes whose brick order is unknown (see opts.glusterVolumes). Nothing is written then.
 */
export function importDump(ledger: Ledger, input: unknown, opts: ImportOptions = {}): ImportReport {
  assertEmpty(ledger);
  const dump = parseHeketiDump(input);
  const plan = planImport(dump, opts);
  const generation = dump.dbattributeentries.DB_GENERATION_ID?.Value || null;
  return ledger.immediate(() => {
    assertEmpty(ledger);
    for (const c of plan.clusters) ledger.insertCluster(c);
    for (const n of plan.nodes) ledger.insertNode(n);
    for (const d of plan.devices) ledger.insertDevice(d);
    for (const v of plan.volumes) ledger.insertVolume(v);
    for (const b of plan.bricks) ledger.insertBrick(b);
    if (generation) ledger.setMeta(GENERATION_META_KEY, generation);
    const counts = { clusters: plan.clusters.length, nodes: plan.nodes.length, devices: plan.devices.length, volumes: plan.volumes.length, bricks: plan.bricks.length };
    const op = ledger.beginOperation("import-heketi", generation ?? "heketi", { ...counts, generationId: generation, skipped: plan.skipped, warnings: plan.warnings });
    ledger.recordStep(op.id, "insert clusters, nodes, devices, volumes and bricks", "done");
    ledger.setOperationStatus(op.id, "done");
    return { ...counts, skipped: plan.skipped, warnings: plan.warnings, generationId: generation, operationId: op.id };
  });
}

function assertEmpty(ledger: Ledger): void {
  const count = (t: string) => (ledger.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  const held = ["clusters", "nodes", "devices", "volumes", "bricks"].map((t) => [t, count(t)] as const).filter(([, n]) => n > 0);
  if (held.length) {
    throw new ConflictError(
      `ledger ${ledger.file} is not empty (${held.map(([t, n]) => `${n} ${t}`).join(", ")}): a Heketi export is imported into a new ledger only, ` +
        `as \`heketi db import\` refuses an existing db file; give a new ledger path`,
    );
  }
}

const setSizeOf = (d: Durability) => (d.type === "replicate" ? d.replica : d.type === "disperse" ? d.data + d.redundancy : 1);
const describeOp = (id: string, o: z.output<typeof PendingOperationIn> | undefined) =>
  o ? `${id} (${OP_TYPE_NAME[o.Type] ?? `type ${o.Type}`}, ${o.Status || "new"})` : `${id} (no such pending operation in the export)`;

/** Validate the whole export against itself and our model; collect every problem, then refuse or return the rows. */
export function planImport(dump: HeketiDumpIn, opts: ImportOptions = {}): ImportPlan {
  const P = new Problems();
  const warnings: string[] = [];
  const skipped: ImportPlan["skipped"] = [];
  const skip = opts.pending === "skip";

  // --- things we do not take at all
  const blockIds = Object.keys(dump.blockvolumeentries);
  const blockRefs = Object.values(dump.clusterentries).flatMap((c) => c.Info.blockvolumes);
  if (blockIds.length || blockRefs.length) {
    const names = blockIds.map((id) => ((dump.blockvolumeentries[id] as { Info?: { name?: string } })?.Info?.name ?? id));
    P.add(
      "blockvolumeentries",
      `the export has ${Math.max(blockIds.length, blockRefs.length)} block volume(s)${names.length ? ` (${names.join(", ")})` : ""}: pulumi-glusterfs does not manage gluster-block volumes; ` +
        "delete them with heketi-cli blockvolume delete (or keep this cluster on Heketi) and export again",
    );
  }
  const pendingOps = dump.pendingoperations;
  const markedVolumes = Object.entries(dump.volumeentries).filter(([, v]) => v.Pending);
  const markedBricks = Object.entries(dump.brickentries).filter(([, b]) => b.Pending);
  if (!skip && (Object.keys(pendingOps).length || markedVolumes.length || markedBricks.length)) {
    const opIds = [...new Set([...Object.keys(pendingOps), ...markedVolumes.map(([, v]) => v.Pending), ...markedBricks.map(([, b]) => b.Pending)])].sort();
    P.add(
      "pendingoperations",
      `the export has ${opIds.length} pending operation(s): ${opIds.map((id) => describeOp(id, pendingOps[id])).join(", ")} ` +
        `(${markedVolumes.length} volume(s), ${markedBricks.length} brick(s) in the middle of a change). ` +
        "Clean them up with `heketi-cli server operations cleanup` first (server stopped: `heketi offline cleanup-operations --config=heketi.json`), " +
        "then export again; or import with pending \"skip\" to leave those volumes and bricks out",
    );
  }

  // --- clusters
  const clusters: ImportPlan["clusters"] = [];
  for (const [k, c] of Object.entries(dump.clusterentries)) {
    if (c.Info.id !== k) P.add(`clusterentries.${k}.Info.id`, `is ${c.Info.id}, but the entry is keyed ${k}`);
    clusters.push({ id: k, file: c.Info.file, block: c.Info.block });
  }
  const clusterIds = new Set(clusters.map((c) => c.id));

  // --- nodes
  const nodes: ImportPlan["nodes"] = [];
  const hostsSeen = new Map<string, string>();
  for (const [k, n] of Object.entries(dump.nodeentries)) {
    const f = `nodeentries.${k}`;
    if (n.Info.id !== k) P.add(`${f}.Info.id`, `is ${n.Info.id}, but the entry is keyed ${k}`);
    if (!clusterIds.has(n.Info.cluster)) P.add(`${f}.Info.cluster`, `cluster ${n.Info.cluster} is not in clusterentries`);
    const manage = P.check(Hostname, n.Info.hostnames.manage[0], `${f}.Info.hostnames.manage.0`);
    const storage = P.check(Hostname, n.Info.hostnames.storage[0], `${f}.Info.hostnames.storage.0`);
    const zone = P.check(Zone, n.Info.zone, `${f}.Info.zone`);
    const tags = P.check(Tags, n.Info.tags, `${f}.Info.tags`);
    for (const [field, h] of [["manage", manage], ["storage", storage]] as const) {
      if (!h) continue;
      const other = hostsSeen.get(`${field}:${h}`);
      if (other) P.add(`${f}.Info.hostnames.${field}.0`, `${h} is also the ${field} hostname of node ${other}`);
      hostsSeen.set(`${field}:${h}`, k);
    }
    if (storage && !StorageAddress.safeParse(storage).success) {
      warnings.push(`node ${manage ?? k}: storage hostname ${storage} is not an IPv4 address (the Node resource requires one: Kubernetes endpoints need IPs); kept as exported`);
    }
    const ssh = P.check(SshOverrides, { ...opts.ssh, ...(manage ? opts.sshByHost?.[manage] : undefined) }, `ssh settings for ${manage ?? k}`);
    if (!manage || !storage || zone === undefined || !tags || !ssh) continue;
    nodes.push({
      id: k, clusterId: n.Info.cluster, manageHost: manage, storageHost: storage, zone, tags,
      ssh: Object.fromEntries(Object.entries(ssh).filter(([, v]) => v !== undefined)), state: n.State as NodeState,
    });
  }
  for (const key of Object.keys(opts.sshByHost ?? {})) {
    if (!nodes.some((n) => n.manageHost === key)) P.add(`ssh settings for ${key}`, "no node in the export has this management hostname");
  }

  // --- devices
  const devices: ImportPlan["devices"] = [];
  const pathsSeen = new Set<string>();
  for (const [k, d] of Object.entries(dump.deviceentries)) {
    const f = `deviceentries.${k}`;
    if (d.Info.id !== k) P.add(`${f}.Info.id`, `is ${d.Info.id}, but the entry is keyed ${k}`);
    if (!dump.nodeentries[d.NodeId]) P.add(`${f}.NodeId`, `node ${d.NodeId} is not in nodeentries`);
    else if (!dump.nodeentries[d.NodeId].Devices.includes(k)) warnings.push(`device ${k}: its node ${d.NodeId} does not list it (imported on that node anyway)`);
    const path = P.check(DevicePath, d.Info.name, `${f}.Info.name`);
    const tags = P.check(Tags, d.Info.tags, `${f}.Info.tags`);
    if (path && pathsSeen.has(`${d.NodeId}:${path}`)) P.add(`${f}.Info.name`, `${path} appears twice on node ${d.NodeId}`);
    if (path) pathsSeen.add(`${d.NodeId}:${path}`);
    const s = d.Info.storage;
    if (s.total !== s.free + s.used) warnings.push(`device ${path ?? k} [${k}]: total ${s.total} KiB is not free ${s.free} + used ${s.used} KiB (kept as exported)`);
    if (!path || !tags) continue;
    devices.push({
      id: k, nodeId: d.NodeId, path, state: d.State as DeviceState, totalKiB: s.total, freeKiB: s.free, usedKiB: s.used,
      extentKiB: d.ExtentSize || 4096, pvUuid: d.Info.pv_uuid || null, tags,
    });
  }

  // --- which volumes and bricks are pending (skip mode)
  const deleting = new Set<string>(); // bricks a pending op is removing: still real, imported
  for (const o of Object.values(pendingOps)) for (const a of o.Actions) if (a.Change === HEKETI_CHANGE.DeleteBrick) deleting.add(a.Id);
  const skippedVolumes = new Set<string>();
  const skippedBricks = new Set<string>();
  if (skip) {
    for (const [id, v] of markedVolumes) {
      skippedVolumes.add(id);
      skipped.push({ kind: "volume", id, name: v.Info.name, reason: `pending operation ${describeOp(v.Pending, pendingOps[v.Pending])}` });
    }
    for (const [id, b] of markedBricks) {
      if (skippedVolumes.has(b.Info.volume)) continue;
      if (deleting.has(id)) {
        warnings.push(`brick ${id} of volume ${b.Info.volume}: pending operation ${describeOp(b.Pending, pendingOps[b.Pending])} was removing it; imported as a brick of the volume`);
        continue;
      }
      skippedBricks.add(id);
      skipped.push({ kind: "brick", id, reason: `being added by pending operation ${describeOp(b.Pending, pendingOps[b.Pending])}` });
    }
  }

  // --- volumes and their bricks
  const volumes: ImportPlan["volumes"] = [];
  const bricks: BrickRow[] = [];
  const brickOwner = new Map<string, string>();
  const namesSeen = new Set<string>();
  for (const [k, v] of Object.entries(dump.volumeentries)) {
    const f = `volumeentries.${k}`;
    if (v.Info.id !== k) P.add(`${f}.Info.id`, `is ${v.Info.id}, but the entry is keyed ${k}`);
    for (const b of v.Bricks) {
      if (brickOwner.has(b)) P.add(`${f}.Bricks`, `brick ${b} is also listed by volume ${brickOwner.get(b)}`);
      brickOwner.set(b, k);
    }
    if (skippedVolumes.has(k)) {
      for (const b of v.Bricks) {
        skippedBricks.add(b);
        skipped.push({ kind: "brick", id: b, reason: `brick of skipped volume ${v.Info.name}` });
      }
      continue;
    }
    if (!clusterIds.has(v.Info.cluster)) P.add(`${f}.Info.cluster`, `cluster ${v.Info.cluster} is not in clusterentries`);
    const name = P.check(VolumeName, v.Info.name, `${f}.Info.name`);
    if (name && namesSeen.has(`${v.Info.cluster}:${name}`)) P.add(`${f}.Info.name`, `'${name}' is used by another volume of cluster ${v.Info.cluster}`);
    if (name) namesSeen.add(`${v.Info.cluster}:${name}`);
    if (name && name.length > 64) warnings.push(`volume ${name}: names longer than 64 characters are refused by the engine's command builders; it cannot be changed or deleted by pulumi-glusterfs until that limit is raised`);
    const sizeGiB = P.check(SizeGiB, v.Info.size, `${f}.Info.size`);
    const gid = P.check(Gid, v.Info.gid, `${f}.Info.gid`);
    const snap = v.Info.snapshot;
    const snapshotFactor = P.check(SnapshotFactor, snap?.enable ? snap.factor || 1.5 : 1, `${f}.Info.snapshot.factor`);
    if (name === "heketidbstorage") {
      warnings.push("volume heketidbstorage holds Heketi's own database (setup-openshift-heketi-storage): imported like any volume; delete it once Heketi is retired (Heketi itself refuses to)");
    }
    if (v.Info.block) warnings.push(`volume ${v.Info.name}: a block-hosting volume (without block volumes); imported as a file volume`);

    // options: drop Heketi's empty entries and its private options modelled elsewhere
    let arbiter = false;
    const options = new Map<string, GlusterOption>();
    v.GlusterVolumeOptions.forEach((raw, i) => {
      const s = raw.trim();
      if (!s) return;
      const words = s.split(/\s+/);
      if (words.length !== 2) {
        P.add(`${f}.GlusterVolumeOptions.${i}`, `'${raw}' is not "<key> <value>" (one word each)`);
        return;
      }
      const [key, value] = words;
      if (key === "user.heketi.arbiter") {
        arbiter = value.toLowerCase() === "true";
        return;
      }
      if (key === "user.heketi.id") return; // the engine sets it on create; not a stored option in Heketi either
      const o = P.check(GlusterOption, { key, value }, `${f}.GlusterVolumeOptions.${i}`);
      if (!o) return;
      if (options.has(key)) warnings.push(`volume ${v.Info.name}: option ${key} is given twice; the last value (${value}) is kept`);
      options.set(key, o);
    });

    const durability = durabilityFrom(P, v.Info.durability ?? undefined, arbiter, f);
    const mine = v.Bricks.filter((b) => !skippedBricks.has(b));
    if (!name || sizeGiB === undefined || gid === undefined || snapshotFactor === undefined || !durability) continue;
    const setSize = setSizeOf(durability);
    if (mine.length === 0 || mine.length % setSize) {
      P.add(`${f}.Bricks`, `has ${mine.length} brick(s), which is not a whole number of ${durability.type} sets of ${setSize}`);
      continue;
    }
    const entries = mine.map((id) => ({ id, e: dump.brickentries[id] }));
    const missing = entries.filter((x) => !x.e).map((x) => x.id);
    if (missing.length) {
      P.add(`${f}.Bricks`, `brick(s) ${missing.join(", ")} are not in brickentries`);
      continue;
    }
    const sets = brickSets(P, f, k, name, v, durability, mine, dump, opts.glusterVolumes, warnings);
    if (!sets) continue;
    volumes.push({
      id: k, clusterId: v.Info.cluster, name, sizeGiB, durability, gid, snapshotFactor, snapshotEnable: snap?.enable ?? false, options: [...options.values()], state: "online", opId: null,
    });
    sets.forEach((set, setIndex) =>
      set.forEach((id, position) => {
        const row = brickRowFrom(P, id, dump, k, v.Info.cluster, durability, position === set.length - 1);
        if (row) bricks.push({ ...row, setIndex, position });
      }),
    );
    const nodesInSets = sets.map((s) => new Set(s.map((id) => dump.brickentries[id].Info.node)));
    if (nodesInSets.some((s, i) => s.size !== sets[i].length)) warnings.push(`volume ${name}: a brick set has two bricks on one node (kept as exported; losing that node loses the set's redundancy)`);
  }

  // bricks no (imported or skipped) volume claims
  for (const [id, b] of Object.entries(dump.brickentries)) {
    if (brickOwner.has(id) || skippedBricks.has(id)) continue;
    if (skip && b.Pending) {
      skipped.push({ kind: "brick", id, reason: `being added by pending operation ${describeOp(b.Pending, pendingOps[b.Pending])}` });
      continue;
    }
    P.add(
      `brickentries.${id}`,
      b.Info.path
        ? `belongs to no volume (volume ${b.Info.volume} does not list it)`
        : "belongs to no volume and has no path: remove such bricks with `heketi db delete-bricks-with-empty-path` and export again",
    );
  }

  // device accounting, as Heketi's db check does it
  for (const d of devices) {
    const all = Object.values(dump.brickentries).filter((b) => b.Info.device === d.id);
    const sum = all.reduce((n, b) => n + b.TpSize + b.PoolMetadataSize, 0);
    if (sum !== d.usedKiB) warnings.push(`device ${d.path} [${d.id}]: used ${d.usedKiB} KiB, but its bricks' thin pools take ${sum} KiB (kept as exported)`);
  }
  const skippedOnDevices = skipped.filter((s) => s.kind === "brick").map((s) => dump.brickentries[s.id]).filter(Boolean);
  if (skippedOnDevices.length) {
    warnings.push(
      "skipped bricks keep their space counted as used; if Heketi had created them, remove them on their nodes by hand: " +
        skippedOnDevices.map((b) => `${b.Info.node}: vg_${b.Info.device}/${lvName(b.Info.id)} + vg_${b.Info.device}/${b.LvmThinPool || thinPoolName(b.Info.id)}`).join("; "),
    );
  }

  if (P.issues.length) throw new ValidationError(P.issues, "the Heketi export cannot be imported");
  return { clusters, nodes, devices, volumes, bricks, skipped, warnings };
}

type DurabilityIn = { type: string; replicate?: { replica: number } | null; disperse?: { data: number; redundancy: number } | null };

/** Heketi's durability (plus its arbiter option) as ours: "" is none; replicate without a replica is Heketi's default, 2. */
function durabilityFrom(P: Problems, d: DurabilityIn | undefined, arbiter: boolean, f: string): Durability | undefined {
  const type = d?.type ?? "";
  let value: unknown;
  if (type === "" || type === "none") value = { type: "none" };
  else if (type === "replicate") value = { type: "replicate", replica: d?.replicate?.replica || 2, arbiter };
  else if (type === "disperse") value = { type: "disperse", data: d?.disperse?.data || 4, redundancy: d?.disperse?.redundancy || 2 };
  else {
    P.add(`${f}.Info.durability.type`, `'${type}' is not none, replicate or disperse`);
    return undefined;
  }
  if (arbiter && type !== "replicate") {
    P.add(`${f}.GlusterVolumeOptions`, `user.heketi.arbiter true on a ${type || "none"} volume: only replica 3 volumes have arbiters`);
    return undefined;
  }
  return P.check(Durability, value, `${f}.Info.durability`);
}

/**
 * The volume's bricks grouped into sets, each in gluster's order (arbiter last). From, in this order:
 * our x-pgfs extension; gluster's volume info; for a one-set volume, the export itself (data bricks,
 * then the arbiter). Otherwise the volume is refused: a Heketi export does not record set membership.
 */
function brickSets(
  P: Problems, f: string, id: string, name: string, v: z.output<typeof VolumeEntryIn>, d: Durability, mine: string[],
  dump: HeketiDumpIn, gluster: GlusterVolumeInfo[] | undefined, warnings: string[],
): string[][] | undefined {
  const setSize = setSizeOf(d);
  const nSets = mine.length / setSize;
  const arbiter = d.type === "replicate" && d.arbiter;
  const isArbiter = (b: string) => dump.brickentries[b].SubType === HEKETI_SUBTYPE.arbiter;
  const checkArbiters = (sets: string[][], source: string): boolean => {
    for (const [i, s] of sets.entries()) {
      const ok = arbiter ? s.slice(0, -1).every((b) => !isArbiter(b)) && isArbiter(s[s.length - 1]) : s.every((b) => !isArbiter(b));
      if (!ok) {
        P.add(`${f}.Bricks`, arbiter ? `set ${i + 1} (${source}) does not end with its one arbiter brick (SubType 2)` : `has arbiter bricks (SubType 2) but the volume is not an arbiter volume`);
        return false;
      }
    }
    return true;
  };

  const ext = v[PGFS_EXTENSION]?.brickSets;
  if (ext) {
    const flat = ext.flat();
    if (ext.some((s) => s.length !== setSize) || flat.length !== mine.length || [...flat].sort().join() !== [...mine].sort().join()) {
      P.add(`${f}.${PGFS_EXTENSION}.brickSets`, `must hold exactly the volume's bricks in sets of ${setSize}`);
      return undefined;
    }
    return checkArbiters(ext, "x-pgfs") ? ext : undefined;
  }

  const g = gluster && glusterVolumeFor(gluster, id, name);
  if (g === "ambiguous") warnings.push(`volume ${name}: gluster volume info names more than one volume '${name}' without user.heketi.id; its brick order was not taken from it`);
  if (g && g !== "ambiguous") {
    const byPath = new Map(mine.map((b) => [dump.brickentries[b].Info.path, b]));
    const ordered = g.bricks.map((gb) => byPath.get(gb.path));
    const unknown = g.bricks.filter((_, i) => !ordered[i]).map((gb) => gb.name);
    const absent = mine.filter((b) => !g.bricks.some((gb) => gb.path === dump.brickentries[b].Info.path));
    if (unknown.length || absent.length) {
      P.add(
        `${f}.Bricks`,
        `do not match gluster's volume ${g.name}: ${unknown.length ? `gluster has ${unknown.join(", ")} which the export does not; ` : ""}` +
          `${absent.length ? `the export has ${absent.join(", ")} which gluster does not` : ""}`.replace(/; $/, ""),
      );
      return undefined;
    }
    const sets = Array.from({ length: nSets }, (_, i) => (ordered as string[]).slice(i * setSize, (i + 1) * setSize));
    return checkArbiters(sets, "gluster's order") ? sets : undefined;
  }

  if (nSets === 1) {
    const set = [...mine.filter((b) => !isArbiter(b)), ...mine.filter(isArbiter)];
    return checkArbiters([set], "the export") ? [set] : undefined;
  }
  P.add(
    `${f}.Bricks`,
    `volume ${name} has ${nSets} brick sets of ${setSize}, and a Heketi export does not record which bricks form a set (gluster does): ` +
      "give the output of `gluster volume info --xml` from a node of this cluster (glusterVolumes / --gluster-volume-info)",
  );
  return undefined;
}

function glusterVolumeFor(gluster: GlusterVolumeInfo[], id: string, name: string): GlusterVolumeInfo | "ambiguous" | undefined {
  const byId = gluster.find((g) => g.heketiId === id);
  if (byId) return byId;
  const byName = gluster.filter((g) => g.name === name && !g.heketiId);
  return byName.length > 1 ? "ambiguous" : byName[0];
}

/** One brick as a ledger row: its path and LV names must be Heketi's layout, which is the engine's. */
function brickRowFrom(
  P: Problems, id: string, dump: HeketiDumpIn, volumeId: string, clusterId: string, d: Durability, lastInSet: boolean,
): Omit<BrickRow, "setIndex" | "position"> | undefined {
  const b = dump.brickentries[id];
  const f = `brickentries.${id}`;
  let ok = true;
  const bad = (field: string, rule: string) => {
    P.add(`${f}.${field}`, rule);
    ok = false;
  };
  if (b.Info.id !== id) bad("Info.id", `is ${b.Info.id}, but the entry is keyed ${id}`);
  if (b.Info.volume !== volumeId) bad("Info.volume", `is ${b.Info.volume}, but volume ${volumeId} lists the brick`);
  const device = dump.deviceentries[b.Info.device];
  if (!device) bad("Info.device", `device ${b.Info.device} is not in deviceentries`);
  else {
    if (device.NodeId !== b.Info.node) bad("Info.node", `is ${b.Info.node}, but its device ${b.Info.device} is on node ${device.NodeId}`);
    const node = dump.nodeentries[device.NodeId];
    if (node && node.Info.cluster !== clusterId) bad("Info.device", `device ${b.Info.device} is in cluster ${node.Info.cluster}, the volume in ${clusterId}`);
  }
  const expected = brickPath(b.Info.device, id);
  if (b.Info.path !== expected) {
    bad(
      "Info.path",
      `is ${b.Info.path || '""'}, not Heketi's layout ${expected}: only bricks in that layout can be managed ` +
        "(a cloned volume's bricks live in gluster snapshots; clones cannot be imported)",
    );
  }
  if (b.LvmLv && b.LvmLv !== lvName(id)) bad("LvmLv", `is ${b.LvmLv}, not ${lvName(id)}: only bricks in Heketi's layout can be managed (clones cannot be imported)`);
  if (b.LvmThinPool && !/^tp_[0-9a-f]{32}$/.test(b.LvmThinPool)) bad("LvmThinPool", `is ${b.LvmThinPool}, not tp_<32 hex>`);
  if (!(b.Info.size > 0)) bad("Info.size", "must be more than 0 KiB");
  if (!(b.TpSize >= b.Info.size)) bad("TpSize", `is ${b.TpSize} KiB, less than the brick's ${b.Info.size} KiB`);
  if (!(b.PoolMetadataSize > 0)) bad("PoolMetadataSize", "must be more than 0 KiB");
  const arbiterVolume = d.type === "replicate" && d.arbiter;
  if (arbiterVolume && b.SubType === HEKETI_SUBTYPE.unknown) bad("SubType", "is 0 (unknown) in an arbiter volume: which brick is the arbiter is not known");
  if (!ok) return undefined;
  return {
    id, volumeId, deviceId: b.Info.device, nodeId: b.Info.node, path: b.Info.path, sizeKiB: b.Info.size, tpKiB: b.TpSize, metaKiB: b.PoolMetadataSize,
    subtype: arbiterVolume && lastInSet ? "arbiter" : "data", state: "ready", opId: null,
    ...(b.LvmThinPool && b.LvmThinPool !== thinPoolName(id) ? { thinPool: b.LvmThinPool } : {}),
  };
}
