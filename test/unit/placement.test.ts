import * as assert from "node:assert/strict";
import {
  applyPlacement,
  brickSpace,
  bricksPerSet,
  defaultLimits,
  Durability,
  isNoSpaceError,
  KIB_PER_GIB,
  NoSpaceError,
  PlacedBrick,
  Placement,
  PlacementDevice,
  PlacementNode,
  PlacementRequest,
  placeBricks,
  planBrickSizes,
  Topology,
} from "../../provider/placement";

const GiB = KIB_PER_GIB;

interface NodeSpec {
  id: string;
  zone: number;
  devices: Array<Partial<PlacementDevice> & { freeGiB?: number }>;
  state?: PlacementNode["state"];
  up?: boolean;
  tags?: Record<string, string>;
}

/** node("gnode1", 1, [{ freeGiB: 100 }, ...]) -> devices gnode1-d1, gnode1-d2, ... */
function node(id: string, zone: number, devices: NodeSpec["devices"], extra: Partial<NodeSpec> = {}): NodeSpec {
  return { id, zone, devices, ...extra };
}

function topology(...nodes: NodeSpec[]): Topology {
  return {
    nodes: nodes.map((n) => ({
      id: n.id,
      zone: n.zone,
      state: n.state ?? "online",
      ...(n.up !== undefined ? { up: n.up } : {}),
      tags: n.tags ?? {},
      devices: n.devices.map((d, i) => ({
        id: d.id ?? `${n.id}-d${i + 1}`,
        nodeId: n.id,
        freeKiB: d.freeKiB ?? (d.freeGiB ?? 100) * GiB,
        extentKiB: d.extentKiB ?? 4096,
        state: d.state ?? "online",
        tags: d.tags ?? {},
      })),
    })),
  };
}

/** n nodes, zone = zoneOf(i), each with `devices` devices of `freeGiB`. */
function grid(n: number, devices: number, freeGiB: number, zoneOf: (i: number) => number = (i) => i): Topology {
  return topology(
    ...Array.from({ length: n }, (_, k) =>
      node(
        `gnode${k + 1}`,
        zoneOf(k + 1),
        Array.from({ length: devices }, () => ({ freeGiB })),
      ),
    ),
  );
}

const replica3: Durability = { type: "replicate", replica: 3 };
const req = (sizeGiB: number, durability: Durability = replica3, extra: Partial<PlacementRequest> = {}): PlacementRequest => ({
  sizeGiB,
  durability,
  snapshotFactor: 1,
  ...extra,
});

function noSpace(fn: () => unknown): NoSpaceError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NoSpaceError, `expected NoSpaceError, got ${String(e)}`);
    assert.equal(e.code, "NO_SPACE");
    assert.ok(isNoSpaceError(e));
    return e;
  }
  assert.fail("expected placement to fail with NoSpaceError");
}

const bricks = (p: Placement) => p.sets.flat();
const distinct = <T>(xs: T[]) => new Set(xs).size;

describe("placement: the space a brick takes (Heketi's formula)", function () {
  it("reserves a 2 GiB brick as a 2 GiB thin pool plus 12 MiB of metadata", function () {
    assert.deepEqual(brickSpace(2 * GiB, 1), { tpKiB: 2097152, metaKiB: 12288, needKiB: 2097152 + 12288 });
  });

  it("rounds a 5 GiB brick's 0.5% metadata up to the next 4 MiB extent (28 MiB)", function () {
    assert.deepEqual(brickSpace(5 * GiB, 1, 4096), { tpKiB: 5242880, metaKiB: 28672, needKiB: 5242880 + 28672 });
  });

  it("grows the thin pool by the snapshot factor before rounding", function () {
    const s = brickSpace(1 * GiB, 1.5);
    assert.equal(s.tpKiB, 1572864);
    assert.equal(s.metaKiB, 8192); // floor(1572864 * 0.005) = 7864 -> one 4 MiB extent
  });

  it("rounds to the device's own extent size", function () {
    assert.deepEqual(brickSpace(1 * GiB + 1, 1, 32768), { tpKiB: 1081344, metaKiB: 32768, needKiB: 1114112 });
  });

  it("caps thin-pool metadata at 16 GiB for the biggest bricks", function () {
    assert.equal(brickSpace(4096 * GiB, 1).metaKiB, 16 * GiB);
  });

  it("needs strictly more free space than the brick takes", function () {
    const need = brickSpace(1 * GiB, 1).needKiB;
    const exact = topology(...[1, 2, 3].map((i) => node(`gnode${i}`, i, [{ freeKiB: need }])));
    assert.equal(noSpace(() => placeBricks(exact, req(1))).reason, "insufficient-space");
    const oneMore = topology(...[1, 2, 3].map((i) => node(`gnode${i}`, i, [{ freeKiB: need + 1 }])));
    assert.equal(bricks(placeBricks(oneMore, req(1))).length, 3);
  });
});

