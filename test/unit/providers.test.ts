import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { clusterProvider, deviceProvider, nodeProvider, volumeProvider } from "../../provider/dynamic/shims";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UNKNOWN } from "../../provider/dynamic/runtime";
import { repoRoot } from "../../devtools/lab/paths";

// require-from-string ships with @pulumi/pulumi: it is how the provider process loads __provider
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

const connection = { ledgerPath: "/tmp/pgfs-never-created.db", ssh: { user: "root", port: 22, sudo: false, privateKey: "k" } };

describe("dynamic providers: serialized shims", function () {
  for (const [kind, p] of Object.entries({ cluster: clusterProvider, node: nodeProvider, device: deviceProvider, volume: volumeProvider })) {
    it(`serializes the ${kind} provider small, with no local-module capture, and loads it back`, async function () {
      const sf = await pulumi.runtime.serializeFunction(() => p, { allowSecrets: true });
      assert.ok(sf.text.length < 4096, `${sf.text.length} chars`);
      assert.doesNotMatch(sf.text, /require\("\.\//);
      assert.doesNotMatch(sf.text, /ssh2|better-sqlite3/);
      assert.ok(!sf.text.includes(repoRoot()), "no path of the machine that ran the program goes into the state");
      const loaded = requireFromString(sf.text).handler();
      for (const m of ["check", "diff", "create", "read", "update", "delete"] as const) assert.equal(typeof loaded[m], "function", m);
    });
  }

  it("a round-tripped volume provider checks inputs: bad values fail naming the field, nothing touched", async function () {
    const sf = await pulumi.runtime.serializeFunction(() => volumeProvider, { allowSecrets: true });
    const p = requireFromString(sf.text).handler();
    const clusterId = "a".repeat(32);
    const bad = await p.check!({}, { connection, clusterId, name: "x; rm -rf /", sizeGiB: 0 });
    const props = (bad.failures ?? []).map((f) => f.property).sort();
    assert.deepEqual(props, ["name", "sizeGiB"]);
    assert.match(bad.failures!.find((f) => f.property === "sizeGiB")!.reason, /at least 1 GiB/);
    const ok = await p.check!({}, { connection, clusterId, name: "data", sizeGiB: 2 });
    assert.deepEqual(ok.failures, []);
    assert.deepEqual((ok.inputs as { durability: unknown }).durability, { type: "replicate", replica: 3, arbiter: false });
  });

  it("refuses to shrink a volume at check (so preview fails with the reason)", async function () {
    const p = (await pulumi.runtime.serializeFunction(() => volumeProvider, { allowSecrets: true })).text;
    const v = requireFromString(p).handler();
    const base = { connection, clusterId: "a".repeat(32), name: "data" };
    const r = await v.check!({ ...base, sizeGiB: 5 }, { ...base, sizeGiB: 3 });
    assert.equal(r.failures?.[0]?.property, "sizeGiB");
    assert.match(r.failures![0].reason, /cannot shrink/);
  });

  it("during preview, checks what is known and leaves what is still unknown for up", async function () {
    const ok = await volumeProvider.check!({}, { connection: UNKNOWN, clusterId: UNKNOWN, name: "data", sizeGiB: 1 });
    assert.deepEqual(ok.failures, []);
    const bad = await nodeProvider.check!({}, { connection: UNKNOWN, clusterId: UNKNOWN, manageHostname: "h1", storageHostname: "10.0.0.1", zone: 0 });
    assert.deepEqual(bad.failures?.map((f) => f.property), ["zone"]);
  });

  it("during preview, a volume whose pool is unknown (a device added in the same run) still gets its defaults: growing it is an update, not a replace", async function () {
    const olds = { connection, clusterId: "a".repeat(32), name: "data", sizeGiB: 1, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [], pool: { clusterId: "a".repeat(32), nodes: [] } };
    const checked = await volumeProvider.check!(olds, { connection, clusterId: "a".repeat(32), name: "data", sizeGiB: 2, pool: UNKNOWN });
    assert.deepEqual(checked.failures, []);
    assert.deepEqual([checked.inputs.gid, checked.inputs.snapshotFactor, checked.inputs.pool], [0, 1, UNKNOWN]);
    const d = await volumeProvider.diff!("id", olds, checked.inputs);
    assert.deepEqual([d.changes, d.replaces], [true, []]);
  });

  describe("diff says exactly what a change does", function () {
    const base = { connection, clusterId: "a".repeat(32), name: "data", sizeGiB: 2, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [] };
    it("no change: no diff", async () => assert.deepEqual(await volumeProvider.diff!("id", base, { ...base }), { changes: false, replaces: [], deleteBeforeReplace: true }));
    it("size up: an update of sizeGiB only", async () => assert.deepEqual(await volumeProvider.diff!("id", base, { ...base, sizeGiB: 3 }), { changes: true, replaces: [], deleteBeforeReplace: true }));
    it("durability: a replace", async () => assert.deepEqual((await volumeProvider.diff!("id", base, { ...base, durability: { type: "disperse", data: 2, redundancy: 1 } })).replaces, ["durability"]));
    it("options: an update", async () => assert.deepEqual((await volumeProvider.diff!("id", base, { ...base, options: [{ key: "a.b", value: "on" }] })).replaces, []));
    it("a device path change replaces the device; tags update it", async function () {
      const d = { connection, nodeId: "b".repeat(32), path: "/dev/vdb", destroyData: false, tags: {} };
      assert.deepEqual((await deviceProvider.diff!("id", d, { ...d, path: "/dev/vdc" })).replaces, ["path"]);
      assert.deepEqual(await deviceProvider.diff!("id", d, { ...d, tags: { a: "b" } }), { changes: true, replaces: [], deleteBeforeReplace: true });
    });
    it("a node's storage hostname replaces it; its zone updates it", async function () {
      const n = { connection, clusterId: "a".repeat(32), manageHostname: "h1", storageHostname: "10.0.0.1", zone: 1, tags: {}, ssh: {} };
      assert.deepEqual((await nodeProvider.diff!("id", n, { ...n, storageHostname: "10.0.0.9" })).replaces, ["storageHostname"]);
      assert.deepEqual((await nodeProvider.diff!("id", n, { ...n, zone: 2 })).replaces, []);
      assert.equal((await nodeProvider.diff!("id", n, { ...n, zone: 2 })).changes, true);
    });
  });

  describe("the stack is the unit, not the folder", function () {
    const pool = { clusterId: "a".repeat(32), nodes: [{ nodeId: "c".repeat(32), manageHostname: "h1", storageHostname: "10.0.0.1", zone: 1, tags: {}, ssh: {} }] };
    const v = { clusterId: "a".repeat(32), name: "data", sizeGiB: 2, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [] };
    const at = (ledgerPath: string) => ({ ...connection, ledgerPath });

    it("another folder (another ledger location) plans no change at all", async function () {
      const olds = { ...v, connection: at("/home/ci/run-1/infra/.pulumi-glusterfs/p-s.db"), pool };
      for (const p of ["/home/me/infra/.pulumi-glusterfs/p-s.db", ".pulumi-glusterfs/p-s.db"]) {
        assert.deepEqual(await volumeProvider.diff!("id", olds, { ...olds, connection: at(p) }), { changes: false, replaces: [], deleteBeforeReplace: true });
      }
      const grown = { ...pool, nodes: [...pool.nodes, { ...pool.nodes[0], nodeId: "d".repeat(32), manageHostname: "h2", storageHostname: "10.0.0.2" }] };
      assert.equal((await volumeProvider.diff!("id", olds, { ...olds, pool: grown })).changes, false, "where the nodes are is not a change of the volume");
    });

    it("a state from before this release (absolute ledger path, no pool) upgrades in place, never replaced", async function () {
      const olds = { ...v, connection: at("/home/me/infra/.pulumi-glusterfs/p-s.db") };
      assert.deepEqual(await volumeProvider.diff!("id", olds, { ...olds, connection: at(".pulumi-glusterfs/p-s.db"), pool }), { changes: true, replaces: [], deleteBeforeReplace: true });
      const n = { connection: at("/abs/p-s.db"), clusterId: "a".repeat(32), manageHostname: "h1", storageHostname: "10.0.0.1", zone: 1, tags: {}, ssh: {} };
      assert.deepEqual(await nodeProvider.diff!("id", n, { ...n, connection: at("rel/p-s.db"), pool: { ...pool, nodes: [] } }), { changes: true, replaces: [], deleteBeforeReplace: true });
      const c = { connection: at("/abs/p-s.db"), file: true, block: false };
      assert.deepEqual(await clusterProvider.diff!("id", c, { ...c, connection: at("rel/p-s.db") }), { changes: false, replaces: [], deleteBeforeReplace: true });
    });

    it("without its ledger and without a pool in its state, a volume is neither read as gone nor deleted: the call fails and creates no ledger", async function () {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-noledger-")), "missing", "p-s.db");
      const olds = { ...v, connection: at(file), volumeId: "e".repeat(32) };
      await assert.rejects(volumeProvider.read!("e".repeat(32), olds), /does not exist, and this resource's state does not say where the cluster's nodes are/);
      await assert.rejects(volumeProvider.delete!("e".repeat(32), olds), /does not exist/);
      assert.ok(!fs.existsSync(file), "no empty ledger was created");
    });
  });
});
