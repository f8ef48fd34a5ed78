/**
 * Storage an operator built by hand (gluster and LVM with names of their own, not Heketi's layout)
 * taken over in place: nothing is moved, renamed, formatted or remounted.
 *
 *  - a disk: its VG (one PV, the declared disk) gets our device and owner tags, so a ledger rebuilt
 *    from the nodes finds it again; it keeps its name;
 *  - a volume: each brick is found through its mount (the brick directory's file system is a thin LV
 *    in a pool, on a VG adopted as a device of that node); the LVs get brick and volume tags, then
 *    gluster marks the volume with `user.heketi.id` (last, so a cut-off adoption leaves no volume the
 *    rebuild would half-read; a re-run finds its own tags and converges).
 *
 * What the program declares is compared with what is there before anything is written (the caller
 * refuses a mismatch), so a refusal changes nothing. The rebuild then reads these like any other rows.
 */
import * as G from "../commands/gluster";
import * as L from "../commands/lvm";
import { deviceVg, isId, lvName } from "../commands/layout";
import type { GlusterVolumeInfo, LvRow } from "../commands/parsers";
import { script } from "../commands/shell";
import type { BrickRow, NodeRow, VolumeRow } from "../ledger/ledger";
import { newId } from "../model/ids";
import { OpContext, runScript } from "./context";
import { gatherHostFacts, type HostAddress } from "./discovery";
import { gatherFacts, mapVolume, NodeFacts } from "./rebuild";

type Answered = Extract<NodeFacts, { answered: true }>;

const nothingChanged = "nothing was changed";

async function factsOf(ctx: OpContext, nodes: NodeRow[]): Promise<Map<string, Answered>> {
  const out = new Map<string, Answered>();
  for (const f of await gatherFacts(ctx, nodes)) {
    const n = nodes.find((x) => x.id === f.nodeId)!;
    if (!f.answered) throw new Error(`cannot adopt: node ${n.manageHost} did not answer (${f.error}); check SSH from this machine and run again; ${nothingChanged}`);
    out.set(f.nodeId, f);
  }
  return out;
}

/** Pure: the VG on a node's disk that may become device `deviceId`, or why not. */
export function handBuiltVg(f: Answered, node: NodeRow, deviceId: string, path: string): { vg: string } | { why: string } {
  const pv = f.pvs.find((p) => p.pvName === path);
  if (!pv) return { why: `${node.manageHost} has no LVM physical volume ${path} (\`pvs\` there lists ${f.pvs.map((p) => p.pvName).join(", ") || "none"}): a new disk is declared without \`adopt\`` };
  if (!pv.vgName) return { why: `${path} on ${node.manageHost} is a physical volume in no volume group: declare the device without \`adopt\` (with destroyData if it must be wiped)` };
  const vg = f.vgs.find((v) => v.vgName === pv.vgName);
  if (!vg) return { why: `volume group ${pv.vgName} of ${path} on ${node.manageHost} was not listed by \`vgs\`; run again` };
  const heketi = /^vg_([0-9a-f]{32})$/.exec(vg.vgName)?.[1];
  if (heketi) return { why: `${path} on ${node.manageHost} is Heketi's device ${heketi} (volume group ${vg.vgName}): adopt it under that id` };
  if (vg.pgfs.device && vg.pgfs.device !== deviceId) return { why: `volume group ${vg.vgName} on ${node.manageHost} is already device ${vg.pgfs.device}: adopt it under that id` };
  if (vg.pgfs.cluster && vg.pgfs.cluster !== node.clusterId) return { why: `volume group ${vg.vgName} on ${node.manageHost} belongs to cluster ${vg.pgfs.cluster}, not ${node.clusterId}` };
  if (vg.pvCount !== null && vg.pvCount !== 1) return { why: `volume group ${vg.vgName} on ${node.manageHost} spans ${vg.pvCount} disks; a device is one disk, so it cannot be adopted as ${path}` };
  return { vg: vg.vgName };
}

/** Make the hand-built VG on a declared disk device `deviceId` of its node (tags only). */
export async function adoptHandBuiltDevice(ctx: OpContext, deviceId: string, nodeId: string, path: string): Promise<void> {
  const node = ctx.ledger.getNode(nodeId);
  const f = (await factsOf(ctx, [node])).get(node.id)!;
  const found = handBuiltVg(f, node, deviceId, path);
  if ("why" in found) throw new Error(`cannot adopt device ${deviceId} (${path}): ${found.why}; ${nothingChanged}`);
  await runScript(ctx, node, script([L.vgTagAdopted(found.vg, deviceId, { nodeId: node.id, clusterId: node.clusterId, zone: node.zone })]));
  ctx.log(`device ${path} on ${node.manageHost}: volume group ${found.vg} adopted as device ${deviceId} (tagged; its name, LVs and data unchanged)`);
}