describe("placement: brick sizing (Heketi's halving loop)", function () {
  it("tries 1, 2, 4 and 8 sets for 2500 GiB and stops before 48 bricks", function () {
    const plan = planBrickSizes(2500, replica3, defaultLimits);
    assert.deepEqual(
      plan.steps.map((s) => [s.sets, s.brickKiB / GiB]),
      [
        [1, 2500],
        [2, 1250],
        [4, 625],
        [8, 312.5],
      ],
    );
    assert.deepEqual({ limit: plan.stop.limit, sets: plan.stop.sets, bricks: plan.stop.bricks }, { limit: "max-bricks", sets: 16, bricks: 48 });
  });

  it("skips brick sizes above the 4 TiB maximum", function () {
    assert.equal(planBrickSizes(5000, replica3, defaultLimits).steps[0]!.sets, 2);
  });

  it("divides disperse bricks by the data count and stops below the 1 GiB minimum", function () {
    const plan = planBrickSizes(8, { type: "disperse", data: 4, redundancy: 2 }, defaultLimits);
    assert.deepEqual(
      plan.steps.map((s) => [s.sets, s.brickKiB / GiB, s.bricks]),
      [
        [1, 2, 6],
        [2, 1, 12],
      ],
    );
    assert.equal(plan.stop.limit, "min-brick-size");
  });

  it("counts bricks per set for every durability", function () {
    assert.equal(bricksPerSet({ type: "none" }), 1);
    assert.equal(bricksPerSet({ type: "replicate", replica: 2 }), 2);
    assert.equal(bricksPerSet({ type: "replicate", replica: 3, arbiter: true }), 3);
    assert.equal(bricksPerSet({ type: "disperse", data: 8, redundancy: 4 }), 12);
  });
});

