/**
 * Heketi's on-node layout, reproduced exactly so Heketi-built clusters can be adopted, plus the
 * LVM tags we add so the ledger can be rebuilt from the nodes.
 *
 *   VG      vg_<deviceId>
 *   pool    vg_<deviceId>/tp_<brickId>
 *   LV      vg_<deviceId>/brick_<brickId>
 *   dev     /dev/mapper/vg_<deviceId>-brick_<brickId>
 *   mount   /var/lib/heketi/mounts/vg_<deviceId>/brick_<brickId>
 *   brick   <mount>/brick
 *   fstab   <dev> <mount> xfs rw,inode64,noatime,nouuid 1 2
 */
import { VOLUME_NAME_MAX } from "../model/schemas";

export const LVM = "/usr/sbin/lvm";
export const HEKETI_MOUNT_ROOT = "/var/lib/heketi/mounts";
export const DEFAULT_FSTAB = "/etc/fstab";
export const BRICK_MOUNT_OPTIONS = "rw,inode64,noatime,nouuid";
export const DEFAULT_GLUSTER_TIMEOUT_SECONDS = 600;

/** Heketi ids: 16 random bytes as 32 lowercase hex digits. */
const ID = /^[0-9a-f]{32}$/;

export function assertId(kind: string, id: string): string {
  if (typeof id !== "string" || !ID.test(id)) throw new Error(`${kind} id must be 32 lowercase hex digits, got ${JSON.stringify(id)}`);
  return id;
}

export function isId(s: string): boolean {
  return ID.test(s);
}

export function vgName(deviceId: string): string {
  return `vg_${assertId("device", deviceId)}`;
}

export function thinPoolName(brickId: string): string {
  return `tp_${assertId("brick", brickId)}`;
}

export function lvName(brickId: string): string {
  return `brick_${assertId("brick", brickId)}`;
}

/** `vg_<D>/brick_<B>` */
export function lvPath(deviceId: string, brickId: string): string {
  return `${vgName(deviceId)}/${lvName(brickId)}`;
}

/** `vg_<D>/tp_<B>` */
export function thinPoolPath(deviceId: string, brickId: string): string {
  return `${vgName(deviceId)}/${thinPoolName(brickId)}`;
}

/** `/dev/mapper/vg_<D>-brick_<B>` (our names hold no `-`, so no device-mapper escaping). */
export function devNode(deviceId: string, brickId: string): string {
  return `/dev/mapper/${vgName(deviceId)}-${lvName(brickId)}`;
}

/**
 * `/var/lib/heketi/mounts/<vg>` (`vg_<D>`, or an adopted device's own VG): the parent of the brick
 * mounts the engine makes on a device (hand-built bricks are mounted where the operator put them).
 */
export function deviceMountParent(d: DeviceRef): string {
  return `${HEKETI_MOUNT_ROOT}/${deviceVg(d)}`;
}

/** `/var/lib/heketi/mounts/vg_<D>/brick_<B>` */
export function brickMountPoint(deviceId: string, brickId: string): string {
  return `${deviceMountParent(deviceId)}/${lvName(brickId)}`;
}

/** `/var/lib/heketi/mounts/vg_<D>/brick_<B>/brick`: the directory gluster serves. */
export function brickPath(deviceId: string, brickId: string): string {
  return `${brickMountPoint(deviceId, brickId)}/brick`;
}

/** The fstab line Heketi writes for a brick. */
export function fstabLine(deviceId: string, brickId: string): string {
  return `${devNode(deviceId, brickId)} ${brickMountPoint(deviceId, brickId)} xfs ${BRICK_MOUNT_OPTIONS} 1 2`;
}

// ---------------------------------------------------------------------------------------------
// Storage built by hand and adopted keeps its own names: the VG of a device, the thin LV, pool and
// mount point of a brick. Absent means Heketi's layout (all the engine itself creates).

