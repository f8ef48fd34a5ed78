/**
 * Placement benchmark: 1,000 nodes x 20 devices, 200 replica-3 volumes of mixed sizes placed one
 * after another (each placement's bricks are carved out of the topology before the next, outside
 * the timed region). Runs the module's balanced placer and, as a peer in the same process on an
 * identical topology and volume sequence, a transcription of Heketi's random ring placer.
 *
 *   node dist/bench/placement.js [--nodes 1000] [--devices 20] [--volumes 200] [--seed 42] [--rounds 5]
 */
import { KIB_PER_GIB, Placement, PlacementDevice, PlacementRequest, placeBricks, Topology } from "../provider/placement";
import { ringPlaceBricks, seededRandom } from "./placement-ring";

const TiB = 1024 * KIB_PER_GIB;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function buildTopology(nodes: number, devices: number, sizes: number[]): Topology {
  return {
    nodes: Array.from({ length: nodes }, (_, n) => ({
      id: `node-${String(n).padStart(4, "0")}`,
      zone: (n % 5) + 1,
      state: "online" as const,
      tags: { rack: `r${n % 40}` },
      devices: Array.from({ length: devices }, (_, d) => ({
        id: `node-${String(n).padStart(4, "0")}-dev-${String(d).padStart(2, "0")}`,
        nodeId: `node-${String(n).padStart(4, "0")}`,
        freeKiB: sizes[(n * 7 + d * 3) % sizes.length]!,
        extentKiB: 4096,
        state: (n * devices + d) % 97 === 0 ? ("offline" as const) : ("online" as const),
        tags: {},
      })),
    })),
  };
}

/** Mixed sizes, mostly small like real clusters: 1 GiB .. 30 TiB (30 TiB needs 8 sets of 3,750 GiB). */
function volumeSequence(count: number, seed: number): PlacementRequest[] {
  const sizes = [1, 2, 5, 10, 10, 20, 50, 100, 100, 250, 500, 1000, 2000, 5000, 12000, 30000];
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, () => ({
    sizeGiB: sizes[Math.floor(rnd() * sizes.length)]!,
    durability: { type: "replicate" as const, replica: 3 },
    snapshotFactor: 1,
  }));
}

type Placer = (t: Topology, r: PlacementRequest) => Placement;

interface RunResult {
  timesMs: number[];
  totalMs: number;
  bricks: number;
  sets: number;
  setsSpanning3Zones: number;
  perNodeBricks: Map<string, number>;
  perNodeUsedKiB: Map<string, number>;
  failures: number;
}

