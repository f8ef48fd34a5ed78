/**
 * A Heketi export as it comes in: validated the way Go's decoder reads it (unknown fields ignored,
 * missing fields are zero values), plus what we need to be true to import it.
 */
import { z } from "zod";
import { parseJsonInput } from "../../model/json-input";
import { PGFS_EXTENSION } from "./constants";

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
export type VolumeEntryIn = z.output<typeof VolumeEntryIn>;
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
export type PendingOperationIn = z.output<typeof PendingOperationIn>;

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
  return parseJsonInput(HeketiDumpIn, input, "invalid Heketi export");
}
