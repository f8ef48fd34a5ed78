/**
 * Which devices may take a brick: the request checked, the topology indexed into struct-of-arrays
 * form (online devices on online, up nodes, through the tag filter), with a census for messages, and
 * the node/zone counts the "no space" explanations quote.
 */
import type { DeviceRef } from "./errors";
import { brickSpace, MAX_SNAPSHOT_FACTOR, validateDurability } from "./sizing";
import type { BrickSpace, PlacementRequest, Topology } from "./types";

/** Arbiter classes, from the effective `arbiter` tag. */
export const CLS_REQUIRED = 0;
const CLS_SUPPORTED = 1;
export const CLS_DISABLED = 2;

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
export interface Eligible {
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

export function validateRequest(req: PlacementRequest): void {
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

export function indexTopology(topology: Topology, tagRule: TagRule | undefined): Eligible {
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

export interface Qualification {
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
export function qualify(ix: Eligible, free: Float64Array, needByExt: number[], arbiterBrick: boolean, by: "node" | "zone" = "node"): Qualification {
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
export function arbiterFeasible(ix: Eligible, dataNodeMask: Uint8Array, arbNodeMask: Uint8Array, strict: boolean): boolean {
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

export function allNodesMask(ix: Eligible, arbiterBrick: boolean): Uint8Array {
  const bit = arbiterBrick ? 2 : 1;
  return ix.nodeCaps.map((c) => (c & bit ? 1 : 0));
}

export function countMask(m: Uint8Array): number {
  let c = 0;
  for (const v of m) c += v;
  return c;
}

export function zonesOfMask(ix: Eligible, m: Uint8Array): number {
  const zs = new Set<number>();
  for (let k = 0; k < m.length; k++) if (m[k]) zs.add(ix.nodeZone[k]!);
  return zs.size;
}


/** The space a brick of this size takes on a device of each extent size in the index. */
export function spaceByExtent(ix: Eligible, brickKiB: number, snapshotFactor: number): BrickSpace[] {
  return ix.extents.map((e) => brickSpace(brickKiB, snapshotFactor, e));
}

/** The smallest of the needs (one per extent size). */
export function minNeed(needByExt: number[]): number {
  return Math.min(...needByExt);
}
