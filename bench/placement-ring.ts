/**
 * Benchmark baseline: Heketi's StandardBrickPlacer, transcribed. For every brick set it
 * rebuilds the zone/node-interleaved device ring (SimpleAllocatorRing.Rebalance), starts at a
 * random position (Heketi: the first 7 hex digits of a fresh UUID) and takes, slot by slot,
 * the next device on a node not yet in the set (and, with strict zones, a zone not yet in the
 * set) whose free space is strictly greater than the brick needs. Same sizing loop and space
 * formula as the real module; arbiter placement is not modelled (the benchmark does not use it).
 */
import {
  bricksPerSet,
  brickSpace,
  defaultLimits,
  Limits,
  NoSpaceError,
  PlacedBrick,
  Placement,
  PlacementRequest,
  planBrickSizes,
  Topology,
} from "../provider/placement";

interface RingDevice {
  idx: number;
  zone: number;
  nodeId: string;
}

/** mulberry32: a small seeded PRNG so baseline runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** SimpleAllocatorRing.Rebalance: round-robin over zones, and over nodes within a zone. */
function balancedRing(devices: RingDevice[]): RingDevice[] {
  const byZone = new Map<number, Map<string, RingDevice[]>>();
  for (const d of devices) {
    let nodes = byZone.get(d.zone);
    if (!nodes) byZone.set(d.zone, (nodes = new Map()));
    let list = nodes.get(d.nodeId);
    if (!list) nodes.set(d.nodeId, (list = []));
    list.push(d);
  }
  const zones: RingDevice[][][] = [...byZone.values()].map((nodes) => [...nodes.values()].map((l) => [...l]));
  const out: RingDevice[] = [];
  for (let i = 0; zones.length !== 0; i++) {
    const zi = i % zones.length;
    const nodes = zones[zi]!;
    const ni = i % nodes.length;
    const devs = nodes[ni]!;
    out.push(devs.pop()!);
    if (devs.length === 0) nodes.splice(ni, 1);
    if (nodes.length === 0) zones.splice(zi, 1);
  }
  return out;
}

export function ringPlaceBricks(
  topology: Topology,
  request: PlacementRequest,
  limits: Limits = defaultLimits,
  random: () => number = Math.random,
): Placement {
  const perSet = bricksPerSet(request.durability);
  const strict = (request.zoneChecking ?? limits.zoneChecking) === "strict";
  const devices: RingDevice[] = [];
  const baseFree: number[] = [];
  const extent: number[] = [];
  const ids: string[] = [];
  for (const n of topology.nodes) {
    if (n.state !== "online" || n.up === false) continue;
    for (const d of n.devices) {
      if (d.state !== "online") continue;
      devices.push({ idx: devices.length, zone: n.zone, nodeId: n.id });
      baseFree.push(d.freeKiB);
      extent.push(d.extentKiB);
      ids.push(d.id);
    }
  }
  const plan = planBrickSizes(request.sizeGiB, request.durability, limits, request.existingBricks ?? 0);
  for (const step of plan.steps) {
    const free = [...baseFree]; // a failed attempt is rolled back (Heketi: the db transaction fails)
    const sets: PlacedBrick[][] = [];
    let ok = true;
    for (let s = 0; s < step.sets && ok; s++) {
      const ring = balancedRing(devices);
      const start = Math.floor(random() * ring.length);
      const order = ring.slice(start).concat(ring.slice(0, start));
      let cursor = 0; // Heketi's device channel is shared by the slots of one set
      const set: PlacedBrick[] = [];
      for (let k = 0; k < perSet; k++) {
        let placed = false;
        while (cursor < order.length) {
          const d = order[cursor++]!;
          if (set.some((b) => b.nodeId === d.nodeId)) continue;
          if (strict && set.some((b) => b.zone === d.zone)) continue;
          const space = brickSpace(step.brickKiB, request.snapshotFactor, extent[d.idx]!);
          if (!(free[d.idx]! > space.needKiB)) continue;
          free[d.idx]! -= space.needKiB;
          set.push({ deviceId: ids[d.idx]!, nodeId: d.nodeId, zone: d.zone, sizeKiB: step.brickKiB, subtype: "data", ...space });
          placed = true;
          break;
        }
        if (!placed) {
          ok = false;
          break;
        }
      }
      if (ok) sets.push(set);
    }
    if (ok) return { brickKiB: step.brickKiB, sets };
  }
  throw new NoSpaceError("insufficient-space", "No space (ring baseline)", {
    durability: "",
    sizeGiB: request.sizeGiB,
    bricksPerSet: perSet,
    existingBricks: request.existingBricks ?? 0,
    zoneChecking: strict ? "strict" : "none",
    nodes: { total: topology.nodes.length, eligible: 0 },
    devices: { total: devices.length, eligible: devices.length },
    zones: [],
    attempts: [],
  });
}
