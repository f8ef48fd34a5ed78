/**
 * The scripts each operation step sends to a node: compositions of provider/commands builders
 * (which do all the quoting), plus the parsing of what comes back. Pure.
 */
import type { BrickRow, NodeRow, VolumeRow } from "../ledger/ledger";
import type { GlusterOption } from "../model/schemas";
import * as G from "../commands/gluster";
import * as B from "../commands/brick";
import * as L from "../commands/lvm";
import type { BrickArgs } from "../commands/lvm";
import { brickPath as layoutBrickPath } from "../commands/layout";
import { parseDeviceProbeSections, parsePoolListXml, parseVgDisplay, parsePvsReport } from "../commands/parsers";
import type { DeviceProbe } from "../commands/parsers/probe";
import { Script, ignoreFailure, script, section, splitSections } from "../commands/shell";
import type { OpContext } from "./context";

const g = (ctx: OpContext): G.GlusterOptions => ({ timeoutSeconds: ctx.settings.glusterTimeoutSec });

export const brickPath = layoutBrickPath;

export function glusterdCheck(ctx: OpContext): Script {
  return script([G.poolList(g(ctx))]);
}

export function peerProbe(ctx: OpContext, storageHost: string): Script {
  return script([G.peerProbe(storageHost, g(ctx))]);
}

/** Detach a peer (callers check first that the pool has it: see parsePool's `names`). */
export function peerDetach(ctx: OpContext, storageHost: string): Script {
  return script([G.peerDetach(storageHost, g(ctx))]);
}

export function poolList(ctx: OpContext): Script {
  return script([G.poolList(g(ctx))]);
}

/** Peers as a member sees them; `inCluster` is gluster's state 3, "Peer in Cluster" (always true for localhost). */
export function parsePool(xml: string): Array<{ uuid: string; hostname: string; names: string[]; connected: boolean; inCluster: boolean; stateStr: string | null }> {
  return parsePoolListXml(xml).map((p) => ({
    uuid: p.uuid,
    hostname: p.hostname,
    names: [...new Set([p.hostname, ...p.hostnames])],
    connected: p.connected,
    inCluster: p.isLocal || p.state === 3,
    stateStr: p.stateStr,
  }));
}

export function deviceProbe(_ctx: OpContext, path: string): Script {
  return script(L.probeDevice(path));
}


export function parseDeviceProbe(stdout: string, _stderr: string, _code: number): DeviceProbe {
  return parseDeviceProbeSections(splitSections(stdout));
}

/** pvcreate + vgcreate, the VG tagged with its device, node, cluster and zone; then what LVM made of it. */
export function deviceSetup(_ctx: OpContext, node: NodeRow, deviceId: string, path: string, destroyData: boolean): Script {
  const owner = { nodeId: node.id, clusterId: node.clusterId, zone: node.zone };
  return script([...L.deviceSetup({ device: path, deviceId, destroyData, owner }), section("pvs", L.pvsOfDevice(path)), section("vg", L.vgDisplay(deviceId))]);
}

export interface DeviceInfo {
  totalKiB: number;
  freeKiB: number;
  usedKiB: number;
  extentKiB: number;
  pvUuid: string | null;
}

export function parseDeviceInfo(stdout: string): DeviceInfo {
  const s = splitSections(stdout);
  const vg = parseVgDisplay(s.get("vg")?.output ?? "");
  const pv = parsePvsReport(s.get("pvs")?.output ?? "")[0];
  return { totalKiB: vg.totalKiB, freeKiB: vg.freeKiB, usedKiB: vg.allocatedKiB, extentKiB: vg.extentKiB, pvUuid: pv?.pvUuid ?? null };
}

export function deviceTeardown(_ctx: OpContext, d: { id: string; path: string; vg?: string | null }): Script {
  return script(L.deviceTeardown({ device: d.path, deviceId: d.id, vg: d.vg }));
}

/** All of one node's bricks of a volume, created in one script (one SSH session). */
export function bricksCreate(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Script {
  return script(
    bricks.flatMap((b) =>
      B.brickCreate({
        deviceId: b.deviceId, brickId: b.id, volumeId: v.id, sizeKiB: b.sizeKiB, thinPoolSizeKiB: b.tpKiB, poolMetadataSizeKiB: b.metaKiB,
        arbiter: b.subtype === "arbiter", gid: v.gid, fstab: ctx.settings.fstab,
      }),
    ),
  );
}

/** A brick's names on its node (an adopted brick keeps its VG, LV, pool and mount point). */
export function brickArgs(ctx: OpContext, b: BrickRow): BrickArgs {
  return {
    deviceId: b.deviceId, brickId: b.id, thinPool: b.thinPool, vg: ctx.ledger.findDevice(b.deviceId)?.vg ?? null, lv: b.lv, mountPoint: b.mountPoint, fstab: ctx.settings.fstab,
  };
}

export function bricksDestroy(ctx: OpContext, _v: VolumeRow, bricks: BrickRow[]): Script {
  return script(bricks.flatMap((b) => B.brickDestroy(brickArgs(ctx, b))));
}

function addresses(sets: string[][]): G.BrickAddress[] {
  return sets.flat().map((hp) => {
    const i = hp.indexOf(":");
    return { host: hp.slice(0, i), path: hp.slice(i + 1) };
  });
}

/** gluster volume create (first set) + add-brick (the rest) + options + user.heketi.id + start. */
export function volumeCreate(ctx: OpContext, v: VolumeRow, sets: string[][]): Script {
  return script(
    G.volumeCreateCommands(
      { name: v.name, durability: v.durability, bricks: addresses(sets), options: v.options.map((o) => [o.key, o.value] as const), volumeId: v.id },
      g(ctx),
    ),
  );
}

export function volumeAddBricks(ctx: OpContext, v: VolumeRow, sets: string[][]): Script {
  return script(G.volumeAddBricks({ name: v.name, durability: v.durability, bricks: addresses(sets) }, g(ctx)));
}

export function volumeRebalance(ctx: OpContext, name: string): Script {
  return script([G.volumeRebalanceStart(name, g(ctx))]);
}

/**
 * Stop (force) and delete a volume the caller has just seen in `volume info`. No existence test in the
 * script: a failed or cut-off listing must never read as "no such volume" (the caller asks gluster
 * again when the delete fails).
 */
export function volumeDestroy(ctx: OpContext, name: string): Script {
  return script([ignoreFailure(G.volumeStop(name, g(ctx))), G.volumeDelete(name, g(ctx))]);
}

/** `gluster volume info <name> --xml` (parse with parseOneVolumeInfoXml: a missing volume is opRet -1, exit 0). */
export function volumeInfo(ctx: OpContext, name: string): Script {
  return script([G.volumeInfo(name, g(ctx))]);
}

/** `gluster volume heal <name> info --xml` (parse with parseHealInfoXml; a missing volume exits 254). */
export function volumeHealInfo(ctx: OpContext, name: string): Script {
  return script([G.volumeHealInfo(name, g(ctx))]);
}

/** `gluster volume replace-brick <name> <old host:path> <new host:path> commit force` */
export function volumeReplaceBrick(ctx: OpContext, name: string, oldBrick: G.BrickAddress, newBrick: G.BrickAddress): Script {
  return script([G.volumeReplaceBrick(name, oldBrick, newBrick, g(ctx))]);
}

export function volumeOptions(ctx: OpContext, name: string, set: GlusterOption[], reset: string[]): Script {
  return script([...set.map((o) => G.volumeSet(name, o.key, o.value, g(ctx))), ...reset.map((k) => G.volumeReset(name, k, g(ctx)))]);
}
