/**
 * One simulated storage node's block layer and file system: disks, LVM (PVs, one-PV VGs, thin pools
 * with their hidden metadata spare, thin LVs, tags), XFS on LVs, directories, files (/etc/fstab) and
 * mounts. Each method is one tool's behaviour, failing with the tool's exit code and message
 * (LVM 2.03 / util-linux 2.38 / xfsprogs 6.1 as on the lab's Debian 12 nodes). No gluster here.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { KIB_PER_GIB, KIB_PER_MIB } from "../../provider/placement/sizing";
import { fail } from "./failure";

/** xfsprogs 6.x refuses smaller file systems. */
export const XFS_MIN_KIB = 300 * 1000 * 1000 / 1024;
/** LVM's smallest thin-pool metadata (2 MiB). */
const MIN_POOL_METADATA_KIB = 2 * KIB_PER_MIB;
const SPARE = "lvol0_pmspare";

export interface Signature {
  type: string;
  offset: string;
  uuid: string | null;
  label: string | null;
}

export interface Pv {
  uuid: string;
  vg: string | null;
  /** where the first extent starts (label + metadata area, aligned) */
  peStartKiB: number;
}

export interface Disk {
  path: string;
  sizeKiB: number;
  readOnly: boolean;
  /** signatures other than LVM's (LVM2_member comes from `pv`) */
  signatures: Signature[];
  pv: Pv | null;
}

export interface DirMeta {
  gid?: number;
  mode?: string;
  /** gluster's trusted.glusterfs.volume-id xattr on a brick root */
  glusterVolumeId?: string;
}

export interface Fs {
  type: "xfs";
  uuid: string;
  /** directories, relative to the file system root ("" is the root) */
  dirs: Map<string, DirMeta>;
}

export type LvKind = "thin-pool" | "thin" | "spare";

export interface Lv {
  name: string;
  uuid: string;
  kind: LvKind;
  /** extents taken from the VG for data (pools, spare) */
  dataExtents: number;
  /** extents taken for pool metadata */
  metaExtents: number;
  /** a thin LV's virtual size */
  virtualKiB: number;
  pool: string | null;
  tags: string[];
  fs: Fs | null;
}

export interface Vg {
  name: string;
  uuid: string;
  pv: string;
  extentKiB: number;
  extentCount: number;
  tags: string[];
  lvs: Map<string, Lv>;
}

export interface Mount {
  source: string;
  target: string;
  fstype: string;
  options: string;
  /** the LV file system mounted here (null for the root and pseudo file systems) */
  fs: Fs | null;
}

export interface HostOptions {
  manageHost: string;
  deviceSizeKiB: number;
  /** the disk holding `/` (ext4, mounted), or null for none */
  rootDisk: string | null;
}

/** LVM's PV/VG/LV uuid format: 32 characters as 6-4-4-4-4-4-6. */
export function lvmUuid(): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const raw = [...randomBytes(32)].map((b) => abc[b % abc.length]).join("");
  const cut = [6, 4, 4, 4, 4, 4, 6];
  let at = 0;
  return cut.map((n) => raw.slice(at, (at += n))).join("-");
}

/** device-mapper escapes `-` in VG and LV names by doubling it. */
const dm = (s: string) => s.replace(/-/g, "--");

export function dmPath(vg: string, lv: string): string {
  return `/dev/mapper/${dm(vg)}-${dm(lv)}`;
}

const DISK_PATH = /^\/dev\/[A-Za-z0-9_.+:@-]+(\/[A-Za-z0-9_.+:@-]+)*$/;
const PSEUDO_MOUNTS: Array<Omit<Mount, "fs">> = [
  { source: "proc", target: "/proc", fstype: "proc", options: "rw,relatime" },
  { source: "sysfs", target: "/sys", fstype: "sysfs", options: "rw,relatime" },
  { source: "devtmpfs", target: "/dev", fstype: "devtmpfs", options: "rw,relatime,mode=755,inode64" },
  { source: "tmpfs", target: "/run", fstype: "tmpfs", options: "rw,nosuid,nodev,mode=755,inode64" },
];
export const XFS_MOUNT_OPTIONS = "rw,noatime,nouuid,attr2,inode64,logbufs=8,logbsize=32k,noquota";

