/**
 * CSI capacity ranges (bytes) to GlusterFS sizes: Heketi and the engine size volumes in whole GiB, so the
 * required size is rounded up, and a limit below the rounded size cannot be met (OUT_OF_RANGE).
 */
import { Code, CsiError, invalid } from "./errors";

export const GIB = 1024n ** 3n;
/** No capacity range: the spec lets the plugin choose; 1 GiB, the smallest volume. */
export const DEFAULT_GIB = 1;
/** The engine's largest volume (SizeGiB in provider/model/schemas.ts). */
export const MAX_GIB = 1024 * 1024;

export interface CapacityRange {
  required_bytes?: string | number;
  limit_bytes?: string | number;
}

const bytes = (v: string | number | undefined, field: string): bigint => {
  const b = BigInt(v ?? 0);
  if (b < 0n) throw invalid(`capacity_range.${field} must not be negative (got ${b})`);
  return b;
};

/** The size in GiB for a capacity range (null/absent: the default). */
export function sizeGiBFor(range: CapacityRange | null | undefined): number {
  const required = bytes(range?.required_bytes, "required_bytes");
  const limit = bytes(range?.limit_bytes, "limit_bytes");
  if (limit > 0n && required > limit) throw invalid(`capacity_range: required_bytes ${required} is more than limit_bytes ${limit}`);
  const gib = required === 0n ? BigInt(DEFAULT_GIB) : (required + GIB - 1n) / GIB;
  if (gib > BigInt(MAX_GIB)) throw new CsiError(Code.OUT_OF_RANGE, `capacity ${required} bytes is more than the largest volume (${MAX_GIB} GiB)`);
  if (limit > 0n && gib * GIB > limit) {
    throw new CsiError(Code.OUT_OF_RANGE, `GlusterFS volumes are whole GiB: the smallest that holds ${required} bytes is ${gib} GiB (${gib * GIB} bytes), more than limit_bytes ${limit}; allow at least ${gib} GiB`);
  }
  return Number(gib);
}

/** Does a volume of `sizeGiB` satisfy the range (a repeated CreateVolume of the same name)? */
export function fitsRange(sizeGiB: number, range: CapacityRange | null | undefined): boolean {
  const size = BigInt(sizeGiB) * GIB;
  const required = BigInt(range?.required_bytes ?? 0);
  const limit = BigInt(range?.limit_bytes ?? 0);
  return size >= required && (limit === 0n || size <= limit);
}

export const bytesOf = (gib: number): string => (BigInt(gib) * GIB).toString();
