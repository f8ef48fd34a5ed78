import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { deviceJson, FakeHeketi, ID, KEY, volumeJson } from "../support/fake-heketi";
import { defaultRetryDelayMs, HeketiClient, HeketiError, HeketiProtocolError, HeketiUnreachableError, isNotFound, parseRetryAfter } from "../../provider/rest-client";

describe("REST client: Heketi's protocol", function () {
  this.timeout(20_000);
  let srv: FakeHeketi;
  let client: HeketiClient;

  beforeEach(async () => {
    srv = await new FakeHeketi().start();
    client = new HeketiClient({ url: srv.url, key: KEY, pollIntervalMs: 50 });
  });
  afterEach(() => srv.stop());

  it("follows 202 → pending polls → 303 itself, signing every request (each poll, the redirect hop) for its own path", async function () {
    const v = ID("a");
    srv.on((m, p) => (m === "POST" && p === "/volumes" ? { status: 202, headers: { Location: "/queue/q1" } } : undefined))
      .queue("q1", 3, { status: 303, headers: { Location: `/volumes/${v}` }, body: `<a href="/volumes/${v}">See Other</a>.\n\n` })
      .on((m, p) => (m === "GET" && p === `/volumes/${v}` ? { status: 200, body: volumeJson(v, 2) } : undefined));
    const info = await client.createVolume({ size: 2, name: "data", durability: { type: "replicate", replicate: { replica: 3 } } });
    assert.equal(info.id, v);
    assert.equal(info.size, 2);
    assert.equal(info.mount.glusterfs.device, "10.0.0.1:data");
    assert.deepEqual(srv.paths(), ["POST /volumes", "GET /queue/q1", "GET /queue/q1", "GET /queue/q1", "GET /queue/q1", `GET /volumes/${v}`]);
    assert.deepEqual(JSON.parse(srv.seen[0].body), { size: 2, name: "data", durability: { type: "replicate", replicate: { replica: 3 } } });
    // each request was signed for its own method and path (the fake checks qsh like Heketi), the redirect hop too
    const qshOf = (m: string, p: string) => createHash("sha256").update(`${m}&${p}`).digest("hex");
    assert.deepEqual(srv.seen.map((s) => s.claims.qsh), srv.seen.map((s) => qshOf(s.method, s.path)));
    assert.ok(new Set(srv.seen.map((s) => s.token)).size >= 3, "POST, queue and redirect hop carry their own tokens (polls in the same second sign alike)");
    for (const s of srv.seen) {
      assert.equal(s.claims.iss, "admin");
      assert.equal(typeof s.claims.iat, "number");
      assert.equal((s.claims.exp as number) - (s.claims.iat as number), 300);
    }
    const polls = srv.seen.filter((s) => s.path === "/queue/q1");
    for (let i = 1; i < polls.length; i++) assert.ok(polls[i].at - polls[i - 1].at >= 45, "polls are spaced by the poll interval");
  });

  it("an operation that ends in 204 is done, without a result", async function () {
    const v = ID("b");
    srv.on((m, p) => (m === "DELETE" && p === `/volumes/${v}` ? { status: 202, headers: { Location: "/queue/q2" } } : undefined)).queue("q2", 1, { status: 204 });
    await client.deleteVolume(v);
    assert.deepEqual(srv.paths(), [`DELETE /volumes/${v}`, "GET /queue/q2", "GET /queue/q2"]);
  });

  it("an operation that ends in 500 fails with the server's text, the status, and which request started it", async function () {
    const d = ID("d");
    srv.on((m, p) => (m === "POST" && p === `/devices/${d}/state` ? { status: 202, headers: { Location: "/queue/q3" } } : undefined)).queue("q3", 0, {
      status: 500,
      body: `Device must be offline before remove operation is performed, device:${d}\n`,
    });
    await assert.rejects(client.setDeviceState(d, "failed"), (e: unknown) => {
      assert.ok(e instanceof HeketiError);
      assert.equal(e.status, 500);
      assert.equal(e.text, `Device must be offline before remove operation is performed, device:${d}`);
      assert.equal(e.operation, `POST /devices/${d}/state`);
      assert.match(e.message, /Device must be offline/);
      assert.equal(e.notFound, false);
      return true;
    });
    assert.deepEqual(JSON.parse(srv.seen[0].body), { state: "failed" });
  });

  it("synchronous errors carry Heketi's text; only 404 'Id not found' means gone", async function () {
    srv.on((m, p) => (p === `/nodes/${ID("e")}` ? { status: 404, body: "Id not found\n" } : undefined))
      .on((m, p) => (m === "POST" && p === "/volumes" ? { status: 500, body: "Failed to allocate new volume: No space\n" } : undefined))
      .on((m, p) => (m === "DELETE" && p === `/clusters/${ID("c")}` ? { status: 409, body: `Unable to delete cluster [${ID("c")}] because it contains volumes and/or nodes\n` } : undefined))
      .on((m, p) => (p === `/devices/${ID("f")}` ? { status: 502 } : undefined));
    await assert.rejects(client.nodeInfo(ID("e")), (e: unknown) => e instanceof HeketiError && e.notFound && isNotFound(e) && e.status === 404);
    await assert.rejects(client.createVolume({ size: 100 }), (e: unknown) => e instanceof HeketiError && e.status === 500 && e.text === "Failed to allocate new volume: No space");
    await assert.rejects(client.deleteCluster(ID("c")), (e: unknown) => e instanceof HeketiError && e.conflict && /contains volumes and\/or nodes/.test(e.message));
    // the router's 404 (a wrong URL) must not look like "gone"
    await assert.rejects(client.volumeInfo(ID("9")), (e: unknown) => e instanceof HeketiError && e.status === 404 && !e.notFound && e.text === "Invalid path or request");
    await assert.rejects(client.deviceInfo(ID("f")), (e: unknown) => e instanceof HeketiError && /server did not provide a message \(status 502\)/.test(e.message));
  });

  it("retries 429 honouring Retry-After, then goes on", async function () {
    let n = 0;
    srv.on((m, p) => {
      if (m !== "POST" || p !== "/clusters") return undefined;
      return ++n <= 2 ? { status: 429, headers: { "Retry-After": "0" }, body: "Server busy. Retry operation later.\n" } : { status: 201, body: { id: ID("c"), nodes: [], volumes: [], block: false, file: true, blockvolumes: [] } };
    });
    const c = await client.createCluster({ file: true, block: false });
    assert.equal(c.id, ID("c"));
    assert.equal(n, 3);
  });

  it("without Retry-After backs off 10–30 s per retry (injectable), and gives up after 6 retries with the 429", async function () {
    const delays: Array<[number, string | null]> = [];
    const c = new HeketiClient({ url: srv.url, key: KEY, retryDelayMs: (a, h) => (delays.push([a, h]), 1) });
    srv.on((m, p) => (m === "POST" && p === "/volumes" ? { status: 429, body: "Server busy. Retry operation later.\n" } : undefined));
    await assert.rejects(c.createVolume({ size: 1 }), (e: unknown) => e instanceof HeketiError && e.busy && e.text === "Server busy. Retry operation later.");
    assert.equal(srv.seen.length, 7, "1 try + 6 retries");
    assert.deepEqual(delays, [1, 2, 3, 4, 5, 6].map((a) => [a, null]));
    for (let i = 0; i < 200; i++) {
      const d = defaultRetryDelayMs(1, null);
      assert.ok(d >= 10_000 && d < 30_000, String(d));
    }
    assert.equal(defaultRetryDelayMs(1, "7"), 7000);
    assert.equal(parseRetryAfter("120"), 120_000);
    assert.equal(parseRetryAfter(new Date(1_000_000 + 5000).toUTCString(), 1_000_000), 5000);
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  it("a 429 while polling is retried too", async function () {
    let n = 0;
    srv.on((m, p) => (m === "DELETE" && p === `/nodes/${ID("1")}` ? { status: 202, headers: { Location: "/queue/q4" } } : undefined)).on((m, p) =>
      p === "/queue/q4" ? (++n === 1 ? { status: 429, headers: { "Retry-After": "0" }, body: "Server busy. Retry operation later.\n" } : { status: 204 }) : undefined,
    );
    await client.deleteNode(ID("1"));
    assert.equal(n, 2);
  });

  it("device add: the queue ends in 204, the new device is the one of that name the node did not list before", async function () {
    const node = ID("2");
    const dev = ID("3");
    let added = false;
    // the node already lists a device of the same name (Heketi's mock executor allows that)
    const devices = () => [deviceJson(ID("4"), "/dev/vdb"), deviceJson(ID("5"), "/dev/vdc"), ...(added ? [deviceJson(dev, "/dev/vdc")] : [])];
    srv.on((m, p) => (m === "POST" && p === "/devices" ? ((added = true), { status: 202, headers: { Location: "/queue/q5" } }) : undefined))
      .queue("q5", 1, { status: 204 })
      .on((m, p) => (p === `/nodes/${node}` ? { status: 200, body: { zone: 1, hostnames: { manage: ["m1"], storage: ["10.0.0.1"] }, cluster: ID("c"), id: node, state: "online", devices: devices() } } : undefined))
      .on((m, p) => (p === `/devices/${dev}` ? { status: 200, body: { ...deviceJson(dev, "/dev/vdc"), tags: { a: "b" } } } : undefined));
    const d = await client.addDevice({ node, name: "/dev/vdc", tags: { a: "b" }, destroydata: false });
    assert.equal(d.id, dev);
    assert.deepEqual(d.tags, { a: "b" });
    assert.deepEqual(JSON.parse(srv.seen.find((s) => s.method === "POST")!.body), { node, name: "/dev/vdc", tags: { a: "b" }, destroydata: false });
    assert.deepEqual(srv.paths().filter((p) => !p.includes("/queue/")), [`GET /nodes/${node}`, "POST /devices", `GET /nodes/${node}`, `GET /devices/${dev}`]);
  });

  it("a base URL with a path prefix: requests, signatures and relative Locations stay under it", async function () {
    await srv.stop();
    srv = await new FakeHeketi().start("/heketi");
    const v = ID("5");
    srv.on((m, p) => (m === "POST" && p === `/heketi/volumes/${v}/expand` ? { status: 202, headers: { Location: "/queue/q6" } } : undefined))
      .on((m, p) => (p === "/heketi/queue/q6" ? { status: 303, headers: { Location: `/volumes/${v}` } } : undefined))
      .on((m, p) => (p === `/heketi/volumes/${v}` ? { status: 200, body: volumeJson(v, 3) } : undefined));
    const c = new HeketiClient({ url: `${srv.url}/`, key: KEY, pollIntervalMs: 50 });
    const info = await c.expandVolume(v, 1);
    assert.equal(info.size, 3);
    assert.deepEqual(srv.paths(), [`POST /heketi/volumes/${v}/expand`, "GET /heketi/queue/q6", `GET /heketi/volumes/${v}`]);
    assert.deepEqual(JSON.parse(srv.seen[0].body), { expand_size: 1 });
  });

  it("a body that is not Heketi's JSON is a protocol error, naming the request", async function () {
    srv.on((m, p) => (p === "/clusters" ? { status: 200, body: "<html>proxy</html>" } : undefined)).on((m, p) => (p === `/clusters/${ID("c")}` ? { status: 200, body: { id: 5 } } : undefined));
    await assert.rejects(client.listClusters(), (e: unknown) => e instanceof HeketiProtocolError && /GET \/clusters: unexpected response: HTTP 200 body is not JSON/.test(e.message));
    await assert.rejects(client.clusterInfo(ID("c")), (e: unknown) => e instanceof HeketiProtocolError && /nodes/.test(e.message));
  });

  it("refuses ids that are not hex before building a path", async function () {
    await assert.rejects(client.volumeInfo("../admin"), /not a Heketi id/);
    assert.equal(srv.seen.length, 0);
  });

  it("a server that is not there: HeketiUnreachableError naming the URL", async function () {
    const url = srv.url;
    await srv.stop();
    const c = new HeketiClient({ url, key: KEY });
    await assert.rejects(c.listClusters(), (e: unknown) => e instanceof HeketiUnreachableError && e.message.includes(url) && /ECONNREFUSED/.test(e.message));
    srv = await new FakeHeketi().start(); // for afterEach
  });

  it("gives up waiting after the operation timeout, saying the operation goes on on the server", async function () {
    const c = new HeketiClient({ url: srv.url, key: KEY, pollIntervalMs: 50, operationTimeoutMs: 300 });
    srv.on((m, p) => (m === "DELETE" ? { status: 202, headers: { Location: "/queue/q7" } } : undefined)).queue("q7", 1000, { status: 204 });
    await assert.rejects(c.deleteVolume(ID("6")), /still running after 0 s \(\/queue\/q7\); it goes on on the server/);
  });
});
