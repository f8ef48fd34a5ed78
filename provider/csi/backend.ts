/**
 * Where volumes are made: the driver's own engine (SSH to the nodes, its ledger) or a Heketi-compatible
 * REST server (ours or Heketi). The controller speaks to both through this interface; which one serves
 * a request is chosen by the StorageClass (resturl) or, after creation, by the volume id.
 */
import type { Durability, GlusterOption } from "../model/schemas";

export interface BackendVolume {
  /** the backend's id (32 hex) */
  id: string;
  clusterId: string;
  /** the gluster volume name */
  name: string;
  sizeGiB: number;
  durability: Durability;
  gid: number;
  /** storage addresses of the cluster's nodes: the first serves the volfile, the others are backups */
  hosts: string[];
  /** false while an operation (create, expand, delete) works on it */
  ready: boolean;
}

export interface CreateRequest {
  name: string;
  sizeGiB: number;
  clusters: string[];
  durability: Durability;
  gid: number;
  snapshotFactor: number;
  options: GlusterOption[];
}

export interface Backend {
  /** for log lines and messages: "engine" or the server's URL */
  readonly label: string;
  /** the volume of that gluster name in one of the clusters (all when empty) */
  findByName(name: string, clusters: string[]): Promise<BackendVolume | undefined>;
  get(id: string): Promise<BackendVolume | undefined>;
  list(): Promise<BackendVolume[]>;
  create(req: CreateRequest): Promise<BackendVolume>;
  expand(id: string, addGiB: number): Promise<BackendVolume>;
  /** false when there was no such volume (not an error: deleting is idempotent) */
  delete(id: string): Promise<boolean>;
  /** GIDs volumes already have (to give a new volume one in the StorageClass's range that is free) */
  usedGids(): Promise<Set<number>>;
  /** free raw space of the online devices on the online nodes of each cluster (all when empty), bytes */
  freeBytesByCluster(clusters: string[]): Promise<Map<string, bigint>>;
  /** throws when the backend does not answer */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** How much of a cluster's raw free space a volume of this durability can use. */
export function usableFraction(d: Durability): { num: bigint; den: bigint } {
  if (d.type === "replicate") return { num: 1n, den: BigInt(d.replica) };
  if (d.type === "disperse") return { num: BigInt(d.data), den: BigInt(d.data + d.redundancy) };
  return { num: 1n, den: 1n };
}
