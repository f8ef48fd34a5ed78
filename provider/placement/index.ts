/**
 * Pure brick placement: (topology snapshot, request, limits) -> brick sets | NoSpaceError.
 * No I/O; deterministic for the same input. See placer.ts for the selection rules.
 */
export * from "./types";
export {
  ARBITER_INDEX,
  arbiterBrickKiB,
  brickSpace,
  bricksPerSet,
  ceilToExtent,
  DEFAULT_EXTENT_KIB,
  DISPERSE_COMBOS,
  durabilityLabel,
  KIB_PER_GIB,
  MAX_POOL_METADATA_KIB,
  MIN_ARBITER_BRICK_KIB,
  planBrickSizes,
  validateDurability,
  validateLimits,
} from "./sizing";
export type { BrickSizePlan, BrickSizeStep } from "./sizing";
export { formatKiB, isNoSpaceError, NoSpaceError } from "./errors";
export type { AttemptSummary, DeviceRef, NoSpaceDetails, NoSpaceReason } from "./errors";
export { applyPlacement, parseTagMatch, placeBricks } from "./placer";
export type { TagRule } from "./placer";
export { chooseReplacement } from "./replacement";
export { volumeLimitReached } from "./cluster-limits";
export type { ReplacementRequest } from "./replacement";
