import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Database from "better-sqlite3";
import { Ledger } from "../../provider/ledger/ledger";
import { MIGRATIONS } from "../../provider/ledger/schema";
import { ConflictError, NotFoundError, newId } from "../../provider/model";

describe("ledger: the SQLite source of truth", function () {
  let dir: string;
  let ledger: Ledger;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-ledger-"));
    ledger = new Ledger(path.join(dir, "ledger.db"));
  });
  afterEach(() => ledger.close());

  function node(clusterId: string, i: number) {
    return ledger.insertNode({ id: newId(), clusterId, manageHost: `gnode${i}`, storageHost: `10.77.0.${10 + i}`, zone: i, tags: {}, ssh: {}, state: "online" });
  }

  it("creates its schema in WAL mode, syncing every commit to disk, and records the schema version", function () {
    assert.equal(ledger.db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(ledger.db.pragma("synchronous", { simple: true }), 2, "synchronous = FULL");
    assert.equal((ledger.db.prepare("SELECT value FROM meta WHERE key='schema_version'").get() as { value: string }).value, String(MIGRATIONS.length));
  });

  it("upgrades a version-1 ledger in place: bricks keep their rows and gain an (empty) thin pool name", function () {
    ledger.close();
    const file = path.join(dir, "v1.db");
    const db = new Database(file);
    db.exec(MIGRATIONS[0]);
    db.prepare("INSERT INTO meta(key, value) VALUES ('schema_version', '1')").run();
    const [c, n, d, v, b] = [newId(), newId(), newId(), newId(), newId()];
    const t = new Date().toISOString();
    db.prepare("INSERT INTO clusters(id, created_at) VALUES (?, ?)").run(c, t);
    db.prepare("INSERT INTO nodes(id, cluster_id, manage_host, storage_host, zone, state, created_at) VALUES (?,?,?,?,?,?,?)").run(n, c, "gnode1", "10.77.0.11", 1, "online", t);
    db.prepare("INSERT INTO devices(id, node_id, path, state, created_at) VALUES (?,?,?,?,?)").run(d, n, "/dev/vdb", "online", t);
    db.prepare("INSERT INTO volumes(id, cluster_id, name, size_gib, durability, state, created_at) VALUES (?,?,?,?,?,?,?)").run(v, c, "v", 1, '{"type":"none"}', "online", t);
    db.prepare("INSERT INTO bricks(id, volume_id, device_id, node_id, path, size_kib, tp_kib, meta_kib, set_index, position, subtype, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .run(b, v, d, n, "/x", 1048576, 1048576, 8192, 0, 0, "data", "ready");
    db.close();
    ledger = new Ledger(file);
    assert.equal(ledger.getMeta("schema_version"), String(MIGRATIONS.length));
    const [brick] = ledger.listBricks(v);
    assert.equal(brick.id, b);
    assert.equal(brick.thinPool, undefined, "NULL thin_pool: the engine uses tp_<brick id>");
  });

  it("reopens an existing ledger without re-running migrations", function () {
    const c = ledger.insertCluster({ file: true, block: false });
    ledger.close();
    ledger = new Ledger(path.join(dir, "ledger.db"));
    assert.equal(ledger.getCluster(c.id).id, c.id);
  });

  it("refuses a ledger written by a newer release", function () {
    ledger.close();
    const db = new Database(path.join(dir, "ledger.db"));
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    assert.throws(() => new Ledger(path.join(dir, "ledger.db")), /newer than this release knows/);
    ledger = new Ledger(":memory:");
  });

  it("uses 32-hex ids like Heketi", function () {
    assert.match(ledger.insertCluster({ file: true, block: false }).id, /^[0-9a-f]{32}$/);
  });

  it("refuses a management or storage hostname already used by another node", function () {
    const c = ledger.insertCluster({ file: true, block: false });
    const n = node(c.id, 1);
    assert.throws(() => node(c.id, 1), (e: Error) => e instanceof ConflictError && e.message.includes(n.id));
  });

  it("refuses the same device path twice on a node", function () {
    const c = ledger.insertCluster({ file: true, block: false });
    const n = node(c.id, 1);
    const d = { nodeId: n.id, path: "/dev/vdb", state: "online" as const, totalKiB: 100, freeKiB: 100, usedKiB: 0, extentKiB: 4096, pvUuid: null, tags: {} };
    ledger.insertDevice({ id: newId(), ...d });
    assert.throws(() => ledger.insertDevice({ id: newId(), ...d }), ConflictError);
  });

  it("reserves and returns device space", function () {
    const c = ledger.insertCluster({ file: true, block: false });
    const n = node(c.id, 1);
    const id = newId();
    ledger.insertDevice({ id, nodeId: n.id, path: "/dev/vdb", state: "online", totalKiB: 1000, freeKiB: 1000, usedKiB: 0, extentKiB: 4096, pvUuid: null, tags: {} });
    ledger.reserveOnDevice(id, 300);
    assert.deepEqual([ledger.getDevice(id).freeKiB, ledger.getDevice(id).usedKiB], [700, 300]);
    ledger.reserveOnDevice(id, -300);
    assert.deepEqual([ledger.getDevice(id).freeKiB, ledger.getDevice(id).usedKiB], [1000, 0]);
  });

  it("journals an operation's steps in order", function () {
    const op = ledger.beginOperation("create-volume", newId(), { a: 1 });
    ledger.recordStep(op.id, "create bricks", "done");
    ledger.recordStep(op.id, "gluster volume create", "failed", "boom");
    ledger.setOperationStatus(op.id, "rolled-back", "boom");
    assert.deepEqual(ledger.listSteps(op.id).map((s) => [s.seq, s.name, s.status]), [[1, "create bricks", "done"], [2, "gluster volume create", "failed"]]);
    assert.equal(ledger.getOperation(op.id).status, "rolled-back");
    assert.deepEqual(ledger.getOperation(op.id).plan, { a: 1 });
  });

  it("says which id was not found", function () {
    assert.throws(() => ledger.getVolume("0".repeat(32)), (e: Error) => e instanceof NotFoundError && /volume 0{32} not found/.test(e.message));
  });
});
