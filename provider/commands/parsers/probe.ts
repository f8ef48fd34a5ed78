/**
 * Parser for the device probe (`probeDevice` in ../lvm): may this disk be given to us? Pure.
 *
 *   state      reason       meaning
 *   missing    missing      not a block device
 *   in-use     mounted      the disk, a partition or an LV on it is mounted (or is swap)
 *   in-use     read-only    the kernel has it read-only
 *   in-use     holders      something (device-mapper, md, a partition) sits on it, not LVM of ours
 *   has-data   lvm-pv       it is already an LVM physical volume (of VG Y, ours or not)
 *   has-data   signatures   wipefs sees signatures (filesystem, partition table, RAID, ...)
 *   has-data   unknown      it exists but could not be read
 *   empty      empty        nothing on it: safe to pvcreate
 *
 * "has-data" may be overwritten only with destroyData (wipefs --all); "in-use" never.
 */
import { z } from "zod";
import { Section, splitSections } from "../shell";
import { isId, pgfsTags } from "../layout";
import { parsePvsReport } from "./lvm";

export type DeviceProbeState = "empty" | "has-data" | "in-use" | "missing";
export type DeviceProbeReason = "empty" | "signatures" | "lvm-pv" | "mounted" | "read-only" | "holders" | "missing" | "unknown";

export interface DeviceSignature {
  type: string;
  offset: string;
  uuid: string | null;
  label: string | null;
}

export interface DeviceProbe {
  state: DeviceProbeState;
  reason: DeviceProbeReason;
  /** one sentence for an operator */
  detail: string;
  device: { name: string; sizeBytes: number; readOnly: boolean; fstype: string | null } | null;
  signatures: DeviceSignature[];
  /** set when the device is an LVM PV */
  pv: { pvUuid: string; vgName: string | null; vgTags: string[]; deviceId: string | null; heketiLayout: boolean } | null;
  /** mounted things on the device or below it */
  mounts: Array<{ name: string; mountpoint: string }>;
  /** devices stacked on it (partitions, LVs, dm), depth first */
  holders: Array<{ name: string; type: string }>;
}

interface BlockDevice {
  name: string;
  type: string;
  size: number | string | null;
  ro: boolean | string | number | null;
  fstype: string | null;
  mountpoint: string | null;
  children?: BlockDevice[];
}
const BlockDeviceSchema: z.ZodType<BlockDevice> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.string(),
    size: z.union([z.number(), z.string(), z.null()]),
    ro: z.union([z.boolean(), z.string(), z.number(), z.null()]),
    fstype: z.string().nullable(),
    mountpoint: z.string().nullable(),
    children: z.array(BlockDeviceSchema).optional(),
  }),
);
const LsblkSchema = z.object({ blockdevices: z.array(BlockDeviceSchema) });
const WipefsSchema = z.object({
  signatures: z.array(z.object({ device: z.string().optional(), offset: z.string(), type: z.string(), uuid: z.string().nullable().optional(), label: z.string().nullable().optional() })),
});