/** A hand-built volume as it would be recorded, and the tags that make it ours. */
export interface HandBuiltVolumePlan {
  volume: VolumeRow;
  bricks: BrickRow[];
  gluster: GlusterVolumeInfo;
}

/**
 * Pure: the rows of a gluster volume gluster does not mark, from the facts of its cluster's nodes
 * (bricks on adopted devices of declared nodes), or why it cannot be taken.
 */
export function planHandBuiltVolume(
  nodes: readonly NodeRow[],
  devices: ReadonlyArray<{ id: string; nodeId: string; vg?: string | null }>,
  facts: Map<string, Answered>,
  clusterId: string,
  volumeId: string,
  name: string,
  newBrickId: () => string = newId,
): HandBuiltVolumePlan | { why: string } {
  const seen = [...facts.values()].find((f) => f.volumes !== null);
  if (!seen) return { why: "no node could list gluster's volumes" };
  const g = seen.volumes!.find((v) => v.name === name);
  if (!g) return { why: `gluster has no volume named ${name} (it has ${seen.volumes!.map((v) => v.name).join(", ") || "none"})` };
  if (g.heketiId && g.heketiId !== volumeId) return { why: `gluster marks ${name} as volume ${g.heketiId} (user.heketi.id): adopt it under that id` };
  const lvsOf = new Map<string, { node: string; lvs: Map<string, LvRow> }>();
  for (const d of devices) {
    const f = facts.get(d.nodeId);
    if (!f) continue;
    const vg = deviceVg(d);
    lvsOf.set(d.id, { node: d.nodeId, lvs: new Map(f.lvs.filter((l) => l.vgName === vg).map((l) => [l.lvName, l])) });
  }
  const nodeOfHost = (host: string, uuid: string) => nodes.find((n) => n.storageHost === host) ?? nodes.find((n) => facts.get(n.id)?.uuid === uuid);
  const taken = new Set<string>();
  const brickIdOf = (lv: LvRow): string | undefined => {
    if (lv.pgfs.volume && lv.pgfs.volume !== volumeId) return undefined; // another volume's brick
    const id = lv.pgfs.brick && isId(lv.pgfs.brick) && !taken.has(lv.pgfs.brick) ? lv.pgfs.brick : newBrickId(); // a re-run reuses its tags
    taken.add(id);
    return id;
  };
  const mapped = mapVolume(g, undefined, clusterId, nodeOfHost, lvsOf, facts, { id: volumeId, brickIdOf });
  if ("why" in mapped) return mapped;
  return { ...mapped, gluster: g };
}

/** Tag a planned hand-built volume's brick LVs (per node), then mark the volume in gluster. */
export async function adoptHandBuiltVolume(ctx: OpContext, plan: HandBuiltVolumePlan): Promise<void> {
  const vgOf = (deviceId: string) => deviceVg(ctx.ledger.getDevice(deviceId));
  const byNode = new Map<string, BrickRow[]>();
  for (const b of plan.bricks) byNode.set(b.nodeId, [...(byNode.get(b.nodeId) ?? []), b]);
  await Promise.all(
    [...byNode].map(([nodeId, bricks]) =>
      runScript(ctx, ctx.ledger.getNode(nodeId), script(bricks.map((b) => L.lvTagAdopted(vgOf(b.deviceId), b.lv ?? lvName(b.id), b.id, plan.volume.id)))),
    ),
  );
  const first = ctx.ledger.getNode(plan.bricks[0]!.nodeId);
  await runScript(ctx, first, script([G.volumeSetHeketiId(plan.volume.name, plan.volume.id)]));
  ctx.log(`volume ${plan.volume.name} adopted as ${plan.volume.id}: ${plan.bricks.length} hand-built brick(s) tagged in place, user.heketi.id set`);
}

/** Gather the facts of a cluster's nodes and plan the adoption of its hand-built volume `name`. */
export async function planHandBuiltVolumeOnNodes(ctx: OpContext, clusterId: string, volumeId: string, name: string): Promise<HandBuiltVolumePlan> {
  const nodes = ctx.ledger.listNodes(clusterId);
  const facts = await factsOf(ctx, nodes);
  const devices = nodes.flatMap((n) => ctx.ledger.listDevices(n.id));
  const plan = planHandBuiltVolume(nodes, devices, facts, clusterId, volumeId, name);
  if ("why" in plan) throw new Error(`cannot adopt volume ${name} (${volumeId}): ${plan.why}; ${nothingChanged}`);
  return plan;
}

/** What `adopt --node ...` finds on a cluster built by hand: rows with new ids, and what it left out. */
export interface HandBuiltCluster {
  clusterId: string;
  nodes: Array<{ node: NodeRow; devices: Array<{ id: string; nodeId: string; path: string; vg: string }> }>;
  volumes: VolumeRow[];
  warnings: string[];
}