describe("placement: replicas, nodes and zones", function () {
  it("spreads a replica-3 volume across three zones, one brick per zone", function () {
    // two nodes per zone; the zone-1 nodes have the most space, which must not pull two replicas into zone 1
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 900 }]),
      node("gnode2", 1, [{ freeGiB: 800 }]),
      node("gnode3", 2, [{ freeGiB: 100 }]),
      node("gnode4", 2, [{ freeGiB: 100 }]),
      node("gnode5", 3, [{ freeGiB: 100 }]),
      node("gnode6", 3, [{ freeGiB: 100 }]),
    );
    const p = placeBricks(topo, req(10));
    assert.equal(p.sets.length, 1);
    assert.deepEqual(p.sets[0]!.map((b) => b.zone).sort(), [1, 2, 3]);
    assert.equal(p.sets[0]![0]!.nodeId, "gnode1", "the first replica goes to the emptiest device");
    assert.equal(p.brickKiB, 10 * GiB);
  });

  it("refuses a 2-zone layout under strict zones, naming the zones", function () {
    const topo = grid(4, 1, 100, (i) => (i <= 2 ? 1 : 2));
    const e = noSpace(() => placeBricks(topo, req(10, replica3, { zoneChecking: "strict" })));
    assert.equal(e.reason, "too-few-zones");
    assert.match(e.message, /strict zone checking needs 3 different zones/);
    assert.match(e.message, /only 2 zones \(1, 2\)/);
    assert.deepEqual(e.details.zones, [1, 2]);
  });

  it("accepts the same 2-zone layout with zone checking none, still touching both zones", function () {
    const topo = grid(4, 1, 100, (i) => (i <= 2 ? 1 : 2));
    const p = placeBricks(topo, req(10, replica3, { zoneChecking: "none" }));
    const set = p.sets[0]!;
    assert.equal(distinct(set.map((b) => b.nodeId)), 3);
    assert.deepEqual(distinct(set.map((b) => b.zone)), 2);
  });

  it("lets a request override the cluster's zone checking either way", function () {
    const topo = grid(4, 1, 100, (i) => (i <= 2 ? 1 : 2));
    const strictLimits = { ...defaultLimits, zoneChecking: "strict" as const };
    assert.equal(noSpace(() => placeBricks(topo, req(10), strictLimits)).reason, "too-few-zones");
    assert.equal(bricks(placeBricks(topo, req(10, replica3, { zoneChecking: "none" }), strictLimits)).length, 3);
  });

  it("never puts two bricks of a set on one node, however much space it has", function () {
    const topo = topology(node("big", 1, [{ freeGiB: 5000 }, { freeGiB: 5000 }]), node("small", 2, [{ freeGiB: 50 }]));
    const p = placeBricks(topo, req(10, { type: "replicate", replica: 2 }));
    assert.deepEqual(p.sets[0]!.map((b) => b.nodeId).sort(), ["big", "small"]);
    // halving down to 16 sets of 6.25 GiB still runs out on "small": no set ever lands twice on "big"
    const e = noSpace(() => placeBricks(topo, req(100, { type: "replicate", replica: 2 })));
    assert.equal(e.reason, "insufficient-space");
    assert.match(e.message, /placed 7 of 16 replica 2 sets of 6\.25 GiB bricks before devices ran out/);
    assert.match(e.message, /largest free elsewhere: small\/small-d1 with 6\.03 GiB/);
  });

  it("refuses a replica-3 volume on a two-node cluster", function () {
    const e = noSpace(() => placeBricks(grid(2, 4, 1000, () => 1), req(10)));
    assert.equal(e.reason, "too-few-nodes");
    assert.match(e.message, /replica 3 needs 3 nodes with an online device \(one brick per node\), only 2 qualify/);
  });

  it("places a distribute volume as single-brick sets", function () {
    const p = placeBricks(grid(2, 1, 100), req(10, { type: "none" }));
    assert.deepEqual(
      p.sets.map((s) => s.length),
      [1],
    );
  });
});