function json<T>(schema: z.ZodType<T>, text: string | undefined): T | null {
  if (!text || text.trim() === "") return null;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

const truthy = (v: BlockDevice["ro"]): boolean => v === true || v === 1 || v === "1" || v === "true";

/** Interpret the sections of a probe (see `splitSections`). */
export function parseDeviceProbeSections(sections: Map<string, Section>): DeviceProbe {
  const none: Omit<DeviceProbe, "state" | "reason" | "detail"> = { device: null, signatures: [], pv: null, mounts: [], holders: [] };
  const exists = sections.get("exists");
  if (!exists) return { ...none, state: "has-data", reason: "unknown", detail: "the probe printed nothing; is this a probeDevice script's output?" };
  if (exists.rc !== 0) return { ...none, state: "missing", reason: "missing", detail: "no such block device" };

  const ls = sections.get("lsblk");
  const tree = ls && ls.rc === 0 ? json(LsblkSchema, ls.output) : null;
  const top = tree?.blockdevices[0];
  if (!top) return { ...none, state: "has-data", reason: "unknown", detail: `could not read the device (lsblk exit ${ls?.rc ?? "?"})` };

  const device = { name: top.name, sizeBytes: Number(top.size ?? 0), readOnly: truthy(top.ro), fstype: top.fstype };
  const mounts: DeviceProbe["mounts"] = [];
  const holders: DeviceProbe["holders"] = [];
  const seen = new Set<string>();
  const walk = (d: BlockDevice, depth: number): void => {
    if (seen.has(d.name)) return; // a thin pool shows up under both _tmeta and _tdata
    seen.add(d.name);
    if (d.mountpoint) mounts.push({ name: d.name, mountpoint: d.mountpoint });
    if (depth > 0) holders.push({ name: d.name, type: d.type });
    for (const c of d.children ?? []) walk(c, depth + 1);
  };
  walk(top, 0);

  const wf = sections.get("wipefs");
  const signatures: DeviceSignature[] = (json(WipefsSchema, wf?.output)?.signatures ?? []).map((s) => ({
    type: s.type,
    offset: s.offset,
    uuid: s.uuid ?? null,
    label: s.label ?? null,
  }));

  let pv: DeviceProbe["pv"] = null;
  const pvs = sections.get("pvs");
  if (pvs && pvs.rc === 0) {
    try {
      const row = parsePvsReport(pvs.output)[0];
      if (row) {
        const deviceId = pgfsTags(row.vgTags).device ?? null;
        const heketi = row.vgName !== null && /^vg_[0-9a-f]{32}$/.test(row.vgName) && isId(row.vgName.slice(3));
        pv = { pvUuid: row.pvUuid, vgName: row.vgName, vgTags: row.vgTags, deviceId, heketiLayout: heketi };
      }
    } catch {
      /* not a PV report: treat as not a PV */
    }
  }
  if (!pv && signatures.some((s) => s.type === "LVM2_member")) {
    const s = signatures.find((x) => x.type === "LVM2_member");
    pv = { pvUuid: s?.uuid ?? "", vgName: null, vgTags: [], deviceId: null, heketiLayout: false };
  }

  const facts = { device, signatures, pv, mounts, holders };
  if (mounts.length > 0) {
    const m = mounts.map((x) => (x.mountpoint === "[SWAP]" ? `${x.name} is swap` : `${x.name} is mounted on ${x.mountpoint}`));
    return { ...facts, state: "in-use", reason: "mounted", detail: `in use: ${m.join("; ")}` };
  }
  if (device.readOnly) return { ...facts, state: "in-use", reason: "read-only", detail: "the device is read-only" };
  if (pv) {
    const lvs = holders.filter((h) => h.type === "lvm").length;
    const of = pv.vgName ? `of VG ${pv.vgName}` : "in no VG";
    const active = lvs ? ` with ${lvs} active LVM device${lvs === 1 ? "" : "s"}` : "";
    return { ...facts, state: "has-data", reason: "lvm-pv", detail: `is already an LVM physical volume ${of}${active}` };
  }
  if (holders.length > 0) {
    return { ...facts, state: "in-use", reason: "holders", detail: `in use by ${holders.map((h) => `${h.name} (${h.type})`).join(", ")}` };
  }
  if (signatures.length > 0) {
    const s = signatures.map((x) => `${x.type}${x.label ? ` (label ${x.label})` : ""} at ${x.offset}`);
    return { ...facts, state: "has-data", reason: "signatures", detail: `has signatures: ${s.join(", ")}` };
  }
  if (device.fstype) return { ...facts, state: "has-data", reason: "signatures", detail: `has a ${device.fstype} signature` };
  return { ...facts, state: "empty", reason: "empty", detail: "empty" };
}

/** Interpret the raw stdout of a `probeDevice` script. */
export function parseDeviceProbe(stdout: string): DeviceProbe {
  return parseDeviceProbeSections(splitSections(stdout));
}
