import * as assert from "node:assert/strict";
import { loadServeConfig } from "../../provider/rest/config";
import { authenticate, goDuration } from "../../provider/rest/auth";
import { seeded } from "../support/seeded";
import { ADMIN_KEY, serveEngine, TestServer, token, USER_KEY } from "../support/rest";

const ID = /^[0-9a-f]{32}$/;

describe("REST server (Heketi API) on the engine, fake executor", function () {
  let t: TestServer;
  let s: ReturnType<typeof seeded>;
  beforeEach(async function () {
    s = seeded();
    t = await serveEngine(s.engine);
  });
  afterEach(async function () {
    await t.close();
    await s.engine.close();
  });

  describe("plumbing", function () {
    it("says hello without a token", async function () {
      const r = await t.call("GET", "/hello", undefined, { auth: false });
      assert.equal(r.status, 200);
      assert.equal(r.text, "Hello from Heketi");
      assert.equal(r.headers.get("content-type"), "text/plain; charset=UTF-8");
    });

    it("answers an unknown path with 404, a wrong method with 405, a trailing slash with a redirect", async function () {
      const unknown = await t.call("GET", "/nope");
      assert.equal(unknown.status, 404);
      assert.equal(unknown.text, "Invalid path or request\n");
      assert.equal((await t.call("PUT", "/clusters")).status, 405);
      const slash = await t.call("GET", "/clusters/");
      assert.equal(slash.status, 301);
      assert.equal(slash.headers.get("location"), "/clusters");
    });

    it("refuses a body it cannot parse with 422 and an empty body too", async function () {
      const bad = await t.call("POST", "/clusters", undefined, { rawBody: "{not json" });
      assert.equal(bad.status, 422);
      assert.equal(bad.text, "request unable to be parsed\n");
      assert.equal((await t.call("POST", "/clusters", undefined, { rawBody: "" })).status, 422);
      assert.equal((await t.call("POST", "/volumes", { size: "ten" })).status, 422);
    });

    it("exposes Heketi's metric names without a token", async function () {
      const r = await t.call("GET", "/metrics", undefined, { auth: false });
      assert.equal(r.status, 200);
      for (const m of ["heketi_up 1", "heketi_cluster_count 1", "heketi_nodes_count{", "heketi_device_size_bytes{", "heketi_operations_inFlight_count 0"]) assert.ok(r.text.includes(m), m);
    });
    it("still answers a scrape when the ledger cannot be read, with heketi_up 0", async function () {
      const list = s.engine.ledger.listClusters;
      s.engine.ledger.listClusters = () => { throw new Error("disk I/O error"); };
      try {
        const r = await t.call("GET", "/metrics", undefined, { auth: false });
        assert.equal(r.status, 200);
        assert.match(r.text, /^heketi_up 0$/m);
        assert.doesNotMatch(r.text, /heketi_device_size_bytes\{/);
      } finally {
        s.engine.ledger.listClusters = list;
      }
    });
    it("answers Heketi endpoints it does not implement with 501 and what to do instead, not 'Invalid path'", async function () {
      const id = "0123456789abcdef0123456789abcdef";
      for (const [method, path, text] of [
        ["POST", `/volumes/${id}/clone`, /^Volume clone is not supported by this server/],
        ["GET", "/backup/db", /^backup\/db is not supported .*SQLite/],
        ["GET", "/internal/state/examine/gluster", /^state examine gluster is not supported .*pulumi refresh/],
      ] as const) {
        const r = await t.call(method, path, method === "POST" ? {} : undefined);
        assert.equal(r.status, 501, `${method} ${path}`);
        assert.match(r.text, text);
      }
      for (const [method, path] of [["GET", `/blockvolumes/${id}`], ["DELETE", `/blockvolumes/${id}`], ["POST", `/blockvolumes/${id}/expand`]] as const) {
        const r = await t.call(method, path, method === "POST" ? { new_size: 2 } : undefined);
        assert.deepEqual([r.status, r.text], [404, `Id not found: ${id}\n`], `${method} ${path}`);
      }
      assert.equal((await t.call("POST", `/volumes/${id}/block-restriction`, { restriction: "locked" })).status, 404);
    });
    it("refuses a bad /admin body with 400 and the parser's reason, as Heketi does", async function () {
      const r = await t.call("POST", "/admin", undefined, { rawBody: "{not json" });
      assert.equal(r.status, 400);
      assert.match(r.text, /^request unable to be parsed: /);
      assert.equal((await t.call("POST", "/admin", { state: "sideways" })).status, 400);
      assert.equal((await t.call("POST", "/admin", { state: "local-client" })).status, 204, "the test client is on loopback");
      assert.equal((await t.call("POST", "/admin", { state: "normal" })).status, 204);
    });
  });

  describe("auth (JWT with qsh)", function () {
    it("refuses a request without a token", async function () {
      const r = await t.call("GET", "/clusters", undefined, { auth: false });
      assert.equal(r.status, 401);
      assert.equal(r.text, "Required authorization token not found\n");
    });
    it("refuses a malformed Authorization header with 400", async function () {
      assert.equal((await t.call("GET", "/clusters", undefined, { header: "Basic abc" })).status, 400);
    });
    it("refuses a token signed with the wrong key", async function () {
      const r = await t.call("GET", "/clusters", undefined, { key: "not-the-key" });
      assert.equal(r.status, 401);
      assert.match(r.text, /^Invalid JWT token: signature is invalid \(client and server secrets may not match\)/);
    });
    it("refuses an expired token, and one issued too far in the future", async function () {
      const old = await t.call("GET", "/clusters", undefined, { exp: -90 });
      assert.equal(old.status, 401);
      assert.match(old.text, /^Invalid JWT token: Token is expired by 1m3\ds/);
      const future = await t.call("GET", "/clusters", undefined, { iat: 300 });
      assert.equal(future.status, 401);
      assert.match(future.text, /Token used before issued/);
      assert.equal((await t.call("GET", "/clusters", undefined, { iat: 60 })).status, 200, "60 s of clock skew is within the leeway");
    });
    it("refuses a token made for another path or method (qsh)", async function () {
      const r = await t.call("GET", "/clusters", undefined, { qshFor: { method: "GET", path: "/volumes" } });
      assert.equal(r.status, 401);
      assert.equal(r.text, "Invalid qsh claim in token\n");
      assert.equal((await t.call("DELETE", `/clusters/${s.cluster.id}`, undefined, { qshFor: { method: "GET", path: `/clusters/${s.cluster.id}` } })).status, 401);
    });
    it("refuses a token without iss, with an unknown issuer, or without exp", async function () {
      assert.match((await t.call("GET", "/clusters", undefined, { omit: ["iss"] })).text, /Token missing iss claim/);
      assert.match((await t.call("GET", "/clusters", undefined, { iss: "root", key: "x" })).text, /Unknown user/);
      assert.match((await t.call("GET", "/clusters", undefined, { omit: ["exp"] })).text, /Token is expired by \d+h/);
    });
    it("lets a user token do what a provisioner does, and nothing to the topology", async function () {
      const user = { iss: "user" };
      assert.equal((await t.call("GET", "/volumes", undefined, user)).status, 200);
      assert.equal((await t.call("GET", `/clusters/${s.cluster.id}`, undefined, user)).status, 200);
      const admin = await t.call("POST", "/clusters", {}, user);
      assert.equal(admin.status, 401);
      assert.equal(admin.text, "Administrator access required\n");
      assert.equal((await t.call("DELETE", `/nodes/${s.nodes[0].id}`, undefined, user)).status, 401);
    });
    it("with --user-role heketi, a user token may only touch /volumes itself", async function () {
      await t.close();
      t = await serveEngine(s.engine, { userRole: "heketi" });
      assert.equal((await t.call("GET", "/volumes", undefined, { iss: "user" })).status, 200);
      assert.equal((await t.call("GET", `/clusters/${s.cluster.id}`, undefined, { iss: "user" })).status, 401);
    });
    it("will not start without keys unless told to run without auth", function () {
      assert.throws(() => loadServeConfig({ ledger: "/tmp/x.db", executor: "mock" }, {}), /Missing JWT information/);
      assert.equal(loadServeConfig({ ledger: "/tmp/x.db", executor: "mock", disableAuth: true }, {}).disableAuth, true);
      const c = loadServeConfig({ ledger: "/tmp/x.db", executor: "mock" }, { HEKETI_ADMIN_KEY: "a", HEKETI_USER_KEY: "u", HEKETI_HTTP_PORT: "18081" });
      assert.equal(c.host, "127.0.0.1", "binds to loopback unless told otherwise");
      assert.equal(c.port, 18081);
    });
    it("accepts a token up to its exp second and refuses it the second after, as Heketi does", async function () {
      const tok = await token("GET", "/clusters", { exp: 0 });
      const exp = JSON.parse(Buffer.from(tok.split(".")[1], "base64url").toString()).exp as number;
      const keys = { adminKey: ADMIN_KEY, userKey: USER_KEY, iatLeewaySec: 120 };
      assert.equal(await authenticate(`Bearer ${tok}`, "GET", "/clusters", keys, exp + 0.9), "admin");
      await assert.rejects(authenticate(`Bearer ${tok}`, "GET", "/clusters", keys, exp + 1), /Token is expired by 1s/);
    });
    it("answers 401, never 500, to a token malformed in any part, and runs nothing", async function () {
      const good = await token("GET", "/clusters");
      const [h, p, sig] = good.split(".");
      const runs = s.fake.runs.length;
      for (const bad of [`!!!.${p}.${sig}`, `${h}.!!!.${sig}`, `${h}.${p}.!!!`, `${h}.${p}.`, `.${p}.${sig}`, `${h}..${sig}`, `${Buffer.from("{").toString("base64url")}.${p}.${sig}`,
        `${h}.${Buffer.from("[]").toString("base64url")}.${sig}`, `${h}.${Buffer.from('{"iss":"admin","exp":"soon"}').toString("base64url")}.${sig}`, "a.b.c.d", "."]) {
        const r = await t.call("GET", "/clusters", undefined, { header: `Bearer ${bad}` });
        assert.equal(r.status, 401, `${bad}: ${r.status} ${r.text}`);
        assert.match(r.text, /^Invalid JWT token: /, bad);
      }
      assert.equal(s.fake.runs.length, runs);
    });
    it("prints durations the way Go does", function () {
      assert.equal(goDuration(63), "1m3s");
      assert.equal(goDuration(3600 + 5), "1h0m5s");
      assert.equal(goDuration(7), "7s");
    });
  });

  describe("volumes", function () {
    it("creates a volume asynchronously: 202, pending, then one 303 to the volume, then the id is gone", async function () {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      s.fake.on(/volume create/, async () => {
        await gate;
        return {};
      });
      const r = await t.call("POST", "/volumes", { size: 2, durability: { type: "replicate", replicate: { replica: 3 } }, gid: 2000, snapshot: { enable: true, factor: 1 } });
      assert.equal(r.status, 202);
      const loc = r.headers.get("location")!;
      assert.match(loc, /^\/queue\/[0-9a-f]{32}$/);
      assert.equal(r.text, "");
      const pending = await t.call("GET", loc);
      assert.equal(pending.status, 200);
      assert.equal(pending.headers.get("x-pending"), "true");
      assert.deepEqual((await t.call("GET", "/volumes")).json(), { volumes: [] }, "a volume being created is not listed");
      release();
      const done = await t.wait(loc);
      assert.equal(done.status, 303);
      const volUrl = done.headers.get("location")!;
      assert.match(volUrl, /^\/volumes\/[0-9a-f]{32}$/);
      assert.equal((await t.call("GET", loc)).status, 404, "a finished entry is read once");
      const v = (await t.call("GET", volUrl)).json();
      assert.equal(v.size, 2);
      assert.match(v.name, /^vol_[0-9a-f]{32}$/);
      assert.deepEqual(v.durability, { type: "replicate", replicate: { replica: 3 }, disperse: {} });
      assert.equal(v.gid, 2000);
      assert.equal(v.bricks.length, 3);
      assert.deepEqual(v.mount.glusterfs.hosts.slice().sort(), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
      assert.equal(v.mount.glusterfs.device, `${v.mount.glusterfs.hosts[0]}:${v.name}`);
      assert.deepEqual(v.blockinfo, {});
    });

    it("answers 'no space' at once with 500 and reserves nothing", async function () {
      const r = await t.call("POST", "/volumes", { size: 100000, durability: { type: "replicate", replicate: { replica: 3 } } });
      assert.equal(r.status, 500);
      assert.match(r.text, /^Failed to allocate new volume: No space/);
      assert.equal(s.fake.runs.length, 0);
      assert.equal(s.engine.ledger.listOperations().length, 0);
    });

    it("checks a request the way Heketi does, with its texts", async function () {
      const cases: Array<[unknown, string]> = [
        [{ size: 1, gid: -1 }, "Bad group id less than zero"],
        [{ size: 0 }, "validation failed: size: cannot be blank."], [{ size: -1 }, "validation failed: size: must be no less than 1."],
        [{ size: 1, durability: { type: "mirror" } }, "Unknown durability type"],
        [{ size: 1, durability: { type: "replicate", replicate: { replica: 4 } } }, "Invalid replica value"],
        [{ size: 4, durability: { type: "disperse", disperse: { data: 3, redundancy: 1 } } }, "Invalid dispersion combination: 3+1"],
        [{ size: 1, snapshot: { enable: true, factor: 101 } }, "Invalid snapshot factor"],
        [{ size: 1, clusters: ["0123456789abcdef0123456789abcdef"] }, "Cluster id 0123456789abcdef0123456789abcdef not found"],
        [{ size: 1, name: "x; rm -rf /" }, "validation failed: name: must be in a valid format."],
        [{ size: 1, name: "-xml" }, "validation failed: name: must be in a valid format."],
        // Heketi takes these, then the job fails in gluster after the bricks were built; refused here before anything runs
        [{ size: 1, name: `k8s_monitoring_prometheus-db-0_${"x".repeat(100)}` }, "validation failed: name: the length must be no more than 128 (GlusterFS refuses longer names with Heketi's brick paths)."],
        [{ size: 1, glustervolumeoptions: ["performance.x $(reboot)"] }, "validation failed: glustervolumeoptions"],
        // gluster reads its own flags anywhere on the line: a value or key that looks like one never reaches it
        [{ size: 1, glustervolumeoptions: ["performance.readdir-ahead --version"] }, "validation failed: glustervolumeoptions"],
        [{ size: 1, glustervolumeoptions: ["performance.cache-size --log-file=/tmp/x"] }, "validation failed: glustervolumeoptions"],
        [{ size: 1, glustervolumeoptions: ["--xml on"] }, "validation failed: glustervolumeoptions"],
      ];
      for (const [body, text] of cases) {
        const r = await t.call("POST", "/volumes", body);
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
        assert.ok(r.text.startsWith(text), `${JSON.stringify(body)}: ${r.text}`);
      }
      assert.equal(s.fake.runs.length, 0, "nothing reached a node");
    });

    it("expands and deletes a volume through the queue", async function () {
      const c = await t.call("POST", "/volumes", { size: 1, name: "grow", durability: { type: "replicate", replicate: { replica: 3 } } });
      const volUrl = (await t.wait(c.headers.get("location")!)).headers.get("location")!;
      const e = await t.call("POST", `${volUrl}/expand`, { expand_size: 2 });
      assert.equal(e.status, 202);
      const ed = await t.wait(e.headers.get("location")!);
      assert.equal(ed.status, 303);
      assert.equal((await t.call("GET", volUrl)).json().size, 3);
      const d = await t.call("DELETE", volUrl);
      assert.equal(d.status, 202);
      assert.equal((await t.wait(d.headers.get("location")!)).status, 204);
      assert.equal((await t.call("GET", volUrl)).status, 404);
      for (const dev of s.engine.ledger.listDevices()) assert.equal(dev.usedKiB, 0);
    });

    it("reports a failed build on the queue with the node's error, and rolls back", async function () {
      s.fake.on(/volume create/, { code: 1, stderr: "volume create: v: failed: Staging failed on 10.0.0.2" });
      const c = await t.call("POST", "/volumes", { size: 1, durability: { type: "replicate", replicate: { replica: 3 } } });
      const r = await t.wait(c.headers.get("location")!);
      assert.equal(r.status, 500);
      assert.match(r.text, /Staging failed on 10\.0\.0\.2/);
      assert.deepEqual((await t.call("GET", "/volumes")).json(), { volumes: [] });
      assert.deepEqual((await t.call("GET", "/operations")).json(), { total: 0, in_flight: 0, stale: 0, failed: 0, new: 0 });
    });

    it("throttles: past max in-flight operations it answers 429 with Retry-After", async function () {
      await t.close();
      t = await serveEngine(s.engine, { maxInflight: 2 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      s.fake.on(/volume create/, async () => {
        await gate;
        return {};
      });
      const a = await t.call("POST", "/volumes", { size: 1 });
      const b = await t.call("POST", "/volumes", { size: 1 });
      const c = await t.call("POST", "/volumes", { size: 1 });
      assert.deepEqual([a.status, b.status, c.status], [202, 202, 429]);
      assert.equal(c.text, "Server busy. Retry operation later.\n");
      assert.equal(c.headers.get("retry-after"), "10");
      release();
      await t.wait(a.headers.get("location")!);
      await t.wait(b.headers.get("location")!);
      assert.equal((await t.call("POST", "/volumes", { size: 1 })).status, 202);
    });

    it("takes 50 creates at once: every one succeeds or fails cleanly, no device over-committed, nothing left pending", async function () {
      await t.close();
      await s.engine.close();
      s = seeded({ nodes: 3, devices: 2, deviceGiB: 20 });
      t = await serveEngine(s.engine, { maxInflight: 64 });
      s.fake.on(/lvcreate/, async () => {
        await new Promise((r) => setTimeout(r, Math.random() * 20));
        return {};
      });
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => t.call("POST", "/volumes", { size: 3, name: `pvc_${i}`, durability: { type: "replicate", replicate: { replica: 3 } } })));
      const outcomes = await Promise.all(replies.map(async (r) => (r.status === 202 ? (await t.wait(r.headers.get("location")!)).status : r.status)));
      const ok = outcomes.filter((x) => x === 303).length;
      assert.ok(outcomes.every((x) => x === 303 || x === 500), outcomes.join(","));
      assert.ok(ok > 0 && ok < 50, `some fit and some don't (${ok} of 50 created)`);
      for (const r of replies.filter((x) => x.status === 500)) assert.match(r.text, /^Failed to allocate new volume: No space/);
      for (const d of s.engine.ledger.listDevices()) {
        const bricks = s.engine.ledger.listBricksOnDevice(d.id);
        assert.equal(d.usedKiB, bricks.reduce((a, b) => a + b.tpKiB + b.metaKiB, 0));
        assert.equal(d.usedKiB + d.freeKiB, d.totalKiB);
        assert.ok(d.freeKiB >= 0);
      }
      assert.equal((await t.call("GET", "/volumes")).json().volumes.length, ok);
      assert.deepEqual((await t.call("GET", "/operations")).json(), { total: 0, in_flight: 0, stale: 0, failed: 0, new: 0 });
    });
  });

  describe("topology", function () {
    it("creates a cluster with the flags taken literally, lists and deletes it", async function () {
      const r = await t.call("POST", "/clusters", { file: true });
      assert.equal(r.status, 201);
      const c = r.json();
      assert.match(c.id, ID);
      assert.deepEqual({ ...c, id: "" }, { id: "", nodes: [], volumes: [], block: false, file: true, blockvolumes: [] });
      assert.ok((await t.call("GET", "/clusters")).json().clusters.includes(c.id));
      const d = await t.call("DELETE", `/clusters/${c.id}`);
      assert.equal(d.status, 200);
      const busy = await t.call("DELETE", `/clusters/${s.cluster.id}`);
      assert.equal(busy.status, 409);
      assert.equal(busy.text, `Unable to delete cluster [${s.cluster.id}] because it contains volumes and/or nodes\n`);
    });

    it("refuses a node without a zone, in an unknown cluster, or with a hostname in use", async function () {
      const zone0 = await t.call("POST", "/nodes", { zone: 0, cluster: s.cluster.id, hostnames: { manage: ["m9"], storage: ["10.0.0.9"] } });
      assert.equal(zone0.status, 400);
      assert.match(zone0.text, /^validation failed: zone: cannot be blank/);
      assert.equal((await t.call("POST", "/nodes", { zone: 1, cluster: "0123456789abcdef0123456789abcdef", hostnames: { manage: ["m9"], storage: ["10.0.0.9"] } })).status, 404);
      const dup = await t.call("POST", "/nodes", { zone: 1, cluster: s.cluster.id, hostnames: { manage: ["mgmt1"], storage: ["10.0.0.9"] } });
      assert.equal(dup.status, 409);
      assert.match(dup.text, /^Hostname mgmt1 already used by node with id [0-9a-f]{32}/);
      const evil = await t.call("POST", "/nodes", { zone: 1, cluster: s.cluster.id, hostnames: { manage: ["x;reboot"], storage: ["10.0.0.9"] } });
      assert.equal(evil.status, 400);
      assert.equal(s.fake.runs.length, 0);
    });

    it("shows a node with its devices, and sets tags", async function () {
      const n = (await t.call("GET", `/nodes/${s.nodes[0].id}`)).json();
      assert.equal(n.zone, 1);
      assert.deepEqual(n.hostnames, { manage: ["mgmt1"], storage: ["10.0.0.1"] });
      assert.equal(n.devices.length, 2);
      assert.deepEqual(Object.keys(n.devices[0]), ["name", "storage", "id", "paths", "state", "bricks"]);
      const tags = await t.call("POST", `/nodes/${s.nodes[0].id}/tags`, { tags: { rack: "a1" }, change_type: "set" });
      assert.deepEqual(tags.json(), { rack: "a1" });
      assert.deepEqual((await t.call("POST", `/nodes/${s.nodes[0].id}/tags`, { tags: { rack: "" }, change_type: "delete" })).json(), {});
    });

    it("deletes a device only once it is failed and empty", async function () {
      const dev = s.engine.ledger.listDevices(s.nodes[0].id)[0];
      const r = await t.call("DELETE", `/devices/${dev.id}`);
      assert.equal(r.status, 400);
      assert.equal(r.text, `device: ${dev.id} is not in failed state\n`);
      for (const st of ["offline", "failed"]) {
        const q = await t.call("POST", `/devices/${dev.id}/state`, { state: st });
        assert.equal(q.status, 202);
        assert.equal((await t.wait(q.headers.get("location")!)).status, 204);
      }
      const back = await t.call("POST", `/devices/${dev.id}/state`, { state: "online" });
      const backR = await t.wait(back.headers.get("location")!);
      assert.equal(backR.status, 500);
      assert.equal(backR.text, "Cannot move a failed/removed device to online state\n");
      const del = await t.call("DELETE", `/devices/${dev.id}`);
      assert.equal(del.status, 202);
      assert.equal((await t.wait(del.headers.get("location")!)).status, 204);
      assert.equal((await t.call("GET", `/devices/${dev.id}`)).status, 404);
    });

    it("refuses to fail an online device (offline first), on the queue like Heketi", async function () {
      const dev = s.engine.ledger.listDevices(s.nodes[0].id)[0];
      const q = await t.call("POST", `/devices/${dev.id}/state`, { state: "failed" });
      const r = await t.wait(q.headers.get("location")!);
      assert.equal(r.status, 500);
      assert.equal(r.text, `Device must be offline before remove operation is performed, device:${dev.id}\n`);
    });
  });
});
