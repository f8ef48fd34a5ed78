/**
 * The heketi.json keys that tune the engine (heketi.md §3.5, §5.6, §7.1): zod schemas for their values
 * (what `serve` accepts, with the key named in each rule) and the pure mapping to EngineSettings.
 */
import { z } from "zod";
import { GlusterOption } from "../model/schemas";
import type { EngineSettings } from "../operations/context";
import { defaultLimits } from "../placement";

/** A whole number where 0 (or unset) means Heketi's default, as Heketi reads these keys. */
const zeroIsDefault = (key: string, def: number) =>
  z
    .number({ error: `${key} must be a number` })
    .int(`${key} must be a whole number`)
    .min(0, `${key} must not be negative (0 = the default, ${def})`)
    .default(0)
    .transform((n) => n || def);

export const LimitsConfig = z
  .object({
    zoneChecking: z.enum(["none", "strict"], { error: "glusterfs.zone_checking (HEKETI_ZONE_CHECKING) must be \"none\" or \"strict\"" }).default("none"),
    brickMaxSizeGiB: zeroIsDefault("glusterfs.brick_max_size_gb", defaultLimits.brickMaxSizeGiB),
    brickMinSizeGiB: zeroIsDefault("glusterfs.brick_min_size_gb", defaultLimits.brickMinSizeGiB),
    maxBricksPerVolume: zeroIsDefault("glusterfs.max_bricks_per_volume", defaultLimits.maxBricksPerVolume),
    averageFileSizeKiB: zeroIsDefault("glusterfs.average_file_size_kb", defaultLimits.averageFileSizeKiB),
    /** 0 = default (1000), negative = unlimited. */
    maxVolumesPerCluster: z
      .number({ error: "glusterfs.max_volumes_per_cluster (HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER) must be a number" })
      .int("glusterfs.max_volumes_per_cluster must be a whole number (negative = unlimited)")
      .default(0)
      .transform((n) => n || defaultLimits.maxVolumesPerCluster),
  })
  .refine((l) => l.brickMinSizeGiB <= l.brickMaxSizeGiB, {
    path: ["brickMinSizeGiB"],
    message: "glusterfs.brick_min_size_gb must not be larger than glusterfs.brick_max_size_gb",
  });
export type LimitsConfig = z.output<typeof LimitsConfig>;

/** Heketi's pre/post_request_volume_options: comma-separated "key value" items; empty items are skipped. */
export const VolumeOptionList = (key: string) =>
  z.string().transform((s, ctx): GlusterOption[] => {
    const out: GlusterOption[] = [];
    for (const item of s.split(",").map((x) => x.trim()).filter(Boolean)) {
      const m = /^(\S+)\s+(\S+)$/.exec(item);
      const opt = m ? GlusterOption.safeParse({ key: m[1], value: m[2] }) : undefined;
      if (!opt?.success) {
        const why = opt ? opt.error.issues.map((i) => i.message).join("; ") : `must be "<key> <value>"`;
        ctx.addIssue({ code: "custom", message: `${key}: '${item}': ${why} (items are separated by commas)` });
        return z.NEVER;
      }
      out.push(opt.data);
    }
    return out;
  });

/** Seconds the gluster CLI may take (sshexec.gluster_cli_timeout; 0 = Heketi's 600). */
export const GlusterCliTimeout = zeroIsDefault("glusterfs.sshexec.gluster_cli_timeout", 600);

/** The engine settings `serve` derives from its configuration. */
export function engineSettingsFor(c: {
  limits: LimitsConfig;
  preRequestVolumeOptions: GlusterOption[];
  postRequestVolumeOptions: GlusterOption[];
  glusterTimeoutSec: number;
  fstab: string;
}): Partial<EngineSettings> {
  return {
    limits: c.limits,
    preRequestVolumeOptions: c.preRequestVolumeOptions,
    postRequestVolumeOptions: c.postRequestVolumeOptions,
    glusterTimeoutSec: c.glusterTimeoutSec,
    fstab: c.fstab,
  };
}
