import * as assert from "node:assert/strict";
import {
  arbiterBrickKiB,
  brickSpace,
  bricksPerSet,
  defaultLimits,
  Durability,
  Limits,
  NoSpaceError,
  PlacedBrick,
  Placement,
  PlacementRequest,
  placeBricks,
  planBrickSizes,
  Topology,
} from "../../provider/placement";

/**
 * A deliberately naive transcription of the placement rules: for every brick, build the list of
 * candidate devices, sort it by the documented preferences and take the first. The real placer
 * keeps per-node best devices and skips hopeless attempts early; both must agree exactly.
 */
function referencePlace(topo: Topology, req: PlacementRequest, limits: Limits): Placement | "no-space" {
  const strict = (req.zoneChecking ?? limits.zoneChecking) === "strict";
  const arbiterVolume = req.durability.type === "replicate" && req.durability.arbiter === true;
  const perSet = bricksPerSet(req.durability);
  const rule = req.deviceTagMatch ? /^(.+?)(!?=)(.+)$/.exec(req.deviceTagMatch) : null;
  const tag = (nodeTags: Record<string, string>, devTags: Record<string, string>, key: string) =>
    key in devTags ? devTags[key]! : key in nodeTags ? nodeTags[key]! : "";
  const devices = topo.nodes.flatMap((n) =>
    n.state !== "online" || n.up === false
      ? []
      : n.devices
          .filter((d) => d.state === "online")
          .filter((d) => !rule || (tag(n.tags, d.tags, rule[1]!) === rule[3]) === (rule[2] === "="))
          .map((d) => ({ id: d.id, nodeId: n.id, zone: n.zone, free: d.freeKiB, extent: d.extentKiB, arb: tag(n.tags, d.tags, "arbiter") })),
  );
  const plan = planBrickSizes(req.sizeGiB, req.durability, limits, req.existingBricks ?? 0);
  for (const step of plan.steps) {
    const arbKiB = arbiterVolume ? arbiterBrickKiB(step.brickKiB, limits.averageFileSizeKiB) : undefined;
    const free = new Map(devices.map((d) => [d.id, d.free]));
    const nodeFree = new Map<string, number>();
    for (const d of devices) nodeFree.set(d.nodeId, (nodeFree.get(d.nodeId) ?? 0) + d.free);
    const nodeBricks = new Map<string, number>();
    const sets: PlacedBrick[][] = [];
    let ok = true;
    for (let s = 0; s < step.sets && ok; s++) {
      const set: PlacedBrick[] = [];
      const order = arbiterVolume ? [2, 1, 0] : Array.from({ length: perSet }, (_, k) => k);
      for (const k of order) {
        const isArb = arbiterVolume && k === 2;
        const size = isArb ? arbKiB! : step.brickKiB;
        const placed = set.filter(Boolean);
        const cands = devices
          .filter((d) => (isArb ? d.arb !== "disabled" : d.arb !== "required"))
          .filter((d) => !placed.some((b) => b.nodeId === d.nodeId))
          .filter((d) => !(strict && placed.some((b) => b.zone === d.zone)))
          .filter((d) => free.get(d.id)! > brickSpace(size, req.snapshotFactor, d.extent).needKiB)
          .map((d) => ({
            d,
            keys: [
              placed.some((b) => b.zone === d.zone) ? 1 : 0,
              !arbiterVolume ? 0 : isArb ? (d.arb === "required" ? 0 : 1) : d.arb === "disabled" ? 0 : 1,
              nodeBricks.get(d.nodeId) ?? 0,
              -(free.get(d.id)! - brickSpace(size, req.snapshotFactor, d.extent).needKiB),
              -nodeFree.get(d.nodeId)!,
            ],
          }))
          .sort((a, b) => {
            for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return a.keys[i]! - b.keys[i]!;
            return a.d.id < b.d.id ? -1 : a.d.id > b.d.id ? 1 : 0;
          });
        if (cands.length === 0) {
          ok = false;
          break;
        }
        const d = cands[0]!.d;
        const space = brickSpace(size, req.snapshotFactor, d.extent);
        free.set(d.id, free.get(d.id)! - space.needKiB);
        nodeFree.set(d.nodeId, nodeFree.get(d.nodeId)! - space.needKiB);
        nodeBricks.set(d.nodeId, (nodeBricks.get(d.nodeId) ?? 0) + 1);
        set[k] = { deviceId: d.id, nodeId: d.nodeId, zone: d.zone, sizeKiB: size, subtype: isArb ? "arbiter" : "data", ...space };
      }
      if (ok) sets.push(set);
    }
    if (ok) return arbKiB !== undefined ? { brickKiB: step.brickKiB, arbiterKiB: arbKiB, sets } : { brickKiB: step.brickKiB, sets };
  }
  return "no-space";
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GiB = 1024 * 1024;

function randomCase(r: () => number): { topo: Topology; req: PlacementRequest } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nodes = 2 + Math.floor(r() * 10);
  const zones = 1 + Math.floor(r() * 4);
  const topo: Topology = {
    nodes: Array.from({ length: nodes }, (_, n) => ({
      id: `n${pick(["a", "b", "c"])}${n}`,
      zone: 1 + Math.floor(r() * zones),
      state: r() < 0.9 ? ("online" as const) : pick(["offline", "failed"] as const),
      ...(r() < 0.05 ? { up: false } : {}),
      tags: (r() < 0.2 ? { arbiter: pick(["required", "disabled", "supported"]), disk: pick(["ssd", "hdd"]) } : {}) as Record<string, string>,
      devices: Array.from({ length: 1 + Math.floor(r() * 6) }, (_, d) => ({
        id: `d${pick(["x", "y"])}${n}-${d}`,
        nodeId: "",
        // few distinct sizes, so ties on free space are common
        freeKiB: pick([5, 50, 100, 100, 300, 500, 500, 1000, 2000]) * GiB + pick([0, 0, 4096, 1]),
        extentKiB: pick([4096, 4096, 4096, 8192, 32768]),
        state: r() < 0.93 ? ("online" as const) : pick(["offline", "failed"] as const),
        tags: (r() < 0.2 ? { arbiter: pick(["required", "disabled", "supported", "bogus"]) } : r() < 0.2 ? { disk: pick(["ssd", "hdd"]) } : {}) as Record<
          string,
          string
        >,
      })),
    })),
  };
  for (const n of topo.nodes) for (const d of n.devices) d.nodeId = n.id;
  const durability: Durability = pick<Durability>([
    { type: "none" },
    { type: "replicate", replica: 2 },
    { type: "replicate", replica: 3 },
    { type: "replicate", replica: 3 },
    { type: "replicate", replica: 3, arbiter: true },
    { type: "disperse", data: 2, redundancy: 1 },
    { type: "disperse", data: 4, redundancy: 2 },
  ]);
  const req: PlacementRequest = {
    sizeGiB: pick([1, 2, 10, 40, 100, 250, 700, 1500, 3000, 3000, 5000, 9000]),
    durability,
    snapshotFactor: pick([1, 1, 1, 1.2, 1.5]),
    existingBricks: pick([0, 0, 0, 6, 24, 30]),
    zoneChecking: pick(["none", "strict", undefined] as const),
    ...(r() < 0.15 ? { deviceTagMatch: pick(["disk=ssd", "disk!=hdd"]) } : {}),
  };
  return { topo, req };
}

describe("placement: agrees with a plain reading of the rules", function () {
  it("makes the same choice as a sort-every-candidate reference on 500 random clusters", function () {
    const r = rng(20240611);
    let placed = 0;
    let refused = 0;
    for (let c = 0; c < 500; c++) {
      const { topo, req } = randomCase(r);
      const expected = referencePlace(topo, req, defaultLimits);
      let actual: Placement | "no-space";
      try {
        actual = placeBricks(topo, req);
      } catch (e) {
        if (!(e instanceof NoSpaceError)) throw e;
        actual = "no-space";
      }
      assert.deepEqual(actual, expected, `case ${c}: ${JSON.stringify(req)}`);
      if (actual === "no-space") refused++;
      else placed++;
    }
    // the generator must exercise both outcomes
    assert.ok(placed > 100 && refused > 100, `placed ${placed}, refused ${refused}`);
  });
});
