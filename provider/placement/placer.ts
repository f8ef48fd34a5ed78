/**
 * placeBricks: topology snapshot + request + limits -> brick sets, or NoSpaceError.
 *
 * Heketi's rules (brick sizing loop, space formula, one brick of a set per node, strict
 * zones, tag filter, arbiter tags), with a deterministic, balanced device choice instead of
 * Heketi's random ring. Per brick slot every eligible device is scanned once and the best is
 * kept by, in order:
 *   1. a zone this set does not use yet
 *   2. (arbiter volumes) the preferred arbiter class: "required" devices for the arbiter
 *      brick, "disabled" devices for data bricks, "supported" ones after those
 *   3. a node with fewer bricks placed by this request
 *   4. most free space left on the device after the brick
 *   5. most free space on the node (sum over its eligible devices) — spreads ties, e.g. in a
 *      fresh cluster of equal devices, over nodes instead of filling one node's devices first
 *   6. lowest device id
 * The result depends only on the topology's content, not on the order of nodes or devices.
 */
import {
  AttemptSummary,
  DeviceRef,
  formatKiB,
  NoSpaceDetails,
  NoSpaceError,
  NoSpaceReason,
} from "./errors";
import {
  ARBITER_INDEX,
  arbiterBrickKiB,
  BrickSizePlan,
  BrickSizeStep,
  brickSpace,
  bricksPerSet,
  durabilityLabel,
  isArbiter,
  KIB_PER_GIB,
  MAX_SNAPSHOT_FACTOR,
  planBrickSizes,
  validateDurability,
  validateLimits,
} from "./sizing";
import type { BrickSpace, Limits, PlacedBrick, Placement, PlacementRequest, Topology, ZoneChecking } from "./types";
import { defaultLimits } from "./types";

/** Arbiter classes, from the effective `arbiter` tag. */
const CLS_REQUIRED = 0;
const CLS_SUPPORTED = 1;
const CLS_DISABLED = 2;

export interface TagRule {
  key: string;
  op: "=" | "!=";
  value: string;
}

const TAG_RULE_RE = /^([A-Za-z0-9._/-]+)(!?=)([A-Za-z0-9._/-]+)$/;

/** Parses "key=value" / "key!=value" (Heketi's tag matching rule). A missing key reads as "". */
export function parseTagMatch(rule: string): TagRule {
  const m = TAG_RULE_RE.exec(rule);
  if (!m) throw new Error(`invalid device tag filter ${JSON.stringify(rule)}: expected "key=value" or "key!=value"`);
  return { key: m[1]!, op: m[2] as "=" | "!=", value: m[3]! };
}

function ownTag(tags: Record<string, string> | undefined, key: string): string | undefined {
  return tags !== undefined && Object.prototype.hasOwnProperty.call(tags, key) ? tags[key] : undefined;
}

/** Effective tag value: the device's tag, else the node's, else "". */
function effectiveTag(nodeTags: Record<string, string> | undefined, devTags: Record<string, string> | undefined, key: string): string {
  return ownTag(devTags, key) ?? ownTag(nodeTags, key) ?? "";
}

/** Eligible devices in struct-of-arrays form, plus a census of the whole snapshot for messages. */
interface Eligible {
  n: number;
  ids: string[];
  nodeOf: Int32Array;
  zoneOf: Int32Array;
  extOf: Int32Array;
  cls: Uint8Array;
  free: Float64Array;
  nodeIds: string[];
  /** Free KiB per dense node, summed over its eligible devices. */
  nodeFree: Float64Array;
  /** Per dense node: bit 1 = has a device that takes data bricks, bit 2 = one that takes arbiter bricks. */
  nodeCaps: Uint8Array;
  /** A node's eligible devices are contiguous: indices nodeStart[k] .. nodeStart[k + 1] - 1. */
  nodeStart: Int32Array;
  nodeZone: number[];
  /** Dense zone index of each dense node. */
  nodeZoneIdx: number[];
  zoneValues: number[];
  extents: number[];
  census: {
    nodesTotal: number;
    devicesTotal: number;
    /** Online devices on online, up nodes (before the tag filter). */
    onlineDevices: number;
    onlineNodes: number;
    onlineZones: number;
  };
}

function validateRequest(req: PlacementRequest): void {
  if (req === null || typeof req !== "object") throw new Error("placement request is required");
  if (!Number.isSafeInteger(req.sizeGiB) || req.sizeGiB < 1) throw new Error(`size must be a whole number of GiB >= 1, got ${req.sizeGiB}`);
  validateDurability(req.durability);
  if (typeof req.snapshotFactor !== "number" || !(req.snapshotFactor >= 1 && req.snapshotFactor <= MAX_SNAPSHOT_FACTOR)) {
    throw new Error(`snapshot factor must be between 1 and ${MAX_SNAPSHOT_FACTOR}, got ${req.snapshotFactor}`);
  }
  if (req.existingBricks !== undefined && (!Number.isInteger(req.existingBricks) || req.existingBricks < 0)) {
    throw new Error(`existing brick count must be a whole number >= 0, got ${req.existingBricks}`);
  }
  if (req.zoneChecking !== undefined && req.zoneChecking !== "none" && req.zoneChecking !== "strict") {
    throw new Error(`zone checking must be "none" or "strict", got ${JSON.stringify(req.zoneChecking)}`);
  }
}