describe("placement: arbiter volumes", function () {
  const arbiter: Durability = { type: "replicate", replica: 3, arbiter: true };

  it("gives the arbiter brick to the arbiter=required device and sizes it at one KiB per 64 KiB of data", function () {
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 500 }]),
      node("gnode2", 2, [{ freeGiB: 500 }]),
      node("gnode3", 3, [{ freeGiB: 500 }]),
      node("witness", 4, [{ freeGiB: 20, tags: { arbiter: "required" } }]),
    );
    const p = placeBricks(topo, req(100, arbiter));
    const set = p.sets[0]!;
    assert.equal(set[2]!.subtype, "arbiter");
    assert.equal(set[2]!.nodeId, "witness");
    assert.equal(p.arbiterKiB, Math.floor((100 * GiB) / 64)); // 1.5625 GiB
    assert.equal(set[2]!.sizeKiB, p.arbiterKiB);
    assert.deepEqual(brickSpace(p.arbiterKiB!, 1), { tpKiB: set[2]!.tpKiB, metaKiB: set[2]!.metaKiB, needKiB: set[2]!.needKiB });
    assert.deepEqual(
      set.slice(0, 2).map((b) => [b.subtype, b.sizeKiB]),
      [
        ["data", 100 * GiB],
        ["data", 100 * GiB],
      ],
    );
  });

  it("keeps arbiter bricks off arbiter=disabled devices and prefers them for data", function () {
    const topo = topology(
      node("data1", 1, [{ freeGiB: 100, tags: { arbiter: "disabled" } }]),
      node("data2", 2, [{ freeGiB: 100, tags: { arbiter: "disabled" } }]),
      node("any1", 3, [{ freeGiB: 900 }]),
      node("any2", 4, [{ freeGiB: 800 }]),
    );
    let current = topo;
    const arbiterNodes = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const p: Placement = placeBricks(current, req(10, arbiter));
      const set: PlacedBrick[] = p.sets[0]!;
      assert.deepEqual(set.slice(0, 2).map((b) => b.nodeId).sort(), ["data1", "data2"]);
      assert.match(set[2]!.nodeId, /^any/);
      arbiterNodes.add(set[2]!.nodeId);
      current = applyPlacement(current, p);
    }
    assert.equal(arbiterNodes.size, 1, "the arbiter goes to the emptiest supported device each time");
  });

  it("reads the arbiter tag from the node unless the device overrides it", function () {
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 100 }, { id: "gnode1-data", freeGiB: 900, tags: { arbiter: "disabled" } }], {
        tags: { arbiter: "required" },
      }),
      node("gnode2", 2, [{ freeGiB: 500 }]),
      node("gnode3", 3, [{ freeGiB: 500 }]),
    );
    const set = placeBricks(topo, req(10, arbiter)).sets[0]!;
    assert.equal(set[2]!.deviceId, "gnode1-d1");
    // with gnode1 taken by the arbiter, its data device is not used in this set
    assert.deepEqual(set.slice(0, 2).map((b) => b.nodeId).sort(), ["gnode2", "gnode3"]);
  });

  it("makes arbiter bricks at least 512 MiB (modern mkfs.xfs refuses file systems under 300 MB)", function () {
    const p = placeBricks(grid(3, 1, 100), req(1, arbiter), { ...defaultLimits, averageFileSizeKiB: 1024 });
    assert.equal(p.arbiterKiB, 512 * 1024);
  });

  it("refuses an arbiter volume when every device is arbiter=disabled", function () {
    const topo = topology(...[1, 2, 3, 4].map((i) => node(`gnode${i}`, i, [{ freeGiB: 100 }], { tags: { arbiter: "disabled" } })));
    const e = noSpace(() => placeBricks(topo, req(10, arbiter)));
    assert.equal(e.reason, "arbiter-tags");
    assert.match(e.message, /arbiter-capable device/);
  });

  it("keeps data bricks of ordinary volumes off arbiter=required devices", function () {
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 100 }]),
      node("gnode2", 2, [{ freeGiB: 100 }]),
      node("witness", 3, [{ freeGiB: 1000, tags: { arbiter: "required" } }]),
    );
    const e = noSpace(() => placeBricks(topo, req(10)));
    assert.equal(e.reason, "arbiter-tags");
    assert.match(e.message, /tagged arbiter=required/);
  });
});

describe("placement: disperse volumes", function () {
  it("places a 4+2 volume on six nodes, one brick each, each brick a quarter of the size", function () {
    const p = placeBricks(grid(6, 2, 100), req(100, { type: "disperse", data: 4, redundancy: 2 }));
    assert.equal(p.sets.length, 1);
    const set = p.sets[0]!;
    assert.equal(set.length, 6);
    assert.equal(distinct(set.map((b) => b.nodeId)), 6);
    assert.equal(p.brickKiB, 25 * GiB);
    assert.ok(set.every((b) => b.sizeKiB === 25 * GiB && b.subtype === "data"));
  });

  it("refuses 4+2 on five nodes", function () {
    const e = noSpace(() => placeBricks(grid(5, 4, 1000), req(100, { type: "disperse", data: 4, redundancy: 2 })));
    assert.equal(e.reason, "too-few-nodes");
    assert.match(e.message, /disperse 4\+2 needs 6 nodes/);
  });
});

