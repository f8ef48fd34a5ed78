/**
 * Heketi's enumerations and fixed names in its db dump, as the heketi v10.3.0 binary reads them
 * (checked by test/smoke/heketi-dump.test.ts: our export through `heketi db import`, then
 * GET /operations/pending/{id}). Newer values were appended at the end (expand-block-volume), so they
 * do not follow every version of Heketi's source.
 */

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
/** Heketi's name of each pending operation type (0 is "unknown"). */
export const OP_TYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(HEKETI_OP_TYPE).map(([k, v]) => [v, k]));

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

/**
 * Our journal's operation types that are pending operations in Heketi, as the Heketi type they show as.
 * add-node, add-device, remove-node, remove-device (of an empty device) and set-volume-options are not
 * journaled by Heketi, so they have no entry.
 */
export const HEKETI_OP_OF_JOURNAL: Readonly<Record<string, keyof typeof HEKETI_OP_TYPE>> = {
  "create-volume": "create-volume",
  "delete-volume": "delete-volume",
  "expand-volume": "expand-volume",
  "evacuate-device": "remove-device",
  "evict-brick": "evict-brick",
};