function indexTopology(topology: Topology, tagRule: TagRule | undefined): Eligible {
  if (topology === null || typeof topology !== "object" || !Array.isArray(topology.nodes)) {
    throw new Error("topology must be an object with a nodes array");
  }
  let capacity = 0;
  for (const node of topology.nodes) {
    if (typeof node?.id !== "string" || node.id === "") throw new Error("every node needs a non-empty id");
    if (!Array.isArray(node.devices)) throw new Error(`node ${node.id} has no devices array`);
    capacity += node.devices.length;
  }
  // Struct-of-arrays sized for every device; only the first n entries are used.
  const ids: string[] = [];
  const nodeOf = new Int32Array(capacity);
  const zoneOf = new Int32Array(capacity);
  const extOf = new Int32Array(capacity);
  const cls = new Uint8Array(capacity);
  const free = new Float64Array(capacity);
  const seenNodes = new Set<string>();
  const nodeIds: string[] = [];
  const nodeZone: number[] = [];
  const nodeZoneIdx: number[] = [];
  const zoneIndex = new Map<number, number>();
  const zoneValues: number[] = [];
  const extents: number[] = [];
  const onlineZones = new Set<number>();
  let onlineDevices = 0;
  let onlineNodes = 0;
  let n = 0;
  let lastExtent = -1;
  let lastExtIdx = -1;

  for (const node of topology.nodes) {
    if (seenNodes.has(node.id)) throw new Error(`node ${node.id} appears twice in the topology`);
    seenNodes.add(node.id);
    if (!Number.isInteger(node.zone)) throw new Error(`node ${node.id} has an invalid zone ${String(node.zone)}`);
    const nodeUsable = node.state === "online" && node.up !== false;
    let z = zoneIndex.get(node.zone);
    let nodeIdx = -1;
    let nodeHasOnline = false;
    const nodeTags = node.tags;
    const nodeArb = ownTag(nodeTags, "arbiter") ?? "";
    for (const dev of node.devices) {
      if (typeof dev?.id !== "string" || dev.id === "") throw new Error(`node ${node.id} has a device without an id`);
      if (dev.nodeId !== node.id) throw new Error(`device ${dev.id} says it is on node ${dev.nodeId} but is listed under node ${node.id}`);
      const f = dev.freeKiB;
      if (typeof f !== "number" || !(f >= 0) || f === Infinity) throw new Error(`device ${dev.id} has an invalid free size ${String(f)}`);
      const ext = dev.extentKiB;
      if (ext !== lastExtent) {
        if (!Number.isSafeInteger(ext) || ext <= 0) throw new Error(`device ${dev.id} has an invalid extent size ${String(ext)}`);
        lastExtIdx = extents.indexOf(ext);
        if (lastExtIdx < 0) {
          lastExtIdx = extents.length;
          extents.push(ext);
        }
        lastExtent = ext;
      }
      if (!nodeUsable || dev.state !== "online") continue;
      onlineDevices++;
      nodeHasOnline = true;
      if (tagRule) {
        const v = effectiveTag(nodeTags, dev.tags, tagRule.key);
        if ((v === tagRule.value) !== (tagRule.op === "=")) continue;
      }
      if (z === undefined) {
        z = zoneValues.length;
        zoneIndex.set(node.zone, z);
        zoneValues.push(node.zone);
      }
      if (nodeIdx < 0) {
        nodeIdx = nodeIds.length;
        nodeIds.push(node.id);
        nodeZone.push(node.zone);
        nodeZoneIdx.push(z);
      }
      const devTags = dev.tags;
      // fast path: most devices carry no arbiter tag of their own
      const arb = devTags !== undefined && devTags.arbiter !== undefined ? (ownTag(devTags, "arbiter") ?? nodeArb) : nodeArb;
      ids.push(dev.id);
      nodeOf[n] = nodeIdx;
      zoneOf[n] = z;
      extOf[n] = lastExtIdx;
      cls[n] = arb === "required" ? CLS_REQUIRED : arb === "disabled" ? CLS_DISABLED : CLS_SUPPORTED;
      free[n] = f;
      n++;
    }
    if (nodeHasOnline) {
      onlineNodes++;
      onlineZones.add(node.zone);
    }
  }
  const nodeFree = new Float64Array(nodeIds.length);
  const nodeStart = new Int32Array(nodeIds.length + 1);
  const nodeCaps = new Uint8Array(nodeIds.length);
  for (let i = 0; i < n; i++) {
    const k = nodeOf[i]!;
    nodeFree[k] = nodeFree[k]! + free[i]!;
    nodeCaps[k] = nodeCaps[k]! | (cls[i] !== CLS_REQUIRED ? 1 : 0) | (cls[i] !== CLS_DISABLED ? 2 : 0);
  }
  for (let i = n - 1; i >= 0; i--) nodeStart[nodeOf[i]!] = i;
  nodeStart[nodeIds.length] = n;
  return {
    n,
    ids,
    nodeFree,
    nodeCaps,
    nodeStart,
    nodeOf,
    zoneOf,
    extOf,
    cls,
    free,
    nodeIds,
    nodeZone,
    nodeZoneIdx,
    zoneValues,
    extents,
    census: { nodesTotal: seenNodes.size, devicesTotal: capacity, onlineDevices, onlineNodes, onlineZones: onlineZones.size },
  };
}

