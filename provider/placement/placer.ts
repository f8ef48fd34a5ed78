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
import { newWork, tryAttempt, type AttemptCtx, type AttemptResult } from "./attempt";
import { indexTopology, parseTagMatch, validateRequest } from "./eligible";
import { explainNoSpace, explanation, refuseByLimits, refuseByShape } from "./explain";
import { arbiterBrickKiB, planBrickSizes, validateLimits } from "./sizing";
import type { Limits, Placement, PlacementRequest, Topology } from "./types";
import { defaultLimits } from "./types";

export { parseTagMatch, type TagRule } from "./eligible";

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
  const plan = planBrickSizes(request.sizeGiB, request.durability, limits, request.existingBricks ?? 0);
  const x = explanation(request, limits, ix, tagRule !== undefined);

  // 1. Limits alone rule the request out (no device is even looked at; Heketi's order).
  if (plan.steps.length === 0) refuseByLimits(x, plan);

  // 2. Structural checks, independent of brick size.
  refuseByShape(x);

  // 3. Heketi's loop: largest brick first, halve on failure, discard failed attempts.
  const ctx: AttemptCtx = { ix, work: newWork(ix), perSet: x.perSet, arbiterVolume: x.arbiterVolume, strict: x.strict, snapshotFactor: request.snapshotFactor };
  let last: Extract<AttemptResult, { ok: false }> | undefined;
  for (const step of plan.steps) {
    const arbiterKiB = x.arbiterVolume ? arbiterBrickKiB(step.brickKiB, limits.averageFileSizeKiB) : undefined;
    const r = tryAttempt(ctx, step, arbiterKiB);
    if (r.ok) {
      const out: Placement = { brickKiB: step.brickKiB, sets: r.sets };
      if (arbiterKiB !== undefined) out.arbiterKiB = arbiterKiB;
      return out;
    }
    x.details.attempts.push(r.summary);
    last = r;
  }

  // 4. Out of brick sizes: explain the smallest attempt.
  return explainNoSpace(x, plan, last!);
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
