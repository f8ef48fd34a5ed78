/**
 * A brick on a node, Heketi's way: a thin LV (lvm.ts) formatted XFS, mounted under
 * /var/lib/heketi/mounts with its fstab line, and its brick directory. Each builder is idempotent:
 * cheap guards make a re-run after a crash converge. Pure: they only build lines.
 */
import { DEFAULT_FSTAB, assertFilePath, assertId, brickMountPoint, brickPath, brickPlace, devNode, fstabLine, lvPath } from "./layout";
import { BrickArgs, BrickCreateArgs, lvCreateBrick, lvExists, lvRemove, tagBrick, thinPoolCount } from "./lvm";
import { ShellLine, ensureLineInFile, frag, ifThen, outputIsInteger, removeTableLines, sh, silently, unless, withoutStderr } from "./shell";

/** `mkfs.xfs -i size=512 -n size=8192 <dev>`; arbiter: `mkfs.xfs -i maxpct=100 -n size=8192 <dev>` */
export function mkfsBrick(a: BrickArgs & { arbiter?: boolean }): ShellLine {
  const inode = a.arbiter ? frag`maxpct=100` : frag`size=512`;
  return sh`mkfs.xfs -i ${inode} -n size=8192 ${devNode(a.deviceId, a.brickId)}`;
}

/** `mount -o rw,inode64,noatime,nouuid <dev> <mnt>` */
export function mountBrick(a: BrickArgs): ShellLine {
  return sh`mount -o rw,inode64,noatime,nouuid ${devNode(a.deviceId, a.brickId)} ${brickMountPoint(a.deviceId, a.brickId)}`;
}

/**
 * Create one brick, Heketi's way, as one script:
 *   mkdir -p MNT; lvcreate (tagged); lvchange --addtag (LV and pool); mkfs.xfs; fstab line; mount; mkdir MNT/brick; [chown :gid; chmod 2775]
 * Guards make a re-run converge: an existing LV is not re-created, a device that already holds
 * XFS is not re-formatted, the fstab line is not duplicated, a mounted brick is not re-mounted.
 */
export function brickCreate(a: BrickCreateArgs): ShellLine[] {
  const fstab = assertFilePath(a.fstab ?? DEFAULT_FSTAB);
  const mnt = brickMountPoint(a.deviceId, a.brickId);
  const dir = brickPath(a.deviceId, a.brickId);
  const dev = devNode(a.deviceId, a.brickId);
  if (a.volumeId !== undefined) assertId("volume", a.volumeId);
  const lines: ShellLine[] = [
    sh`mkdir -p ${mnt}`,
    unless(lvExists(lvPath(a.deviceId, a.brickId)), lvCreateBrick(a)),
    tagBrick(a),
    unless(silently(sh`blkid -p -n xfs ${dev}`), mkfsBrick(a)),
    ensureLineInFile(fstabLine(a.deviceId, a.brickId), fstab),
    unless(sh`mountpoint -q ${mnt}`, mountBrick(a)),
    unless(sh`test -d ${dir}`, sh`mkdir ${dir}`),
  ];
  if (a.gid !== undefined && a.gid !== 0) {
    if (!Number.isSafeInteger(a.gid) || a.gid < 0) throw new Error(`gid must be a whole number, got ${a.gid}`);
    lines.push(sh`chown :${a.gid} ${dir}`, sh`chmod 2775 ${dir}`);
  }
  return lines;
}

/**
 * Destroy one brick, idempotently (every step tolerates "already gone"):
 *   umount MNT (if mounted); drop the fstab line(s) whose mount point is MNT (keeping FSTAB.save,
 *   like Heketi's `sed -i.save`, but matching the mount-point field exactly instead of a regex);
 *   lvremove the brick LV (if present); lvremove the thin pool (if present and thin_count is 0);
 *   rmdir MNT (if present).
 */
export function brickDestroy(a: BrickArgs & { backupLvm?: boolean }): ShellLine[] {
  const fstab = assertFilePath(a.fstab ?? DEFAULT_FSTAB);
  const p = brickPlace(a);
  const mnt = p.mountPoint;
  return [
    ifThen(sh`mountpoint -q ${mnt}`, sh`umount ${mnt}`),
    removeTableLines(fstab, 2, mnt),
    ifThen(lvExists(`${p.vg}/${p.lv}`), lvRemove(p.vg, p.lv, a.backupLvm)),
    // a pool shared with other thin LVs (common in hand-built layouts) stays until its last LV is gone
    ifThen(outputIsInteger(withoutStderr(thinPoolCount(a)), 0), lvRemove(p.vg, p.pool, a.backupLvm)),
    ifThen(sh`test -d ${mnt}`, sh`rmdir ${mnt}`),
  ];
}