describe("placement: volumes larger than a device", function () {
  it("splits a 2500 GiB replica-3 volume over 500 GiB devices into 8 sets of 312.5 GiB", function () {
    const p = placeBricks(grid(6, 4, 500), req(2500));
    assert.equal(p.sets.length, 8);
    assert.equal(bricks(p).length, 24);
    assert.equal(p.brickKiB, 312.5 * GiB);
    for (const set of p.sets) assert.equal(distinct(set.map((b) => b.nodeId)), 3);
    // each 500 GiB device holds exactly one 312.5 GiB brick: space is accounted as bricks are placed
    assert.equal(distinct(bricks(p).map((b) => b.deviceId)), 24);
  });

  it("spreads the sets of one volume over all nodes before doubling up", function () {
    const p = placeBricks(grid(6, 4, 500), req(2500));
    const perNode = new Map<string, number>();
    for (const b of bricks(p)) perNode.set(b.nodeId, (perNode.get(b.nodeId) ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [4, 4, 4, 4, 4, 4]);
    // the first two sets cover all six nodes
    assert.equal(distinct(p.sets.slice(0, 2).flat().map((b) => b.nodeId)), 6);
  });
});

describe("placement: when there is no space", function () {
  it("says how many nodes qualify, what a brick needs and the largest free device", function () {
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 10 }]),
      node("gnode2", 2, [{ freeGiB: 10 }]),
      node("gnode3", 3, [{ freeKiB: 0.8 * GiB }, { freeKiB: 0.5 * GiB }]),
    );
    const e = noSpace(() => placeBricks(topo, req(1)));
    assert.equal(e.reason, "insufficient-space");
    assert.match(e.message, /^No space for a 1 GiB replica 3 volume: /);
    assert.match(e.message, /replica 3 needs 3 nodes with an online device that has more than 1\.01 GiB free/);
    assert.match(e.message, /only 2 qualify/);
    assert.match(e.message, /largest free elsewhere: gnode3\/gnode3-d1 with 819\.20 MiB/);
    assert.match(e.message, /under the 1 GiB minimum brick size/);
    assert.equal(e.details.neededKiB, 1056768);
    assert.deepEqual(e.details.largestFree, { nodeId: "gnode3", deviceId: "gnode3-d1", freeKiB: 0.8 * GiB });
    assert.equal(e.details.limit?.kind, "min-brick-size");
  });

  it("names the zones that lack space under strict zone checking", function () {
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 100 }]),
      node("gnode2", 1, [{ freeGiB: 100 }]),
      node("gnode3", 2, [{ freeGiB: 100 }]),
      node("gnode4", 3, [{ freeKiB: 0.5 * GiB }]),
    );
    const e = noSpace(() => placeBricks(topo, req(10, replica3, { zoneChecking: "strict" })));
    assert.equal(e.reason, "insufficient-space");
    assert.match(e.message, /with strict zone checking replica 3 needs 3 zones with an online device that has more than 1\.26 GiB free/);
    assert.match(e.message, /only 2 zones qualify; largest free in another zone: gnode4\/gnode4-d1 with 512\.00 MiB/);
    assert.deepEqual([e.details.requiredZones, e.details.qualifyingZones], [3, 2]);
  });

  it("says when only the arbiter brick has nowhere to go", function () {
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 100 }], { tags: { arbiter: "disabled" } }),
      node("gnode2", 2, [{ freeGiB: 100 }], { tags: { arbiter: "disabled" } }),
      node("gnode3", 3, [{ freeGiB: 100 }], { tags: { arbiter: "disabled" } }),
      node("witness", 4, [{ freeKiB: 10 * 1024, tags: { arbiter: "required" } }]),
    );
    const e = noSpace(() => placeBricks(topo, req(10, { type: "replicate", replica: 3, arbiter: true })));
    assert.equal(e.reason, "insufficient-space");
    assert.match(e.message, /the arbiter brick \(512\.00 MiB\) needs an arbiter-capable device with more than 516\.00 MiB free/);
    assert.match(e.message, /no node has one; largest free: witness\/witness-d1 with 10\.00 MiB/);
  });

  it("explains a volume that fits set by set until the devices run out", function () {
    const e = noSpace(() => placeBricks(grid(3, 2, 500), req(2500)));
    assert.equal(e.reason, "insufficient-space");
    assert.match(e.message, /placed 2 of 8 replica 3 sets of 312\.50 GiB bricks before devices ran out/);
    assert.match(e.message, /more sets would exceed 32 bricks per volume/);
    assert.deepEqual(
      e.details.attempts.map((a) => [a.sets, a.placedSets]),
      [
        [1, 0],
        [2, 0],
        [4, 0],
        [8, 2],
      ],
    );
    assert.equal(e.details.limit?.kind, "max-bricks");
  });

  it("refuses when the volume already has too many bricks for another set", function () {
    const e = noSpace(() => placeBricks(grid(3, 2, 500), req(10, replica3, { existingBricks: 30 })));
    assert.equal(e.reason, "max-bricks");
    assert.match(e.message, /on top of the existing 30 would exceed the limit of 32 bricks per volume/);
  });

  it("refuses a volume too small to make minimum-size bricks", function () {
    const e = noSpace(() => placeBricks(grid(6, 1, 500), req(3, { type: "disperse", data: 4, redundancy: 2 })));
    assert.equal(e.reason, "min-brick-size");
    assert.match(e.message, /768\.00 MiB, below the minimum brick size of 1 GiB/);
  });

  it("skips offline and failed nodes and devices, and nodes the monitor saw down", function () {
    const topo = topology(
      node("gnode1", 1, [{ freeGiB: 100 }]),
      node("gnode2", 2, [{ freeGiB: 100 }]),
      node("offline", 3, [{ freeGiB: 900 }], { state: "offline" }),
      node("failed", 3, [{ freeGiB: 900 }], { state: "failed" }),
      node("down", 3, [{ freeGiB: 900 }], { up: false }),
      node("gnode3", 3, [
        { freeGiB: 900, state: "offline" },
        { freeGiB: 800, state: "failed" },
        { id: "gnode3-ok", freeGiB: 50 },
      ]),
    );
    const set = placeBricks(topo, req(10)).sets[0]!;
    assert.deepEqual(set.map((b) => b.deviceId).sort(), ["gnode1-d1", "gnode2-d1", "gnode3-ok"]);
    const dead = topology(node("gnode1", 1, [{ freeGiB: 100 }], { state: "offline" }), node("gnode2", 2, [{ freeGiB: 100, state: "failed" }]));
    const e = noSpace(() => placeBricks(dead, req(10)));
    assert.equal(e.reason, "no-devices");
    assert.match(e.message, /no online device on an online node/);
  });
});

