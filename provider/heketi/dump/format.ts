/**
 * The shape of Heketi's db dump as we write it (`heketi db export`, GET /db/dump): every section is a
 * map id → entry; entries use Go field names at the top level and the REST API's names inside `Info`.
 */
import type { BrickInfo, ClusterInfo, VolumeInfo } from "../api";

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
