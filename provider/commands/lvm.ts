/**
 * LVM command builders: devices (PV/VG setup and teardown, probe), a brick's thin pool and LV, tags and
 * read-back reports, as Heketi runs them; guarded so a re-run after a crash converges. Pure: they only
 * build lines. XFS, mount and fstab for a brick: brick.ts.
 */
import {
  assertDevicePath,
  assertLvmName,
  brickPlace,
  DeviceRef,
  deviceMountParent,
  deviceVg,
  assertPositiveInt,
  lvName,
  lvPath,
  isOwnerTag,
  tag,
  zoneTag,
  thinPoolPath,
  vgName,
} from "./layout";
import {
  Fragment,
  ShellLine,
  frag,
  ifThen,
  section,
  sh,
  silently,
  unless,
  withoutStderr,
} from "./shell";

/** `/usr/sbin/lvm`, as Heketi runs it (not `lvm` from PATH) */
const lvm = frag`/usr/sbin/lvm`;
const yn = (b: boolean | undefined) => (b ? frag`y` : frag`n`);

// ---------------------------------------------------------------------------------------------
// Devices

export interface PvCreateArgs {
  device: string;
  /** `--dataalignment`, Heketi's default 256K */
  dataAlignment?: string;
}

/** `/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/vdb'` */
export function pvCreate(a: PvCreateArgs): ShellLine {
  const align = a.dataAlignment ?? "256K";
  if (!/^[0-9]+[KMG]?$/.test(align)) throw new Error(`dataAlignment must look like 256K, got ${align}`);
  return sh`${lvm} pvcreate -qq --metadatasize=128M --dataalignment=${align} ${assertDevicePath(a.device)}`;
}

/** Whose a VG is: its node, the node's cluster and zone. On the VG so a lost ledger can be rebuilt from the nodes alone. */
export interface VgOwner {
  nodeId: string;
  clusterId: string;
  zone: number;
}

export interface VgCreateArgs {
  device: string;
  deviceId: string;
  owner?: VgOwner;
  /** LVM metadata backups (Heketi's BackupLVM); default off */
  backupLvm?: boolean;
}

function ownerTags(o: VgOwner | undefined) {
  return o ? frag`--addtag ${tag("node", o.nodeId)} --addtag ${tag("cluster", o.clusterId)} --addtag ${zoneTag(o.zone)}` : null;
}

/**
 * `/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n --addtag 'pgfs.device=<D>'
 *  [--addtag 'pgfs.node=<N>' --addtag 'pgfs.cluster=<C>' --addtag 'pgfs.zone=<Z>'] 'vg_<D>' '/dev/vdb'`
 */
export function vgCreate(a: VgCreateArgs): ShellLine {
  return sh`${lvm} vgcreate -qq --physicalextentsize=4M --autobackup=${yn(a.backupLvm)} --addtag ${tag("device", a.deviceId)} ${ownerTags(a.owner)} ${vgName(a.deviceId)} ${assertDevicePath(a.device)}`;
}

/** The owner tags a VG should carry. */
export function ownerTagList(o: VgOwner): string[] {
  return [tag("node", o.nodeId), tag("cluster", o.clusterId), zoneTag(o.zone)];
}

/**
 * `/usr/sbin/lvm vgchange -qq --autobackup=n [--deltag 'pgfs.zone=<old>' ...] --addtag 'pgfs.node=<N>' --addtag 'pgfs.cluster=<C>' --addtag 'pgfs.zone=<Z>' 'vg_<D>'`
 * The owner tags of a VG made before they existed, or a node's new zone (`drop`: owner tags it has
 * that are wrong). Adding a tag the VG has and deleting one it lacks are no-ops for LVM (exit 0), so a
 * re-run converges.
 */
export function vgTagOwner(device: DeviceRef, owner: VgOwner, dropTags: readonly string[] = [], backupLvm?: boolean): ShellLine {
  const want = ownerTagList(owner);
  const drop = dropTags.filter((t) => !want.includes(t) && isOwnerTag(t)).flatMap((t) => ["--deltag", t]);
  return sh`${lvm} vgchange -qq --autobackup=${yn(backupLvm)} ${drop} ${ownerTags(owner)} ${deviceVg(device)}`;
}