/** An LVM VG or LV name (lib/misc/lvm-string.c: [A-Za-z0-9+_.-], not starting with `-`, not `.`/`..`). */
export function assertLvmName(kind: string, name: string): string {
  if (typeof name !== "string" || !/^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/.test(name) || name === "." || name === "..") {
    throw new Error(`${kind} must be an LVM name ([A-Za-z0-9+_.-], not starting with '-'), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** A device by id (Heketi's `vg_<id>`) or as its row says (an adopted VG keeps its name). */
export type DeviceRef = string | { id: string; vg?: string | null };

/** A device's VG: its own (adopted) or `vg_<id>`. */
export function deviceVg(d: DeviceRef): string {
  if (typeof d === "string") return vgName(d);
  return d.vg ? assertLvmName("volume group", d.vg) : vgName(d.id);
}

/** Where a brick is on its node, whatever built it. */
export interface BrickPlace {
  vg: string;
  lv: string;
  pool: string;
  mountPoint: string;
}

/** A brick's names: its own (adopted, or a Heketi pool named after another brick) or Heketi's. */
export function brickPlace(b: { deviceId: string; brickId: string; vg?: string | null; lv?: string | null; thinPool?: string | null; mountPoint?: string | null }): BrickPlace {
  return {
    vg: b.vg ? assertLvmName("volume group", b.vg) : vgName(b.deviceId),
    lv: b.lv ? assertLvmName("brick LV", b.lv) : lvName(b.brickId),
    pool: b.thinPool ? assertLvmName("thin pool", b.thinPool) : thinPoolName(b.brickId),
    mountPoint: b.mountPoint ? assertFilePath(b.mountPoint) : brickMountPoint(b.deviceId, b.brickId),
  };
}

/** Parse a Heketi brick path (or mount point) back into its ids. */
export function parseBrickPath(path: string): { deviceId: string; brickId: string; isMountPoint: boolean } | undefined {
  const m = /^\/var\/lib\/heketi\/mounts\/vg_([0-9a-f]{32})\/brick_([0-9a-f]{32})(\/brick)?$/.exec(path);
  return m ? { deviceId: m[1], brickId: m[2], isMountPoint: !m[3] } : undefined;
}

// ---------------------------------------------------------------------------------------------
// LVM tags. LVM accepts tags made of [A-Za-z0-9_+.\-/=!:&#] (lib/misc/lvm-string.c validate_tag);
// `pgfs.<kind>=<32 hex>` stays inside that set and reads as key=value.

export const TAG_PREFIX = "pgfs.";
export type TagKind = "device" | "brick" | "volume" | "cluster" | "node";
const TAG_CHARSET = /^[A-Za-z0-9_+.\-/=!:&#]+$/;

export function tag(kind: TagKind, id: string): string {
  const t = `${TAG_PREFIX}${kind}=${assertId(kind, id)}`;
  if (!TAG_CHARSET.test(t)) throw new Error(`not a valid LVM tag: ${t}`);
  return t;
}

/** `pgfs.zone=<n>`: a node's failure domain, on each of its VGs (with pgfs.node and pgfs.cluster). */
export function zoneTag(zone: number): string {
  if (!Number.isSafeInteger(zone) || zone < 1) throw new Error(`zone must be a whole number from 1, got ${zone}`);
  return `${TAG_PREFIX}zone=${zone}`;
}

/** Our tags out of an LVM tag list: `{ device: "...", brick: "..." }`; other tags are ignored. */
export function pgfsTags(tags: readonly string[]): Partial<Record<TagKind, string>> {
  const out: Partial<Record<TagKind, string>> = {};
  for (const t of tags) {
    const m = /^pgfs\.(device|brick|volume|cluster|node)=([0-9a-f]{32})$/.exec(t);
    if (m) out[m[1] as TagKind] = m[2];
  }
  return out;
}

/** A VG owner tag (`pgfs.node=`, `pgfs.cluster=`, `pgfs.zone=`), well-formed or not. */
export function isOwnerTag(t: string): boolean {
  return /^pgfs\.(node|cluster|zone)=/.test(t);
}

/** The zones a VG's tags name (normally one; a retag cut off midway may leave two). */
export function zoneTags(tags: readonly string[]): number[] {
  return tags.flatMap((t) => {
    const m = /^pgfs\.zone=([1-9][0-9]{0,8})$/.exec(t);
    return m ? [Number(m[1])] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Validation of the other values that reach a command line. Quoting makes them inert to the
// shell; these checks keep them from being read as options or as something else by the tool.

/** A block device path: absolute, under /dev, no `..`, plain characters. */
export function assertDevicePath(device: string): string {
  if (typeof device !== "string" || !/^\/dev\/[A-Za-z0-9_.+:@\/-]+$/.test(device) || device.split("/").includes("..") || device.endsWith("/")) {
    throw new Error(`device must be a path under /dev, got ${JSON.stringify(device)}`);
  }
  return device;
}

/** A host name or IP address, as gluster peers and bricks name it. */
export function assertHost(host: string): string {
  if (typeof host !== "string" || !/^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/.test(host) || host.includes("..")) {
    throw new Error(`host must be a host name or an IP address, got ${JSON.stringify(host)}`);
  }
  return host;
}

/** A brick directory: absolute, no `..`, no `:` (it would split host:path), plain characters. */
export function assertBrickDir(path: string): string {
  if (typeof path !== "string" || !/^\/[A-Za-z0-9_.+@\/-]*$/.test(path) || path.split("/").includes("..") || path.includes("//")) {
    throw new Error(`brick path must be an absolute path of plain characters, got ${JSON.stringify(path)}`);
  }
  return path;
}

/** A gluster volume name: letters, digits, `_` and `-`, not starting with `-`, at most VOLUME_NAME_MAX. */
export function assertVolumeName(name: string): string {
  if (typeof name !== "string" || name.length > VOLUME_NAME_MAX || !/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(name) || name === "all") {
    throw new Error(`volume name must be 1-${VOLUME_NAME_MAX} of [A-Za-z0-9_-], not starting with '-', got ${JSON.stringify(name)}`);
  }
  return name;
}

/** An absolute file path without `..` (fstab and the like). */
export function assertFilePath(path: string): string {
  if (typeof path !== "string" || !/^\/[A-Za-z0-9_.+@\/-]+$/.test(path) || path.split("/").includes("..") || path.endsWith("/")) {
    throw new Error(`file must be an absolute path of plain characters, got ${JSON.stringify(path)}`);
  }
  return path;
}

export function assertPositiveInt(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${what} must be a positive whole number, got ${n}`);
  return n;
}
