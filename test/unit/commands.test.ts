import * as assert from "node:assert/strict";
import * as G from "../../provider/commands/gluster";
import * as Brick from "../../provider/commands/brick";
import * as L from "../../provider/commands/lvm";
import {
  assertBrickDir,
  assertDevicePath,
  assertHost,
  assertVolumeName,
  brickMountPoint,
  brickPath,
  deviceMountParent,
  devNode,
  fstabLine,
  lvName,
  parseBrickPath,
  pgfsTags,
  tag,
  thinPoolName,
  vgName,
} from "../../provider/commands/layout";
import { ShellLine, render } from "../../provider/commands/shell";

/** The bash text of builder output, as the nodes receive it. */
function text(line: ShellLine): string;
function text(lines: readonly ShellLine[]): string[];
function text(x: ShellLine | readonly ShellLine[]): string | string[] {
  return isLines(x) ? x.map(render) : render(x);
}
const isLines = (x: ShellLine | readonly ShellLine[]): x is readonly ShellLine[] => Array.isArray(x);

const D = "dddddddddddddddddddddddddddddddd";
const B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const V = "cccccccccccccccccccccccccccccccc";

describe("Heketi's on-node layout", () => {
  it("names a device's VG, a brick's pool and LV, its device node and mount point exactly like Heketi", () => {
    assert.equal(vgName(D), "vg_dddddddddddddddddddddddddddddddd");
    assert.equal(thinPoolName(B), "tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert.equal(lvName(B), "brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert.equal(devNode(D, B), "/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert.equal(deviceMountParent(D), "/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd");
    assert.equal(brickMountPoint(D, B), "/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert.equal(brickPath(D, B), "/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/brick");
    assert.equal(
      fstabLine(D, B),
      "/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb /var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb xfs rw,inode64,noatime,nouuid 1 2",
    );
  });

  it("reads a Heketi brick path back into its device and brick ids", () => {
    assert.deepEqual(parseBrickPath(brickPath(D, B)), { deviceId: D, brickId: B, isMountPoint: false });
    assert.deepEqual(parseBrickPath(brickMountPoint(D, B)), { deviceId: D, brickId: B, isMountPoint: true });
    assert.equal(parseBrickPath("/srv/brick"), undefined);
  });

  it("tags VGs and LVs as pgfs.<kind>=<id>, inside LVM's tag charset, and reads them back", () => {
    assert.equal(tag("device", D), "pgfs.device=dddddddddddddddddddddddddddddddd");
    assert.match(tag("brick", B), /^[A-Za-z0-9_+.\-/=!:&#]+$/);
    assert.deepEqual(pgfsTags(["pgfs.brick=" + B, "pgfs.volume=" + V, "heketi", "pgfs.brick=nothex"]), { brick: B, volume: V });
  });

  it("refuses ids that are not 32 lowercase hex digits", () => {
    for (const bad of ["", "D".repeat(32), "d".repeat(31), "d".repeat(33), "../" + "d".repeat(29), "$(reboot)" + "d".repeat(23)]) {
      assert.throws(() => vgName(bad), /32 lowercase hex/);
    }
  });

  it("refuses hostile devices, hosts, brick paths and volume names before they reach a command", () => {
    for (const d of ["/dev/vdb; reboot", "$(reboot)", "/dev/../etc/passwd", "vdb", "/dev/vdb\n", "-rf", "/dev/"]) assert.throws(() => assertDevicePath(d), /device/);
    for (const h of ["$(reboot)", "-oProxyCommand=x", "a b", "host;x", "", "a..b"]) assert.throws(() => assertHost(h), /host/);
    for (const p of ["relative", "/a/../b", "/a:b", "/a b", "/a//b", "/a`x`"]) assert.throws(() => assertBrickDir(p), /brick path/);
    for (const n of ["-xml", "all", "a b", "a;b", "", "x".repeat(129), "vol/1"]) assert.throws(() => assertVolumeName(n), /volume name/);
    assert.equal(assertVolumeName("x".repeat(128)), "x".repeat(128), "the longest name gluster takes with Heketi's brick paths");
    assert.equal(assertDevicePath("/dev/disk/by-id/virtio-pgfs_1"), "/dev/disk/by-id/virtio-pgfs_1");
    assert.equal(assertHost("fe80::1"), "fe80::1");
  });
});

describe("Adding a device, Heketi's way", () => {
  it("pvcreate runs as Heketi ran it, through /usr/sbin/lvm", () => {
    assert.equal(text(L.pvCreate({ device: "/dev/vdb" })), "/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment='256K' '/dev/vdb'");
  });

  it("vgcreate names the VG vg_<device id> and tags it with our device id", () => {
    assert.equal(
      text(L.vgCreate({ device: "/dev/vdb", deviceId: D })),
      "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n --addtag 'pgfs.device=dddddddddddddddddddddddddddddddd' 'vg_dddddddddddddddddddddddddddddddd' '/dev/vdb'",
    );
    assert.match(text(L.vgCreate({ device: "/dev/vdb", deviceId: D, backupLvm: true })), / --autobackup=y /);
  });

  it("the setup script skips what is done, and wipes only when the operator asked for destroyData", () => {
    assert.deepEqual(text(L.deviceSetup({ device: "/dev/vdb", deviceId: D })), [
      "if ! { /usr/sbin/lvm vgs 'vg_dddddddddddddddddddddddddddddddd'; } >/dev/null 2>&1; then " +
        "if ! { /usr/sbin/lvm pvs '/dev/vdb'; } >/dev/null 2>&1; then /usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment='256K' '/dev/vdb'; fi; " +
        "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n --addtag 'pgfs.device=dddddddddddddddddddddddddddddddd' 'vg_dddddddddddddddddddddddddddddddd' '/dev/vdb'; fi",
    ]);
    assert.deepEqual(text(L.deviceSetup({ device: "/dev/vdb", deviceId: D, destroyData: true })), [
      "if ! { /usr/sbin/lvm vgs 'vg_dddddddddddddddddddddddddddddddd'; } >/dev/null 2>&1; then wipefs --all '/dev/vdb'; " +
        "if ! { /usr/sbin/lvm pvs '/dev/vdb'; } >/dev/null 2>&1; then /usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment='256K' '/dev/vdb'; fi; " +
        "/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n --addtag 'pgfs.device=dddddddddddddddddddddddddddddddd' 'vg_dddddddddddddddddddddddddddddddd' '/dev/vdb'; fi",
    ]);
  });

  it("the capacity probes are Heketi's pvs and vgdisplay -c", () => {
    assert.equal(text(L.pvsOfDevice("/dev/vdb")), "/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json '/dev/vdb'");
    assert.equal(text(L.vgDisplay(D)), "/usr/sbin/lvm vgdisplay -c 'vg_dddddddddddddddddddddddddddddddd'");
  });

  it("before anything, one probe tells whether the disk is empty, has data, is a PV or is in use", () => {
    assert.deepEqual(text(L.probeDevice("/dev/vdb")), [
      `printf '%s\\n' '=== pgfs:exists'; pgfs_rc=0; { test -b '/dev/vdb'; } || pgfs_rc=$?; printf '\\n=== pgfs:exists rc=%s\\n' "$pgfs_rc"`,
      `printf '%s\\n' '=== pgfs:lsblk'; pgfs_rc=0; { { lsblk --json --bytes --paths --output NAME,TYPE,SIZE,RO,FSTYPE,MOUNTPOINT '/dev/vdb'; } 2>/dev/null; } || pgfs_rc=$?; printf '\\n=== pgfs:lsblk rc=%s\\n' "$pgfs_rc"`,
      `printf '%s\\n' '=== pgfs:wipefs'; pgfs_rc=0; { { wipefs --no-act --json '/dev/vdb'; } 2>/dev/null; } || pgfs_rc=$?; printf '\\n=== pgfs:wipefs rc=%s\\n' "$pgfs_rc"`,
      `printf '%s\\n' '=== pgfs:pvs'; pgfs_rc=0; { { /usr/sbin/lvm pvs --reportformat json --units k --nosuffix -o pv_name,pv_uuid,vg_name,pv_size,vg_tags '/dev/vdb'; } 2>/dev/null; } || pgfs_rc=$?; printf '\\n=== pgfs:pvs rc=%s\\n' "$pgfs_rc"`,
    ]);
  });
});

describe("Removing a device", () => {
  it("vgremove, pvremove and rmdir of the mount parent, each only if still there", () => {
    assert.equal(text(L.vgRemove(D)), "/usr/sbin/lvm vgremove -qq 'vg_dddddddddddddddddddddddddddddddd'");
    assert.equal(text(L.pvRemove("/dev/vdb")), "/usr/sbin/lvm pvremove -qq '/dev/vdb'");
    assert.deepEqual(text(L.deviceTeardown({ device: "/dev/vdb", deviceId: D })), [
      "if { /usr/sbin/lvm vgs 'vg_dddddddddddddddddddddddddddddddd'; } >/dev/null 2>&1; then /usr/sbin/lvm vgremove -qq 'vg_dddddddddddddddddddddddddddddddd'; fi",
      "if { /usr/sbin/lvm pvs '/dev/vdb'; } >/dev/null 2>&1; then /usr/sbin/lvm pvremove -qq '/dev/vdb'; fi",
      "if test -d '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd'; then rmdir '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd'; fi",
    ]);
  });
});

describe("Creating a brick, Heketi's way", () => {
  const brick = { deviceId: D, brickId: B, volumeId: V, sizeKiB: 524288, thinPoolSizeKiB: 524288, poolMetadataSizeKiB: 8192 };

  it("lvcreate makes the thin pool tp_<B> and the thin LV brick_<B> in one command, tagged", () => {
    assert.equal(
      text(L.lvCreateBrick(brick)),
      "/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 8192K --chunksize 256K --size 524288K --thin 'vg_dddddddddddddddddddddddddddddddd/tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --virtualsize 524288K --name 'brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --addtag 'pgfs.brick=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --addtag 'pgfs.volume=cccccccccccccccccccccccccccccccc'",
    );
  });

  it("lvchange tags the thin LV too (LVM 2.03 gives lvcreate's tags to the pool only)", () => {
    assert.equal(
      text(L.tagBrick(brick)),
      "/usr/sbin/lvm lvchange -qq --autobackup=n --addtag 'pgfs.brick=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --addtag 'pgfs.volume=cccccccccccccccccccccccccccccccc' 'vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' 'vg_dddddddddddddddddddddddddddddddd/tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'",
    );
  });

  it("data bricks get mkfs.xfs -i size=512, arbiter bricks -i maxpct=100, like Heketi", () => {
    assert.equal(text(Brick.mkfsBrick({ deviceId: D, brickId: B })), "mkfs.xfs -i size=512 -n size=8192 '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'");
    assert.equal(text(Brick.mkfsBrick({ deviceId: D, brickId: B, arbiter: true })), "mkfs.xfs -i maxpct=100 -n size=8192 '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'");
  });

  it("the brick is mounted rw,inode64,noatime,nouuid on its Heketi mount point", () => {
    assert.equal(
      text(Brick.mountBrick({ deviceId: D, brickId: B })),
      "mount -o rw,inode64,noatime,nouuid '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'",
    );
  });

  it("one script per brick: every step guarded so a re-run after a crash converges; gid sets chown and chmod 2775", () => {
    assert.deepEqual(text(Brick.brickCreate({ ...brick, gid: 2000 })), [
      "mkdir -p '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'",
      "if ! { /usr/sbin/lvm lvs 'vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; } >/dev/null 2>&1; then /usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 8192K --chunksize 256K --size 524288K --thin 'vg_dddddddddddddddddddddddddddddddd/tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --virtualsize 524288K --name 'brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --addtag 'pgfs.brick=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --addtag 'pgfs.volume=cccccccccccccccccccccccccccccccc'; fi",
      "/usr/sbin/lvm lvchange -qq --autobackup=n --addtag 'pgfs.brick=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' --addtag 'pgfs.volume=cccccccccccccccccccccccccccccccc' 'vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' 'vg_dddddddddddddddddddddddddddddddd/tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'",
      "if ! { blkid -p -n xfs '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; } >/dev/null 2>&1; then mkfs.xfs -i size=512 -n size=8192 '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; fi",
      // under the node's edit lock, replaced atomically (temp file with the same mode, synced, renamed)
      "{ flock -w 120 9; if ! grep -qxF -e '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb /var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb xfs rw,inode64,noatime,nouuid 1 2' '/etc/fstab'; then " +
        `pgfs_tmp=$(mktemp '/etc/fstab.pgfs-'XXXXXX); cp -p '/etc/fstab' "$pgfs_tmp"; ` +
        `{ cat '/etc/fstab'; if [ -s '/etc/fstab' ] && [ -n "$(tail -c 1 '/etc/fstab')" ]; then echo; fi; printf '%s\\n' '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb /var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb xfs rw,inode64,noatime,nouuid 1 2'; } > "$pgfs_tmp"; ` +
        `sync "$pgfs_tmp"; mv -f "$pgfs_tmp" '/etc/fstab'; fi; } 9>>'/run/lock/pgfs-edit.lock'`,
      "if ! mountpoint -q '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; then mount -o rw,inode64,noatime,nouuid '/dev/mapper/vg_dddddddddddddddddddddddddddddddd-brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; fi",
      "if ! test -d '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/brick'; then mkdir '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/brick'; fi",
      "chown :2000 '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/brick'",
      "chmod 2775 '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/brick'",
    ]);
  });

  it("without a gid (or gid 0) only root may write, so no chown/chmod; another fstab can be named", () => {
    const lines = Brick.brickCreate({ ...brick, fstab: "/etc/fstab.d/pgfs" });
    assert.equal(lines.length, 7);
    assert.ok(lines.every((l) => !text(l).includes("chown")));
    assert.match(text(lines[4]), / '\/etc\/fstab.d\/pgfs'; then /);
    assert.equal(Brick.brickCreate({ ...brick, gid: 0 }).length, 7);
  });

  it("refuses sizes that are not whole KiB, or a pool smaller than its brick", () => {
    assert.throws(() => L.lvCreateBrick({ ...brick, sizeKiB: 1.5 }), /whole number/);
    assert.throws(() => L.lvCreateBrick({ ...brick, sizeKiB: 0 }), /whole number/);
    assert.throws(() => L.lvCreateBrick({ ...brick, thinPoolSizeKiB: 1024 }), /smaller than the brick/);
    assert.throws(() => Brick.brickCreate({ ...brick, gid: -1 }), /gid/);
    assert.throws(() => Brick.brickCreate({ ...brick, fstab: "/etc/fstab; reboot" }), /absolute path/);
  });
});

describe("Destroying a brick", () => {
  it("umount, drop its fstab line (precisely, with a .save), lvremove LV, pool only when empty, rmdir — all idempotent", () => {
    assert.deepEqual(text(Brick.brickDestroy({ deviceId: D, brickId: B })), [
      "if mountpoint -q '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; then umount '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; fi",
      "{ flock -w 120 9; if PGFS_MATCH='/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' awk '!/^[ \\t]*#/ && $2 == ENVIRON[\"PGFS_MATCH\"] { found = 1 } END { exit !found }' '/etc/fstab'; then cp -p '/etc/fstab' '/etc/fstab.save'; " +
        "pgfs_tmp=$(mktemp '/etc/fstab.pgfs-'XXXXXX); cp -p '/etc/fstab' \"$pgfs_tmp\"; " +
        "PGFS_MATCH='/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' awk '/^[ \\t]*#/ || $2 != ENVIRON[\"PGFS_MATCH\"]' '/etc/fstab' > \"$pgfs_tmp\"; sync \"$pgfs_tmp\"; mv -f \"$pgfs_tmp\" '/etc/fstab'; fi; } 9>>'/run/lock/pgfs-edit.lock'",
      "if { /usr/sbin/lvm lvs 'vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; } >/dev/null 2>&1; then /usr/sbin/lvm lvremove --autobackup=n -f 'vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; fi",
      `if [ "$({ /usr/sbin/lvm lvs --noheadings --options=thin_count 'vg_dddddddddddddddddddddddddddddddd/tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; } 2>/dev/null | tr -d '[:space:]')" = '0' ]; then /usr/sbin/lvm lvremove --autobackup=n -f 'vg_dddddddddddddddddddddddddddddddd/tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; fi`,
      "if test -d '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; then rmdir '/var/lib/heketi/mounts/vg_dddddddddddddddddddddddddddddddd/brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; fi",
    ]);
  });

  it("destroys an imported brick's thin pool under the name Heketi gave it (tp_<other id>), and refuses a malformed pool name", () => {
    const P = "tp_" + "e".repeat(32);
    const lines = Brick.brickDestroy({ deviceId: D, brickId: B, thinPool: P });
    assert.equal(
      text(lines[3]),
      `if [ "$({ /usr/sbin/lvm lvs --noheadings --options=thin_count 'vg_dddddddddddddddddddddddddddddddd/${P}'; } 2>/dev/null | tr -d '[:space:]')" = '0' ]; then /usr/sbin/lvm lvremove --autobackup=n -f 'vg_dddddddddddddddddddddddddddddddd/${P}'; fi`,
    );
    assert.ok(text(lines[2]).includes("brick_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), "the brick LV keeps its own id");
    assert.throws(() => Brick.brickDestroy({ deviceId: D, brickId: B, thinPool: "tp_x; rm -rf /" }), /thin pool must be an LVM name/);
    assert.throws(() => Brick.brickDestroy({ deviceId: D, brickId: B, lv: "--force" }), /brick LV must be an LVM name/);
    assert.throws(() => Brick.brickDestroy({ deviceId: D, brickId: B, vg: "-a" }), /volume group must be an LVM name/);
  });

  it("destroys a hand-built brick that was adopted under its own VG, LV, pool and mount point; the pool only once its last thin LV is gone", () => {
    const lines = Brick.brickDestroy({ deviceId: D, brickId: B, vg: "gluster", lv: "data", thinPool: "pool_data", mountPoint: "/bricks/data" });
    const t = text(lines);
    assert.deepEqual(t, [
      "if mountpoint -q '/bricks/data'; then umount '/bricks/data'; fi",
      t[1],
      "if { /usr/sbin/lvm lvs 'gluster/data'; } >/dev/null 2>&1; then /usr/sbin/lvm lvremove --autobackup=n -f 'gluster/data'; fi",
      `if [ "$({ /usr/sbin/lvm lvs --noheadings --options=thin_count 'gluster/pool_data'; } 2>/dev/null | tr -d '[:space:]')" = '0' ]; then /usr/sbin/lvm lvremove --autobackup=n -f 'gluster/pool_data'; fi`,
      "if test -d '/bricks/data'; then rmdir '/bricks/data'; fi",
    ]);
    assert.match(t[1], /PGFS_MATCH='\/bricks\/data'/, "the fstab line goes by its mount point, whatever names the device");
    assert.throws(() => Brick.brickDestroy({ deviceId: D, brickId: B, mountPoint: "/bricks/x y" }), /file must be an absolute path/);
  });

  it("Heketi's thin_count probe is available on its own", () => {
    assert.equal(text(L.thinPoolCount({ deviceId: D, brickId: B })), "/usr/sbin/lvm lvs --noheadings --options=thin_count 'vg_dddddddddddddddddddddddddddddddd/tp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'");
  });
});

describe("Reading back what is on a node", () => {
  it("pvs, vgs and lvs as JSON in KiB without suffix, with tags", () => {
    assert.equal(text(L.pvsReport()), "/usr/sbin/lvm pvs --reportformat json --units k --nosuffix -o pv_name,pv_uuid,vg_name,pv_size,pv_free,dev_size,pv_tags");
    assert.equal(text(L.pvsReport(["/dev/vdb"])), "/usr/sbin/lvm pvs --reportformat json --units k --nosuffix -o pv_name,pv_uuid,vg_name,pv_size,pv_free,dev_size,pv_tags '/dev/vdb'");
    assert.equal(
      text(L.vgsReport([D])),
      "/usr/sbin/lvm vgs --reportformat json --units k --nosuffix -o vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count,vg_tags 'vg_dddddddddddddddddddddddddddddddd'",
    );
    assert.equal(
      text(L.lvsReport()),
      "/usr/sbin/lvm lvs --reportformat json --units k --nosuffix -o lv_name,vg_name,lv_uuid,lv_attr,lv_size,pool_lv,data_percent,metadata_percent,lv_metadata_size,thin_count,lv_dm_path,lv_tags",
    );
  });
});

describe("Gluster peers", () => {
  it("probe, detach and pool list run in script mode with Heketi's 600 s timeout, or the one given", () => {
    assert.equal(text(G.peerProbe("10.77.0.12")), "gluster --mode=script --timeout=600 peer probe '10.77.0.12'");
    assert.equal(text(G.peerDetach("10.77.0.12")), "gluster --mode=script --timeout=600 peer detach '10.77.0.12'");
    assert.equal(text(G.poolList()), "gluster --mode=script --timeout=600 pool list --xml");
    assert.equal(text(G.poolList({ timeoutSeconds: 120 })), "gluster --mode=script --timeout=120 pool list --xml");
  });

  it("refuses a hostile peer name", () => {
    assert.throws(() => G.peerProbe("$(reboot)"), /host/);
    assert.throws(() => G.peerProbe("--help"), /host/);
  });
});

describe("Gluster volumes", () => {
  const br = (i: number): G.BrickAddress => ({ host: `10.77.0.1${(i % 3) + 1}`, path: `/b/${i}` });
  const bricks = (n: number): G.BrickAddress[] => Array.from({ length: n }, (_, i) => br(i));

  it("a replica 3 volume is created from its first set", () => {
    assert.equal(
      text(G.volumeCreate({ name: "vol_1", durability: { type: "replicate", replica: 3 }, bricks: bricks(3) })),
      "gluster --mode=script --timeout=600 volume create 'vol_1' replica 3 '10.77.0.11:/b/0' '10.77.0.12:/b/1' '10.77.0.13:/b/2'",
    );
  });

  it("an arbiter volume says replica 3 arbiter 1, the arbiter last in each set", () => {
    assert.equal(
      text(G.volumeCreate({ name: "vol_1", durability: { type: "replicate", replica: 3, arbiter: true }, bricks: bricks(3) })),
      "gluster --mode=script --timeout=600 volume create 'vol_1' replica 3 arbiter 1 '10.77.0.11:/b/0' '10.77.0.12:/b/1' '10.77.0.13:/b/2'",
    );
  });

  it("a disperse volume says disperse-data D redundancy R", () => {
    assert.equal(
      text(G.volumeCreate({ name: "vol_1", durability: { type: "disperse", data: 2, redundancy: 1 }, bricks: bricks(3) })),
      "gluster --mode=script --timeout=600 volume create 'vol_1' disperse-data 2 redundancy 1 '10.77.0.11:/b/0' '10.77.0.12:/b/1' '10.77.0.13:/b/2'",
    );
  });

  it("a distribute-only volume has no durability words, and force is appended when asked", () => {
    assert.equal(
      text(G.volumeCreate({ name: "vol_1", durability: { type: "none" }, bricks: bricks(1), force: true })),
      "gluster --mode=script --timeout=600 volume create 'vol_1' '10.77.0.11:/b/0' force",
    );
  });

  it("the rest of the bricks go in add-brick chunks: 15 bricks without durability", () => {
    const cmds = G.volumeCreateCommands({ name: "v", durability: { type: "none" }, bricks: bricks(31) });
    assert.equal(cmds.length, 1 + 2 + 1);
    assert.equal(text(cmds[1]).split(" '10.77").length - 1, 15);
    assert.equal(text(cmds[2]).split(" '10.77").length - 1, 15);
    assert.equal(text(cmds[3]), "gluster --mode=script --timeout=600 volume start 'v'");
  });

  it("5 sets per add-brick for replicate, 1 set for disperse", () => {
    const rep = G.volumeAddBricks({ name: "v", durability: { type: "replicate", replica: 3 }, bricks: bricks(18) });
    assert.deepEqual(rep.map((c) => text(c).split(" '10.77").length - 1), [15, 3]);
    const ec = G.volumeAddBricks({ name: "v", durability: { type: "disperse", data: 4, redundancy: 2 }, bricks: bricks(12) });
    assert.deepEqual(ec.map((c) => text(c).split(" '10.77").length - 1), [6, 6]);
  });

  it("add-brick restates replica N arbiter 1 only when asked", () => {
    assert.deepEqual(text(G.volumeAddBricks({ name: "v", durability: { type: "replicate", replica: 3, arbiter: true }, bricks: bricks(3) })), [
      "gluster --mode=script --timeout=600 volume add-brick 'v' '10.77.0.11:/b/0' '10.77.0.12:/b/1' '10.77.0.13:/b/2'",
    ]);
    assert.deepEqual(text(G.volumeAddBricks({ name: "v", durability: { type: "replicate", replica: 3, arbiter: true }, bricks: bricks(3), restateReplica: true })), [
      "gluster --mode=script --timeout=600 volume add-brick 'v' replica 3 arbiter 1 '10.77.0.11:/b/0' '10.77.0.12:/b/1' '10.77.0.13:/b/2'",
    ]);
  });

  it("bricks that do not make whole sets are refused", () => {
    assert.throws(() => G.volumeCreate({ name: "v", durability: { type: "replicate", replica: 3 }, bricks: bricks(4) }), /whole sets of 3/);
    assert.throws(() => G.volumeCreate({ name: "v", durability: { type: "disperse", data: 2, redundancy: 1 }, bricks: [] }), /whole sets/);
  });

  it("the whole Heketi sequence: create, add-brick, options, user.heketi.id, start", () => {
    assert.deepEqual(
      text(G.volumeCreateCommands({
        name: "vol_x",
        durability: { type: "replicate", replica: 3 },
        bricks: bricks(6),
        options: [["performance.client-io-threads", "off"]],
        volumeId: V,
      })),
      [
        "gluster --mode=script --timeout=600 volume create 'vol_x' replica 3 '10.77.0.11:/b/0' '10.77.0.12:/b/1' '10.77.0.13:/b/2'",
        "gluster --mode=script --timeout=600 volume add-brick 'vol_x' '10.77.0.11:/b/3' '10.77.0.12:/b/4' '10.77.0.13:/b/5'",
        "gluster --mode=script --timeout=600 volume set 'vol_x' 'performance.client-io-threads' 'off'",
        "gluster --mode=script --timeout=600 volume set 'vol_x' 'user.heketi.id' 'cccccccccccccccccccccccccccccccc'",
        "gluster --mode=script --timeout=600 volume start 'vol_x'",
      ],
    );
  });

  it("stop (force), delete, info, rebalance, heal info and replace-brick", () => {
    assert.equal(text(G.volumeStop("v")), "gluster --mode=script --timeout=600 volume stop 'v' force");
    assert.equal(text(G.volumeDelete("v")), "gluster --mode=script --timeout=600 volume delete 'v'");
    assert.equal(text(G.volumeInfo("v")), "gluster --mode=script --timeout=600 volume info 'v' --xml");
    assert.equal(text(G.volumeInfo()), "gluster --mode=script --timeout=600 volume info --xml");
    assert.equal(text(G.volumeRebalanceStart("v")), "gluster --mode=script --timeout=600 volume rebalance 'v' start");
    assert.equal(text(G.volumeHealInfo("v")), "gluster --mode=script --timeout=600 volume heal 'v' info --xml");
    assert.equal(
      text(G.volumeReplaceBrick("v", { host: "10.77.0.11", path: "/b/old" }, { host: "10.77.0.12", path: "/b/new" })),
      "gluster --mode=script --timeout=600 volume replace-brick 'v' '10.77.0.11:/b/old' '10.77.0.12:/b/new' commit force",
    );
  });

  it("a hostile option value is quoted; a hostile key, name or brick is refused", () => {
    assert.equal(text(G.volumeSet("v", "auth.allow", "$(reboot);*")), "gluster --mode=script --timeout=600 volume set 'v' 'auth.allow' '$(reboot);*'");
    assert.throws(() => G.volumeSet("v", "a b", "x"), /key/);
    assert.throws(() => G.volumeSet("v", "k", "x\nreboot"), /one line/);
    assert.throws(() => G.volumeStart("v; reboot"), /volume name/);
    assert.throws(() => G.volumeCreate({ name: "v", durability: { type: "none" }, bricks: [{ host: "h", path: "/b/../../etc" }] }), /brick path/);
    assert.throws(() => G.volumeSetHeketiId("v", "not-an-id"), /32 lowercase hex/);
    assert.throws(() => G.peerProbe("h", { timeoutSeconds: 0 }), /timeoutSeconds/);
  });

  it("never lets an option value or key look like one of gluster's own flags", function () {
    assert.throws(() => G.volumeSet("data", "performance.readdir-ahead", "--version"), /must not be empty or start with '-'/);
    assert.throws(() => G.volumeSet("data", "--log-file=/tmp/x", "on"), /start with a letter/);
    assert.throws(() => G.volumeReset("data", "--xml"), /start with a letter/);
    assert.throws(() => G.volumeReset("data", "all"), /refusing `all`/);
    assert.equal(text(G.volumeReset("data", "performance.quick-read")), "gluster --mode=script --timeout=600 volume reset 'data' 'performance.quick-read'");
  });
});
