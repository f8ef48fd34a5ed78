/**
 * Why a volume cannot be placed, in words an operator can act on: which limit, node, zone, tag or
 * device stopped it, what was tried, and what to change. Pure: each explanation throws a NoSpaceError
 * whose `details` carry the same facts for programs.
 */
import type { AttemptResult } from "./attempt";
import { allNodesMask, arbiterFeasible, countMask, Eligible, minNeed, qualify, spaceByExtent, zonesOfMask } from "./eligible";
import { DeviceRef, formatKiB, NoSpaceDetails, NoSpaceError, NoSpaceReason } from "./errors";
import { BrickSizePlan, bricksPerSet, durabilityLabel, isArbiter, KIB_PER_GIB } from "./sizing";
import type { Limits, PlacementRequest, ZoneChecking } from "./types";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the explanations of one placeBricks call quote, and the details they fill in. */
export interface Explanation {
  request: PlacementRequest;
  limits: Limits;
  ix: Eligible;
  label: string;
  perSet: number;
  /** Bricks of a set that hold data (all but the arbiter). */
  dataSlots: number;
  existingBricks: number;
  arbiterVolume: boolean;
  strict: boolean;
  /** ` matching "<rule>"` when a device tag filter applies, else "". */
  filterText: string;
  details: NoSpaceDetails;
  fail: (reason: NoSpaceReason, why: string) => never;
}

export function explanation(request: PlacementRequest, limits: Limits, ix: Eligible, filtered: boolean): Explanation {
  const durability = request.durability;
  const perSet = bricksPerSet(durability);
  const arbiterVolume = isArbiter(durability);
  const existingBricks = request.existingBricks ?? 0;
  const zoneChecking: ZoneChecking = request.zoneChecking ?? limits.zoneChecking;
  const label = durabilityLabel(durability);
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
  if (filtered) details.deviceTagMatch = request.deviceTagMatch;
  const what =
    existingBricks > 0
      ? `No space to expand a ${label} volume (${plural(existingBricks, "brick")}) by ${request.sizeGiB} GiB`
      : `No space for a ${request.sizeGiB} GiB ${label} volume`;
  const fail = (reason: NoSpaceReason, why: string): never => {
    throw new NoSpaceError(reason, `${what}: ${why}`, details);
  };
  return {
    request, limits, ix, label, perSet, dataSlots: arbiterVolume ? perSet - 1 : perSet, existingBricks, arbiterVolume,
    strict: zoneChecking === "strict", filterText: filtered ? ` matching "${request.deviceTagMatch}"` : "", details, fail,
  };
}

function limitInfo({ limits }: Explanation, stop: BrickSizePlan["stop"]): NoSpaceDetails["limit"] {
  return {
    kind: stop.limit,
    sets: stop.sets,
    brickKiB: stop.brickKiB,
    bricks: stop.bricks,
    maxBricks: limits.maxBricksPerVolume,
    minBrickKiB: limits.brickMinSizeGiB * KIB_PER_GIB,
  };
}

/** The limits alone rule the request out: no brick size is allowed (no device is even looked at; Heketi's order). */
export function refuseByLimits(x: Explanation, plan: BrickSizePlan): never {
  const { details, existingBricks, limits, fail } = x;
  details.limit = limitInfo(x, plan.stop);
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
  return fail(
    "min-brick-size",
    `a brick would be ${formatKiB(plan.stop.brickKiB)}, below the minimum brick size of ${limits.brickMinSizeGiB} GiB`,
  );
}

/** Checks independent of brick size: enough online devices, nodes, zones and arbiter-capable nodes for one set. */
export function refuseByShape(x: Explanation): void {
  const { request, ix, label, perSet, arbiterVolume, strict, filterText, details, fail } = x;
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
}

/** Every allowed brick size failed: explain the smallest attempt. */
export function explainNoSpace(x: Explanation, plan: BrickSizePlan, last: Extract<AttemptResult, { ok: false }>): never {
  const { request, limits, ix, label, dataSlots, existingBricks, arbiterVolume, strict, filterText, details, fail } = x;
  details.limit = limitInfo(x, plan.stop);
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

  const lastArbKiB = last.summary.arbiterKiB;
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
  const f = last.failure;
  const s = last.summary;
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