/** Devices that may take a brick of this kind. */
function capable(cls: number, arbiterBrick: boolean): boolean {
  return arbiterBrick ? cls !== CLS_DISABLED : cls !== CLS_REQUIRED;
}

interface Qualification {
  /** Nodes (zones) with at least one capable device whose free space is strictly above the need. */
  nodes: number;
  zones: number;
  nodeMask: Uint8Array;
  /**
   * The largest free capable device on a node (with `by: "zone"`, in a zone) that does not
   * qualify — the one to grow or clean up; failing that, the largest capable device at all.
   */
  largestOther?: DeviceRef;
}

/** Diagnostics only (error paths): which nodes/zones can take one more brick of this kind. */
function qualify(ix: Eligible, free: Float64Array, needByExt: number[], arbiterBrick: boolean, by: "node" | "zone" = "node"): Qualification {
  const nodeMask = new Uint8Array(ix.nodeIds.length);
  const zoneMask = new Uint8Array(ix.zoneValues.length);
  let nodes = 0;
  let zones = 0;
  for (let i = 0; i < ix.n; i++) {
    if (!capable(ix.cls[i]!, arbiterBrick) || !(free[i]! > needByExt[ix.extOf[i]!]!)) continue;
    const node = ix.nodeOf[i]!;
    if (nodeMask[node] === 0) {
      nodeMask[node] = 1;
      nodes++;
    }
    const z = ix.zoneOf[i]!;
    if (zoneMask[z] === 0) {
      zoneMask[z] = 1;
      zones++;
    }
  }
  const better = (i: number, j: number) => j < 0 || free[i]! > free[j]! || (free[i] === free[j] && ix.ids[i]! < ix.ids[j]!);
  let other = -1;
  let any = -1;
  for (let i = 0; i < ix.n; i++) {
    if (!capable(ix.cls[i]!, arbiterBrick)) continue;
    if (better(i, any)) any = i;
    const qualifies = by === "zone" ? zoneMask[ix.zoneOf[i]!] === 1 : nodeMask[ix.nodeOf[i]!] === 1;
    if (!qualifies && better(i, other)) other = i;
  }
  const pick = other >= 0 ? other : any;
  const largestOther = pick >= 0 ? { nodeId: ix.nodeIds[ix.nodeOf[pick]!]!, deviceId: ix.ids[pick]!, freeKiB: free[pick]! } : undefined;
  return { nodes, zones, nodeMask, largestOther };
}

/** Whether a replica-3-arbiter set can be formed at all from these node/zone masks. */
function arbiterFeasible(ix: Eligible, dataNodeMask: Uint8Array, arbNodeMask: Uint8Array, strict: boolean): boolean {
  const nNodes = ix.nodeIds.length;
  if (!strict) {
    let data = 0;
    for (let k = 0; k < nNodes; k++) data += dataNodeMask[k]!;
    for (let k = 0; k < nNodes; k++) if (arbNodeMask[k] && data - dataNodeMask[k]! >= 2) return true;
    return false;
  }
  // strict: the two data bricks and the arbiter need three different zones
  const zoneData = new Uint8Array(ix.zoneValues.length);
  for (let k = 0; k < nNodes; k++) if (dataNodeMask[k]) zoneData[ix.nodeZoneIdx[k]!] = 1;
  let dataZones = 0;
  for (const v of zoneData) dataZones += v;
  for (let k = 0; k < nNodes; k++) {
    if (arbNodeMask[k] && dataZones - zoneData[ix.nodeZoneIdx[k]!]! >= 2) return true;
  }
  return false;
}

function allNodesMask(ix: Eligible, arbiterBrick: boolean): Uint8Array {
  const bit = arbiterBrick ? 2 : 1;
  return ix.nodeCaps.map((c) => (c & bit ? 1 : 0));
}