describe("placement: device tag filters", function () {
  const tagged = () =>
    topology(
      node("gnode1", 1, [{ id: "g1-ssd", freeGiB: 100, tags: { disk: "ssd" } }, { id: "g1-hdd", freeGiB: 900 }], { tags: { disk: "hdd" } }),
      node("gnode2", 2, [{ id: "g2-ssd", freeGiB: 100, tags: { disk: "ssd" } }, { id: "g2-hdd", freeGiB: 900, tags: { disk: "hdd" } }]),
      node("gnode3", 3, [{ id: "g3-ssd", freeGiB: 100 }, { id: "g3-bare", freeGiB: 900, tags: {} }], { tags: { disk: "ssd" } }),
    );

  it("keeps only devices matching key=value, device tags overriding node tags", function () {
    const set = placeBricks(tagged(), req(10, replica3, { deviceTagMatch: "disk=ssd" })).sets[0]!;
    // g3-bare inherits disk=ssd from its node and has the most space
    assert.deepEqual(set.map((b) => b.deviceId).sort(), ["g1-ssd", "g2-ssd", "g3-bare"]);
  });

  it("keeps devices without the value for key!=value, including ones without the key", function () {
    const topo = tagged();
    topo.nodes[2]!.tags = {};
    const set = placeBricks(topo, req(10, replica3, { deviceTagMatch: "disk!=ssd" })).sets[0]!;
    assert.deepEqual(set.map((b) => b.deviceId).sort(), ["g1-hdd", "g2-hdd", "g3-bare"]);
  });

  it("says so when the filter matches nothing, or too few nodes", function () {
    const none = noSpace(() => placeBricks(tagged(), req(10, replica3, { deviceTagMatch: "disk=nvme" })));
    assert.equal(none.reason, "tag-filter");
    assert.match(none.message, /the device tag filter "disk=nvme" matches none of the 6 online devices/);
    const few = noSpace(() => placeBricks(tagged(), req(10, replica3, { deviceTagMatch: "disk=hdd" })));
    assert.equal(few.reason, "tag-filter");
    assert.match(few.message, /matching "disk=hdd".*leaves only 2 of 3/);
  });

  it("rejects a malformed filter as bad input, not as no space", function () {
    assert.throws(
      () => placeBricks(tagged(), req(10, replica3, { deviceTagMatch: "disk" })),
      (e: unknown) => e instanceof Error && !(e instanceof NoSpaceError) && /invalid device tag filter/.test(e.message),
    );
  });
});

