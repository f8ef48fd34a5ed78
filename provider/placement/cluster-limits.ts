/** Cluster-level checks of volume create's cluster selection (heketi.md §4.1). Pure. */
import type { Limits } from "./types";

/** Why a cluster holding `volumeCount` volumes may take no more (Heketi's text), or undefined if it may. */
export function volumeLimitReached(volumeCount: number, limits: Pick<Limits, "maxVolumesPerCluster">): string | undefined {
  const max = limits.maxVolumesPerCluster;
  if (max < 0 || volumeCount < max) return undefined;
  return `Cluster has ${volumeCount} volumes and limit is ${max}`;
}