function countMask(m: Uint8Array): number {
  let c = 0;
  for (const v of m) c += v;
  return c;
}

function zonesOfMask(ix: Eligible, m: Uint8Array): number {
  const zs = new Set<number>();
  for (let k = 0; k < m.length; k++) if (m[k]) zs.add(ix.nodeZone[k]!);
  return zs.size;
}

/** Scratch state for placement attempts; allocated once per placeBricks call. */
interface Work {
  free: Float64Array;
  nodeFree: Float64Array;
  /** Per node: its best device for a data brick / an arbiter brick at the current need, or -1. */
  topData: Int32Array;
  topArb: Int32Array;
  nodeCount: Int32Array;
  nodeStamp: Int32Array;
  zoneStamp: Int32Array;
  stamp: number;
}

type AttemptResult =
  | { ok: true; sets: PlacedBrick[][] }
  | { ok: false; summary: AttemptSummary; failure?: { need: number; arbiterBrick: boolean; diag: Qualification } };

interface AttemptCtx {
  ix: Eligible;
  work: Work;
  perSet: number;
  arbiterVolume: boolean;
  strict: boolean;
  snapshotFactor: number;
}

/** Arbiter-class preference key (lower is better); 0 for every device of non-arbiter volumes. */
function classKey(c: number, arbiterVolume: boolean, arbiterBrick: boolean): number {
  if (!arbiterVolume) return 0;
  return arbiterBrick ? (c === CLS_REQUIRED ? 0 : 1) : c === CLS_DISABLED ? 0 : 1;
}

/**
 * A node's best device for one kind of brick: capable, free strictly above the need, then by
 * class preference, most free left, lowest id. Every other key of the slot ranking is a node
 * property, so the best device of the whole cluster is always some node's best device.
 */
function nodeTop(ctx: AttemptCtx, k: number, needByExt: number[], arbiterBrick: boolean): number {
  const { ix, arbiterVolume } = ctx;
  const { cls, extOf, ids } = ix;
  const free = ctx.work.free;
  let best = -1;
  let bCls = 0;
  let bRem = 0;
  for (let i = ix.nodeStart[k]!, end = ix.nodeStart[k + 1]!; i < end; i++) {
    const c = cls[i]!;
    if (arbiterBrick ? c === CLS_DISABLED : c === CLS_REQUIRED) continue;
    const rem = free[i]! - needByExt[extOf[i]!]!;
    if (!(rem > 0)) continue; // free must be strictly greater than the need
    const ck = classKey(c, arbiterVolume, arbiterBrick);
    if (best >= 0) {
      if (ck !== bCls) {
        if (ck > bCls) continue;
      } else if (rem !== bRem) {
        if (rem < bRem) continue;
      } else if (!(ids[i]! < ids[best]!)) {
        continue;
      }
    }
    best = i;
    bCls = ck;
    bRem = rem;
  }
  return best;
}

/** Best device for one brick slot, or -1: one pass over the nodes' best devices. */
function scanSlot(ctx: AttemptCtx, needByExt: number[], arbiterBrick: boolean): number {
  const { ix, work, arbiterVolume, strict } = ctx;
  const { cls, extOf, ids, nodeZoneIdx } = ix;
  const { free, nodeFree, nodeCount, nodeStamp, zoneStamp, stamp } = work;
  const top = arbiterBrick ? work.topArb : work.topData;
  const nNodes = ix.nodeIds.length;
  let best = -1;
  let bZone = 0;
  let bCls = 0;
  let bCnt = 0;
  let bRem = 0;
  let bNodeFree = 0;
  for (let k = 0; k < nNodes; k++) {
    if (nodeStamp[k] === stamp) continue; // one brick of a set per node
    const i = top[k]!;
    if (i < 0) continue; // no device on this node can take the brick
    const zoneUsed = zoneStamp[nodeZoneIdx[k]!] === stamp ? 1 : 0;
    if (zoneUsed === 1 && strict) continue;
    const ck = classKey(cls[i]!, arbiterVolume, arbiterBrick);
    const cnt = nodeCount[k]!;
    const rem = free[i]! - needByExt[extOf[i]!]!;
    const nf = nodeFree[k]!;
    if (best >= 0) {
      if (zoneUsed !== bZone) {
        if (zoneUsed > bZone) continue;
      } else if (ck !== bCls) {
        if (ck > bCls) continue;
      } else if (cnt !== bCnt) {
        if (cnt > bCnt) continue;
      } else if (rem !== bRem) {
        if (rem < bRem) continue;
      } else if (nf !== bNodeFree) {
        if (nf < bNodeFree) continue;
      } else if (!(ids[i]! < ids[best]!)) {
        continue;
      }
    }
    best = i;
    bZone = zoneUsed;
    bCls = ck;
    bCnt = cnt;
    bRem = rem;
    bNodeFree = nf;
  }
  return best;
}

