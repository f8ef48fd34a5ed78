/**
 * Migration from a real Heketi, with the real binaries (heketi + heketi-cli v10, mock executor):
 * build an installation with heketi-cli, stop heketi, `heketi db export` it, import that into a ledger;
 * and the other way: our export through `heketi db import`, `heketi db consistency-check`, and a heketi
 * serving it (volumes, topology, pending operations as Heketi reads them).
 * PGFS_WRITE_HEKETI_FIXTURE=1 rewrites test/fixtures/heketi/export-v10.json from the fresh export.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Engine } from "../../provider/engine";
import { Ledger } from "../../provider/ledger/ledger";
import { exportDump, HEKETI_CHANGE_DESCRIPTION, heketiOperationName, importDump, parseHeketiDump } from "../../provider/heketi/dump";
import { parseVolumeInfoXml } from "../../provider/commands/parsers";
import { repoRoot } from "../../devtools/lab/paths";
import { checkImported, glusterVolumeInfoXml, TOPOLOGY, VOLUME_COMMANDS } from "../support/heketi-dump-scenario";
import { seeded } from "../support/seeded";
import { freePort, heketiToken } from "../support/heketi-server";
import { simPool } from "../support/sim-cluster";
import { FakeExecutor } from "../support/fake-executor";
import { loadTopology } from "../../provider/heketi/topology-json";

const execFileP = promisify(execFile);
const ADMIN_KEY = "pgfs-test-admin-secret";
const FIXTURE = path.join(repoRoot(), "test", "fixtures", "heketi", "export-v10.json");
const bin = (name: string) => path.join(process.env.PGFS_HEKETI_ROOT ?? "", "bin", name);

/**
 * A heketi on the mock executor, on a free loopback port, with its db at `db` (kept after stop: these
 * tests export it, or start heketi on a db `heketi db import` made; test/support/heketi-server.ts
 * starts a throw-away one).
 */
async function startHeketi(dir: string, db: string): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(dir, "heketi.log"), "a");
  const proc = spawn(bin("heketi"), [`--config=${path.join(repoRoot(), "test", "fixtures", "heketi-mock.json")}`], {
    env: { ...process.env, HEKETI_HTTP_PORT: String(port), HEKETI_DB_PATH: db },
    stdio: ["ignore", log, log],
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/hello`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`heketi did not start: ${fs.readFileSync(path.join(dir, "heketi.log"), "utf8")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    proc,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited; // the db must be closed before `heketi db export` opens it
    },
  };
}

const cliAt = (url: string) => (...args: string[]) => execFileP(bin("heketi-cli"), ["--server", url, "--user", "admin", "--secret", ADMIN_KEY, ...args]);

/** The entries' key paths per section (ids and values left out): what must not drift between Heketi runs. */
function keyShape(dump: Record<string, Record<string, unknown>>): Record<string, string[]> {
  const paths = (x: unknown, prefix: string, out: Set<string>) => {
    if (Array.isArray(x)) x.forEach((y) => paths(y, `${prefix}[]`, out));
    else if (x && typeof x === "object") for (const [k, v] of Object.entries(x)) paths(v, `${prefix}.${/^[0-9a-f]{32}$/.test(k) ? "<id>" : k}`, out);
    else out.add(`${prefix}:${typeof x}`);
  };
  return Object.fromEntries(
    Object.entries(dump).map(([section, entries]) => {
      const out = new Set<string>();
      for (const e of Object.values(entries ?? {})) paths(e, "", out);
      return [section, [...out].sort()];
    }),
  );
}