function run(placer: Placer, topo: Topology, volumes: PlacementRequest[]): RunResult {
  const byId = new Map<string, PlacementDevice>();
  for (const n of topo.nodes) for (const d of n.devices) byId.set(d.id, d);
  const r: RunResult = {
    timesMs: [],
    totalMs: 0,
    bricks: 0,
    sets: 0,
    setsSpanning3Zones: 0,
    perNodeBricks: new Map(),
    perNodeUsedKiB: new Map(),
    failures: 0,
  };
  for (const v of volumes) {
    const t0 = process.hrtime.bigint();
    let p: Placement | undefined;
    try {
      p = placer(topo, v);
    } catch (e) {
      if ((e as { code?: string }).code !== "NO_SPACE") throw e;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    r.timesMs.push(ms);
    r.totalMs += ms;
    if (!p) {
      r.failures++;
      continue;
    }
    for (const set of p.sets) {
      if (new Set(set.map((b) => b.nodeId)).size !== set.length) throw new Error("two bricks of a set on one node");
      r.sets++;
      if (new Set(set.map((b) => b.zone)).size === 3) r.setsSpanning3Zones++;
      for (const b of set) {
        const d = byId.get(b.deviceId)!;
        if (!(d.freeKiB > b.needKiB)) throw new Error(`device ${d.id} overcommitted`);
        d.freeKiB -= b.needKiB;
        r.bricks++;
        r.perNodeBricks.set(b.nodeId, (r.perNodeBricks.get(b.nodeId) ?? 0) + 1);
        r.perNodeUsedKiB.set(b.nodeId, (r.perNodeUsedKiB.get(b.nodeId) ?? 0) + b.needKiB);
      }
    }
  }
  return r;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarize(name: string, r: RunResult, nodes: number) {
  const s = [...r.timesMs].sort((a, b) => a - b);
  const used = Array.from({ length: nodes }, (_, i) => r.perNodeUsedKiB.get(`node-${String(i).padStart(4, "0")}`) ?? 0);
  const mean = used.reduce((a, b) => a + b, 0) / nodes;
  const sd = Math.sqrt(used.reduce((a, b) => a + (b - mean) ** 2, 0) / nodes);
  const maxBricks = Math.max(0, ...r.perNodeBricks.values());
  return {
    name,
    opsPerSec: (r.timesMs.length / r.totalMs) * 1000,
    p50: pct(s, 50),
    p99: pct(s, 99),
    max: s[s.length - 1]!,
    mean: r.totalMs / r.timesMs.length,
    bricks: r.bricks,
    failures: r.failures,
    zoneSpread: r.sets ? r.setsSpanning3Zones / r.sets : 0,
    nodesUsed: r.perNodeBricks.size,
    maxBricksPerNode: maxBricks,
    usedCv: mean ? sd / mean : 0,
    maxUsedGiB: Math.max(...used) / KIB_PER_GIB,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function medianSummary(rs: ReturnType<typeof summarize>[]): ReturnType<typeof summarize> {
  const out = { ...rs[0]! };
  for (const k of ["opsPerSec", "p50", "p99", "max", "mean"] as const) out[k] = median(rs.map((r) => r[k]));
  return out;
}

function printTable(results: ReturnType<typeof summarize>[], ratio: [number, number, number]) {
  const f = (x: number, d = 3) => x.toFixed(d);
  console.log(
    [
      "  placer".padEnd(26),
      "ops/s".padStart(7),
      "p50 ms".padStart(8),
      "p99 ms".padStart(8),
      "max ms".padStart(8),
      "mean ms".padStart(8),
      "bricks".padStart(7),
      "fail".padStart(5),
      "3-zone sets".padStart(12),
      "nodes used".padStart(11),
      "max bricks/node".padStart(16),
      "node used CV".padStart(13),
    ].join(" "),
  );
  for (const r of results) {
    console.log(
      [
        `  ${r.name}`.padEnd(26),
        f(r.opsPerSec, 0).padStart(7),
        f(r.p50).padStart(8),
        f(r.p99).padStart(8),
        f(r.max).padStart(8),
        f(r.mean).padStart(8),
        String(r.bricks).padStart(7),
        String(r.failures).padStart(5),
        `${f(r.zoneSpread * 100, 1)}%`.padStart(12),
        String(r.nodesUsed).padStart(11),
        String(r.maxBricksPerNode).padStart(16),
        f(r.usedCv, 2).padStart(13),
      ].join(" "),
    );
  }
  console.log(
    `  ratio balanced vs ring (median of per-round ratios): throughput ${f(ratio[0], 2)}x, ` +
      `p50 ${f(ratio[1], 2)}x, p99 ${f(ratio[2], 2)}x (>1 = balanced is faster)`,
  );
}

function main() {
  const nodes = arg("nodes", 1000);
  const devices = arg("devices", 20);
  const count = arg("volumes", 200);
  const seed = arg("seed", 42);
  const roundCount = arg("rounds", 5);
  const volumes = volumeSequence(count, seed);
  const warm = volumeSequence(50, seed + 1);
  const sizes = volumes.map((v) => v.sizeGiB);
  console.log(
    `${nodes} nodes x ${devices} devices (${nodes * devices} devices, 5 zones, ~1% devices offline); ${count} replica-3 volumes of ` +
      `${Math.min(...sizes)}..${Math.max(...sizes)} GiB placed in sequence (seed ${seed}); node ${process.version}; ` +
      `timings are per placeBricks call`,
  );

  const scenarios: Array<[string, number[]]> = [
    ["mixed devices (2, 4, 6, 8 TiB)", [2 * TiB, 4 * TiB, 6 * TiB, 8 * TiB]],
    ["uniform devices (4 TiB)", [4 * TiB]],
  ];
  for (const [title, deviceSizes] of scenarios) {
    const base = buildTopology(nodes, devices, deviceSizes);
    const balanced: Placer = (t, r) => placeBricks(t, r);
    const rng = seededRandom(seed);
    const ring: Placer = (t, r) => ringPlaceBricks(t, r, undefined, rng);

    // warm both up on throwaway copies so neither pays for JIT compilation in the timed run
    run(balanced, structuredClone(base), warm);
    run(ring, structuredClone(base), warm);

    // several rounds, alternating which placer goes first, each on a fresh copy of the topology;
    // the table shows the median of each statistic over the rounds (the machine may be shared)
    const rounds: Array<Record<string, ReturnType<typeof summarize>>> = [];
    for (let round = 0; round < roundCount; round++) {
      const order: Array<[string, Placer]> = [
        ["balanced (this module)", balanced],
        ["heketi ring (baseline)", ring],
      ];
      if (round % 2 === 1) order.reverse();
      const byName: Record<string, ReturnType<typeof summarize>> = {};
      for (const [name, placer] of order) byName[name] = summarize(name, run(placer, structuredClone(base), volumes), nodes);
      rounds.push(byName);
    }
    const results = ["balanced (this module)", "heketi ring (baseline)"].map((name) => medianSummary(rounds.map((r) => r[name]!)));
    const ratios = rounds.map((r) => {
      const a = r["balanced (this module)"]!;
      const b = r["heketi ring (baseline)"]!;
      return [a.opsPerSec / b.opsPerSec, b.p50 / a.p50, b.p99 / a.p99] as const;
    });
    console.log(`\n${title} — timings: median of ${roundCount} rounds; bricks..CV: first round`);
    printTable(results, [median(ratios.map((r) => r[0])), median(ratios.map((r) => r[1])), median(ratios.map((r) => r[2]))]);
  }
}

main();
