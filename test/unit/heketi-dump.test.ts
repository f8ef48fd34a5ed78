import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseVolumeInfoXml } from "../../provider/commands/parsers";
import * as G from "../../provider/commands/gluster";
import * as Brick from "../../provider/commands/brick";
import { brickMountPoint, brickPath, fstabLine, lvName, vgName } from "../../provider/commands/layout";
import { ensureLineInFile, script, sh } from "../../provider/commands/shell";
import { SimExecutor } from "../../devtools/sim/sim-executor";
import { Engine } from "../../provider/engine";
import { FakeExecutor } from "../support/fake-executor";
import {
  exportDump, GENERATION_META_KEY, HEKETI_CHANGE, HEKETI_DB_ATTRIBUTES, HEKETI_OP_TYPE, HeketiDump, importDump, ImportOptions, parseHeketiDump,
} from "../../provider/heketi/dump";
import { Ledger } from "../../provider/ledger/ledger";
import { ConflictError, ValidationError } from "../../provider/model";
import { checkImported, glusterVolumeInfoXml } from "../support/heketi-dump-scenario";
import { seeded } from "../support/seeded";

const FIXTURE = path.join(__dirname, "..", "..", "..", "test", "fixtures", "heketi", "export-v10.json");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
/** A fresh copy of the real heketi v10 export (test/smoke/heketi-dump.test.ts makes and checks it). */
const fixture = (): Json => JSON.parse(fs.readFileSync(FIXTURE, "utf8"));
const SET_SIZES = { data: 3, arb: 3, ec: 3, grow: 3 };
/** What `gluster volume info --xml` would answer for the fixture's volumes. */
const glusterOf = (dump: Json, sizes: Record<string, number> = SET_SIZES) => parseVolumeInfoXml(glusterVolumeInfoXml(parseHeketiDump(dump), sizes));
const volumeNamed = (dump: Json, name: string): [string, Json] => Object.entries(dump.volumeentries).find(([, v]) => (v as Json).Info.name === name) as [string, Json];