/**
 * Pure: a cluster built by hand, from its nodes' facts, with new ids: the nodes (one trusted pool, zone
 * = their order), the disks whose VG (one PV) holds a brick of a gluster volume, and those volumes.
 * Volumes gluster already marks (user.heketi.id) are Heketi's or ours: adopted from a Heketi export
 * or the ledger `rebuild` writes, not here.
 */
export function handBuiltCluster(hosts: readonly HostAddress[], facts: readonly NodeFacts[], newIdFn: () => string = newId): HandBuiltCluster | { why: string } {
  const silent = facts.flatMap((f, i) => (f.answered ? [] : [`${hosts[i].manageHost}: ${f.error}`]));
  if (silent.length) return { why: `every node must answer: ${silent.join("; ")}` };
  const answered = facts as Answered[];
  const noGlusterd = hosts.filter((_, i) => !answered[i].uuid);
  if (noGlusterd.length) return { why: `glusterd does not answer on ${noGlusterd.map((h) => h.manageHost).join(", ")}` };
  const uuids = answered.map((f) => f.uuid!);
  const outside = hosts.filter((_, i) => i > 0 && !answered[0].peers.some((p) => p.uuid === uuids[i]));
  if (outside.length) return { why: `${outside.map((h) => h.manageHost).join(", ")} not in the trusted pool of ${hosts[0].manageHost} (\`gluster pool list\` there)` };
  const missing = answered[0].peers.filter((p) => !uuids.includes(p.uuid));
  if (missing.length) return { why: `the trusted pool also has ${missing.map((p) => p.hostnames[0] ?? p.uuid).join(", ")}: name every node of the cluster with --node` };
  const clusterId = newIdFn();
  const warnings: string[] = [];
  // a node's storage address: as given, else as gluster's bricks name it, else an IPv4 address the pool
  // knows it by (Kubernetes endpoints need addresses; a peer may know the prober only by its hostname)
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;
  const storageOf = (i: number): string => {
    if (hosts[i].storageHost) return hosts[i].storageHost!;
    for (const f of answered) for (const v of f.volumes ?? []) for (const b of v.bricks) if (b.hostUuid === uuids[i] && ipv4.test(b.host)) return b.host;
    const names = answered.flatMap((f) => f.peers.filter((p) => p.uuid === uuids[i]).flatMap((p) => p.hostnames));
    return names.find((h) => ipv4.test(h)) ?? names[0] ?? hosts[i].manageHost;
  };
  const nodes: NodeRow[] = hosts.map((h, i) => ({
    id: newIdFn(), clusterId, manageHost: h.manageHost, storageHost: storageOf(i), zone: i + 1, tags: {}, ssh: h.port ? { port: h.port } : {},
    state: "online", opId: null, createdAt: new Date().toISOString(),
  }));
  const factsById = new Map(answered.map((f, i) => [nodes[i].id, { ...f, nodeId: nodes[i].id }]));
  // every VG on one disk is a candidate; only those that hold a brick are kept
  const candidates = nodes.flatMap((n) => {
    const f = factsById.get(n.id)!;
    return f.vgs.filter((vg) => vg.pvCount === 1 && !/^vg_[0-9a-f]{32}$/.test(vg.vgName) && f.pvs.some((p) => p.vgName === vg.vgName)).map((vg) => ({
      id: newIdFn(), nodeId: n.id, path: f.pvs.find((p) => p.vgName === vg.vgName)!.pvName, vg: vg.vgName,
    }));
  });
  const volumes: VolumeRow[] = [];
  const used = new Set<string>();
  for (const g of answered.find((f) => f.volumes !== null)?.volumes ?? []) {
    if (g.heketiId) {
      warnings.push(`volume ${g.name} is marked as ${g.heketiId} (user.heketi.id): adopt it from a Heketi export or from the ledger \`pulumi-glusterfs rebuild\` writes`);
      continue;
    }
    const plan = planHandBuiltVolume(nodes, candidates, factsById, clusterId, newIdFn(), g.name, newIdFn);
    if ("why" in plan) {
      warnings.push(`volume ${g.name} left out: ${plan.why}`);
      continue;
    }
    for (const b of plan.bricks) used.add(b.deviceId);
    volumes.push(plan.volume);
  }
  return { clusterId, nodes: nodes.map((node) => ({ node, devices: candidates.filter((d) => d.nodeId === node.id && used.has(d.id)) })), volumes, warnings };
}

/** Ask the hosts what they hold and describe the hand-built cluster they make (nothing is written). */
export async function describeHandBuilt(ctx: OpContext, hosts: readonly HostAddress[]): Promise<HandBuiltCluster> {
  const found = handBuiltCluster(hosts, await gatherHostFacts(ctx, hosts));
  if ("why" in found) throw new Error(`cannot describe the cluster of ${hosts.map((h) => h.manageHost).join(", ")}: ${found.why}`);
  return found;
}