function spaceByExtent(ix: Eligible, brickKiB: number, snapshotFactor: number): BrickSpace[] {
  return ix.extents.map((e) => brickSpace(brickKiB, snapshotFactor, e));
}

function tryAttempt(ctx: AttemptCtx, step: BrickSizeStep, arbiterKiB: number | undefined): AttemptResult {
  const { ix, work, perSet, arbiterVolume } = ctx;
  const dataSpace = spaceByExtent(ix, step.brickKiB, ctx.snapshotFactor);
  const dataNeed = dataSpace.map((s) => s.needKiB);
  const arbSpace = arbiterKiB !== undefined ? spaceByExtent(ix, arbiterKiB, ctx.snapshotFactor) : undefined;
  const arbNeed = arbSpace?.map((s) => s.needKiB);
  const summary: AttemptSummary = { sets: step.sets, brickKiB: step.brickKiB, placedSets: 0 };
  if (arbiterKiB !== undefined) summary.arbiterKiB = arbiterKiB;

  work.free.set(ix.free);
  work.nodeFree.set(ix.nodeFree);
  work.nodeCount.fill(0);
  const nNodes = ix.nodeIds.length;
  for (let k = 0; k < nNodes; k++) {
    work.topData[k] = nodeTop(ctx, k, dataNeed, false);
    if (arbiterVolume) work.topArb[k] = nodeTop(ctx, k, arbNeed!, true);
  }

  // Cheap rejection before any slot scan: can one set be formed from the untouched snapshot?
  // (A node can take a brick exactly when it has a best device for it.)
  const dataSlots = arbiterVolume ? perSet - 1 : perSet;
  const dataMask = new Uint8Array(nNodes);
  const zoneMask = new Uint8Array(ix.zoneValues.length);
  let dataNodes = 0;
  let dataZones = 0;
  for (let k = 0; k < nNodes; k++) {
    if (work.topData[k]! < 0) continue;
    dataMask[k] = 1;
    dataNodes++;
    if (zoneMask[ix.nodeZoneIdx[k]!] === 0) {
      zoneMask[ix.nodeZoneIdx[k]!] = 1;
      dataZones++;
    }
  }
  if (dataNodes < dataSlots || (ctx.strict && dataZones < dataSlots)) return { ok: false, summary };
  if (arbiterVolume) {
    const arbMask = new Uint8Array(nNodes);
    for (let k = 0; k < nNodes; k++) if (work.topArb[k]! >= 0) arbMask[k] = 1;
    if (!arbiterFeasible(ix, dataMask, arbMask, ctx.strict)) return { ok: false, summary };
  }
  // Heketi places the arbiter (index 2) first so data bricks cannot take its node.
  const order: number[] = [];
  if (arbiterVolume) for (let k = perSet - 1; k >= 0; k--) order.push(k);
  else for (let k = 0; k < perSet; k++) order.push(k);

  // Device ids are assumed unique (hashing all of them would cost more than the placement);
  // a duplicate is caught if the placement picks two entries with the same id.
  const chosen = new Map<string, number>();
  const sets: PlacedBrick[][] = [];
  for (let s = 0; s < step.sets; s++) {
    work.stamp++;
    const set = new Array<PlacedBrick>(perSet);
    for (const k of order) {
      const arbiterBrick = arbiterVolume && k === ARBITER_INDEX;
      const needByExt = arbiterBrick ? arbNeed! : dataNeed;
      const best = scanSlot(ctx, needByExt, arbiterBrick);
      if (best < 0) {
        summary.placedSets = s;
        summary.failedAt = { set: s, index: k, subtype: arbiterBrick ? "arbiter" : "data" };
        const diag = qualify(ix, work.free, needByExt, arbiterBrick);
        return { ok: false, summary, failure: { need: minNeed(needByExt), arbiterBrick, diag } };
      }
      const node = ix.nodeOf[best]!;
      const seen = chosen.get(ix.ids[best]!);
      if (seen !== undefined && seen !== best) throw new Error(`device ${ix.ids[best]} appears twice in the topology`);
      chosen.set(ix.ids[best]!, best);
      const space = (arbiterBrick ? arbSpace! : dataSpace)[ix.extOf[best]!]!;
      work.free[best] = work.free[best]! - space.needKiB;
      work.nodeFree[node] = work.nodeFree[node]! - space.needKiB;
      work.nodeCount[node] = work.nodeCount[node]! + 1;
      work.nodeStamp[node] = work.stamp;
      work.zoneStamp[ix.zoneOf[best]!] = work.stamp;
      work.topData[node] = nodeTop(ctx, node, dataNeed, false);
      if (arbiterVolume) work.topArb[node] = nodeTop(ctx, node, arbNeed!, true);
      set[k] = {
        deviceId: ix.ids[best]!,
        nodeId: ix.nodeIds[node]!,
        zone: ix.nodeZone[node]!,
        sizeKiB: arbiterBrick ? arbiterKiB! : step.brickKiB,
        tpKiB: space.tpKiB,
        metaKiB: space.metaKiB,
        needKiB: space.needKiB,
        subtype: arbiterBrick ? "arbiter" : "data",
      };
    }
    sets.push(set);
  }
  return { ok: true, sets };
}

