import { KIB_PER_GIB, KIB_PER_MIB } from "../model/units";
import type { BrickSubtype } from "./types";

/**
 * Which constraint stopped the placement:
 * - no-devices: no online device on an online (and up) node at all
 * - tag-filter: the device tag filter leaves nothing, or too few nodes, for one brick set
 * - too-few-nodes: fewer eligible nodes than bricks in a set (bricks of a set need distinct nodes)
 * - too-few-zones: strict zone checking and fewer eligible zones than bricks in a set
 * - arbiter-tags: `arbiter` device tags leave no node for the arbiter or too few for the data bricks
 * - insufficient-space: every brick size allowed by the limits was tried and devices ran out of space
 * - max-bricks: even the largest allowed brick size needs more bricks than the volume may have
 * - min-brick-size: the size is too small to make a brick of the minimum size
 */
export type NoSpaceReason =
  | "no-devices"
  | "tag-filter"
  | "too-few-nodes"
  | "too-few-zones"
  | "arbiter-tags"
  | "insufficient-space"
  | "max-bricks"
  | "min-brick-size";

export interface DeviceRef {
  nodeId: string;
  deviceId: string;
  freeKiB: number;
}

export interface AttemptSummary {
  sets: number;
  brickKiB: number;
  arbiterKiB?: number;
  /** Brick sets fully placed before one could not be. */
  placedSets: number;
  /** The brick that found no device, when the attempt got that far. */
  failedAt?: { set: number; index: number; subtype: BrickSubtype };
}

export interface NoSpaceDetails {
  durability: string;
  sizeGiB: number;
  bricksPerSet: number;
  existingBricks: number;
  zoneChecking: "none" | "strict";
  deviceTagMatch?: string;
  /** Nodes / devices in the snapshot, and how many are eligible (online, up, matching the tag filter). */
  nodes: { total: number; eligible: number };
  devices: { total: number; eligible: number };
  /** Distinct zones among eligible nodes. */
  zones: number[];
  /** Brick sizes tried, largest first. */
  attempts: AttemptSummary[];
  /** What ended the brick-size halving (insufficient-space, max-bricks, min-brick-size). */
  limit?: { kind: "min-brick-size" | "max-bricks"; sets: number; brickKiB: number; bricks: number; maxBricks: number; minBrickKiB: number };
  /** For space failures: what one brick needs on a device (free must be strictly greater). */
  neededKiB?: number;
  /** Nodes (zones) needed for one set and how many have a device with enough space. */
  requiredNodes?: number;
  qualifyingNodes?: number;
  requiredZones?: number;
  qualifyingZones?: number;
  /** Largest free device among the ones that do not qualify (or overall when none qualifies). */
  largestFree?: DeviceRef;
}

export class NoSpaceError extends Error {
  readonly code = "NO_SPACE" as const;
  readonly reason: NoSpaceReason;
  readonly details: NoSpaceDetails;

  constructor(reason: NoSpaceReason, message: string, details: NoSpaceDetails) {
    super(message);
    this.name = "NoSpaceError";
    this.reason = reason;
    this.details = details;
  }
}

export function isNoSpaceError(e: unknown): e is NoSpaceError {
  return e instanceof NoSpaceError || (typeof e === "object" && e !== null && (e as { code?: unknown }).code === "NO_SPACE");
}

/** "1.01 GiB", "16.00 MiB", "512 KiB" — two decimals, the way an operator reads df. */
export function formatKiB(kib: number): string {
  if (kib >= KIB_PER_GIB) return `${(kib / KIB_PER_GIB).toFixed(2)} GiB`;
  if (kib >= KIB_PER_MIB) return `${(kib / KIB_PER_MIB).toFixed(2)} MiB`;
  return `${kib} KiB`;
}
