/**
 * chooseReplacement: where to re-create one brick that must leave its device (device evacuation,
 * Heketi's `device remove`). Pure and deterministic, like placeBricks.
 *
 * A candidate device is online, on an online (and not `up: false`) node that holds no other brick of
 * the set, not excluded, able to take the brick's kind (arbiter tags), and has free space strictly
 * greater than the brick needs (brickSpace at the device's extent). With strict zone checking its node
 * is also in a zone the rest of the set does not use. Candidates are ranked by:
 *   1. a zone the rest of the set does not use
 *   2. (arbiter volumes) the preferred arbiter class for the brick's kind
 *   3. most free space left on the device after the brick
 *   4. most free space on the node (sum over its usable devices)
 *   5. lowest device id
 */
import { formatKiB, NoSpaceDetails, NoSpaceError, NoSpaceReason } from "./errors";
import { brickSpace, bricksPerSet, durabilityLabel, isArbiter, KIB_PER_GIB, validateDurability, validateLimits } from "./sizing";
import type { BrickSubtype, Durability, Limits, PlacedBrick, PlacementDevice, PlacementNode, Topology, ZoneChecking } from "./types";
import { defaultLimits } from "./types";

export interface ReplacementRequest {
  /** Size of the brick to re-create (its XFS size), KiB. */
  brickKiB: number;
  /** The volume's snapshot factor (thin pool = brick × factor). */
  snapshotFactor: number;
  subtype: BrickSubtype;
  /** The volume's durability (arbiter preference, messages). */
  durability: Durability;
  /** Nodes holding the other bricks of the brick's set: a set never has two bricks on one node. */
  excludeNodeIds: readonly string[];
  /** Devices never to use (the device being evacuated). */
  excludeDeviceIds: readonly string[];
  /** Overrides `Limits.zoneChecking`. */
  zoneChecking?: ZoneChecking;
}

interface Candidate {
  dev: PlacementDevice;
  node: PlacementNode;
  need: ReturnType<typeof brickSpace>;
  remaining: number;
  zoneKey: number;
  classKey: number;
  nodeFree: number;
}

/** Arbiter class of a device from its effective `arbiter` tag (device tag over node tag). */
function arbiterClass(node: PlacementNode, dev: PlacementDevice): "required" | "supported" | "disabled" {
  const own = (t: Record<string, string> | undefined) => (t && Object.prototype.hasOwnProperty.call(t, "arbiter") ? t.arbiter : undefined);
  const v = own(dev.tags) ?? own(node.tags) ?? "";
  return v === "required" ? "required" : v === "disabled" ? "disabled" : "supported";
}

/**
 * The device to re-create a brick on, as a PlacedBrick (device, node, zone, tp/meta/need at that
 * device's extent). Throws NoSpaceError saying which constraint left no device, and a plain Error
 * for invalid input.
 */