export class SimHost {
  readonly manageHost: string;
  storageHost: string | null = null;
  readonly disks = new Map<string, Disk>();
  /** paths that do not exist (setDisk(..., { missing: true })) */
  readonly missing = new Set<string>();
  readonly vgs = new Map<string, Vg>();
  readonly mounts: Mount[] = [];
  /** directories of the root file system (absolute paths) */
  readonly dirs = new Map<string, DirMeta>();
  readonly files = new Map<string, string>();
  private readonly deviceSizeKiB: number;

  constructor(o: HostOptions) {
    this.manageHost = o.manageHost;
    this.deviceSizeKiB = o.deviceSizeKiB;
    for (const d of ["/", "/dev", "/dev/mapper", "/etc", "/proc", "/sys", "/run", "/run/lock", "/tmp", "/mnt", "/var", "/var/lib", "/var/lib/glusterd"]) this.dirs.set(d, {});
    const root = o.rootDisk;
    if (root) {
      this.disks.set(root, { path: root, sizeKiB: 20 * KIB_PER_GIB, readOnly: false, signatures: [{ type: "ext4", offset: "0x438", uuid: randomUUID(), label: null }], pv: null });
      this.mounts.push({ source: root, target: "/", fstype: "ext4", options: "rw,noatime,errors=remount-ro", fs: null });
      this.files.set("/etc/fstab", `${root} / ext4 defaults,noatime,errors=remount-ro 0 1\n`);
    } else {
      this.files.set("/etc/fstab", "");
    }
    for (const m of PSEUDO_MOUNTS) this.mounts.push({ ...m, fs: null });
  }

  // -------------------------------------------------------------------------------------------
  // Disks

  /** The disk at `path`: every plain /dev path is an empty disk of the default size until told otherwise. */
  disk(path: string): Disk | undefined {
    const d = this.disks.get(path);
    if (d) return d;
    if (this.missing.has(path) || !DISK_PATH.test(path) || path.startsWith("/dev/mapper/") || path.split("/").includes("..")) return undefined;
    if (this.lvByPath(path)) return undefined;
    const fresh: Disk = { path, sizeKiB: this.deviceSizeKiB, readOnly: false, signatures: [], pv: null };
    this.disks.set(path, fresh);
    return fresh;
  }

  setDisk(path: string, o: { sizeKiB?: number; readOnly?: boolean; signature?: { type: string; label?: string }; missing?: boolean }): void {
    if (o.missing) {
      if (this.disks.get(path)?.pv) throw new Error(`sim: ${path} on ${this.manageHost} is an LVM PV; it cannot vanish`);
      this.disks.delete(path);
      this.missing.add(path);
      return;
    }
    this.missing.delete(path);
    const d = this.disk(path);
    if (!d) throw new Error(`sim: ${path} cannot be a disk`);
    if (o.sizeKiB !== undefined) d.sizeKiB = o.sizeKiB;
    if (o.readOnly !== undefined) d.readOnly = o.readOnly;
    if (o.signature) {
      const offsets: Record<string, string> = { ext4: "0x438", xfs: "0x0", dos: "0x1fe", gpt: "0x200", swap: "0xff6" };
      d.signatures.push({ type: o.signature.type, offset: offsets[o.signature.type] ?? "0x0", uuid: randomUUID(), label: o.signature.label ?? null });
    }
  }

  /** Is `path` a block device (a disk or an active LV node)? */
  isBlock(path: string): boolean {
    return !!this.disk(path) || !!this.lvByPath(path);
  }