describe("placement: determinism and balance", function () {
  it("gives the same answer for the same input, whatever the order of nodes and devices", function () {
    const topo = grid(9, 3, 700, (i) => (i % 3) + 1);
    const a = placeBricks(topo, req(3000));
    assert.deepEqual(placeBricks(topo, req(3000)), a);
    const shuffled: Topology = {
      nodes: [...topo.nodes].reverse().map((n) => ({ ...n, devices: [...n.devices].reverse() })),
    };
    assert.deepEqual(placeBricks(shuffled, req(3000)), a);
  });

  it("does not modify the topology it is given", function () {
    const topo = grid(3, 2, 500);
    const before = structuredClone(topo);
    const p = placeBricks(topo, req(100));
    assert.deepEqual(topo, before);
    const after = applyPlacement(topo, p);
    assert.deepEqual(topo, before);
    const used = after.nodes.flatMap((n) => n.devices).filter((d) => d.freeKiB < 500 * GiB);
    assert.equal(used.length, 3);
  });

  it("spreads many small volumes evenly over 3 nodes with 2 devices each", function () {
    let topo = grid(3, 2, 100);
    const count = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const p = placeBricks(topo, req(5));
      for (const b of bricks(p)) count.set(b.deviceId, (count.get(b.deviceId) ?? 0) + 1);
      topo = applyPlacement(topo, p);
    }
    assert.equal(count.size, 6);
    assert.deepEqual([...count.values()], [6, 6, 6, 6, 6, 6]);
    const free = topo.nodes.flatMap((n) => n.devices.map((d) => d.freeKiB));
    assert.equal(Math.max(...free) - Math.min(...free), 0);
  });

  it("spreads volumes over a larger cluster by free space, never stacking a node while others are empty", function () {
    let topo = grid(12, 2, 1000, (i) => (i % 4) + 1);
    const perNode = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const p = placeBricks(topo, req(50));
      for (const b of bricks(p)) perNode.set(b.nodeId, (perNode.get(b.nodeId) ?? 0) + 1);
      topo = applyPlacement(topo, p);
    }
    // 8 volumes x 3 bricks over 12 nodes: exactly 2 bricks per node
    assert.equal(perNode.size, 12);
    assert.ok([...perNode.values()].every((v) => v === 2), JSON.stringify([...perNode]));
  });

  it("fills a fresh cluster of identical devices node by node, not one node's devices first", function () {
    let topo = grid(6, 4, 1000, (i) => ((i - 1) % 3) + 1);
    const first = placeBricks(topo, req(10));
    topo = applyPlacement(topo, first);
    const second = placeBricks(topo, req(10));
    const firstNodes = first.sets[0]!.map((b) => b.nodeId);
    const secondNodes = second.sets[0]!.map((b) => b.nodeId);
    assert.deepEqual(firstNodes, ["gnode1", "gnode2", "gnode3"]);
    assert.deepEqual(secondNodes, ["gnode4", "gnode5", "gnode6"]);
  });

  it("places a 30 TiB volume on 1,000 nodes x 20 devices in well under a second", function () {
    const topo = grid(1000, 20, 4096, (i) => (i % 5) + 1);
    const t0 = process.hrtime.bigint();
    const p = placeBricks(topo, req(30000));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(bricks(p).length, 24);
    assert.equal(distinct(bricks(p).map((b) => b.nodeId)), 24);
    assert.ok(ms < 500, `took ${ms.toFixed(1)} ms`);
  });
});