function minNeed(needByExt: number[]): number {
  return Math.min(...needByExt);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Place the bricks for a volume create (or, with existingBricks, an expand by sizeGiB).
 * Pure: reads the snapshot, never mutates it. Throws NoSpaceError when the volume cannot be
 * placed, and a plain Error for invalid input.
 */
export function placeBricks(topology: Topology, request: PlacementRequest, limits: Limits = defaultLimits): Placement {
  validateLimits(limits);
  validateRequest(request);
  const tagRule = request.deviceTagMatch !== undefined && request.deviceTagMatch !== "" ? parseTagMatch(request.deviceTagMatch) : undefined;
  const ix = indexTopology(topology, tagRule);
  const durability = request.durability;
  const perSet = bricksPerSet(durability);
  const arbiterVolume = isArbiter(durability);
  const existingBricks = request.existingBricks ?? 0;
  const zoneChecking: ZoneChecking = request.zoneChecking ?? limits.zoneChecking;
  const strict = zoneChecking === "strict";
  const label = durabilityLabel(durability);
  const plan = planBrickSizes(request.sizeGiB, durability, limits, existingBricks);

  const details: NoSpaceDetails = {
    durability: label,
    sizeGiB: request.sizeGiB,
    bricksPerSet: perSet,
    existingBricks,
    zoneChecking,
    nodes: { total: ix.census.nodesTotal, eligible: ix.nodeIds.length },
    devices: { total: ix.census.devicesTotal, eligible: ix.n },
    zones: [...ix.zoneValues].sort((a, b) => a - b),
    attempts: [],
  };
  if (tagRule) details.deviceTagMatch = request.deviceTagMatch;
  const what =
    existingBricks > 0
      ? `No space to expand a ${label} volume (${plural(existingBricks, "brick")}) by ${request.sizeGiB} GiB`
      : `No space for a ${request.sizeGiB} GiB ${label} volume`;
  const fail = (reason: NoSpaceReason, why: string): never => {
    throw new NoSpaceError(reason, `${what}: ${why}`, details);
  };
  const limitInfo = (stop: BrickSizePlan["stop"]) => ({
    kind: stop.limit,
    sets: stop.sets,
    brickKiB: stop.brickKiB,
    bricks: stop.bricks,
    maxBricks: limits.maxBricksPerVolume,
    minBrickKiB: limits.brickMinSizeGiB * KIB_PER_GIB,
  });

  // 1. Limits alone rule the request out (no device is even looked at; Heketi's order).
  if (plan.steps.length === 0) {
    details.limit = limitInfo(plan.stop);
    if (plan.stop.limit === "max-bricks") {
      fail(
        "max-bricks",
        existingBricks > 0
          ? `${plan.stop.sets === 1 ? "even one brick set" : `the ${plan.stop.sets} brick sets needed for bricks of at most ${limits.brickMaxSizeGiB} GiB`} ` +
              `(${plan.stop.bricks} bricks) on top of the existing ${existingBricks} would exceed the limit of ${limits.maxBricksPerVolume} bricks per volume`
          : `with bricks of at most ${limits.brickMaxSizeGiB} GiB it needs ${plural(plan.stop.sets, "brick set")} (${plan.stop.bricks} bricks), ` +
              `over the limit of ${limits.maxBricksPerVolume} bricks per volume`,
      );
    }
    fail(
      "min-brick-size",
      `a brick would be ${formatKiB(plan.stop.brickKiB)}, below the minimum brick size of ${limits.brickMinSizeGiB} GiB`,
    );
  }

  // 2. Structural checks, independent of brick size.
  const dataSlots = arbiterVolume ? perSet - 1 : perSet;
  const filterText = tagRule ? ` matching "${request.deviceTagMatch}"` : "";
  if (ix.census.onlineDevices === 0) {
    fail(
      "no-devices",
      `no online device on an online node (the topology has ${plural(ix.census.nodesTotal, "node")} and ` +
        `${plural(ix.census.devicesTotal, "device")}); bring nodes or devices online`,
    );
  }
  if (ix.n === 0) {
    fail("tag-filter", `the device tag filter "${request.deviceTagMatch}" matches none of the ${plural(ix.census.onlineDevices, "online device")}`);
  }
  if (ix.census.onlineNodes < perSet) {
    fail(
      "too-few-nodes",
      `${label} needs ${perSet} nodes with an online device (one brick per node), only ${ix.census.onlineNodes} qualify`,
    );
  }
  if (ix.nodeIds.length < perSet) {
    fail(
      "tag-filter",
      `${label} needs ${perSet} nodes with an online device${filterText} (one brick per node); the filter leaves only ` +
        `${ix.nodeIds.length} of ${ix.census.onlineNodes}`,
    );
  }
  if (strict && ix.zoneValues.length < perSet) {
    const zs = details.zones.join(", ");
    fail(
      "too-few-zones",
      `strict zone checking needs ${perSet} different zones for a ${label} set, but the eligible devices${filterText} are in ` +
        `only ${plural(ix.zoneValues.length, "zone")} (${zs}); add nodes in another zone or use zone checking "none"`,
    );
  }
  const dataMask = allNodesMask(ix, false);
  if (!arbiterVolume && countMask(dataMask) < perSet) {
    fail(
      "arbiter-tags",
      `${label} needs ${perSet} nodes with a device that takes data bricks, only ${countMask(dataMask)} have one; the others' devices ` +
        `are tagged arbiter=required (arbiter bricks only)`,
    );
  }
  if (!arbiterVolume && strict && zonesOfMask(ix, dataMask) < perSet) {
    fail(
      "too-few-zones",
      `strict zone checking needs ${perSet} different zones for a ${label} set, but devices that take data bricks are in only ` +
        `${plural(zonesOfMask(ix, dataMask), "zone")}`,
    );
  }
  if (arbiterVolume && !arbiterFeasible(ix, dataMask, allNodesMask(ix, true), strict)) {
    fail(
      "arbiter-tags",
      `${label} needs 2 ${strict ? "zones" : "nodes"} with a data-capable device (arbiter tag not "required") plus a third ` +
        `${strict ? "zone" : "node"} with an arbiter-capable device (arbiter tag not "disabled"); the arbiter tags leave ` +
        `${countMask(dataMask)} data-capable and ${countMask(allNodesMask(ix, true))} arbiter-capable nodes`,
    );
  }

  // 3. Heketi's loop: largest brick first, halve on failure, discard failed attempts.
  const work: Work = {
    free: new Float64Array(ix.free.length),
    nodeFree: new Float64Array(ix.nodeIds.length),
    topData: new Int32Array(ix.nodeIds.length),
    topArb: new Int32Array(ix.nodeIds.length),
    nodeCount: new Int32Array(ix.nodeIds.length),
    nodeStamp: new Int32Array(ix.nodeIds.length),
    zoneStamp: new Int32Array(ix.zoneValues.length),
    stamp: 0,
  };
  const ctx: AttemptCtx = { ix, work, perSet, arbiterVolume, strict, snapshotFactor: request.snapshotFactor };
  let last: Extract<AttemptResult, { ok: false }> | undefined;
  for (const step of plan.steps) {
    const arbiterKiB = arbiterVolume ? arbiterBrickKiB(step.brickKiB, limits.averageFileSizeKiB) : undefined;
    const r = tryAttempt(ctx, step, arbiterKiB);
    if (r.ok) {
      const out: Placement = { brickKiB: step.brickKiB, sets: r.sets };
      if (arbiterKiB !== undefined) out.arbiterKiB = arbiterKiB;
      return out;
    }
    details.attempts.push(r.summary);
    last = r;
  }

  // 4. Out of brick sizes: explain the smallest attempt.
  details.limit = limitInfo(plan.stop);
  const lastStep = plan.steps[plan.steps.length - 1]!;
  const tried =
    plan.steps.length === 1
      ? `tried one brick size (${formatKiB(lastStep.brickKiB)} × ${plural(lastStep.sets, "set")})`
      : `tried ${plan.steps.length} brick sizes from ${formatKiB(plan.steps[0]!.brickKiB)} (${plural(plan.steps[0]!.sets, "set")}) ` +
        `down to ${formatKiB(lastStep.brickKiB)} (${plural(lastStep.sets, "set")})`;
  const stopText =
    plan.stop.limit === "max-bricks"
      ? `more sets would exceed ${limits.maxBricksPerVolume} bricks per volume` +
        (existingBricks > 0 ? ` (the volume already has ${existingBricks})` : "")
      : `smaller bricks would be under the ${limits.brickMinSizeGiB} GiB minimum brick size`;
  const tail = ` (${tried}; ${stopText})`;
  const where = (d: DeviceRef | undefined, anyQualify: boolean, elsewhere = "elsewhere") =>
    d ? `; largest free${anyQualify ? ` ${elsewhere}` : ""}: ${d.nodeId}/${d.deviceId} with ${formatKiB(d.freeKiB)}` : "";
  const have = (n: number, verb: "has" | "still has") =>
    n === 0 ? `no node ${verb} one` : n === 1 ? `1 node ${verb} one` : `${n} nodes ${verb.replace("has", "have")} one`;

  const lastArbKiB = last!.summary.arbiterKiB;
  const dataNeed = minNeed(spaceByExtent(ix, lastStep.brickKiB, request.snapshotFactor).map((s) => s.needKiB));
  const qd = qualify(ix, ix.free, spaceByExtent(ix, lastStep.brickKiB, request.snapshotFactor).map((s) => s.needKiB), false);
  const deviceWord = arbiterVolume ? "a data-capable online device" : "an online device";
  // 4a. Not even one set fits: name the scarce nodes / zones.
  if (qd.nodes < dataSlots || (strict && qd.zones < dataSlots)) {
    Object.assign(details, {
      neededKiB: dataNeed,
      requiredNodes: dataSlots,
      qualifyingNodes: qd.nodes,
      largestFree: qd.largestOther,
    });
    if (qd.nodes < dataSlots) {
      fail(
        "insufficient-space",
        `${label} needs ${dataSlots} nodes with ${deviceWord}${filterText} that has more than ${formatKiB(dataNeed)} free ` +
          `(for a ${formatKiB(lastStep.brickKiB)} brick); ${qd.nodes === 0 ? "none qualify" : `only ${qd.nodes} qualify`}${where(qd.largestOther, qd.nodes > 0)}${tail}`,
      );
    }
    const qz = qualify(ix, ix.free, spaceByExtent(ix, lastStep.brickKiB, request.snapshotFactor).map((s) => s.needKiB), false, "zone");
    Object.assign(details, { requiredZones: dataSlots, qualifyingZones: qd.zones, largestFree: qz.largestOther });
    fail(
      "insufficient-space",
      `with strict zone checking ${label} needs ${dataSlots} zones with ${deviceWord}${filterText} that has more than ` +
        `${formatKiB(dataNeed)} free (for a ${formatKiB(lastStep.brickKiB)} brick); ${qd.zones === 0 ? "none qualify" : `only ${plural(qd.zones, "zone")} qualify`}` +
        `${where(qz.largestOther, qd.zones > 0, "in another zone")}${tail}`,
    );
  }
  if (arbiterVolume && lastArbKiB !== undefined) {
    const arbNeedByExt = spaceByExtent(ix, lastArbKiB, request.snapshotFactor).map((s) => s.needKiB);
    const qa = qualify(ix, ix.free, arbNeedByExt, true);
    if (qa.nodes < 1 || !arbiterFeasible(ix, qd.nodeMask, qa.nodeMask, strict)) {
      Object.assign(details, { neededKiB: minNeed(arbNeedByExt), qualifyingNodes: qa.nodes, largestFree: qa.largestOther });
      fail(
        "insufficient-space",
        `the arbiter brick (${formatKiB(lastArbKiB)}) needs an arbiter-capable device${filterText} with more than ` +
          `${formatKiB(minNeed(arbNeedByExt))} free on a node ${strict ? "in a third zone" : "apart from the two data bricks"}; ` +
          `${have(qa.nodes, "has")}${where(qa.largestOther, qa.nodes > 0)}${tail}`,
      );
    }
  }
  // 4b. Some sets fit, then devices ran out (space is accounted brick by brick).
  const f = last!.failure;
  const s = last!.summary;
  if (f && s.failedAt) {
    Object.assign(details, { neededKiB: f.need, qualifyingNodes: f.diag.nodes, largestFree: f.diag.largestOther });
    fail(
      "insufficient-space",
      `placed ${s.placedSets} of ${s.sets} ${label} sets of ${formatKiB(s.brickKiB)} bricks before devices ran out: ` +
        `${s.failedAt.subtype} brick ${s.failedAt.index + 1} of set ${s.failedAt.set + 1} needs a device with more than ` +
        `${formatKiB(f.need)} free on a node${strict ? " and in a zone" : ""} not already used by the set; ` +
        `${have(f.diag.nodes, "still has")}${where(f.diag.largestOther, f.diag.nodes > 0)}${tail}`,
    );
  }
  // Unreachable in practice: the attempt was rejected up front but the re-check passed.
  return fail("insufficient-space", `not enough free space on the eligible devices${tail}`);
}

/**
 * The topology after the placement's bricks are carved out (a copy; inputs are untouched).
 * Useful to simulate a sequence of placements.
 */
export function applyPlacement(topology: Topology, placement: Placement): Topology {
  const used = new Map<string, number>();
  for (const set of placement.sets) for (const b of set) used.set(b.deviceId, (used.get(b.deviceId) ?? 0) + b.needKiB);
  return {
    nodes: topology.nodes.map((n) => ({
      ...n,
      devices: n.devices.map((d) => {
        const u = used.get(d.id);
        return u === undefined ? { ...d } : { ...d, freeKiB: d.freeKiB - u };
      }),
    })),
  };
}
