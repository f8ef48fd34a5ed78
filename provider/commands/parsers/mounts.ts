/**
 * Parsers for mount tables: fstab and /proc/self/mounts (same format), and `findmnt --json`. Pure.
 */
import { z } from "zod";
import { HEKETI_MOUNT_ROOT, parseBrickPath } from "../layout";

export interface MountEntry {
  /** fs_spec: the device (or LABEL=, UUID=, tmpfs, ...) */
  source: string;
  /** fs_file: the mount point */
  target: string;
  fstype: string;
  options: string;
  freq: number;
  passno: number;
  /** 1-based line number in the file (0 for findmnt) */
  line: number;
}

/** fstab/mtab escape blanks and backslashes as octal (`\040`, `\011`, `\012`, `\134`). */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** fstab or /proc/self/mounts text → entries (comments and blank lines skipped). */
export function parseMountTable(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (l === "" || l.startsWith("#")) return;
    const f = l.split(/[ \t]+/);
    if (f.length < 2) return;
    out.push({
      source: unescapeOctal(f[0]),
      target: unescapeOctal(f[1]),
      fstype: f[2] ?? "",
      options: f[3] ?? "defaults",
      freq: Number(f[4] ?? 0) || 0,
      passno: Number(f[5] ?? 0) || 0,
      line: i + 1,
    });
  });
  return out;
}

export const parseFstab = parseMountTable;
export const parseProcMounts = parseMountTable;

const Findmnt = z.object({
  filesystems: z.array(z.object({ source: z.string().nullable(), target: z.string(), fstype: z.string().nullable(), options: z.string().nullable() })),
});

/** `findmnt --list --json --output SOURCE,TARGET,FSTYPE,OPTIONS` → entries. */
export function parseFindmnt(json: string): MountEntry[] {
  const r = Findmnt.safeParse(JSON.parse(json));
  if (!r.success) throw new Error(`findmnt output has an unexpected shape: ${r.error.issues[0]?.message ?? "?"}`);
  return r.data.filesystems.map((f) => ({ source: f.source ?? "", target: f.target, fstype: f.fstype ?? "", options: f.options ?? "", freq: 0, passno: 0, line: 0 }));
}

export interface BrickMount extends MountEntry {
  deviceId: string;
  brickId: string;
}

/** The entries that are Heketi-layout brick mounts (`/var/lib/heketi/mounts/vg_<D>/brick_<B>`). */
export function brickMounts(entries: readonly MountEntry[]): BrickMount[] {
  const out: BrickMount[] = [];
  for (const e of entries) {
    if (!e.target.startsWith(`${HEKETI_MOUNT_ROOT}/`)) continue;
    const p = parseBrickPath(e.target);
    if (p && p.isMountPoint) out.push({ ...e, deviceId: p.deviceId, brickId: p.brickId });
  }
  return out;
}