describe("placement: expanding a volume", function () {
  it("places the added size as new sets of the same durability", function () {
    const p = placeBricks(grid(3, 2, 500), req(100, replica3, { existingBricks: 3 }));
    assert.equal(p.sets.length, 1);
    assert.equal(p.brickKiB, 100 * GiB);
  });

  it("counts the volume's existing bricks against the brick limit", function () {
    const topo = grid(3, 4, 4000);
    // 6000 GiB needs 2 sets of 3000 GiB (6 bricks)
    assert.equal(bricks(placeBricks(topo, req(6000, replica3, { existingBricks: 26 }))).length, 6);
    const e = noSpace(() => placeBricks(topo, req(6000, replica3, { existingBricks: 27 })));
    assert.equal(e.reason, "max-bricks");
    assert.match(e.message, /^No space to expand a replica 3 volume \(27 bricks\) by 6000 GiB/);
    assert.match(e.message, /the 2 brick sets needed for bricks of at most 4096 GiB \(6 bricks\) on top of the existing 27/);
  });
});

describe("placement: input validation", function () {
  const topo = grid(3, 1, 100);
  const bad: Array<[string, PlacementRequest, RegExp]> = [
    ["replica 0", req(10, { type: "replicate", replica: 0 }), /replica count must be 1, 2 or 3/],
    ["replica 4", req(10, { type: "replicate", replica: 4 }), /replica count must be 1, 2 or 3/],
    ["arbiter on replica 2", req(10, { type: "replicate", replica: 2, arbiter: true }), /arbiter volumes must be replica 3/],
    ["disperse 3+1", req(10, { type: "disperse", data: 3, redundancy: 1 }), /unsupported disperse combination 3\+1/],
    ["size 0", req(0), /size must be a whole number of GiB >= 1/],
    ["snapshot factor 0.5", req(10, replica3, { snapshotFactor: 0.5 }), /snapshot factor must be between 1 and 100/],
    ["negative existing bricks", req(10, replica3, { existingBricks: -1 }), /existing brick count/],
  ];
  for (const [what, request, msg] of bad) {
    it(`rejects ${what} as bad input`, function () {
      assert.throws(
        () => placeBricks(topo, request),
        (e: unknown) => e instanceof Error && !(e instanceof NoSpaceError) && msg.test(e.message),
      );
    });
  }

  it("rejects duplicate device ids and devices filed under the wrong node", function () {
    const dup = grid(3, 1, 100);
    dup.nodes[1]!.devices[0]!.id = "gnode1-d1";
    assert.throws(() => placeBricks(dup, req(10)), /device gnode1-d1 appears twice/);
    const wrong = grid(3, 1, 100);
    wrong.nodes[1]!.devices[0]!.nodeId = "gnode3";
    assert.throws(() => placeBricks(wrong, req(10)), /says it is on node gnode3 but is listed under node gnode2/);
  });

  it("rejects limits that would make the sizing loop meaningless", function () {
    assert.throws(() => placeBricks(topo, req(10), { ...defaultLimits, brickMinSizeGiB: 0 }), /brickMinSizeGiB must be a positive number/);
    assert.throws(() => placeBricks(topo, req(10), { ...defaultLimits, brickMinSizeGiB: 8, brickMaxSizeGiB: 4 }), /is larger than/);
  });
});
