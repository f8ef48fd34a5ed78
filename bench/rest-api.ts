/**
 * REST API benchmark: our server (`serve --executor sim`, simulated nodes) against the real Heketi
 * v10.3.0 (its mock executor), both as separate processes on loopback, same topology (3 nodes × 2
 * devices), same client (signed requests, a fresh JWT each, as Heketi's Go client does).
 *
 *   read:   N sequential GET /volumes/{id} of one replica-3 volume           → requests/s, p50, p99
 *   create: M volume creates (1 GiB replica 3), C at a time, each POST + polls of /queue every 5 ms
 *           until the 303, then the GET of the volume                          → creates/s, p50, p99
 *
 *   node dist/bench/rest-api.js [--reads 1000] [--creates 40] [--concurrency 4] [--rounds 3]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { heketiRequest, startHeketi, topologyOn } from "../test/support/heketi-server";
import { startServe } from "./serve-process";

const ADMIN = "pgfs-test-admin-secret"; // the keys of test/fixtures/heketi-mock.json, for both servers
const USER = "pgfs-test-user-secret";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

interface Server {
  name: string;
  url: string;
  stop(): Promise<void>;
}

function startOurs(): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-bench-ours-"));
  return startServe(["--ledger", path.join(dir, "ledger.db"), "--admin-key", ADMIN, "--user-key", USER, "--executor", "sim"]);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function createVolume(url: string): Promise<{ id: string; ms: number }> {
  const t0 = performance.now();
  const r = await heketiRequest(url, ADMIN, "POST", "/volumes", { size: 1, durability: { type: "replicate", replicate: { replica: 3 } }, snapshot: { enable: true, factor: 1 } });
  if (r.status !== 202) throw new Error(`POST /volumes: ${r.status} ${r.text}`);
  const loc = r.headers.get("location")!;
  for (;;) {
    const q = await heketiRequest(url, ADMIN, "GET", loc);
    if (q.status === 303) {
      const v = await heketiRequest(url, ADMIN, "GET", q.headers.get("location")!);
      return { id: (JSON.parse(v.text) as { id: string }).id, ms: performance.now() - t0 };
    }
    if (q.status !== 200) throw new Error(`${loc}: ${q.status} ${q.text}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

async function deleteVolume(url: string, id: string): Promise<void> {
  const r = await heketiRequest(url, ADMIN, "DELETE", `/volumes/${id}`);
  const loc = r.headers.get("location")!;
  for (;;) {
    const q = await heketiRequest(url, ADMIN, "GET", loc);
    if (q.status === 204) return;
    if (q.status !== 200) throw new Error(`${loc}: ${q.status} ${q.text}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

interface Result {
  readsPerSec: number;
  readP50: number;
  readP99: number;
  createsPerSec: number;
  createP50: number;
  createP99: number;
}

async function round(s: Server, reads: number, creates: number, concurrency: number): Promise<Result> {
  const probe = await createVolume(s.url);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    const r = await heketiRequest(s.url, ADMIN, "GET", `/volumes/${probe.id}`);
    if (r.status !== 200) throw new Error(`GET volume: ${r.status}`);
    lat.push(performance.now() - t);
  }
  const readSec = (performance.now() - t0) / 1000;
  const made: Array<{ id: string; ms: number }> = [];
  let next = 0;
  const c0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < creates) {
        next++;
        made.push(await createVolume(s.url));
      }
    }),
  );
  const createSec = (performance.now() - c0) / 1000;
  for (const v of [probe, ...made]) await deleteVolume(s.url, v.id);
  const cl = made.map((m) => m.ms);
  return { readsPerSec: reads / readSec, readP50: pct(lat, 50), readP99: pct(lat, 99), createsPerSec: creates / createSec, createP50: pct(cl, 50), createP99: pct(cl, 99) };
}

const med = (xs: number[]) => pct(xs, 50);

async function main(): Promise<void> {
  const reads = arg("reads", 1000);
  const creates = arg("creates", 40);
  const concurrency = arg("concurrency", 4);
  const rounds = arg("rounds", 3);
  const heketi = await startHeketi();
  const servers: Server[] = [await startOurs(), { name: "heketi", url: heketi.url, stop: heketi.stop }];
  try {
    for (const s of servers) await topologyOn(s.url, ADMIN);
    const results: Record<string, Result[]> = { ours: [], heketi: [] };
    for (let r = 0; r < rounds; r++) {
      // alternate the order each round so neither server always runs on a warmer machine
      for (const s of r % 2 ? [...servers].reverse() : servers) results[s.name].push(await round(s, reads, creates, concurrency));
    }
    const row = (name: string) => {
      const rs = results[name];
      return {
        readsPerSec: med(rs.map((x) => x.readsPerSec)),
        readP50: med(rs.map((x) => x.readP50)),
        readP99: med(rs.map((x) => x.readP99)),
        createsPerSec: med(rs.map((x) => x.createsPerSec)),
        createP50: med(rs.map((x) => x.createP50)),
        createP99: med(rs.map((x) => x.createP99)),
      };
    };
    const o = row("ours");
    const h = row("heketi");
    console.log(`REST API, ${rounds} rounds (medians); reads: ${reads} sequential GET /volumes/{id}; creates: ${creates} replica-3 1 GiB, ${concurrency} at a time, polled every 5 ms`);
    console.log(`  server   reads/s   read p50   read p99   creates/s   create p50   create p99`);
    for (const [n, x] of [["ours", o], ["heketi", h]] as const) {
      console.log(`  ${n.padEnd(7)} ${x.readsPerSec.toFixed(0).padStart(8)} ${x.readP50.toFixed(2).padStart(8)}ms ${x.readP99.toFixed(2).padStart(8)}ms ${x.createsPerSec.toFixed(1).padStart(11)} ${x.createP50.toFixed(0).padStart(10)}ms ${x.createP99.toFixed(0).padStart(10)}ms`);
    }
    console.log(`  ratio ours/heketi: reads/s ${(o.readsPerSec / h.readsPerSec).toFixed(2)}x, creates/s ${(o.createsPerSec / h.createsPerSec).toFixed(2)}x, create p50 ${(o.createP50 / h.createP50).toFixed(2)}x`);
    console.log(`  (ours runs the engine's real scripts through the simulated nodes; Heketi's mock executor runs nothing)`);
  } finally {
    for (const s of servers) await s.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