/** An engine over a new, empty ledger: the import writes through it (nothing runs on the nodes). */
function emptyEngine(): Engine {
  return new Engine({ ledgerPath: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-import-")), "ledger.db"), executor: new FakeExecutor() });
}

/** The fixture imported into a new ledger, with gluster's brick order. */
function importedFixture(): { engine: Engine; ledger: Ledger; dump: Json } {
  const engine = emptyEngine();
  const dump = fixture();
  importDump(engine, dump, { glusterVolumes: glusterOf(dump) });
  return { engine, ledger: engine.ledger, dump };
}

function assertNothingWritten(ledger: Ledger): void {
  assert.deepEqual([ledger.listClusters().length, ledger.listNodes().length, ledger.listDevices().length, ledger.listVolumes().length, ledger.listOperations().length], [0, 0, 0, 0, 0]);
}

/** Import must refuse: a ValidationError whose issues include `field` with a rule matching `rule`; nothing written. */
function assertRefused(dump: unknown, field: string | RegExp, rule: RegExp, opts: ImportOptions = {}): ValidationError {
  const engine = emptyEngine();
      const ledger = engine.ledger;
  let caught: unknown;
  try {
    importDump(engine, dump, opts);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ValidationError, `expected a ValidationError, got ${String(caught)}`);
  const hit = caught.issues.find((i) => (typeof field === "string" ? i.field === field : field.test(i.field)) && rule.test(i.rule));
  assert.ok(hit, `no issue ${field} ~ ${rule} in:\n${caught.message}`);
  assertNothingWritten(ledger);
  ledger.close();
  return caught;
}

/** Heketi's own quirks our export does not reproduce: "" option entries, defaults in the unused durability branch. */
function withoutHeketiNoise(dump: Json): Json {
  for (const v of Object.values(dump.volumeentries) as Json[]) {
    v.GlusterVolumeOptions = v.GlusterVolumeOptions.filter((o: string) => o !== "");
    const d = v.Info.durability;
    if (d.type !== "replicate") d.replicate = {};
    if (d.type !== "disperse") d.disperse = {};
  }
  return dump;
}

describe("heketi db dump: migrating a Heketi installation into the ledger, and back", function () {
  describe("a real heketi v10 export (heketi db export, fixture)", function () {
    it("imports into an empty ledger with Heketi's ids: 1 cluster, 3 nodes, 6 devices, 4 volumes, 15 bricks, every size and brick path", function () {
      const engine = emptyEngine();
      const ledger = engine.ledger;
      const dump = fixture();
      const report = importDump(engine, dump, { glusterVolumes: glusterOf(dump) });
      assert.deepEqual([report.clusters, report.nodes, report.devices, report.volumes, report.bricks], [1, 3, 6, 4, 15]);
      assert.deepEqual(report.skipped, []);
      assert.deepEqual(report.warnings, []);
      checkImported(ledger, parseHeketiDump(dump));
      assert.equal(report.generationId, dump.dbattributeentries.DB_GENERATION_ID.Value);
      assert.equal(ledger.getMeta(GENERATION_META_KEY), report.generationId);
      const [op] = ledger.listOperations();
      assert.deepEqual([op.type, op.status, op.id], ["import-heketi", "done", report.operationId], "the import is journaled");
      ledger.close();
    });

    it("keeps the thin pool names Heketi used, which are not always tp_<brick id>", function () {
      const { ledger, dump } = importedFixture();
      const foreign = Object.values(dump.brickentries as Record<string, Json>).filter((b) => b.LvmThinPool !== `tp_${b.Info.id}`);
      assert.ok(foreign.length > 0, "the fixture shows Heketi naming pools after another id");
      for (const b of foreign) assert.equal(ledger.findBrick(b.Info.id)!.thinPool, b.LvmThinPool);
      ledger.close();
    });

    it("exports it again exactly as Heketi did, but for Heketi's empty \"\" options and the unused durability branch", function () {
      const { ledger } = importedFixture();
      const again = exportDump(ledger);
      assert.deepEqual(again, withoutHeketiNoise(fixture()));
      assert.equal(JSON.stringify(again.brickentries), JSON.stringify(fixture().brickentries), "even the key order of Heketi's entries");
      ledger.close();
    });

    it("says what it kept as exported but an operator should know: Heketi's own db volume, a block-hosting volume, a non-IPv4 storage host, accounting drift", function () {
      const dump = fixture();
      const [, ec] = volumeNamed(dump, "ec");
      ec.Info.name = "heketidbstorage";
      ec.Info.block = true;
      const [nodeId, node] = Object.entries(dump.nodeentries)[2] as [string, Json];
      node.Info.hostnames.storage = ["storage3.example.com"];
      const dev = Object.values(dump.deviceentries)[0] as Json;
      dev.Info.storage.free -= 4096;
      const engine = emptyEngine();
      const ledger = engine.ledger;
      const report = importDump(engine, dump, { glusterVolumes: glusterOf(dump, { ...SET_SIZES, heketidbstorage: 3 }) });
      const has = (re: RegExp) => assert.ok(report.warnings.some((w) => re.test(w)), `${re} in ${JSON.stringify(report.warnings, null, 1)}`);
      has(/heketidbstorage holds Heketi's own database/);
      has(/heketidbstorage: a block-hosting volume \(without block volumes\); imported as a file volume/);
      has(/storage hostname storage3\.example\.com is not an IPv4 address/);
      has(new RegExp(`device ${dev.Info.name} \\[${dev.Info.id}\\]: total .* is not free .* \\+ used`));
      assert.equal(ledger.getNode(nodeId).storageHost, "storage3.example.com");
      ledger.close();
    });

    it("refuses a volume of several brick sets without gluster's brick order (a Heketi export does not record the sets), naming the volume and the fix", function () {
      const dump = fixture();
      const [growId] = volumeNamed(dump, "grow");
      const e = assertRefused(dump, `volumeentries.${growId}.Bricks`, /volume grow has 2 brick sets of 3.*gluster volume info --xml/);
      assert.equal(e.issues.length, 1, e.message);
    });

    it("refuses gluster volume info that does not match the export brick for brick", function () {
      const dump = fixture();
      const gluster = glusterOf(dump);
      const grow = gluster.find((g) => g.name === "grow")!;
      grow.bricks[0] = { ...grow.bricks[0], path: "/var/lib/heketi/mounts/vg_x/brick_y/brick", name: "10.0.0.9:/var/lib/heketi/mounts/vg_x/brick_y/brick" };
      const [growId] = volumeNamed(dump, "grow");
      assertRefused(dump, `volumeentries.${growId}.Bricks`, /do not match gluster's volume grow: gluster has 10\.0\.0\.9:.* which the export does not/, { glusterVolumes: gluster });
    });
  });

  describe("our ledger → Heketi's format → a new ledger", function () {
    async function seededWithVolumes() {
      const s = seeded({ nodes: 3, devices: 3, deviceGiB: 200 });
      await s.engine.createVolume({ name: "r3", sizeGiB: 10, durability: { type: "replicate", replica: 3 }, gid: 2000, options: [{ key: "performance.rda-cache-limit", value: "10MB" }] });
      await s.engine.createVolume({ name: "arb", sizeGiB: 5, durability: { type: "replicate", replica: 3, arbiter: true }, snapshotFactor: 1.5 });
      await s.engine.createVolume({ name: "ec", sizeGiB: 4, durability: { type: "disperse", data: 2, redundancy: 1 } });
      await s.engine.createVolume({ name: "plain", sizeGiB: 2, durability: { type: "none" } });
      const grown = await s.engine.createVolume({ name: "grown", sizeGiB: 3, durability: { type: "replicate", replica: 2 } });
      await s.engine.expandVolume(grown.id, 3);
      s.engine.ledger.updateNode(s.nodes[0].id, { tags: { rack: "a" } });
      return s;
    }
    const rows = (l: Ledger) => {
      const strip = <T extends { createdAt?: string }>(x: T) => ({ ...x, createdAt: undefined });
      return {
        clusters: l.listClusters().map(strip),
        nodes: l.listNodes().map(strip),
        devices: l.listDevices().map(strip),
        volumes: l.listVolumes().map(strip),
        bricks: l.listVolumes().flatMap((v) => l.listBricks(v.id)),
      };
    };

    it("round trip (replicate 3, arbiter, disperse 2+1, distribute, an expanded replica 2): export, import, export again is identical, and so are the rows", async function () {
      const s = await seededWithVolumes();
      const first = exportDump(s.engine.ledger, { brickSets: true });
      assert.equal(Object.keys(first.volumeentries).length, 5);
      const engine = emptyEngine();
      const ledger = engine.ledger;
      const report = importDump(engine, JSON.parse(JSON.stringify(first)));
      assert.deepEqual([report.volumes, report.bricks], [5, 3 + 3 + 3 + 1 + 4]);
      assert.deepEqual(exportDump(ledger, { brickSets: true }), first);
      assert.deepEqual(rows(ledger), rows(s.engine.ledger), "sets, positions, subtypes, sizes, tags and states come back as they were");
      ledger.close();
    });

    it("without our x-pgfs brick sets (Heketi's shape only) the one-set volumes come back with the same sets and the expanded one needs gluster's order", async function () {
      const s = await seededWithVolumes();
      const plain = exportDump(s.engine.ledger);
      assert.ok(Object.values(plain.volumeentries).every((v) => !("x-pgfs" in v)));
      const grown = s.engine.ledger.listVolumes().find((v) => v.name === "grown")!;
      assertRefused(plain, `volumeentries.${grown.id}.Bricks`, /volume grown has 2 brick sets of 2/);
      // gluster's order, as `gluster volume info --xml` would print it: set by set
      const bricks = s.engine.ledger.listBricks(grown.id);
      const host = (nodeId: string) => s.engine.ledger.getNode(nodeId).storageHost;
      const xml = `<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><volInfo><volumes><volume><name>grown</name><id>x</id><status>1</status><statusStr>Started</statusStr>` +
        `<brickCount>4</brickCount><type>7</type><typeStr>Distributed-Replicate</typeStr><bricks>` +
        bricks.map((b) => `<brick uuid="u">${host(b.nodeId)}:${b.path}<name>${host(b.nodeId)}:${b.path}</name><hostUuid>u</hostUuid><isArbiter>0</isArbiter></brick>`).join("") +
        `</bricks><optCount>1</optCount><options><option><name>user.heketi.id</name><value>${grown.id}</value></option></options></volume><count>1</count></volumes></volInfo></cliOutput>`;
      const engine = emptyEngine();
      const ledger = engine.ledger;
      importDump(engine, plain, { glusterVolumes: parseVolumeInfoXml(xml) });
      // a one-set volume's data bricks come back ordered by id (Heketi's list order): same sets, arbiter still last
      const sets = (l: Ledger) => ({ ...rows(l), bricks: rows(l).bricks.map((b) => ({ ...b, position: b.subtype === "arbiter" ? "last" : "data" })).sort((a, b) => (a.id < b.id ? -1 : 1)) });
      assert.deepEqual(sets(ledger), sets(s.engine.ledger));
      assert.deepEqual(ledger.listBricks(grown.id).map((b) => [b.id, b.setIndex, b.position]), bricks.map((b) => [b.id, b.setIndex, b.position]), "gluster's order, exactly");
      ledger.close();
    });

    it("writes the attributes a v10 Heketi db carries, and a generation id that stays the same from export to export", async function () {
      const s = await seededWithVolumes();
      const a = exportDump(s.engine.ledger);
      assert.deepEqual(Object.keys(a.dbattributeentries), [...HEKETI_DB_ATTRIBUTES]);
      for (const k of HEKETI_DB_ATTRIBUTES) assert.equal(a.dbattributeentries[k].Key, k);
      assert.match(a.dbattributeentries.DB_GENERATION_ID.Value, /^[0-9a-f]{32}$/);
      assert.deepEqual(exportDump(s.engine.ledger).dbattributeentries, a.dbattributeentries);
      assert.deepEqual(Object.keys(a), ["clusterentries", "volumeentries", "brickentries", "nodeentries", "deviceentries", "blockvolumeentries", "dbattributeentries", "pendingoperations"]);
    });
  });

  describe("refusals: nothing is written", function () {
    it("refuses a ledger that is not empty, as `heketi db import` refuses an existing db file", function () {
      const { engine, ledger, dump } = importedFixture();
      const before = JSON.stringify(exportDump(ledger));
      assert.throws(() => importDump(engine, fixture(), { glusterVolumes: glusterOf(dump) }), (e: Error) => e instanceof ConflictError && /is not empty \(1 clusters, 3 nodes, 6 devices, 4 volumes, 15 bricks\).*new ledger/.test(e.message));
      assert.equal(JSON.stringify(exportDump(ledger)), before);
      assert.equal(ledger.listOperations().length, 1);
      ledger.close();
    });

    it("refuses a malformed entry, naming the entry and the field", function () {
      const dump = fixture();
      const [id, v] = volumeNamed(dump, "data");
      v.Info.size = "10";
      assertRefused(dump, `volumeentries.${id}.Info.size`, /expected number/);

      const d2 = fixture();
      const [nodeId, node] = Object.entries(d2.nodeentries)[0] as [string, Json];
      node.Info.zone = 0;
      node.State = "lost";
      const e = assertRefused(d2, `nodeentries.${nodeId}.State`, /online, offline or failed/);
      assert.match(e.message, /^invalid Heketi export: /);

      const d3 = fixture();
      (Object.values(d3.nodeentries)[0] as Json).Info.zone = 0;
      assertRefused(d3, `nodeentries.${nodeId}.Info.zone`, /must be 1 or more/);

      assertRefused("{not json", "(file)", /is not JSON/);
      assertRefused({ clusterentries: { "not-an-id": { Info: {} } } }, /^clusterentries\.not-an-id/, /.+/);
    });

    it("refuses what the export says but does not hold together: a brick on a device that is not there, a brick outside Heketi's layout (a clone)", function () {
      const dump = fixture();
      const [brickId, brick] = Object.entries(dump.brickentries)[0] as [string, Json];
      brick.Info.device = "f".repeat(32);
      assertRefused(dump, `brickentries.${brickId}.Info.device`, /device f{32} is not in deviceentries/, { glusterVolumes: glusterOf(fixture()) });

      const d2 = fixture();
      const [, data] = volumeNamed(d2, "data");
      const b2 = d2.brickentries[data.Bricks[0]];
      b2.Info.path = `/run/gluster/snaps/abc/brick1/brick`;
      b2.LvmLv = "abc_0";
      const onlyGrow = glusterOf(fixture()).filter((g) => g.name === "grow");
      assertRefused(d2, `brickentries.${data.Bricks[0]}.Info.path`, /not Heketi's layout .*clones cannot be imported/, { glusterVolumes: onlyGrow });
      assertRefused(d2, `brickentries.${data.Bricks[0]}.LvmLv`, /is abc_0, not brick_/, { glusterVolumes: onlyGrow });
    });

    it("refuses an export with block volumes (pulumi-glusterfs does not manage gluster-block)", function () {
      const dump = fixture();
      const bv = "b".repeat(32);
      dump.blockvolumeentries = { [bv]: { Info: { id: bv, name: "blockvol_1", size: 1 } } };
      (Object.values(dump.clusterentries)[0] as Json).Info.blockvolumes = [bv];
      assertRefused(dump, "blockvolumeentries", /1 block volume\(s\) \(blockvol_1\): pulumi-glusterfs does not manage gluster-block volumes/, { glusterVolumes: glusterOf(fixture()) });
    });
  });

  describe("Heketi's pending operations", function () {
    /** The fixture in the middle of two changes: `ec` being created, `grow`'s second set being added. */
    function withPending(): { dump: Json; createOp: string; expandOp: string; ecId: string; growId: string; newBricks: string[] } {
      const dump = fixture();
      const [ecId, ec] = volumeNamed(dump, "ec");
      const [growId, grow] = volumeNamed(dump, "grow");
      const createOp = "c".repeat(32);
      const expandOp = "e".repeat(32);
      ec.Pending.Id = createOp;
      for (const b of ec.Bricks) dump.brickentries[b].Pending.Id = createOp;
      // the set gluster would list second is the one being added
      const order = glusterOf(fixture()).find((g) => g.name === "grow")!.bricks.map((gb) => (Object.values(dump.brickentries) as Json[]).find((b) => b.Info.path === gb.path).Info.id);
      const newBricks = order.slice(3);
      for (const b of newBricks) dump.brickentries[b].Pending.Id = expandOp;
      grow.Info.size = 3; // Heketi adds the expansion to the size when it finishes
      dump.pendingoperations = {
        [createOp]: { Id: createOp, Timestamp: 1700000000, Type: HEKETI_OP_TYPE["create-volume"], Status: "",
          Actions: [{ Change: HEKETI_CHANGE.AddVolume, Id: ecId, Delta: null }, ...ec.Bricks.map((b: string) => ({ Change: HEKETI_CHANGE.AddBrick, Id: b, Delta: null }))] },
        [expandOp]: { Id: expandOp, Timestamp: 1700000000, Type: HEKETI_OP_TYPE["expand-volume"], Status: "failed",
          Actions: [{ Change: HEKETI_CHANGE.ExpandVolume, Id: growId, Delta: 3 }, ...newBricks.map((b: string) => ({ Change: HEKETI_CHANGE.AddBrick, Id: b, Delta: null }))] },
      };
      return { dump, createOp, expandOp, ecId, growId, newBricks };
    }

    it("refuses them by default, saying which and how to clean them up with heketi-cli first", function () {
      const { dump, createOp, expandOp } = withPending();
      const e = assertRefused(dump, "pendingoperations", /2 pending operation\(s\)/, { glusterVolumes: glusterOf(fixture()) });
      assert.match(e.message, new RegExp(`${createOp} \\(create-volume, new\\)`));
      assert.match(e.message, new RegExp(`${expandOp} \\(expand-volume, failed\\)`));
      assert.match(e.message, /heketi-cli server operations cleanup/);
      assert.match(e.message, /pending "skip"/);
    });

    it("with pending: \"skip\", leaves out the volume being created and the bricks being added, and says so", function () {
      const { dump, ecId, growId, newBricks } = withPending();
      // gluster already serving the bricks being added (the add-brick ran): the ledger could not match it, refused
      assertRefused(dump, `volumeentries.${growId}.Bricks`, /gluster has .* which the export does not/, { pending: "skip", glusterVolumes: glusterOf(fixture()) });
      // the usual case: the expansion stopped before add-brick
      const gluster = glusterOf(fixture());
      const gGrow = gluster.find((g) => g.name === "grow")!;
      gGrow.bricks = gGrow.bricks.slice(0, 3);
      const engine = emptyEngine();
      const ledger = engine.ledger;
      const report = importDump(engine, dump, { pending: "skip", glusterVolumes: gluster });
      assert.deepEqual([report.volumes, report.bricks], [3, 15 - 3 - 3]);
      assert.equal(ledger.findVolume(ecId), undefined);
      assert.deepEqual(report.skipped.filter((x) => x.kind === "volume").map((x) => x.name), ["ec"]);
      assert.deepEqual(report.skipped.filter((x) => x.kind === "brick" && /being added/.test(x.reason)).map((x) => x.id).sort(), [...newBricks].sort());
      const grow = ledger.getVolume(growId);
      assert.equal(grow.sizeGiB, 3);
      assert.equal(ledger.listBricks(growId).length, 3, "only the set gluster serves");
      assert.ok(report.warnings.some((w) => /skipped bricks keep their space counted as used/.test(w) && newBricks.every((b) => w.includes(`brick_${b}`))));
      ledger.close();
    });
  });

  describe("an imported installation is the engine's to manage", function () {
    function importedEngine() {
      const fake = new FakeExecutor();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-import-engine-"));
      const engine = new Engine({ ledgerPath: path.join(dir, "ledger.db"), executor: fake, ssh: { privateKey: "test-key" } });
      const dump = fixture();
      importDump(engine, dump, { glusterVolumes: glusterOf(dump), ssh: { user: "heketi", sudo: true }, sshByHost: { "node2.example.com": { port: 2222 } } });
      return { engine, fake, dump };
    }

    it("deletes an imported volume: the LVs and the thin pools Heketi created (by Heketi's names), the space back on the devices", async function () {
      const { engine, fake, dump } = importedEngine();
      const foreign = (Object.values(dump.brickentries) as Json[]).find((b) => b.LvmThinPool !== `tp_${b.Info.id}`)!;
      const v = engine.ledger.getVolume(foreign.Info.volume);
      const bricks = engine.ledger.listBricks(v.id);
      const usedBefore = engine.ledger.getDevice(foreign.Info.device).usedKiB;
      await engine.deleteVolume(v.id);
      const scripts = fake.runs.map((r) => r.script).join("\n");
      for (const b of bricks) {
        assert.ok(scripts.includes(`lvremove --autobackup=n -f 'vg_${b.deviceId}/brick_${b.id}'`), `brick LV of ${b.id}`);
        assert.ok(scripts.includes(`lvremove --autobackup=n -f 'vg_${b.deviceId}/${b.thinPool ?? `tp_${b.id}`}'`), `thin pool of ${b.id}`);
        assert.ok(scripts.includes(`umount '${b.path.replace(/\/brick$/, "")}'`));
      }
      assert.ok(scripts.includes(`vg_${foreign.Info.device}/${foreign.LvmThinPool}`));
      assert.ok(!scripts.includes(`tp_${foreign.Info.id}`), "never the pool name Heketi did not use");
      assert.equal(engine.ledger.getDevice(foreign.Info.device).usedKiB, usedBefore - foreign.TpSize - foreign.PoolMetadataSize);
      assert.equal(engine.ledger.findVolume(v.id), undefined);
      await engine.close();
    });

    it("expands an imported volume with a new set, and reaches each node with the SSH settings given at import over the engine's", async function () {
      const { engine, fake, dump } = importedEngine();
      const [dataId] = volumeNamed(dump, "data");
      const v = await engine.expandVolume(dataId, 10);
      assert.equal(v.sizeGiB, 20);
      assert.deepEqual([...new Set(engine.ledger.listBricks(dataId).map((b) => b.setIndex))], [0, 1]);
      assert.ok(fake.runs.some((r) => /volume add-brick 'data'/.test(r.script)));
      const byHost = Object.fromEntries(engine.ledger.listNodes().map((n) => [n.manageHost, engine.target(n)]));
      assert.deepEqual([byHost["node1.example.com"].user, byHost["node1.example.com"].port, byHost["node1.example.com"].sudo], ["heketi", 22, true]);
      assert.deepEqual([byHost["node2.example.com"].user, byHost["node2.example.com"].port], ["heketi", 2222]);
      assert.equal(byHost["node3.example.com"].privateKey, "test-key", "the key comes from the engine's defaults");
      await engine.close();
    });

    it("refuses SSH settings for a host the export does not have", function () {
      assertRefused(fixture(), "ssh settings for node9.example.com", /no node in the export/, { glusterVolumes: glusterOf(fixture()), sshByHost: { "node9.example.com": { port: 22 } } });
    });
  });

  describe("on simulated nodes that Heketi built (SimExecutor)", function () {
    /**
     * Be Heketi on the simulated nodes for the fixture's `data`, `ec` and `grow` volumes: its VGs, its
     * bricks (thin pools named as its export says, some tp_<another id>), fstab lines, mounts, the
     * gluster pool and volumes. Then hand the export to our engine. (Not `arb`: Heketi's 80 MiB arbiter
     * brick is below the 300 MB xfsprogs 6 formats, which the simulation models.)
     */
    async function heketiBuilt() {
      const dump = fixture();
      const sim = new SimExecutor({ deviceSizeGiB: 500 });
      const nodes = Object.values(dump.nodeentries) as Json[];
      const host = (nodeId: string) => dump.nodeentries[nodeId].Info.hostnames.manage[0];
      for (const n of nodes) sim.addHost(n.Info.hostnames.manage[0], { storageHost: n.Info.hostnames.storage[0] });
      const t = (h: string) => ({ host: h, port: 22, user: "root", sudo: false, privateKey: "k" });
      const run = async (h: string, lines: Parameters<typeof script>[0]) => {
        const r = await sim.run(t(h), script(lines));
        assert.equal(r.code, 0, `${h}: ${r.stderr}`);
      };
      for (const d of Object.values(dump.deviceentries) as Json[]) {
        await run(host(d.NodeId), [sh`/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K ${d.Info.name}`, sh`/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n ${vgName(d.Info.id)} ${d.Info.name}`]);
      }
      for (const n of nodes.slice(1)) await run(host(nodes[0].Info.id), [G.peerProbe(n.Info.hostnames.storage[0])]);
      const gluster = glusterOf(dump);
      const DURABILITY = {
        data: { type: "replicate", replica: 3, arbiter: false },
        ec: { type: "disperse", data: 2, redundancy: 1 },
        grow: { type: "replicate", replica: 3, arbiter: false },
      } as const;
      for (const name of ["data", "ec", "grow"] as const) {
        const [id, v] = volumeNamed(dump, name);
        for (const bid of v.Bricks) {
          const b = dump.brickentries[bid];
          const [D, B] = [b.Info.device, b.Info.id];
          await run(host(b.Info.node), [
            sh`mkdir -p ${brickMountPoint(D, B)}`,
            sh`/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize ${b.PoolMetadataSize}K --chunksize 256K --size ${b.TpSize}K --thin ${`${vgName(D)}/${b.LvmThinPool}`} --virtualsize ${b.Info.size}K --name ${lvName(B)}`,
            Brick.mkfsBrick({ deviceId: D, brickId: B, arbiter: b.SubType === 2 }),
            ensureLineInFile(fstabLine(D, B), "/etc/fstab"),
            Brick.mountBrick({ deviceId: D, brickId: B }),
            sh`mkdir ${brickPath(D, B)}`,
          ]);
        }
        const order = gluster.find((g) => g.name === name)!.bricks;
        await run(host(nodes[0].Info.id), G.volumeCreateCommands({
          name, durability: DURABILITY[name],
          bricks: order.map((gb) => ({ host: gb.host, path: gb.path })), volumeId: id,
        }));
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-import-sim-"));
      const engine = new Engine({ ledgerPath: path.join(dir, "ledger.db"), executor: sim, ssh: { privateKey: "test-key" } });
      importDump(engine, dump, { glusterVolumes: parseVolumeInfoXml(await glusterVolumeInfo(sim, host(nodes[0].Info.id))).concat(gluster.filter((g) => g.name === "arb")) });
      return { dump, sim, engine, host };
    }
    async function glusterVolumeInfo(sim: SimExecutor, h: string): Promise<string> {
      return (await sim.run({ host: h, port: 22, user: "root", sudo: false, privateKey: "k" }, script([G.volumeInfo()]))).stdout;
    }

    it("imports with the brick order gluster reports, and deletes imported volumes leaving nothing on the nodes, thin pools named after another id included", async function () {
      const { dump, sim, engine, host } = await heketiBuilt();
      const first = host(Object.keys(dump.nodeentries)[0]);
      const names = ["data", "ec", "grow"];
      const ids = names.map((n) => volumeNamed(dump, n)[0]);
      const bricks = ids.flatMap((id) => dump.volumeentries[id].Bricks).map((b: string) => dump.brickentries[b]);
      assert.ok(bricks.filter((b: Json) => b.LvmThinPool !== `tp_${b.Info.id}`).length >= 3, "some of these bricks sit in a pool named after another id");
      // gluster's order became the ledger's sets (grow: two sets of three)
      for (const [i, id] of ids.entries()) {
        const g = sim.volumes(first).find((v) => v.name === names[i])!;
        assert.deepEqual(engine.ledger.listBricks(id).map((b) => b.path), g.bricks.map((x) => x.path), names[i]);
      }
      for (const id of ids) await engine.deleteVolume(id);
      for (const n of Object.values(dump.nodeentries) as Json[]) {
        const h = n.Info.hostnames.manage[0];
        assert.deepEqual(sim.lvs(h).filter((l) => l.kind !== "spare").map((l) => `${l.vg}/${l.name}`), [], `no brick LV or thin pool left on ${h}`);
        assert.deepEqual(sim.mounts(h).filter((m) => m.fstype === "xfs").map((m) => m.target), [], `no brick mount left on ${h}`);
        assert.deepEqual(sim.fstab(h).filter((l) => l.includes("/var/lib/heketi/mounts/")), [], `no fstab line left on ${h}`);
      }
      assert.deepEqual(sim.volumes(first).map((v) => v.name), []);
      for (const d of engine.ledger.listDevices()) {
        const arbOnIt = engine.ledger.listBricksOnDevice(d.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0);
        assert.equal(d.usedKiB, arbOnIt, `device ${d.id}: only arb's bricks still count`);
      }
      await engine.close();
    });
  });

  describe("operations in flight, exported as Heketi's pending operations", function () {
    it("maps create/expand/delete/evacuate to Heketi's types and changes, marks their volumes and bricks, and says stale once the owner is gone", async function () {
      const s = seeded();
      const hang = () => new Promise<never>(() => undefined);
      const moving = await s.engine.createVolume({ name: "moving", sizeGiB: 1 });
      const evacuated = s.engine.ledger.listBricks(moving.id)[0].deviceId;
      s.engine.ledger.updateDevice(evacuated, { state: "offline" });
      const growing = await s.engine.createVolume({ name: "growing", sizeGiB: 1 });
      const leaving = await s.engine.createVolume({ name: "leaving", sizeGiB: 1 });
      s.fake.on(/lvcreate/, hang).on(/volume info 'leaving'/, hang);
      for (const p of [
        s.engine.createVolume({ name: "creating", sizeGiB: 1 }),
        s.engine.expandVolume(growing.id, 1),
        s.engine.deleteVolume(leaving.id),
        s.engine.removeDevice(evacuated, { evacuate: true }),
      ]) void p.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));

      const dump: HeketiDump = exportDump(s.engine.ledger);
      const ops = s.engine.ledger.listOperations(["running", "committed"]);
      const opOf = (type: string) => ops.find((o) => o.type === type)!;
      const creating = s.engine.ledger.listVolumes().find((v) => v.name === "creating")!;
      const P = dump.pendingoperations;

      const create = P[opOf("create-volume").id];
      assert.equal(create.Type, 1);
      assert.deepEqual(create.Actions.map((a) => [a.Change, a.Id]), [[2, creating.id], ...s.engine.ledger.listBricks(creating.id).map((b) => [1, b.id]).sort((a, b) => (a[1] < b[1] ? -1 : 1))]);
      assert.equal(dump.volumeentries[creating.id].Pending.Id, create.Id);

      const expand = P[opOf("expand-volume").id];
      assert.equal(expand.Type, 3);
      assert.deepEqual(expand.Actions[0], { Change: 5, Id: growing.id, Delta: 1 });
      assert.equal(dump.volumeentries[growing.id].Pending.Id, "", "Heketi does not mark a volume being expanded, only its new bricks");
      const added = s.engine.ledger.listBricksOfOperation(expand.Id);
      for (const b of added) assert.equal(dump.brickentries[b.id].Pending.Id, expand.Id);

      const del = P[opOf("delete-volume").id];
      assert.equal(del.Type, 2);
      assert.deepEqual(del.Actions[0], { Change: 4, Id: leaving.id, Delta: null });
      assert.equal(dump.volumeentries[leaving.id].Pending.Id, del.Id);

      const evac = opOf("evacuate-device");
      const parent = P[evac.id];
      assert.equal(parent.Type, 6);
      assert.deepEqual(parent.Actions[0], { Change: 8, Id: evacuated, Delta: null });
      const child = P[parent.Actions[1].Id];
      assert.equal(parent.Actions[1].Change, 12);
      assert.equal(child.Type, 8);
      const move = (evac.plan as { move: { oldBrickId: string; newBrickId: string } }).move;
      assert.deepEqual(child.Actions, [{ Change: 3, Id: move.oldBrickId, Delta: null }, { Change: 1, Id: move.newBrickId, Delta: null }, { Change: 13, Id: evac.id, Delta: null }]);
      assert.equal(dump.brickentries[move.oldBrickId].Pending.Id, child.Id);

      assert.ok(Object.values(P).every((o) => o.Status === ""), "in flight in this process: new");
      s.engine.ledger.db.prepare("UPDATE operations SET owner_boot = '999999999:0'").run();
      assert.ok(Object.values(exportDump(s.engine.ledger).pendingoperations).every((o) => o.Status === "stale"), "the owner is gone: stale");

      // and our importer refuses this export, as it would Heketi's
      assertRefused(dump, "pendingoperations", /5 pending operation\(s\)/);
    });
  });
});
