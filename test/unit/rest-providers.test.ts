import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clusterProvider, deviceProvider, nodeProvider, volumeProvider } from "../../provider/dynamic/shims";
import { volumeRequest } from "../../provider/dynamic/rest-backend";
import { volume } from "../../provider/resources/volume";
import { FakeHeketi, ID, KEY, volumeJson } from "../support/fake-heketi";

const rest = (url = "http://127.0.0.1:1", extra: Record<string, unknown> = {}) => ({ rest: { url, user: "admin", key: KEY, pollIntervalMs: 50, ...extra } });
const engine = { ledgerPath: "/tmp/pgfs-never-created.db", ssh: { user: "root", port: 22, sudo: false, privateKey: "k" } };
const props = (fs: { property: string }[] | undefined) => (fs ?? []).map((f) => f.property).sort();

describe("dynamic providers with a REST cluster: check and diff", function () {
  it("a REST connection checks, with admin and a 400 ms poll by default", async function () {
    const r = await clusterProvider.check!({}, { connection: { rest: { url: "http://heketi:8080", key: "s" } } });
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.inputs.connection, { rest: { url: "http://heketi:8080", user: "admin", key: "s", pollIntervalMs: 400 } });
    assert.equal(r.inputs.file, true);
  });

  it("refuses ssh or a ledger next to rest, a bad URL, another user, a missing key, and a cluster name", async function () {
    const both = await clusterProvider.check!({}, { connection: { rest: { url: "http://h:8080", key: "s" }, ssh: { privateKey: "k" }, ledgerPath: "/x.db" } });
    assert.deepEqual(both.failures?.map((f) => f.reason.split(":")[0]).sort(), ["connection.ledgerPath", "connection.ssh"]);
    assert.match(both.failures![0].reason, /does not apply to a rest cluster.*give ssh or rest, not both/);
    const bad = await clusterProvider.check!({}, { connection: { rest: { url: "ftp://h/?a=1", user: "user" } }, name: "c1" });
    const reasons = bad.failures!.map((f) => f.reason).join("\n");
    assert.match(reasons, /connection\.rest\.url: must be an http:\/\/ or https:\/\/ URL/);
    assert.match(reasons, /connection\.rest\.user: must be admin/);
    assert.match(reasons, /connection\.rest\.key: give the REST key/);
    assert.match(reasons, /name: a Heketi cluster has no name/);
  });

  it("refuses per-node SSH settings on a REST cluster's node, naming the field", async function () {
    const n = { connection: rest(), clusterId: ID("a"), manageHostname: "h1", storageHostname: "10.0.0.1", zone: 1 };
    assert.deepEqual((await nodeProvider.check!({}, n)).failures, []);
    const r = await nodeProvider.check!({}, { ...n, ssh: { hostKeyFingerprint: `SHA256:${"A".repeat(43)}` } });
    assert.deepEqual(props(r.failures), ["ssh"]);
    assert.match(r.failures![0].reason, /per-node SSH settings do not apply to a rest cluster/);
    // the engine still takes them
    assert.deepEqual((await nodeProvider.check!({}, { ...n, connection: engine, ssh: { port: 2222 } })).failures, []);
  });

  it("refuses what Heketi's API cannot change: a node's zone, a volume's options (unless the resource is replaced anyway)", async function () {
    const n = (await nodeProvider.check!({}, { connection: rest(), clusterId: ID("a"), manageHostname: "h1", storageHostname: "10.0.0.1", zone: 1 })).inputs;
    const z = await nodeProvider.check!(n, { ...n, zone: 2 });
    assert.deepEqual(props(z.failures), ["zone"]);
    assert.match(z.failures![0].reason, /cannot change the zone of a node \(1 → 2\)/);
    assert.deepEqual((await nodeProvider.check!(n, { ...n, zone: 2, storageHostname: "10.0.0.9" })).failures, [], "a replace may change the zone");
    assert.deepEqual((await nodeProvider.check!(n, { ...n, tags: { rack: "r1" } })).failures, [], "tags can change");
    const en = { ...n, connection: engine };
    assert.deepEqual((await nodeProvider.check!(en, { ...en, zone: 2 })).failures, [], "the engine changes zones in place");

    const v = (await volumeProvider.check!({}, { connection: rest(), clusterId: ID("a"), name: "data", sizeGiB: 2 })).inputs;
    const o = await volumeProvider.check!(v, { ...v, options: [{ key: "performance.quick-read", value: "off" }] });
    assert.deepEqual(props(o.failures), ["options"]);
    assert.match(o.failures![0].reason, /cannot change the options of an existing volume/);
    assert.deepEqual((await volumeProvider.check!(v, { ...v, name: "data2", options: [{ key: "a.b", value: "on" }] })).failures, []);
    const s = await volumeProvider.check!(v, { ...v, sizeGiB: 1 });
    assert.match(s.failures![0].reason, /cannot shrink \(2 → 1 GiB\)/);
    assert.deepEqual((await volumeProvider.check!(v, { ...v, sizeGiB: 3 })).failures, []);
  });

  it("diff: a new REST URL or key, or a move between the engine and REST, updates in place; another ledger location is no change at all", async function () {
    const update = { changes: true, replaces: [], deleteBeforeReplace: true };
    const c = { connection: rest("http://a:8080"), file: true, block: false };
    assert.deepEqual(await clusterProvider.diff!("id", c, { ...c, connection: rest("http://b:8080") }), update);
    assert.deepEqual(await clusterProvider.diff!("id", c, { ...c, connection: rest("http://a:8080", { key: "other" }) }), update);
    assert.deepEqual(await clusterProvider.diff!("id", { ...c, connection: engine }, c), update);
    assert.deepEqual(await clusterProvider.diff!("id", c, { ...c, connection: engine }), update);
    const none = { changes: false, replaces: [], deleteBeforeReplace: true };
    assert.deepEqual(await clusterProvider.diff!("id", { ...c, connection: engine }, { ...c, connection: { ...engine, ledgerPath: "/other.db" } }), none);
    const v = { connection: engine, clusterId: ID("a"), name: "data", sizeGiB: 1 };
    assert.deepEqual(await volumeProvider.diff!("id", v, { ...v, connection: { ...engine, ledgerPath: "/other.db" } }), none);
    assert.deepEqual((await volumeProvider.diff!("id", v, { ...v, connection: { ...engine, ledgerPath: "/other.db" }, name: "d2" })).replaces, ["name"]);
    assert.deepEqual(await clusterProvider.diff!("id", c, { ...c }), { changes: false, replaces: [], deleteBeforeReplace: true });
  });

  it("maps volume inputs to Heketi's VolumeCreateRequest", function () {
    const base = volume.rest.parse({ connection: rest(), clusterId: ID("a"), name: "data", sizeGiB: 2 });
    assert.deepEqual(volumeRequest(base), { size: 2, name: "data", clusters: [ID("a")], durability: { type: "replicate", replicate: { replica: 3 } }, snapshot: { enable: false, factor: 1 } });
    const arb = volume.rest.parse({ ...base, durability: { type: "replicate", replica: 3, arbiter: true }, gid: 2001, snapshotFactor: 1.5, options: [{ key: "performance.quick-read", value: "off" }] });
    assert.deepEqual(volumeRequest(arb), {
      size: 2,
      name: "data",
      clusters: [ID("a")],
      durability: { type: "replicate", replicate: { replica: 3 } },
      gid: 2001,
      glustervolumeoptions: ["performance.quick-read off", "user.heketi.arbiter true"],
      snapshot: { enable: true, factor: 1.5 },
    });
    assert.deepEqual(volumeRequest(volume.rest.parse({ ...base, durability: { type: "disperse", data: 4, redundancy: 2 } })).durability, { type: "disperse", disperse: { data: 4, redundancy: 2 } });
    assert.deepEqual(volumeRequest(volume.rest.parse({ ...base, durability: { type: "none" } })).durability, { type: "none" });
  });
});