/**
 * `/usr/sbin/lvm vgchange -qq --autobackup=n --addtag 'pgfs.device=<D>' --addtag 'pgfs.node=<N>' ... '<vg>'`
 * A volume group an operator made by hand becomes device D: the tags are how a lost ledger finds it
 * again (its name stays). Re-adding a tag is a no-op, so a re-run converges.
 */
export function vgTagAdopted(vg: string, deviceId: string, owner: VgOwner, backupLvm?: boolean): ShellLine {
  return sh`${lvm} vgchange -qq --autobackup=${yn(backupLvm)} --addtag ${tag("device", deviceId)} ${ownerTags(owner)} ${assertLvmName("volume group", vg)}`;
}

/** `/usr/sbin/lvm lvchange -qq --autobackup=n --addtag 'pgfs.brick=<B>' --addtag 'pgfs.volume=<V>' '<vg>/<lv>'`: a hand-built brick's LV becomes brick B of volume V. */
export function lvTagAdopted(vg: string, lv: string, brickId: string, volumeId: string, backupLvm?: boolean): ShellLine {
  return sh`${lvm} lvchange -qq --autobackup=${yn(backupLvm)} --addtag ${tag("brick", brickId)} --addtag ${tag("volume", volumeId)} ${`${assertLvmName("volume group", vg)}/${assertLvmName("logical volume", lv)}`}`;
}

/** `wipefs --all '/dev/vdb'` (only with destroyData) */
export function wipeDevice(device: string): ShellLine {
  return sh`wipefs --all ${assertDevicePath(device)}`;
}

/** `/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json '/dev/vdb'` */
export function pvsOfDevice(device: string): ShellLine {
  return sh`${lvm} pvs -o pv_name,pv_uuid,vg_name --reportformat=json ${assertDevicePath(device)}`;
}

/** `/usr/sbin/lvm vgdisplay -c 'vg_<D>'` */
export function vgDisplay(device: DeviceRef): ShellLine {
  return sh`${lvm} vgdisplay -c ${deviceVg(device)}`;
}

/** Exit 0 iff `vg_<D>` (or the device's adopted VG) exists. */
export function vgExists(device: DeviceRef): ShellLine {
  return silently(sh`${lvm} vgs ${deviceVg(device)}`);
}

/** Exit 0 iff the device is an LVM physical volume. */
export function pvExists(device: string): ShellLine {
  return silently(sh`${lvm} pvs ${assertDevicePath(device)}`);
}

/** Exit 0 iff the logical volume `vg/lv` exists. */
export function lvExists(path: string): ShellLine {
  return silently(sh`${lvm} lvs ${path}`);
}

export interface DeviceSetupArgs extends VgCreateArgs, PvCreateArgs {
  /** wipe every signature first (Heketi's destroydata) */
  destroyData?: boolean;
}

/**
 * Make a device ours: [wipefs --all], pvcreate, vgcreate (tagged). Skips what is already done, so
 * a re-run after a crash converges; pvcreate -qq itself still refuses a device that carries a
 * signature (it answers "no" to the wipe prompt), so run the probe first and only pass
 * destroyData when the operator asked for it.
 */
export function deviceSetup(a: DeviceSetupArgs): ShellLine[] {
  const steps: ShellLine[] = [];
  if (a.destroyData) steps.push(wipeDevice(a.device));
  steps.push(unless(pvExists(a.device), pvCreate(a)));
  steps.push(vgCreate(a));
  return [unless(vgExists(a.deviceId), ...steps)];
}

export interface DeviceTeardownArgs {
  device: string;
  deviceId: string;
  /** an adopted device's own VG name */
  vg?: string | null;
}

/** `/usr/sbin/lvm vgremove -qq 'vg_<D>'` (-qq answers "no" when LVs are left: it refuses) */
export function vgRemove(device: DeviceRef): ShellLine {
  return sh`${lvm} vgremove -qq ${deviceVg(device)}`;
}

/** `/usr/sbin/lvm pvremove -qq '/dev/vdb'` */
export function pvRemove(device: string): ShellLine {
  return sh`${lvm} pvremove -qq ${assertDevicePath(device)}`;
}

