/**
 * Read the live state of nodes, devices and volumes and set it beside the ledger. Used by Pulumi's
 * `read` (refresh) and by consistency checks. Reads only: nothing here changes a node.
 */
import * as G from "../commands/gluster";
import * as L from "../commands/lvm";
import { deviceVg } from "../commands/layout";
import { GlusterVolumeInfo, parseOneVolumeInfoXml, parsePoolListXml, parsePvsReport, parseVgDisplay, parseVgsReport } from "../commands/parsers";
import { script, section, splitSections } from "../commands/shell";
import type { NodeRow } from "../ledger/ledger";
import { askInTurn, OpContext, probeScript } from "./context";

export interface LiveNode {
  id: string;
  zone: number;
  tags: Record<string, string>;
  state: string;
  /** glusterd answers on the node itself */
  glusterdUp: boolean;
  /** another member of the pool sees it Connected (null when it is the only member) */
  connectedInPool: boolean | null;
}

/** The node as the ledger has it, with whether glusterd answers and the pool still sees it. */
export async function inspectNode(ctx: OpContext, nodeId: string): Promise<LiveNode | undefined> {
  const n = ctx.ledger.findNode(nodeId);
  if (!n) return undefined;
  const own = await probeScript(ctx, n, script([G.poolList({ timeoutSeconds: 30 })]), { timeoutMs: 60_000 }).catch(() => undefined);
  const glusterdUp = !!own && own.code === 0;
  // the peers know it by its glusterd UUID; by name only if they learned its storage address (a pool Heketi
  // built may know a node by the hostname it reported when probed back)
  const uuid = glusterdUp ? parsePoolListXml(own!.stdout).find((x) => x.hostname === "localhost")?.uuid : undefined;
  const member = ctx.ledger.listNodes(n.clusterId).find((m) => m.id !== n.id && m.state === "online");
  let connectedInPool: boolean | null = null;
  if (member) {
    const r = await probeScript(ctx, member, script([G.poolList({ timeoutSeconds: 30 })]), { timeoutMs: 60_000 }).catch(() => undefined);
    if (r && r.code === 0) {
      const p = parsePoolListXml(r.stdout).find((x) => (uuid && x.uuid === uuid) || x.hostname === n.storageHost || x.hostnames.includes(n.storageHost));
      connectedInPool = !!p?.connected;
    }
  }
  return { id: n.id, zone: n.zone, tags: n.tags, state: !glusterdUp ? "unreachable" : connectedInPool === false ? "not-in-pool" : n.state, glusterdUp, connectedInPool };
}

export interface LiveDevice {
  id: string;
  totalKiB: number;
  freeKiB: number;
  usedKiB: number;
  /** size of the block device itself (greater than totalKiB when the disk was grown) */
  sizeOnNodeKiB: number | null;
  vgFreeKiB: number;
  /** the VG as LVM counts it: extents × extent size, in KiB */
  vgTotalKiB: number;
  vgUsedKiB: number;
}

/**
 * The device's VG as LVM reports it; undefined when the ledger no longer has it, or when LVM on its
 * node answered and lists no such VG. Unknown is not absent: a node whose LVM did not answer (no sudo,
 * a lock timeout, a dropped connection) is an error, so a refresh never drops a device it could not see.
 */
export async function inspectDevice(ctx: OpContext, deviceId: string): Promise<LiveDevice | undefined> {
  const d = ctx.ledger.findDevice(deviceId);
  if (!d) return undefined;
  const node = ctx.ledger.getNode(d.nodeId);
  const r = await probeScript(ctx, node, script([section("vgs", L.vgsReport()), section("vg", L.vgDisplay(d)), section("pvs", L.pvsReport([d.path]))]));
  const s = splitSections(r.stdout);
  const unreadable = (what: string) =>
    new Error(`cannot read ${what} of device ${d.path} (${d.id}) on ${node.manageHost} (exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ""}); check SSH and sudo on the node, then retry`);
  const vgs = s.get("vgs");
  if (vgs?.rc !== 0) throw unreadable("the VG list");
  if (!parseVgsReport(vgs.output).some((x) => x.vgName === deviceVg(d))) return undefined;
  if (s.get("vg")?.rc !== 0) throw unreadable(`VG ${deviceVg(d)}`);
  const vg = parseVgDisplay(s.get("vg")!.output);
  const pv = s.get("pvs")?.rc === 0 ? parsePvsReport(s.get("pvs")!.output)[0] : undefined;
  return { id: d.id, totalKiB: d.totalKiB, freeKiB: d.freeKiB, usedKiB: d.usedKiB, sizeOnNodeKiB: pv?.devSizeKiB ?? null, vgFreeKiB: vg.freeKiB, vgTotalKiB: vg.totalKiB, vgUsedKiB: vg.allocatedKiB };
}

export interface LiveVolume {
  id: string;
  name: string;
  sizeGiB: number;
  options: Array<{ key: string; value: string }>;
  existsInGluster: boolean;
  status: string | null;
  brickCount: number | null;
  info: GlusterVolumeInfo | null;
}

/** What gluster says about a ledger volume (tried on the volume's nodes until one answers). */
export async function inspectVolume(ctx: OpContext, volumeId: string): Promise<LiveVolume | undefined> {
  const v = ctx.ledger.findVolume(volumeId);
  if (!v) return undefined;
  const info = await volumeInfo(ctx, v.clusterId, v.name);
  return {
    id: v.id,
    name: v.name,
    sizeGiB: v.sizeGiB,
    // only the options this volume manages: gluster adds defaults of its own on create
    options: info ? v.options.flatMap((w) => (info.optionMap[w.key] !== undefined ? [{ key: w.key, value: info.optionMap[w.key] }] : [])) : v.options,
    existsInGluster: !!info,
    status: info?.statusStr ?? null,
    brickCount: info?.brickCount ?? null,
    info,
  };
}

function volumeInfo(ctx: OpContext, clusterId: string, name: string): Promise<GlusterVolumeInfo | null> {
  const nodes = ctx.ledger.listNodes(clusterId).filter((n) => n.state === "online");
  return askInTurn(nodes, (n) => volumeInfoOn(ctx, n, name), () => new Error(`cluster ${clusterId} has no online node to ask about volume ${name}`));
}

async function volumeInfoOn(ctx: OpContext, n: NodeRow, name: string): Promise<GlusterVolumeInfo | null> {
  const r = await probeScript(ctx, n, script([G.volumeInfo(name, { timeoutSeconds: 60 })]), { timeoutMs: 120_000 });
  if (!r.stdout.includes("<cliOutput>")) throw new Error(`gluster on ${n.manageHost} did not answer (exit ${r.code}): ${r.stderr.trim()}`);
  return parseOneVolumeInfoXml(r.stdout);
}
