import { z } from "zod";

/**
 * Heketi's REST vocabulary (heketi.md §1.4): field names exact. Request schemas check only what Go's
 * JSON decoder checks (types; unknown fields ignored), so a body that fails here is Heketi's 422;
 * range and rule checks (Heketi's 400s) are the handlers' job, with Heketi's texts.
 * Responses are typed from the same schemas, which the REST client also parses with.
 */

const id = z.string();
const ids = z.array(id);
const tags = z.record(z.string(), z.string());
const int = z.number().int();

export const HostAddresses = z.object({ manage: z.array(z.string()), storage: z.array(z.string()) });

export const ClusterFlagsRequest = z.object({ file: z.boolean().optional(), block: z.boolean().optional() });
export const NodeAddRequest = z.object({
  zone: int.optional(),
  hostnames: z.object({ manage: z.array(z.string()).nullish(), storage: z.array(z.string()).nullish() }).nullish(),
  cluster: z.string().optional(),
  tags: tags.nullish(),
});
export const DeviceAddRequest = z.object({ name: z.string().optional(), node: z.string().optional(), tags: tags.nullish(), destroydata: z.boolean().optional() });
export const VolumeCreateRequest = z.object({
  size: int.optional(),
  clusters: ids.nullish(),
  name: z.string().optional(),
  durability: z
    .object({
      type: z.string().optional(),
      replicate: z.object({ replica: int.optional() }).nullish(),
      disperse: z.object({ data: int.optional(), redundancy: int.optional() }).nullish(),
    })
    .nullish(),
  gid: int.optional(),
  glustervolumeoptions: z.array(z.string()).nullish(),
  block: z.boolean().optional(),
  snapshot: z.object({ enable: z.boolean().optional(), factor: z.number().optional() }).nullish(),
});
export type VolumeCreateRequest = z.infer<typeof VolumeCreateRequest>;
export const VolumeExpandRequest = z.object({ expand_size: int.optional() });
export const StateRequest = z.object({ state: z.string().optional(), healcheck: z.string().optional() });
export const BrickEvictRequest = z.object({ healcheck: z.string().optional() });
export const TagsChangeRequest = z.object({ tags: tags.nullish(), change_type: z.string().optional() });
export const DeviceDeleteOptions = z.object({ forceforget: z.boolean().optional() });
export const CleanupRequest = z.object({ operations: ids.nullish() });
export const AdminStatus = z.object({ state: z.string().optional() });

export const StorageSize = z.object({ total: int, free: int, used: int });
export const BrickInfo = z.object({ id, path: z.string(), device: id, node: id, volume: id, size: int });
export type BrickInfo = z.infer<typeof BrickInfo>;
export const DeviceInfo = z.object({
  name: z.string(),
  tags: tags.optional(),
  storage: StorageSize,
  id,
  paths: z.array(z.string()).optional(),
  pv_uuid: z.string().optional(),
  state: z.string(),
  bricks: z.array(BrickInfo),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;
export const NodeInfo = z.object({
  zone: int,
  hostnames: HostAddresses,
  cluster: id,
  tags: tags.optional(),
  id,
  state: z.string(),
  devices: z.array(DeviceInfo),
});
export type NodeInfo = z.infer<typeof NodeInfo>;
export const ClusterInfo = z.object({ id, nodes: ids, volumes: ids, block: z.boolean(), file: z.boolean(), blockvolumes: ids });
export type ClusterInfo = z.infer<typeof ClusterInfo>;
export const Durability = z.object({
  type: z.string().optional(),
  replicate: z.object({ replica: int.optional() }),
  disperse: z.object({ data: int.optional(), redundancy: int.optional() }),
});
export const VolumeInfo = z.object({
  size: int,
  clusters: ids.optional(),
  name: z.string(),
  durability: Durability,
  gid: int.optional(),
  glustervolumeoptions: z.array(z.string()).optional(),
  block: z.boolean().optional(),
  snapshot: z.object({ enable: z.boolean(), factor: z.number() }),
  id,
  cluster: id,
  mount: z.object({
    glusterfs: z.object({ hosts: z.array(z.string()), device: z.string(), options: z.record(z.string(), z.string()) }),
  }),
  blockinfo: z.record(z.string(), z.unknown()),
  bricks: z.array(BrickInfo),
});
export type VolumeInfo = z.infer<typeof VolumeInfo>;
export const ClusterList = z.object({ clusters: ids });
export const VolumeList = z.object({ volumes: ids });
export const OperationsInfo = z.object({ total: int, in_flight: int, stale: int, failed: int, new: int });
export type OperationsInfo = z.infer<typeof OperationsInfo>;
