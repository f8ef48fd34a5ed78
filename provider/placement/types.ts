/**
 * Plain data types of the placement module: a topology snapshot in, brick sets out.
 *
 * Units: volume sizes are GiB (whole numbers, as in Heketi's API); device free space,
 * extents and brick sizes are KiB (as in Heketi's database). 1 GiB = 1024 * 1024 KiB.
 */

export type EntityState = "online" | "offline" | "failed";

export interface PlacementDevice {
  id: string;
  /** Must equal the id of the node the device is listed under. */
  nodeId: string;
  /** Free space in KiB as Heketi accounts it (device size minus every brick's tp + metadata). */
  freeKiB: number;
  /** LVM extent size in KiB; Heketi's default is 4096. */
  extentKiB: number;
  state: EntityState;
  tags: Record<string, string>;
}

export interface PlacementNode {
  id: string;
  /** Failure domain; with strict zone checking no two bricks of a set share one. */
  zone: number;
  state: EntityState;
  /**
   * Health as last seen by the node monitor. `false` skips the node even if its
   * administrative state is online (Heketi's health cache); absent means unknown = usable.
   */
  up?: boolean;
  tags: Record<string, string>;
  devices: PlacementDevice[];
}

export interface Topology {
  nodes: PlacementNode[];
}

export type Durability =
  | { type: "none" }
  | { type: "replicate"; replica: number; arbiter?: boolean }
  | { type: "disperse"; data: number; redundancy: number };

export type ZoneChecking = "none" | "strict";

export interface PlacementRequest {
  /** Size to place in GiB: the whole volume on create, the delta on expand. */
  sizeGiB: number;
  durability: Durability;
  /** Thin-pool over-provisioning for snapshots; 1 when snapshots are off (Heketi: 1..100). */
  snapshotFactor: number;
  /** Bricks the volume already has (expand); counts toward `maxBricksPerVolume`. */
  existingBricks?: number;
  /** Overrides `Limits.zoneChecking` for this request. */
  zoneChecking?: ZoneChecking;
  /** Device tag filter, "key=value" or "key!=value", tested on node tags overlaid by device tags. */
  deviceTagMatch?: string;
}

export interface Limits {
  brickMinSizeGiB: number;
  brickMaxSizeGiB: number;
  maxBricksPerVolume: number;
  /** Expected average file size; sizes arbiter bricks (about 1 KiB of arbiter per file). */
  averageFileSizeKiB: number;
  zoneChecking: ZoneChecking;
  /** Volumes a cluster may hold before volume create skips it; negative = unlimited (Heketi's max_volumes_per_cluster). */
  maxVolumesPerCluster: number;
}

/** Heketi's defaults (apps/glusterfs/limits.go, arbiter average file size 64 KiB). */
export const defaultLimits: Readonly<Limits> = Object.freeze({
  brickMinSizeGiB: 1,
  brickMaxSizeGiB: 4096,
  maxBricksPerVolume: 32,
  averageFileSizeKiB: 64,
  zoneChecking: "none",
  maxVolumesPerCluster: 1000,
});

export type BrickSubtype = "data" | "arbiter";

export interface BrickSpace {
  /** Thin pool (and thin LV virtual) size: brick × snapshot factor, rounded up to the extent. */
  tpKiB: number;
  /** Thin-pool metadata: 0.5% of tp, at most 16 GiB, rounded up to the extent. */
  metaKiB: number;
  /** tp + meta: what the brick takes from the device's free space. */
  needKiB: number;
}

export interface PlacedBrick extends BrickSpace {
  deviceId: string;
  nodeId: string;
  zone: number;
  /** The brick (XFS file system) size the volume sees. */
  sizeKiB: number;
  subtype: BrickSubtype;
}

export interface Placement {
  /** Data brick size in KiB. */
  brickKiB: number;
  /** Arbiter brick size in KiB (replica 3 arbiter only). */
  arbiterKiB?: number;
  /** One array per brick set, bricks in Gluster order (arbiter volumes: index 2 is the arbiter). */
  sets: PlacedBrick[][];
}
