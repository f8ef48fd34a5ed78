/**
 * Heketi's size arithmetic: space a brick needs on a device, brick sizing loop, arbiter size.
 */
import { KIB_PER_GIB, KIB_PER_MIB } from "../model/units";
import type { BrickSpace, Durability, Limits } from "./types";

export { KIB_PER_GIB, KIB_PER_MIB };
export const DEFAULT_EXTENT_KIB = 4096;
/** Heketi caps thin-pool metadata at 16 GiB (maxPoolMetadataSizeMb, in KiB despite its name). */
export const MAX_POOL_METADATA_KIB = 16 * KIB_PER_GIB;
/**
 * Smallest arbiter brick: 512 MiB. Heketi used 16 MiB, but xfsprogs 6.x (Debian 12, GlusterFS 10 nodes)
 * refuses file systems under 300 MB ("Filesystem must be larger than 300MB"), seen on the lab.
 */
export const MIN_ARBITER_BRICK_KIB = 512 * KIB_PER_MIB;
/** Heketi refuses snapshot factors above this (VOLUME_CREATE_MAX_SNAPSHOT_FACTOR). */
export const MAX_SNAPSHOT_FACTOR = 100;
/** The brick index that holds the arbiter in a replica 3 arbiter set. */
export const ARBITER_INDEX = 2;

/** Disperse data+redundancy combinations Heketi accepts. */
export const DISPERSE_COMBOS: ReadonlyArray<readonly [number, number]> = [
  [2, 1],
  [4, 2],
  [8, 3],
  [8, 4],
];

export function ceilToExtent(kib: number, extentKiB: number): number {
  const rem = kib % extentKiB;
  return rem === 0 ? kib : kib + (extentKiB - rem);
}

/**
 * Heketi's DeviceEntry.SpaceNeeded. The snapshot factor is rounded to float32 first,
 * because Heketi stores it as one (so 1.2 multiplies as 1.2000000476837158).
 */
export function brickSpace(brickKiB: number, snapshotFactor: number, extentKiB: number = DEFAULT_EXTENT_KIB): BrickSpace {
  if (!Number.isSafeInteger(brickKiB) || brickKiB < 0) throw new Error(`brick size must be a whole number of KiB >= 0, got ${brickKiB}`);
  if (!Number.isSafeInteger(extentKiB) || extentKiB <= 0) throw new Error(`extent size must be a positive whole number of KiB, got ${extentKiB}`);
  if (!Number.isFinite(snapshotFactor) || snapshotFactor <= 0) throw new Error(`snapshot factor must be a positive number, got ${snapshotFactor}`);
  const tpKiB = ceilToExtent(Math.floor(brickKiB * Math.fround(snapshotFactor)), extentKiB);
  const metaKiB = ceilToExtent(Math.min(Math.floor(tpKiB * 0.005), MAX_POOL_METADATA_KIB), extentKiB);
  return { tpKiB, metaKiB, needKiB: tpKiB + metaKiB };
}

/** Throws a plain Error for durabilities Heketi would refuse. */
export function validateDurability(d: Durability): void {
  if (d === null || typeof d !== "object") throw new Error("durability is required");
  switch (d.type) {
    case "none":
      return;
    case "replicate":
      if (!Number.isInteger(d.replica) || d.replica < 1 || d.replica > 3) {
        throw new Error(`replica count must be 1, 2 or 3, got ${d.replica}`);
      }
      if (d.arbiter && d.replica !== 3) throw new Error(`arbiter volumes must be replica 3, got replica ${d.replica}`);
      return;
    case "disperse":
      if (!DISPERSE_COMBOS.some(([data, red]) => data === d.data && red === d.redundancy)) {
        throw new Error(
          `unsupported disperse combination ${d.data}+${d.redundancy}; use one of ${DISPERSE_COMBOS.map(([a, b]) => `${a}+${b}`).join(", ")}`,
        );
      }
      return;
    default:
      throw new Error(`unknown durability type ${JSON.stringify((d as { type?: unknown }).type)}`);
  }
}

export function bricksPerSet(d: Durability): number {
  validateDurability(d);
  switch (d.type) {
    case "none":
      return 1;
    case "replicate":
      return d.replica;
    case "disperse":
      return d.data + d.redundancy;
  }
}