describe("dynamic providers with a REST cluster: what they ask the server", function () {
  this.timeout(20_000);
  let srv: FakeHeketi;
  const accepted = (q: string) => ({ status: 202, headers: { Location: `/queue/${q}` } });

  beforeEach(async () => (srv = await new FakeHeketi().start()));
  afterEach(() => srv.stop());

  it("device delete: online → offline → failed (Heketi moves its bricks) → DELETE", async function () {
    const d = ID("d");
    let state = "online";
    srv.on((m, p) => (m === "GET" && p === `/devices/${d}` ? { status: 200, body: { name: "/dev/vdb", storage: { total: 1, free: 1, used: 0 }, id: d, state, bricks: [] } } : undefined))
      .on((m, p, b) => (m === "POST" && p === `/devices/${d}/state` ? ((state = JSON.parse(b).state), accepted("s")) : undefined))
      .on((m, p) => (m === "DELETE" && p === `/devices/${d}` ? accepted("s") : undefined))
      .on((m, p) => (p === "/queue/s" ? { status: 204 } : undefined));
    await deviceProvider.delete!(d, { connection: rest(srv.url), nodeId: ID("b"), path: "/dev/vdb" });
    assert.deepEqual(
      srv.seen.filter((s) => !s.path.startsWith("/queue")).map((s) => `${s.method} ${s.path} ${s.body}`.trim()),
      [`GET /devices/${d}`, `POST /devices/${d}/state {"state":"offline"}`, `POST /devices/${d}/state {"state":"failed"}`, `DELETE /devices/${d}`],
    );
  });

  it("deleting what the server no longer has succeeds without further requests", async function () {
    srv.on(() => ({ status: 404, body: "Id not found\n" }));
    await deviceProvider.delete!(ID("d"), { connection: rest(srv.url) });
    await nodeProvider.delete!(ID("b"), { connection: rest(srv.url) });
    await volumeProvider.delete!(ID("e"), { connection: rest(srv.url) });
    await clusterProvider.delete!(ID("c"), { connection: rest(srv.url) });
    assert.deepEqual(srv.paths(), [`GET /devices/${ID("d")}`, `GET /nodes/${ID("b")}`, `DELETE /volumes/${ID("e")}`, `DELETE /clusters/${ID("c")}`]);
  });

  it("node delete: refused while the server lists devices; else disabled, then deleted", async function () {
    const n = ID("b");
    let devices: unknown[] = [{ name: "/dev/vdb", storage: { total: 1, free: 1, used: 0 }, id: ID("d"), state: "online", bricks: [] }];
    srv.on((m, p) => (m === "GET" && p === `/nodes/${n}` ? { status: 200, body: { zone: 1, hostnames: { manage: ["m1"], storage: ["10.0.0.1"] }, cluster: ID("c"), id: n, state: "online", devices } } : undefined))
      .on((m, p) => (m !== "GET" && p.startsWith(`/nodes/${n}`) ? accepted("n") : undefined))
      .on((m, p) => (p === "/queue/n" ? { status: 204 } : undefined));
    await assert.rejects(nodeProvider.delete!(n, { connection: rest(srv.url) }), /still has devices .*\(\/dev\/vdb\) on the server: delete them first/);
    devices = [];
    await nodeProvider.delete!(n, { connection: rest(srv.url) });
    assert.deepEqual(srv.paths().filter((p) => !p.includes("/queue/")), [`GET /nodes/${n}`, `GET /nodes/${n}`, `POST /nodes/${n}/state`, `DELETE /nodes/${n}`]);
  });

  it("refresh: a volume the server forgot is gone; drift in size is reported; other errors are errors", async function () {
    const v = ID("e");
    let reply: { status: number; body: string | object } = { status: 200, body: volumeJson(v, 5) };
    srv.on((m, p) => (p === `/volumes/${v}` ? reply : undefined));
    const state = { connection: rest(srv.url), clusterId: ID("c"), name: "data", sizeGiB: 2, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [] };
    const r = await volumeProvider.read!(v, state);
    assert.equal(r.id, v);
    assert.equal(r.inputs?.sizeGiB, 5);
    assert.equal(r.props?.mountDevice, "10.0.0.1:data");
    assert.equal(r.props?.backupVolfileServers, "10.0.0.2,10.0.0.3");
    reply = { status: 404, body: "Id not found\n" };
    assert.equal((await volumeProvider.read!(v, state)).id, "");
    reply = { status: 404, body: "Invalid path or request\n" };
    await assert.rejects(volumeProvider.read!(v, state), /Invalid path or request/);
    reply = { status: 500, body: "boom\n" };
    await assert.rejects(volumeProvider.read!(v, state), /boom/);
  });

  it("an update (e.g. after a new URL) fails clearly when that server does not know the resource", async function () {
    srv.on(() => ({ status: 404, body: "Id not found\n" }));
    const c = { connection: rest(srv.url), file: true, block: false };
    await assert.rejects(clusterProvider.update!(ID("c"), c, c), new RegExp(`cluster ${ID("c")} is not known to the server at ${srv.url}: a new URL or key must reach the same server`));
    // moving from the engine to a server that does not hold the ids: refused, nothing deleted
    await assert.rejects(volumeProvider.update!(ID("e"), { connection: engine, clusterId: ID("c"), name: "data", sizeGiB: 1 }, { connection: rest(srv.url), clusterId: ID("c"), name: "data", sizeGiB: 1 }), /volume e{32} is not known to the server/);
    assert.deepEqual(srv.paths(), [`GET /clusters/${ID("c")}`, `GET /volumes/${ID("e")}`]);
  });

  it("moving from a REST server to an engine ledger that does not hold the ids is refused", async function () {
    const ledgerPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-rest-to-engine-")), "ledger.db");
    const to = { ...engine, ledgerPath };
    await assert.rejects(nodeProvider.update!(ID("b"), { connection: rest(srv.url), zone: 1 }, { connection: to, clusterId: ID("c"), manageHostname: "h1", storageHostname: "10.0.0.1", zone: 1 }), /node \(moving from the REST server at http:\/\/127\.0\.0\.1:\d+ to the ledger .*\) b{32} not found/);
  });

  it("update expands by what the server's volume lacks", async function () {
    const v = ID("e");
    srv.on((m, p) => (m === "GET" && p === `/volumes/${v}` ? { status: 200, body: volumeJson(v, 3) } : undefined))
      .on((m, p) => (m === "POST" && p === `/volumes/${v}/expand` ? accepted("x") : undefined))
      .on((m, p) => (p === "/queue/x" ? { status: 303, headers: { Location: `/volumes/${v}` } } : undefined));
    const base = { connection: rest(srv.url), clusterId: ID("c"), name: "data", durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [] };
    const r = await volumeProvider.update!(v, { ...base, sizeGiB: 2 }, { ...base, sizeGiB: 5 });
    assert.equal(srv.seen.find((s) => s.path.endsWith("/expand"))?.body, JSON.stringify({ expand_size: 2 }));
    assert.equal(r.outs?.volumeId, v);
  });
});