  /** LVs stacked on a disk (active LVs of its VG). */
  holders(d: Disk): Lv[] {
    const vg = d.pv?.vg ? this.vgs.get(d.pv.vg) : undefined;
    return vg ? [...vg.lvs.values()].filter((l) => l.kind !== "spare") : [];
  }

  /** The VG and LV behind `/dev/mapper/<vg>-<lv>` or `/dev/<vg>/<lv>`. */
  lvByPath(path: string): { vg: Vg; lv: Lv } | undefined {
    let vgName: string | undefined;
    let lvName: string | undefined;
    const m = /^\/dev\/mapper\/(.+)$/.exec(path);
    if (m) {
      // split at the first single '-' ('--' is an escaped '-')
      const s = m[1];
      for (let i = 0; i < s.length; i++) {
        if (s[i] !== "-") continue;
        if (s[i + 1] === "-") {
          i++;
          continue;
        }
        vgName = s.slice(0, i).replace(/--/g, "-");
        lvName = s.slice(i + 1).replace(/--/g, "-");
        break;
      }
    } else {
      const p = /^\/dev\/([^/]+)\/([^/]+)$/.exec(path);
      if (p) [vgName, lvName] = [p[1], p[2]];
    }
    const vg = vgName ? this.vgs.get(vgName) : undefined;
    const lv = vg && lvName ? vg.lvs.get(lvName) : undefined;
    return vg && lv && lv.kind !== "spare" ? { vg, lv } : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // LVM

  /** `vg/lv` → the VG and LV, failing like LVM when either is missing. */
  private lvRef(ref: string): { vg: Vg; lv: Lv } {
    const [vgName, lvName, extra] = ref.split("/");
    if (!vgName || !lvName || extra !== undefined) fail(3, `  Invalid logical volume name ${ref}`);
    const vg = this.vgs.get(vgName);
    if (!vg) fail(5, `  Volume group "${vgName}" not found\n  Cannot process volume group ${vgName}`);
    const lv = vg.lvs.get(lvName);
    if (!lv || lv.kind === "spare") fail(5, `  Failed to find logical volume "${ref}"`);
    return { vg, lv };
  }

  findLv(ref: string): { vg: Vg; lv: Lv } {
    return this.lvRef(ref);
  }

  findVg(name: string): Vg {
    const vg = this.vgs.get(name);
    if (!vg) fail(5, `  Volume group "${name}" not found\n  Cannot process volume group ${name}`);
    return vg;
  }

  findPv(path: string): { disk: Disk; pv: Pv } {
    const d = this.disk(path);
    if (!d || !d.pv) fail(5, `  Failed to find physical volume "${path}".`);
    return { disk: d, pv: d.pv };
  }

  usedExtents(vg: Vg): number {
    let n = 0;
    for (const lv of vg.lvs.values()) n += lv.dataExtents + lv.metaExtents;
    return n;
  }

  visibleLvs(vg: Vg): Lv[] {
    return [...vg.lvs.values()].filter((l) => l.kind !== "spare");
  }

  private exclusive(d: Disk, what: string): void {
    if (this.mounts.some((m) => m.source === d.path) || this.holders(d).length) {
      fail(5, `  Can't open ${d.path} exclusively.  Mounted filesystem?\n  ${what}`);
    }
    if (d.readOnly) fail(5, `  Error writing device ${d.path} at 0 length 512.\n  ${what}`);
  }

  pvcreate(path: string, o: { metadataKiB: number; alignKiB: number }): void {
    const d = this.disk(path);
    if (!d) fail(5, `  No device found for ${path}.`);
    if (d.pv?.vg) fail(5, `  Can't initialize physical volume "${path}" of volume group "${d.pv.vg}" without -ff\n  ${path}: physical volume not initialized.`);
    this.exclusive(d, `${path}: physical volume not initialized.`);
    const sig = d.signatures[0];
    if (sig) {
      // -qq answers "no" to the wipe prompt
      fail(5, `  WARNING: ${sig.type} signature detected on ${path} at offset ${parseInt(sig.offset, 16)}. Wipe it? [y/n]: [n]\n  Aborted wiping of ${sig.type}.\n  1 existing signature left on the device.`);
    }
    const align = Math.max(1, o.alignKiB);
    const peStartKiB = Math.ceil((4 + o.metadataKiB) / align) * align;
    if (peStartKiB >= d.sizeKiB) fail(5, `  ${path}: metadata area is larger than the device.`);
    d.pv = { uuid: d.pv?.uuid ?? lvmUuid(), vg: null, peStartKiB };
  }

  vgcreate(name: string, path: string, o: { extentKiB: number; tags: string[] }): void {
    if (this.vgs.has(name)) fail(5, `  A volume group called ${name} already exists.`);
    const d = this.disk(path);
    if (!d) fail(5, `  No device found for ${path}.`);
    if (d.pv?.vg) {
      fail(5, `  Physical volume '${path}' is already in volume group '${d.pv.vg}'\n  Unable to add physical volume '${path}' to volume group '${name}'\n  ${path}: physical volume not initialized.`);
    }
    if (!d.pv) this.pvcreate(path, { metadataKiB: 1020, alignKiB: 1024 }); // vgcreate initialises a plain disk itself
    const pv = d.pv!;
    const extentCount = Math.floor((d.sizeKiB - pv.peStartKiB) / o.extentKiB);
    if (extentCount < 1) fail(5, `  ${path}: too small for one extent of ${o.extentKiB}K.`);
    pv.vg = name;
    this.vgs.set(name, { name, uuid: lvmUuid(), pv: path, extentKiB: o.extentKiB, extentCount, tags: [...new Set(o.tags)], lvs: new Map() });
  }

  /** vgchange --deltag/--addtag: deleting a tag the VG lacks and adding one it has are no-ops, as in LVM. */
  vgChangeTags(name: string, add: string[], del: string[]): void {
    const vg = this.findVg(name);
    vg.tags = vg.tags.filter((t) => !del.includes(t));
    for (const t of add) if (!vg.tags.includes(t)) vg.tags.push(t);
  }

  vgremove(name: string): void {
    const vg = this.findVg(name);
    const lvs = this.visibleLvs(vg);
    if (lvs.length) {
      // -qq answers "no" to "remove the LVs too?"
      fail(5, `  Do you really want to remove volume group "${name}" containing ${lvs.length} logical volumes? [y/n]: [n]\n  Volume group "${name}" not removed`);
    }
    this.vgs.delete(name);
    const d = this.disks.get(vg.pv);
    if (d?.pv) d.pv.vg = null;
  }

  pvremove(path: string): void {
    const d = this.disk(path);
    if (!d) fail(5, `  No device found for ${path}.`);
    if (!d.pv) fail(5, `  No PV found on device ${path}.`);
    if (d.pv.vg) fail(5, `  PV ${path} is used by VG ${d.pv.vg} so please use vgreduce first.\n  (If you are certain you need pvremove, then confirm by using --force twice.)`);
    d.pv = null;
  }

  /** `lvcreate --size TP --poolmetadatasize M --thin vg/pool --virtualsize S --name lv --addtag ...` */
  lvcreateThin(o: { vg: string; pool: string; name: string; poolKiB: number; metaKiB: number; virtualKiB: number; tags: string[] }): void {
    const vg = this.findVg(o.vg);
    for (const n of [o.pool, o.name]) if (vg.lvs.has(n)) fail(5, `  Logical Volume "${n}" already exists in volume group "${o.vg}"`);
    const ext = vg.extentKiB;
    const dataExtents = Math.ceil(o.poolKiB / ext);
    const metaExtents = Math.ceil(Math.max(o.metaKiB, MIN_POOL_METADATA_KIB) / ext);
    const spare = vg.lvs.get(SPARE);
    const spareGrow = Math.max(0, metaExtents - (spare?.dataExtents ?? 0));
    const need = dataExtents + metaExtents + spareGrow;
    const free = vg.extentCount - this.usedExtents(vg);
    if (need > free) fail(5, `  Volume group "${o.vg}" has insufficient free space (${free} extents): ${need} required.`);
    // LVM keeps one hidden spare for pool metadata repair, as large as the largest pool metadata
    if (spare) spare.dataExtents += spareGrow;
    else vg.lvs.set(SPARE, { name: SPARE, uuid: lvmUuid(), kind: "spare", dataExtents: metaExtents, metaExtents: 0, virtualKiB: 0, pool: null, tags: [], fs: null });
    // LVM 2.03 puts the tags of a combined thin pool + thin LV lvcreate on the pool only
    vg.lvs.set(o.pool, { name: o.pool, uuid: lvmUuid(), kind: "thin-pool", dataExtents, metaExtents, virtualKiB: 0, pool: null, tags: [...new Set(o.tags)], fs: null });
    const virtualKiB = Math.ceil(o.virtualKiB / ext) * ext;
    vg.lvs.set(o.name, { name: o.name, uuid: lvmUuid(), kind: "thin", dataExtents: 0, metaExtents: 0, virtualKiB, pool: o.pool, tags: [], fs: null });
  }

  lvAddTags(refs: string[], tags: string[]): void {
    const lvs = refs.map((r) => this.lvRef(r).lv);
    for (const lv of lvs) for (const t of tags) if (!lv.tags.includes(t)) lv.tags.push(t);
  }

  thinCount(vg: Vg, pool: Lv): number {
    return pool.kind === "thin-pool" ? [...vg.lvs.values()].filter((l) => l.pool === pool.name).length : 0;
  }

  isOpen(vg: Vg, lv: Lv): boolean {
    if (lv.kind === "thin") return this.mounts.some((m) => m.source === dmPath(vg.name, lv.name));
    if (lv.kind === "thin-pool") return this.thinCount(vg, lv) > 0;
    return false;
  }

  /** `lvremove -f vg/lv`: a pool goes with its thin LVs (-f skips the prompt), unless one is open. */
  lvremove(ref: string): string {
    const { vg, lv } = this.lvRef(ref);
    const victims = lv.kind === "thin-pool" ? [...[...vg.lvs.values()].filter((l) => l.pool === lv.name), lv] : [lv];
    for (const v of victims) {
      if (v.kind === "thin" && this.isOpen(vg, v)) fail(5, `  Logical volume ${vg.name}/${v.name} contains a filesystem in use.`);
    }
    let out = "";
    for (const v of victims) {
      vg.lvs.delete(v.name);
      out += `  Logical volume "${v.name}" successfully removed.\n`;
    }
    if (![...vg.lvs.values()].some((l) => l.kind === "thin-pool")) vg.lvs.delete(SPARE);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Signatures and file systems

  /** `wipefs --all <dev>`: erase every signature (an LVM label takes its VG with it). */
  wipeAll(path: string): string {
    const d = this.disk(path);
    if (!d) fail(1, `wipefs: error: ${path}: probing initialization failed: No such file or directory`);
    if (this.mounts.some((m) => m.source === path) || this.holders(d).length) fail(1, `wipefs: error: ${path}: probing initialization failed: Device or resource busy`);
    let out = "";
    for (const s of this.signaturesOf(d)) {
      const off = `0x${parseInt(s.offset, 16).toString(16).padStart(8, "0")}`;
      const bytes = s.type === "LVM2_member" ? "8 bytes were erased at offset " + off + " (LVM2_member): 4c 56 4d 32 20 30 30 31" : `2 bytes were erased at offset ${off} (${s.type}): 53 ef`;
      out += `${path}: ${bytes}\n`;
    }
    if (d.pv?.vg) this.vgs.delete(d.pv.vg); // its metadata was on this PV
    d.pv = null;
    d.signatures = [];
    return out;
  }

  /** Every signature wipefs would see, LVM's label included. */
  signaturesOf(d: Disk): Signature[] {
    const lvm: Signature[] = d.pv ? [{ type: "LVM2_member", offset: "0x218", uuid: d.pv.uuid, label: null }] : [];
    return [...lvm, ...d.signatures];
  }

  /** `mkfs.xfs <dev>` on an LV (refuses one that already holds a file system, like mkfs.xfs without -f). */
  mkfsXfs(dev: string): string {
    const hit = this.lvByPath(dev);
    if (!hit || hit.lv.kind !== "thin") {
      if (this.disk(dev)) fail(1, `mkfs.xfs: the simulator formats thin LVs only, not ${dev}`);
      fail(1, `mkfs.xfs: cannot open ${dev}: No such file or directory`);
    }
    const { vg, lv } = hit;
    if (this.isOpen(vg, lv)) fail(1, `mkfs.xfs: cannot open ${dev}: Device or resource busy`);
    if (lv.fs) fail(1, `mkfs.xfs: ${dev} appears to contain an existing filesystem (xfs).\nmkfs.xfs: Use the -f option to force overwrite.`);
    if (lv.virtualKiB < XFS_MIN_KIB) fail(1, "Filesystem must be larger than 300MB.");
    lv.fs = { type: "xfs", uuid: randomUUID(), dirs: new Map([["", {}]]) };
    const blocks = lv.virtualKiB / 4;
    return (
      `meta-data=${dev} isize=512    agcount=4, agsize=${Math.floor(blocks / 4)} blks\n` +
      `data     =                       bsize=4096   blocks=${blocks}, imaxpct=25\n` +
      `naming   =version 2              bsize=8192   ascii-ci=0, ftype=1\n`
    );
  }

  /** The file system type on a device, as blkid -p sees it. */
  fsType(dev: string): string | null {
    const hit = this.lvByPath(dev);
    if (hit) return hit.lv.fs?.type ?? null;
    const d = this.disk(dev);
    return d ? (d.pv ? "LVM2_member" : (d.signatures[0]?.type ?? null)) : null;
  }

  fsUuid(dev: string): string | null {
    return this.lvByPath(dev)?.lv.fs?.uuid ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Directories, files, mounts

  mountAt(target: string): Mount | undefined {
    return this.mounts.find((m) => m.target === target);
  }

  /** The file system a path lives on: an LV mounted above it, else the root file system. */
  private owner(path: string): { fs: Fs; rel: string } | null {
    let best: Mount | undefined;
    for (const m of this.mounts) {
      if (!m.fs) continue;
      if ((path === m.target || path.startsWith(`${m.target}/`)) && (!best || m.target.length > best.target.length)) best = m;
    }
    return best ? { fs: best.fs!, rel: path === best.target ? "" : path.slice(best.target.length + 1) } : null;
  }

  dirMeta(path: string): DirMeta | undefined {
    const o = this.owner(path);
    return o ? o.fs.dirs.get(o.rel) : this.dirs.get(path);
  }

  isDir(path: string): boolean {
    return this.dirMeta(normal(path)) !== undefined;
  }

  mkdir(path: string, parents: boolean): void {
    const p = normal(path);
    if (this.isDir(p) || this.files.has(p)) {
      if (parents && this.isDir(p)) return;
      fail(1, `mkdir: cannot create directory '${path}': File exists`);
    }
    const parent = dirname(p);
    if (!this.isDir(parent)) {
      if (!parents) fail(1, `mkdir: cannot create directory '${path}': No such file or directory`);
      this.mkdir(parent, true);
    }
    const o = this.owner(p);
    if (o) o.fs.dirs.set(o.rel, {});
    else this.dirs.set(p, {});
  }

  rmdir(path: string): void {
    const p = normal(path);
    if (!this.isDir(p)) fail(1, `rmdir: failed to remove '${path}': ${this.files.has(p) ? "Not a directory" : "No such file or directory"}`);
    if (this.mountAt(p) || p === "/") fail(1, `rmdir: failed to remove '${path}': Device or resource busy`);
    const o = this.owner(p);
    const children = o
      ? [...o.fs.dirs.keys()].some((k) => k.startsWith(o.rel === "" ? "" : `${o.rel}/`) && k !== o.rel)
      : [...this.dirs.keys()].some((k) => k.startsWith(`${p}/`)) || [...this.files.keys()].some((k) => k.startsWith(`${p}/`));
    if (children) fail(1, `rmdir: failed to remove '${path}': Directory not empty`);
    if (o) o.fs.dirs.delete(o.rel);
    else this.dirs.delete(p);
  }

  setDirMeta(path: string, patch: DirMeta, cmd: string): void {
    const m = this.dirMeta(normal(path));
    if (!m) fail(1, `${cmd}: cannot access '${path}': No such file or directory`);
    Object.assign(m, patch);
  }

  readFile(path: string): string | undefined {
    return this.files.get(normal(path));
  }

  /** Create/truncate or append, like a shell redirection; an error message when the path cannot be written. */
  writeFile(path: string, data: string, append: boolean): string | undefined {
    const p = normal(path);
    if (this.isDir(p)) return "Is a directory";
    if (p.startsWith("/proc/") || p.startsWith("/sys/")) return "Permission denied";
    if (!this.isDir(dirname(p))) return "No such file or directory";
    this.files.set(p, (append ? (this.files.get(p) ?? "") : "") + data);
    return undefined;
  }

  mount(dev: string, target: string, options: string): void {
    const t = normal(target);
    if (!this.isDir(t)) fail(32, `mount: ${target}: mount point does not exist.`);
    if (!this.isBlock(dev)) fail(32, `mount: ${target}: special device ${dev} does not exist.`);
    const hit = this.lvByPath(dev);
    const fs = hit?.lv.fs;
    if (!fs) fail(32, `mount: ${target}: wrong fs type, bad option, bad superblock on ${dev}, missing codepage or helper program, or other error.`);
    const here = this.mountAt(t);
    if (here) fail(32, here.source === dev ? `mount: ${target}: ${dev} already mounted on ${target}.` : `mount: ${target}: ${dev} already mounted or mount point busy.`);
    if (this.mounts.some((m) => m.source === dev)) fail(32, `mount: ${target}: ${dev} already mounted or mount point busy.`);
    if (!options.split(",").includes("nouuid") && this.mounts.some((m) => m.fs && m.fs.uuid === fs.uuid)) fail(32, `mount: ${target}: wrong fs type, bad option, bad superblock on ${dev} (duplicate UUID).`);
    this.mounts.push({ source: dev, target: t, fstype: "xfs", options: XFS_MOUNT_OPTIONS, fs });
  }

  /** `umount <target>`; `busy` says what holds it open (a brick process), if anything. */
  umount(target: string, busy?: string): void {
    const t = normal(target);
    const i = this.mounts.findIndex((m) => m.target === t);
    if (i < 0) fail(32, this.isDir(t) ? `umount: ${target}: not mounted.` : `umount: ${target}: no mount point specified.`);
    const m = this.mounts[i];
    if (!m.fs || this.mounts.some((x) => x.target.startsWith(`${t}/`)) || busy) fail(32, `umount: ${target}: target is busy.`);
    this.mounts.splice(i, 1);
  }

  isMountpoint(path: string): boolean {
    return !!this.mountAt(normal(path));
  }
}

export function normal(path: string): string {
  const p = path.replace(/\/+/g, "/");
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