/**
 * Give a device back: vgremove, pvremove, rmdir of the device's mount parent. Each step is
 * skipped when already done. The VG must hold no LV any more (vgremove -qq refuses otherwise).
 */
export function deviceTeardown(a: DeviceTeardownArgs): ShellLine[] {
  const ref = { id: a.deviceId, vg: a.vg };
  const parent = deviceMountParent(ref);
  return [
    ifThen(vgExists(ref), vgRemove(ref)),
    ifThen(pvExists(a.device), pvRemove(a.device)),
    ifThen(sh`test -d ${parent}`, sh`rmdir ${parent}`),
  ];
}

// ---------------------------------------------------------------------------------------------
// Device probe: is this disk empty, does it carry signatures, is it a PV, is it in use?

/**
 * One script that tells whether a device may be given to us. Each part is framed as a section
 * (see `section`) and parsed by `parseDeviceProbe`:
 *   exists  `test -b <dev>`
 *   lsblk   `lsblk --json --bytes --paths --output NAME,TYPE,SIZE,RO,FSTYPE,MOUNTPOINT <dev>` (tree: partitions, LVs, mounts)
 *   wipefs  `wipefs --no-act --json <dev>` (every signature, as `wipefs --all` would erase them)
 *   pvs     `lvm pvs --reportformat json ... <dev>` (is it a PV, of which VG, with which tags)
 */
export function probeDevice(device: string): ShellLine[] {
  const d = assertDevicePath(device);
  return [
    section("exists", sh`test -b ${d}`),
    section("lsblk", withoutStderr(sh`lsblk --json --bytes --paths --output NAME,TYPE,SIZE,RO,FSTYPE,MOUNTPOINT ${d}`)),
    section("wipefs", withoutStderr(sh`wipefs --no-act --json ${d}`)),
    section("pvs", withoutStderr(sh`${lvm} pvs --reportformat json --units k --nosuffix -o pv_name,pv_uuid,vg_name,pv_size,vg_tags ${d}`)),
  ];
}

// ---------------------------------------------------------------------------------------------
// Bricks

export interface BrickArgs {
  deviceId: string;
  brickId: string;
  /** fstab to edit; default /etc/fstab */
  fstab?: string;
  /**
   * The brick's thin pool LV when it is not `tp_<brickId>` (Heketi sometimes named a brick's pool after
   * another id: bricks imported from Heketi keep the name it used). Only read by destroy/count.
   */
  thinPool?: string | null;
  /** An adopted brick's own names (see layout.ts `brickPlace`); absent: Heketi's. Only read by destroy/count. */
  vg?: string | null;
  lv?: string | null;
  mountPoint?: string | null;
}

export interface BrickCreateArgs extends BrickArgs {
  /** virtual size of the thin LV, KiB */
  sizeKiB: number;
  /** thin pool size, KiB (>= sizeKiB; Heketi: size * snapshot factor) */
  thinPoolSizeKiB: number;
  /** thin pool metadata size, KiB */
  poolMetadataSizeKiB: number;
  /** the volume the brick belongs to, for the LV tag */
  volumeId?: string;
  /** arbiter bricks hold only metadata: `mkfs.xfs -i maxpct=100` (Heketi's ArbiterFormat) */
  arbiter?: boolean;
  /** group owner of the brick directory (chown :gid, chmod 2775); 0 or absent: root only */
  gid?: number;
  backupLvm?: boolean;
}

/**
 * `/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize <M>K --chunksize 256K --size <TP>K
 *  --thin 'vg_<D>/tp_<B>' --virtualsize <S>K --name 'brick_<B>' --addtag ...`
 */
export function lvCreateBrick(a: BrickCreateArgs): ShellLine {
  assertPositiveInt("sizeKiB", a.sizeKiB);
  assertPositiveInt("thinPoolSizeKiB", a.thinPoolSizeKiB);
  assertPositiveInt("poolMetadataSizeKiB", a.poolMetadataSizeKiB);
  if (a.thinPoolSizeKiB < a.sizeKiB) throw new Error(`thin pool (${a.thinPoolSizeKiB}K) is smaller than the brick (${a.sizeKiB}K)`);
  return sh`${lvm} lvcreate -qq --autobackup=${yn(a.backupLvm)} --poolmetadatasize ${a.poolMetadataSizeKiB}K --chunksize 256K --size ${a.thinPoolSizeKiB}K --thin ${thinPoolPath(a.deviceId, a.brickId)} --virtualsize ${a.sizeKiB}K --name ${lvName(a.brickId)} ${brickTags(a)}`;
}