export function isArbiter(d: Durability): boolean {
  return d.type === "replicate" && d.arbiter === true;
}

/** "distribute", "replica 3", "replica 3 arbiter", "disperse 4+2". */
export function durabilityLabel(d: Durability): string {
  switch (d.type) {
    case "none":
      return "distribute";
    case "replicate":
      return d.arbiter ? `replica ${d.replica} arbiter` : `replica ${d.replica}`;
    case "disperse":
      return `disperse ${d.data}+${d.redundancy}`;
  }
}

/**
 * Arbiter brick size for a data brick size (Heketi's discountBrickSize): ~1 KiB per expected
 * file, at least 16 MiB. Throws when the data brick is smaller than the average file size.
 */
export function arbiterBrickKiB(dataBrickKiB: number, averageFileSizeKiB: number): number {
  if (dataBrickKiB < averageFileSizeKiB) {
    throw new Error(`average file size (${averageFileSizeKiB} KiB) is greater than the brick size (${dataBrickKiB} KiB)`);
  }
  return Math.max(MIN_ARBITER_BRICK_KIB, Math.floor(dataBrickKiB / averageFileSizeKiB));
}

export interface BrickSizeStep {
  sets: number;
  brickKiB: number;
  /** sets × bricks per set (the new bricks, not counting existing ones). */
  bricks: number;
}

export interface BrickSizePlan {
  /** Brick sizes to try, largest first; each is a whole placement attempt. */
  steps: BrickSizeStep[];
  /** Why no smaller brick size is offered after the last step. */
  stop: { limit: "min-brick-size" | "max-bricks" } & BrickSizeStep;
}

/**
 * Heketi's BrickSizeGenerator + BrickMaxNum check, unrolled: sets = 1, 2, 4, ...; brick =
 * size / sets (disperse: / data); skip sizes above the maximum; end below the minimum or
 * when the volume would exceed the brick count limit.
 */
export function planBrickSizes(sizeGiB: number, durability: Durability, limits: Limits, existingBricks = 0): BrickSizePlan {
  validateLimits(limits);
  const perSet = bricksPerSet(durability);
  const sizeKiB = sizeGiB * KIB_PER_GIB;
  const minKiB = limits.brickMinSizeGiB * KIB_PER_GIB;
  const maxKiB = limits.brickMaxSizeGiB * KIB_PER_GIB;
  const steps: BrickSizeStep[] = [];
  for (let sets = 1; ; sets *= 2) {
    let brickKiB = Math.floor(sizeKiB / sets);
    if (durability.type === "disperse") brickKiB = Math.floor(brickKiB / durability.data);
    const step = { sets, brickKiB, bricks: sets * perSet };
    if (brickKiB < minKiB) return { steps, stop: { limit: "min-brick-size", ...step } };
    if (brickKiB > maxKiB) continue;
    if (step.bricks + existingBricks > limits.maxBricksPerVolume) return { steps, stop: { limit: "max-bricks", ...step } };
    steps.push(step);
  }
}

/** Throws a plain Error for limits that make no sense (and would make the sizing loop endless). */
export function validateLimits(l: Limits): void {
  const posNum = (name: keyof Limits) => {
    const v = l[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new Error(`limits.${name} must be a positive number, got ${String(v)}`);
  };
  posNum("brickMinSizeGiB");
  posNum("brickMaxSizeGiB");
  posNum("averageFileSizeKiB");
  if (!Number.isInteger(l.maxBricksPerVolume) || l.maxBricksPerVolume < 1) {
    throw new Error(`limits.maxBricksPerVolume must be a whole number >= 1, got ${l.maxBricksPerVolume}`);
  }
  if (l.brickMinSizeGiB > l.brickMaxSizeGiB) {
    throw new Error(`limits.brickMinSizeGiB (${l.brickMinSizeGiB}) is larger than limits.brickMaxSizeGiB (${l.brickMaxSizeGiB})`);
  }
  if (l.zoneChecking !== "none" && l.zoneChecking !== "strict") {
    throw new Error(`limits.zoneChecking must be "none" or "strict", got ${JSON.stringify(l.zoneChecking)}`);
  }
}