export function chooseReplacement(topology: Topology, req: ReplacementRequest, limits: Limits = defaultLimits): PlacedBrick {
  validateLimits(limits);
  validateDurability(req.durability);
  if (!Number.isSafeInteger(req.brickKiB) || req.brickKiB < 1) throw new Error(`brick size must be a whole number of KiB >= 1, got ${req.brickKiB}`);
  if (req.subtype !== "data" && req.subtype !== "arbiter") throw new Error(`brick subtype must be "data" or "arbiter", got ${JSON.stringify(req.subtype)}`);
  if (!topology || !Array.isArray(topology.nodes)) throw new Error("topology must be an object with a nodes array");
  const zoneChecking = req.zoneChecking ?? limits.zoneChecking;
  const strict = zoneChecking === "strict";
  const arbiterVolume = isArbiter(req.durability);
  const arbiterBrick = req.subtype === "arbiter";
  const exNodes = new Set(req.excludeNodeIds);
  const exDevices = new Set(req.excludeDeviceIds);
  const setZones = new Set(topology.nodes.filter((n) => exNodes.has(n.id)).map((n) => n.zone));

  const usable = (n: PlacementNode) => n.state === "online" && n.up !== false;
  const online = topology.nodes.flatMap((node) => (usable(node) ? node.devices.filter((d) => d.state === "online" && !exDevices.has(d.id)).map((dev) => ({ node, dev })) : []));
  const offSet = online.filter((c) => !exNodes.has(c.node.id));
  const inZone = strict ? offSet.filter((c) => !setZones.has(c.node.zone)) : offSet;
  const capable = inZone.filter((c) => {
    const cls = arbiterClass(c.node, c.dev);
    return arbiterBrick ? cls !== "disabled" : cls !== "required";
  });
  const nodeFree = new Map<string, number>();
  for (const c of online) nodeFree.set(c.node.id, (nodeFree.get(c.node.id) ?? 0) + c.dev.freeKiB);
  const candidates: Candidate[] = capable.map(({ node, dev }) => {
    const need = brickSpace(req.brickKiB, req.snapshotFactor, dev.extentKiB);
    const cls = arbiterClass(node, dev);
    const preferred = arbiterBrick ? cls === "required" : cls === "disabled";
    return {
      dev, node, need,
      remaining: dev.freeKiB - need.needKiB,
      zoneKey: setZones.has(node.zone) ? 1 : 0,
      classKey: arbiterVolume && !preferred ? 1 : 0,
      nodeFree: nodeFree.get(node.id) ?? 0,
    };
  });
  const fits = candidates.filter((c) => c.remaining > 0);
  if (fits.length) {
    fits.sort((a, b) => a.zoneKey - b.zoneKey || a.classKey - b.classKey || b.remaining - a.remaining || b.nodeFree - a.nodeFree || (a.dev.id < b.dev.id ? -1 : a.dev.id > b.dev.id ? 1 : 0));
    const best = fits[0]!;
    return {
      deviceId: best.dev.id, nodeId: best.node.id, zone: best.node.zone, sizeKiB: req.brickKiB, subtype: req.subtype,
      tpKiB: best.need.tpKiB, metaKiB: best.need.metaKiB, needKiB: best.need.needKiB,
    };
  }

  // Nothing fits: say which constraint emptied the list.
  const label = durabilityLabel(req.durability);
  const what = `No replacement for a ${formatKiB(req.brickKiB)} ${req.subtype} brick of a ${label} set`;
  const setNodes = [...exNodes].join(", ") || "none";
  const details: NoSpaceDetails = {
    durability: label,
    sizeGiB: req.brickKiB / KIB_PER_GIB,
    bricksPerSet: bricksPerSet(req.durability),
    existingBricks: 0,
    zoneChecking,
    nodes: { total: topology.nodes.length, eligible: new Set(capable.map((c) => c.node.id)).size },
    devices: { total: topology.nodes.reduce((a, n) => a + n.devices.length, 0), eligible: capable.length },
    zones: [...new Set(online.map((c) => c.node.zone))].sort((a, b) => a - b),
    attempts: [],
    requiredNodes: 1,
    qualifyingNodes: 0,
  };
  const fail = (reason: NoSpaceReason, why: string): never => {
    throw new NoSpaceError(reason, `${what}: ${why}`, details);
  };
  if (!online.length) fail("no-devices", "no other online device on an online node; bring a node or device online, or add a device");
  if (!offSet.length) {
    fail("too-few-nodes", `every online device is on a node that already holds a brick of this set (${setNodes}); add a device on another node`);
  }
  if (!inZone.length) {
    fail("too-few-zones", `strict zone checking: every node outside the set is in a zone the set already uses (${[...setZones].sort((a, b) => a - b).join(", ")}); add a node in another zone, or use zone checking "none"`);
  }
  if (!capable.length) {
    fail("arbiter-tags", `the devices outside the set are all tagged arbiter=${arbiterBrick ? "disabled (data bricks only)" : "required (arbiter bricks only)"}`);
  }
  const largest = [...candidates].sort((a, b) => b.dev.freeKiB - a.dev.freeKiB || (a.dev.id < b.dev.id ? -1 : 1))[0]!;
  details.neededKiB = largest.need.needKiB;
  details.largestFree = { nodeId: largest.node.id, deviceId: largest.dev.id, freeKiB: largest.dev.freeKiB };
  return fail(
    "insufficient-space",
    `it needs a device with more than ${formatKiB(largest.need.needKiB)} free on a node outside the set; none of the ${candidates.length} candidate devices has that much ` +
      `(largest free: ${largest.node.id}/${largest.dev.id} with ${formatKiB(largest.dev.freeKiB)}); add or grow a device`,
  );
}
