/**
 * One placement attempt at one brick size: every set, brick slot by brick slot, on the best device
 * by the ranking in placer.ts; space is accounted brick by brick in scratch arrays, so a failed
 * attempt is simply discarded.
 */
import type { AttemptSummary } from "./errors";
import { arbiterFeasible, CLS_DISABLED, CLS_REQUIRED, Eligible, minNeed, qualify, Qualification, spaceByExtent } from "./eligible";
import { ARBITER_INDEX, BrickSizeStep } from "./sizing";
import type { PlacedBrick } from "./types";

/** Scratch state for placement attempts; allocated once per placeBricks call. */
export interface Work {
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

export type AttemptResult =
  | { ok: true; sets: PlacedBrick[][] }
  | { ok: false; summary: AttemptSummary; failure?: { need: number; arbiterBrick: boolean; diag: Qualification } };

export interface AttemptCtx {
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

export function tryAttempt(ctx: AttemptCtx, step: BrickSizeStep, arbiterKiB: number | undefined): AttemptResult {
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


/** Scratch state sized for the index. */
export function newWork(ix: Eligible): Work {
  return {
    free: new Float64Array(ix.free.length),
    nodeFree: new Float64Array(ix.nodeIds.length),
    topData: new Int32Array(ix.nodeIds.length),
    topArb: new Int32Array(ix.nodeIds.length),
    nodeCount: new Int32Array(ix.nodeIds.length),
    nodeStamp: new Int32Array(ix.nodeIds.length),
    zoneStamp: new Int32Array(ix.zoneValues.length),
    stamp: 0,
  };
}