describe("heketi db export/import: migrating a real Heketi (heketi + heketi-cli v10, mock executor)", function () {
  this.timeout(10 * 60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-heketi-dump-"));
  let exported: ReturnType<typeof parseHeketiDump>;
  let raw: string;

  before(function () {
    for (const b of ["heketi", "heketi-cli"]) assert.ok(fs.existsSync(bin(b)), `${bin(b)} is missing: build it with \`bash scripts/build-heketi.sh\``);
  });

  it("topology load prints what heketi-cli topology load prints, the first time and the second (found) time", async function () {
    const h = await startHeketi(dir, path.join(dir, "topology.db"));
    const theirs: string[][] = [];
    try {
      fs.writeFileSync(path.join(dir, "topology.json"), JSON.stringify(TOPOLOGY));
      for (let i = 0; i < 2; i++) theirs.push((await cliAt(h.url)("topology", "load", `--json=${path.join(dir, "topology.json")}`)).stdout.split("\n"));
    } finally {
      await h.stop();
    }
    const { engine } = simPool();
    const ours: string[][] = [];
    for (let i = 0; i < 2; i++) ours.push((await loadTopology(engine, TOPOLOGY)).lines);
    await engine.close();
    const norm = (lines: string[]) => lines.filter((l) => l !== "").map((l) => l.replace(/[0-9a-f]{32}/g, "<id>"));
    assert.deepEqual(ours.map(norm), theirs.map(norm));
  });

  it("builds an installation with heketi-cli (topology load, 4 volumes, an expansion) and exports it with `heketi db export`", async function () {
    const db = path.join(dir, "heketi.db");
    const h = await startHeketi(dir, db);
    try {
      const cli = cliAt(h.url);
      fs.writeFileSync(path.join(dir, "topology.json"), JSON.stringify(TOPOLOGY));
      const load = await cli("topology", "load", `--json=${path.join(dir, "topology.json")}`);
      assert.match(load.stdout, /Creating cluster \.\.\. ID: [0-9a-f]{32}/);
      assert.equal((load.stdout.match(/Adding device .* OK/g) ?? []).length, 6, load.stdout);
      const ids: Record<string, string> = {};
      for (const argv of VOLUME_COMMANDS) {
        const args = argv.map((a) => a.replace(/<(\w+)>/, (_, n: string) => ids[n]));
        const { stdout } = await cli("--json", ...args);
        const v = JSON.parse(stdout) as { id: string; name: string };
        ids[v.name] = v.id;
      }
    } finally {
      await h.stop();
    }
    const out = path.join(dir, "export.json");
    await execFileP(bin("heketi"), ["db", "export", "--dbfile", db, "--jsonfile", out]);
    raw = fs.readFileSync(out, "utf8");
    exported = parseHeketiDump(raw);
    assert.equal(Object.keys(exported.volumeentries).length, 4);
    if (process.env.PGFS_WRITE_HEKETI_FIXTURE === "1") {
      fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
      fs.writeFileSync(FIXTURE, raw);
    }
  });

  it("exports the same shape as the committed fixture (the unit tests' copy has not drifted from Heketi)", function () {
    const fixture = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));
    assert.deepEqual(keyShape(JSON.parse(raw)), keyShape(fixture));
  });

  it("imports the fresh export into an empty ledger: every count, size, tag and brick path", function () {
    const engine = new Engine({ ledgerPath: path.join(dir, "imported.db"), executor: new FakeExecutor() });
    const ledger = engine.ledger;
    try {
      const gluster = parseVolumeInfoXml(glusterVolumeInfoXml(exported, { data: 3, arb: 3, ec: 3, grow: 3 }));
      const report = importDump(engine, JSON.parse(raw), { glusterVolumes: gluster });
      assert.deepEqual([report.clusters, report.nodes, report.devices, report.volumes, report.bricks], [1, 3, 6, 4, 15]);
      assert.deepEqual(report.warnings, []);
      checkImported(ledger, exported);
    } finally {
      ledger.close();
    }
  });

  it("gives Heketi our export back: `heketi db import` takes it, `heketi db consistency-check` finds nothing, heketi serves it", async function () {
    const ledger = new Ledger(path.join(dir, "imported.db"));
    const ours = path.join(dir, "ours.json");
    fs.writeFileSync(ours, JSON.stringify(exportDump(ledger, { brickSets: true }), null, 4));
    ledger.close();
    const db = path.join(dir, "from-ours.db");
    await execFileP(bin("heketi"), ["db", "import", "--jsonfile", ours, "--dbfile", db]);
    const check = JSON.parse((await execFileP(bin("heketi"), ["db", "consistency-check", "--dbfile", db])).stdout) as { totalinconsistencies: number };
    assert.equal(check.totalinconsistencies, 0, JSON.stringify(check));
    const h = await startHeketi(dir, db);
    try {
      const cli = cliAt(h.url);
      const list = JSON.parse((await cli("--json", "volume", "list")).stdout) as { volumes: string[] };
      assert.deepEqual(list.volumes.sort(), Object.keys(exported.volumeentries).sort());
      const topo = JSON.parse((await cli("--json", "topology", "info")).stdout) as { clusters: Array<{ nodes: Array<{ devices: unknown[] }>; volumes: Array<{ name: string; bricks: unknown[] }> }> };
      assert.equal(topo.clusters[0].nodes.length, 3);
      assert.equal(topo.clusters[0].nodes.flatMap((n) => n.devices).length, 6);
      assert.deepEqual(Object.fromEntries(topo.clusters[0].volumes.map((v) => [v.name, v.bricks.length])), { arb: 3, data: 3, ec: 3, grow: 6 });
      // and heketi can go on working with it: a new volume on the imported devices
      const v = JSON.parse((await cli("--json", "volume", "create", "--size=1", "--name=after")).stdout) as { bricks: unknown[] };
      assert.equal(v.bricks.length, 3);
    } finally {
      await h.stop();
    }
  });

  it("exports operations in flight as pending operations Heketi reads with its own type and change names", async function () {
    const s = seeded();
    const hang = () => new Promise<never>(() => undefined);
    const moving = await s.engine.createVolume({ name: "moving", sizeGiB: 1 });
    // the device to evacuate holds only `moving`'s brick: disabled before the other volumes are placed
    const evacuated = s.engine.ledger.listBricks(moving.id)[0].deviceId;
    s.engine.ledger.updateDevice(evacuated, { state: "offline" });
    await s.engine.createVolume({ name: "settled", sizeGiB: 1 });
    const toExpand = await s.engine.createVolume({ name: "growing", sizeGiB: 1 });
    const toDelete = await s.engine.createVolume({ name: "leaving", sizeGiB: 1 });
    s.fake.on(/lvcreate/, hang).on(/volume info 'leaving'/, hang);
    for (const p of [
      s.engine.createVolume({ name: "creating", sizeGiB: 1 }),
      s.engine.expandVolume(toExpand.id, 1),
      s.engine.deleteVolume(toDelete.id),
      s.engine.removeDevice(evacuated, { evacuate: true }),
    ]) void p.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const dump = exportDump(s.engine.ledger);
    assert.equal(Object.keys(dump.pendingoperations).length, 5, "create, expand, delete, remove-device and its evict-brick child");
    const ours = path.join(dir, "pending.json");
    fs.writeFileSync(ours, JSON.stringify(dump, null, 4));
    const db = path.join(dir, "pending.db");
    await execFileP(bin("heketi"), ["db", "import", "--jsonfile", ours, "--dbfile", db]);
    const h = await startHeketi(dir, db);
    try {
      const cli = cliAt(h.url);
      const list = (await cli("server", "operations", "list")).stdout;
      const seen: Record<string, { type: string; changes: string[] }> = {};
      for (const id of Object.keys(dump.pendingoperations)) {
        assert.match(list, new RegExp(`Id:${id}`), list);
        const r = await fetch(`${h.url}/operations/pending/${id}`, { headers: { Authorization: `bearer ${await heketiToken("admin", ADMIN_KEY, "GET", `/operations/pending/${id}`)}` } });
        assert.equal(r.status, 200, await r.clone().text());
        const info = (await r.json()) as { type_name: string; status: string; changes: Array<{ id: string; description: string }> };
        assert.equal(info.status, "stale", "heketi marks every pending operation stale when it starts");
        seen[id] = { type: info.type_name, changes: [...new Set(info.changes.map((c) => c.description))] };
        // our tables say what heketi says
        assert.equal(heketiOperationName(dump.pendingoperations[id].Type), info.type_name);
        assert.deepEqual(info.changes.map((c) => c.description), dump.pendingoperations[id].Actions.map((a) => HEKETI_CHANGE_DESCRIPTION[a.Change]));
      }
      const byType = Object.fromEntries(Object.values(seen).map((x) => [x.type, x.changes]));
      assert.deepEqual(byType, {
        "create-volume": ["Add volume", "Add brick"],
        "expand-volume": ["Expand volume", "Add brick"],
        "delete-volume": ["Delete volume", "Delete brick"],
        "remove-device": ["Remove device", "Performing child operation"],
        "evict-brick": ["Delete brick", "Add brick", "Belongs to parent operation"],
      });
      const vols = JSON.parse((await cli("--json", "volume", "list")).stdout) as { volumes: string[] };
      assert.deepEqual(vols.volumes.sort(), [toExpand.id, moving.id].concat(s.engine.ledger.listVolumes().filter((v) => v.name === "settled").map((v) => v.id)).sort(),
        "heketi hides the volumes being created and deleted, as we do");
    } finally {
      await h.stop();
    }
    // Heketi's own checker predates the parent/child links its device remove writes (change types 12
    // and 13): a Heketi db in the middle of a device remove gets the same two complaints. Nothing else.
    const check = JSON.parse((await execFileP(bin("heketi"), ["db", "consistency-check", "--dbfile", db])).stdout) as Record<string, { inconsistencies: string[] | null }>;
    const found = Object.values(check).flatMap((x) => (x && typeof x === "object" ? x.inconsistencies ?? [] : []));
    assert.deepEqual(found.map((t) => t.replace(/[0-9a-f]{32}/, "<op>")).sort(), ["Pending Op <op> unexpected change type 12", "Pending Op <op> unexpected change type 13"], JSON.stringify(check, null, 1));
  });
});