export interface BrickTagArgs {
  deviceId: string;
  brickId: string;
  volumeId?: string;
  backupLvm?: boolean;
}

function brickTags(a: BrickTagArgs): Fragment[] {
  const tags = [frag`--addtag ${tag("brick", a.brickId)}`];
  if (a.volumeId !== undefined) tags.push(frag`--addtag ${tag("volume", a.volumeId)}`);
  return tags;
}

/**
 * `/usr/sbin/lvm lvchange -qq --autobackup=n --addtag 'pgfs.brick=<B>' [--addtag 'pgfs.volume=<V>'] 'vg_<D>/brick_<B>' 'vg_<D>/tp_<B>'`
 * Tags the brick LV and its thin pool. Needed after lvcreate: LVM 2.03 puts the tags of a combined
 * "--thin pool --virtualsize" lvcreate on the new thin pool only. Re-adding a tag is a no-op (exit 0),
 * so this also adopts Heketi-built bricks.
 */
export function tagBrick(a: BrickTagArgs): ShellLine {
  return sh`${lvm} lvchange -qq --autobackup=${yn(a.backupLvm)} ${brickTags(a)} ${lvPath(a.deviceId, a.brickId)} ${thinPoolPath(a.deviceId, a.brickId)}`;
}

/** `/usr/sbin/lvm lvs --noheadings --options=thin_count 'vg_<D>/tp_<B>'` (or the brick's own VG and pool) */
export function thinPoolCount(a: BrickArgs): ShellLine {
  const p = brickPlace(a);
  return sh`${lvm} lvs --noheadings --options=thin_count ${`${p.vg}/${p.pool}`}`;
}

/** `/usr/sbin/lvm lvremove --autobackup=n -f '<vg>/<lv>'` */
export function lvRemove(vg: string, lv: string, backupLvm?: boolean): ShellLine {
  return sh`${lvm} lvremove --autobackup=${yn(backupLvm)} -f ${`${assertLvmName("volume group", vg)}/${assertLvmName("logical volume", lv)}`}`;
}

// ---------------------------------------------------------------------------------------------
// Read-back: what is really on a node (to adopt, verify, or rebuild the ledger)

const PVS_FIELDS = frag`pv_name,pv_uuid,vg_name,pv_size,pv_free,dev_size,pv_tags`;
const VGS_FIELDS = frag`vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count,vg_tags`;
const LVS_FIELDS = frag`lv_name,vg_name,lv_uuid,lv_attr,lv_size,pool_lv,data_percent,metadata_percent,lv_metadata_size,thin_count,lv_dm_path,lv_tags`;

/** `/usr/sbin/lvm pvs --reportformat json --units k --nosuffix -o <PVS_FIELDS> [dev...]` */
export function pvsReport(devices: readonly string[] = []): ShellLine {
  return sh`${lvm} pvs --reportformat json --units k --nosuffix -o ${PVS_FIELDS} ${devices.map(assertDevicePath)}`;
}

/** `/usr/sbin/lvm vgs --reportformat json --units k --nosuffix -o <VGS_FIELDS> [vg_<D>...]` */
export function vgsReport(deviceIds: readonly string[] = []): ShellLine {
  return sh`${lvm} vgs --reportformat json --units k --nosuffix -o ${VGS_FIELDS} ${deviceIds.map(vgName)}`;
}

/** `/usr/sbin/lvm lvs --reportformat json --units k --nosuffix -o <LVS_FIELDS> [vg_<D>...]` */
export function lvsReport(deviceIds: readonly string[] = []): ShellLine {
  return sh`${lvm} lvs --reportformat json --units k --nosuffix -o ${LVS_FIELDS} ${deviceIds.map(vgName)}`;
}
