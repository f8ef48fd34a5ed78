import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { status } from "@grpc/grpc-js";
import { FakeMounter } from "../../devtools/csi/fake-mounter";
import { EngineBackend } from "../../provider/csi/engine-backend";
import { DRIVER_NAME } from "../../provider/csi/identity";
import { parseMountinfo } from "../../provider/csi/mounter";
import { glusterVolumeName, parseClassParameters } from "../../provider/csi/parameters";
import { sizeGiBFor } from "../../provider/csi/capacity";
import { parseVolumeId } from "../../provider/csi/volume-id";
import { ADMIN_KEY, serveEngine, USER_KEY } from "../support/rest";
import { assertNodesMatchLedger, simCluster } from "../support/sim-cluster";
import { blockCap, GiB, mountCap, testDriver } from "../support/csi";

const pkgVersion = (JSON.parse(fs.readFileSync(path.join(__dirname, "../../../package.json"), "utf8")) as { version: string }).version;
const createReq = (name: string, o: { gib?: number; limitGib?: number; parameters?: Record<string, string>; secrets?: Record<string, string>; caps?: object[] } = {}) => ({
  name,
  capacity_range: { required_bytes: String((o.gib ?? 1) * GiB), limit_bytes: String((o.limitGib ?? 0) * GiB) },
  volume_capabilities: o.caps ?? [mountCap("MULTI_NODE_MULTI_WRITER")],
  parameters: o.parameters ?? {},
  secrets: o.secrets ?? {},
});

describe("CSI: StorageClass parameters, capacity, ids (pure)", function () {
  it("takes the in-tree provisioner's parameters with their meaning, names case-insensitive", function () {
    const c = parseClassParameters({
      resturl: "http://heketi:8080", restUser: "admin", clusterid: "0123456789abcdef0123456789abcdef, fedcba9876543210fedcba9876543210",
      volumetype: "disperse:4:2", volumeoptions: "performance.cache-size 64MB,features.shard on", gidMin: "40000", gidMax: "50000",
      volumenameprefix: "dept-dev", snapfactor: "10", customepnameprefix: "x",
      "csi.storage.k8s.io/pvc/name": "data", "csi.storage.k8s.io/pvc/namespace": "shop",
    });
    assert.deepEqual(c.rest, { url: "http://heketi:8080", user: "admin", authEnabled: true });
    assert.deepEqual(c.clusters, ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]);
    assert.deepEqual(c.durability, { type: "disperse", data: 4, redundancy: 2 });
    assert.deepEqual(c.options, [{ key: "performance.cache-size", value: "64MB" }, { key: "features.shard", value: "on" }]);
    assert.deepEqual([c.gidMin, c.gidMax, c.snapshotFactor], [40000, 50000, 10]);
    assert.equal(glusterVolumeName("pvc-1234", c), "dept-dev_shop_data_pvc-1234");
    assert.equal(glusterVolumeName("pvc-1234", { volumeNamePrefix: "p" }), "p_pvc-1234");
    assert.equal(glusterVolumeName("pvc-1234", {}), "pvc-1234");
    // the in-tree defaults: replicate 3, GIDs 2000..2^31-1, snapfactor 1, engine when no resturl
    const d = parseClassParameters({});
    assert.deepEqual([d.rest, d.durability, d.gidMin, d.gidMax, d.snapshotFactor], [undefined, { type: "replicate", replica: 3, arbiter: false }, 2000, 2147483647, 1]);
    assert.deepEqual(parseClassParameters({ volumetype: "replicate" }).durability, { type: "replicate", replica: 3, arbiter: false });
    assert.deepEqual(parseClassParameters({ volumetype: "none" }).durability, { type: "none" });
    assert.equal(parseClassParameters({ resturl: "http://h:8080", restuser: "admin", restauthenabled: "false" }).rest?.user, "");
  });

  it("refuses unknown names (listing the accepted ones), in-tree secret names and restuserkey with what to do, and bad values", function () {
    const refuse = (p: Record<string, string>, re: RegExp) => assert.throws(() => parseClassParameters(p), re);
    refuse({ replicas: "3" }, /replicas: unknown StorageClass parameter; accepted are resturl, restuser, restauthenabled, clusterid, volumetype/);
    refuse({ secretName: "heketi-secret", secretNamespace: "default" }, /secretName: a CSI driver gets its secret from the CO: replace secretName\/secretNamespace with csi.storage.k8s.io\/provisioner-secret-name/);
    refuse({ restuserkey: "k" }, /restuserkey: put the key in a Secret/);
    refuse({ volumetype: "replicate:4" }, /replica must be 1, 2 or 3/);
    refuse({ volumetype: "disperse:4" }, /must be replicate\[:N\], disperse:DATA:REDUNDANCY or none/);
    refuse({ gidMin: "100" }, /gidMin must be >= 2000/);
    refuse({ gidMin: "5000", gidMax: "4000" }, /gidMax: must be >= gidMin \(5000\)/);
    refuse({ volumenameprefix: "a_b" }, /no '_'/);
    refuse({ clusterid: "c1" }, /32-character lowercase hex id/);
    refuse({ volumeoptions: "justakey" }, /must be "<key> <value>"/);
    refuse({ snapfactor: "0.5" }, /between 1 and 100/);
    refuse({ restuser: "admin" }, /restuser: only means something with resturl/);
    refuse({ restauthenabled: "yes", resturl: "http://h" }, /restauthenabled: must be true or false/);
    refuse({ resturl: "ftp://h" }, /http:\/\/ or https:\/\//);
    refuse({ volumetype: "none", VolumeType: "none" }, /given twice/);
  });

  it("rounds capacities up to whole GiB and refuses what no whole GiB fits", function () {
    assert.equal(sizeGiBFor(undefined), 1);
    assert.equal(sizeGiBFor({ required_bytes: "1" }), 1);
    assert.equal(sizeGiBFor({ required_bytes: String(1.5 * GiB) }), 2);
    assert.equal(sizeGiBFor({ required_bytes: String(GiB), limit_bytes: String(GiB) }), 1);
    assert.throws(() => sizeGiBFor({ required_bytes: String(1.5 * GiB), limit_bytes: String(Math.round(1.8 * GiB)) }), (e: { code: number; message: string }) => e.code === status.OUT_OF_RANGE && /whole GiB: the smallest that holds/.test(e.message));
    assert.throws(() => sizeGiBFor({ limit_bytes: String(GiB / 2) }), (e: { code: number }) => e.code === status.OUT_OF_RANGE);
    assert.throws(() => sizeGiBFor({ required_bytes: "9223372036854775807" }), (e: { code: number }) => e.code === status.OUT_OF_RANGE);
    assert.throws(() => sizeGiBFor({ required_bytes: String(3 * GiB), limit_bytes: String(2 * GiB) }), (e: { code: number }) => e.code === status.INVALID_ARGUMENT);
  });

  it("volume ids name their backend; anything else is not ours", function () {
    assert.deepEqual(parseVolumeId("engine:0123456789abcdef0123456789abcdef"), { backend: "engine", id: "0123456789abcdef0123456789abcdef" });
    assert.deepEqual(parseVolumeId("rest:0123456789abcdef0123456789abcdef:admin:http://h:8080/heketi"), { backend: "rest", id: "0123456789abcdef0123456789abcdef", user: "admin", url: "http://h:8080/heketi" });
    assert.deepEqual(parseVolumeId("rest:0123456789abcdef0123456789abcdef::http://h:8080"), { backend: "rest", id: "0123456789abcdef0123456789abcdef", user: "", url: "http://h:8080" });
    for (const s of ["", "fake-volume-id", "engine:xyz", "rest:0123456789abcdef0123456789abcdef:admin:ftp://h"]) assert.equal(parseVolumeId(s), undefined, s);
  });

  it("reads /proc/self/mountinfo, escapes included", function () {
    const text = [
      "36 35 98:0 / /mnt1 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
      "310 29 0:52 / /var/lib/kubelet/pods/x/volumes/kubernetes.io~csi/pvc\\040a/mount rw,relatime shared:170 - fuse.glusterfs 10.0.0.1:/pvc-a rw,user_id=0",
    ].join("\n");
    assert.deepEqual(parseMountinfo(text), [
      { target: "/mnt1", fstype: "ext3", source: "/dev/root" },
      { target: "/var/lib/kubelet/pods/x/volumes/kubernetes.io~csi/pvc a/mount", fstype: "fuse.glusterfs", source: "10.0.0.1:/pvc-a" },
    ]);
  });
});

describe("CSI driver over its unix socket: Identity and Controller on the engine (simulated nodes)", function () {
  this.timeout(20_000);

  it("Identity: name, version, capabilities; Probe follows whether the nodes answer", async function () {
    const s = await simCluster();
    const t = await testDriver({ engine: new EngineBackend(s.engine), mounter: new FakeMounter() });
    try {
      assert.deepEqual(await t.identity.call("GetPluginInfo"), { name: DRIVER_NAME, vendor_version: pkgVersion, manifest: {} });
      const caps = (await t.identity.call("GetPluginCapabilities")).capabilities;
      assert.deepEqual(caps.map((c: { service?: { type: string }; volume_expansion?: { type: string } }) => c.service?.type ?? `expansion ${c.volume_expansion?.type}`), ["CONTROLLER_SERVICE", "expansion ONLINE"]);
      assert.deepEqual((await t.identity.call("Probe")).ready, { value: true });
      for (const n of s.nodes) s.sim.setReachable(n.manageHost, false);
      assert.deepEqual((await t.identity.call("Probe")).ready, { value: false });
      assert.match(t.logs.join("\n"), /Probe: not ready: no node of cluster \w+ answers/);
      const ctl = (await t.controller.call("ControllerGetCapabilities")).capabilities.map((c: { rpc: { type: string } }) => c.rpc.type);
      assert.deepEqual(ctl, ["CREATE_DELETE_VOLUME", "EXPAND_VOLUME", "GET_CAPACITY", "SINGLE_NODE_MULTI_WRITER", "LIST_VOLUMES"]);
      assert.equal((await t.controller.code("CreateSnapshot", { name: "s", source_volume_id: "x" })).code, status.UNIMPLEMENTED);
    } finally {
      await t.close();
      await s.engine.close();
    }
  });

  it("CreateVolume is idempotent by name; another capacity for the name is ALREADY_EXISTS; expand, list, capacity, delete twice", async function () {
    const s = await simCluster();
    const t = await testDriver({ engine: new EngineBackend(s.engine) });
    try {
      const a = (await t.controller.call("CreateVolume", createReq("pvc-aaaa", { gib: 1.5 }))).volume;
      assert.match(a.volume_id, /^engine:[0-9a-f]{32}$/);
      assert.equal(a.capacity_bytes, String(2 * GiB), "1.5 GiB asked: 2 GiB made (whole GiB)");
      assert.deepEqual(Object.keys(a.volume_context).sort(), ["gid", "hosts", "volume"]);
      assert.equal(a.volume_context.volume, "pvc-aaaa");
      assert.deepEqual(a.volume_context.hosts.split(",").sort(), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
      assert.equal(a.volume_context.gid, "2000", "the lowest free GID of the in-tree default range");
      const again = (await t.controller.call("CreateVolume", createReq("pvc-aaaa", { gib: 1.5 }))).volume;
      assert.equal(again.volume_id, a.volume_id);
      assert.equal(s.engine.ledger.listVolumes().length, 1);
      const other = await t.controller.code("CreateVolume", createReq("pvc-aaaa", { gib: 3, limitGib: 3 }));
      assert.equal(other.code, status.ALREADY_EXISTS);
      assert.match(other.details, /volume pvc-aaaa already exists with 2 GiB, which does not fit the requested capacity range/);
      assert.equal((await t.controller.code("CreateVolume", createReq("pvc-aaaa", { gib: 2, parameters: { volumetype: "replicate:2" } }))).code, status.ALREADY_EXISTS, "same size, other durability");

      const b = (await t.controller.call("CreateVolume", createReq("pvc-bbbb", { parameters: { gidMin: "3000", gidMax: "3010", volumeoptions: "performance.cache-size 64MB" } }))).volume;
      assert.equal(b.volume_context.gid, "3000");
      assert.deepEqual(s.engine.ledger.getVolume(parseVolumeId(b.volume_id)!.id).options.find((o) => o.key === "performance.cache-size"), { key: "performance.cache-size", value: "64MB" });

      const grown = await t.controller.call("ControllerExpandVolume", { volume_id: a.volume_id, capacity_range: { required_bytes: String(3 * GiB) } });
      assert.deepEqual(grown, { capacity_bytes: String(3 * GiB), node_expansion_required: false });
      assert.equal(s.engine.ledger.getVolume(parseVolumeId(a.volume_id)!.id).sizeGiB, 3);
      const same = await t.controller.call("ControllerExpandVolume", { volume_id: a.volume_id, capacity_range: { required_bytes: String(2 * GiB) } });
      assert.equal(same.capacity_bytes, String(3 * GiB), "a smaller size than the volume has: nothing to do");
      assert.equal((await t.controller.code("ControllerExpandVolume", { volume_id: "engine:0123456789abcdef0123456789abcdef", capacity_range: { required_bytes: String(GiB) } })).code, status.NOT_FOUND);
      assert.equal((await t.controller.code("ControllerExpandVolume", { volume_id: a.volume_id })).code, status.INVALID_ARGUMENT);

      const page1 = await t.controller.call("ListVolumes", { max_entries: 1 });
      assert.equal(page1.entries.length, 1);
      assert.notEqual(page1.next_token, "");
      const page2 = await t.controller.call("ListVolumes", { max_entries: 1, starting_token: page1.next_token });
      assert.equal(page2.entries.length, 1);
      assert.equal(page2.next_token, "");
      assert.deepEqual([page1.entries[0].volume.volume_id, page2.entries[0].volume.volume_id].sort(), [a.volume_id, b.volume_id].sort());
      assert.equal((await t.controller.code("ListVolumes", { starting_token: "invalid-token" })).code, status.ABORTED);

      const valid = await t.controller.call("ValidateVolumeCapabilities", { volume_id: a.volume_id, volume_capabilities: [mountCap("MULTI_NODE_READER_ONLY")] });
      assert.equal(valid.confirmed.volume_capabilities.length, 1);
      const notValid = await t.controller.call("ValidateVolumeCapabilities", { volume_id: a.volume_id, volume_capabilities: [blockCap()] });
      assert.equal(notValid.confirmed, null);
      assert.match(notValid.message, /block volumes are not supported/);
      assert.equal((await t.controller.code("ValidateVolumeCapabilities", { volume_id: "engine:0123456789abcdef0123456789abcdef", volume_capabilities: [mountCap()] })).code, status.NOT_FOUND);

      // 3 nodes × 2 devices × 100 GiB, less what the two volumes take, over 3 copies: one cluster's free space / 3
      const cap = await t.controller.call("GetCapacity", { parameters: {} });
      const freeKiB = s.engine.ledger.listDevices().reduce((x, d) => x + d.freeKiB, 0);
      assert.equal(cap.available_capacity, String(Math.floor((freeKiB * 1024) / 3)));
      const none = await t.controller.call("GetCapacity", { parameters: { volumetype: "none" } });
      assert.equal(none.available_capacity, String(freeKiB * 1024));
      assert.equal((await t.controller.call("GetCapacity", { volume_capabilities: [blockCap()] })).available_capacity, "0");

      for (const v of [a, b]) {
        assert.deepEqual(await t.controller.call("DeleteVolume", { volume_id: v.volume_id }), {});
        assert.deepEqual(await t.controller.call("DeleteVolume", { volume_id: v.volume_id }), {}, "deleting a deleted volume succeeds");
      }
      assert.deepEqual(await t.controller.call("DeleteVolume", { volume_id: "fake-volume-id" }), {});
      assert.equal((await t.controller.code("DeleteVolume", {})).code, status.INVALID_ARGUMENT);
      assert.equal(s.engine.ledger.listVolumes().length, 0);
      assertNodesMatchLedger(s);
    } finally {
      await t.close();
      await s.engine.close();
    }
  });

  it("bad input answers the right code, says what to do, and nothing runs on the nodes", async function () {
    const s = await simCluster({ deviceSizeGiB: 8 });
    const t = await testDriver({ engine: new EngineBackend(s.engine) });
    try {
      const runs = s.sim.runs.length;
      const cases: Array<[string, object, status, RegExp]> = [
        ["unknown parameter", createReq("pvc-x", { parameters: { replicas: "3" } }), status.INVALID_ARGUMENT, /replicas: unknown StorageClass parameter; accepted are resturl/],
        ["in-tree secret names", createReq("pvc-x", { parameters: { resturl: "http://127.0.0.1:9", restuser: "admin", secretName: "s", secretNamespace: "d" } }), status.INVALID_ARGUMENT, /csi.storage.k8s.io\/provisioner-secret-name/],
        ["resturl + restuser, no secret", createReq("pvc-x", { parameters: { resturl: "http://127.0.0.1:9", restuser: "admin" } }), status.INVALID_ARGUMENT, /restuser 'admin' is set but no key came with the request: give the StorageClass csi.storage.k8s.io\/provisioner-secret-name\/-namespace naming a secret with key 'key'/],
        ["secret without 'key'", createReq("pvc-x", { parameters: { resturl: "http://127.0.0.1:9", restuser: "admin" }, secrets: { a: "1", b: "2" } }), status.INVALID_ARGUMENT, /none is named 'key'/],
        ["name with a dot", createReq("pvc.x"), status.INVALID_ARGUMENT, /'pvc.x' \(from the CSI name\) is not a valid GlusterFS volume name: \(value\): may only contain letters, digits, '_' and '-'/],
        ["name 'all'", createReq("all"), status.INVALID_ARGUMENT, /must not be 'all'/],
        ["name too long with the prefix", createReq("p".repeat(125), { parameters: { volumenameprefix: "team" } }), status.INVALID_ARGUMENT, /must be at most 128 characters/],
        ["no name", { ...createReq(""), name: "" }, status.INVALID_ARGUMENT, /name must not be empty/],
        ["no capabilities", createReq("pvc-x", { caps: [] }), status.INVALID_ARGUMENT, /volume_capabilities must not be empty/],
        ["block", createReq("pvc-x", { caps: [blockCap()] }), status.INVALID_ARGUMENT, /block volumes are not supported/],
        ["limit below a whole GiB", createReq("pvc-x", { gib: 0.5, limitGib: 0.75 }), status.OUT_OF_RANGE, /whole GiB/],
        ["past the largest volume", createReq("pvc-x", { gib: 2 * 1024 * 1024 }), status.OUT_OF_RANGE, /more than the largest volume/],
        ["a cluster that does not exist", createReq("pvc-x", { parameters: { clusterid: "0123456789abcdef0123456789abcdef" } }), status.INVALID_ARGUMENT, /cluster 0123456789abcdef0123456789abcdef not found: check the StorageClass's clusterid/],
        ["more than fits", createReq("pvc-x", { gib: 50 }), status.RESOURCE_EXHAUSTED, /Failed to allocate new volume/],
      ];
      for (const [what, req, code, re] of cases) {
        const r = await t.controller.code("CreateVolume", req).catch((e: Error) => assert.fail(`${what}: ${e.message}`));
        assert.equal(status[r.code], status[code], `${what}: ${r.details}`);
        assert.match(r.details, re, what);
      }
      assert.equal(s.sim.runs.length, runs, "no script ran on any node");
      assert.equal(s.engine.ledger.listVolumes().length, 0);
      assertNodesMatchLedger(s);
    } finally {
      await t.close();
      await s.engine.close();
    }
  });

  it("without an engine, a StorageClass without resturl is FAILED_PRECONDITION and ListVolumes is not offered", async function () {
    const t = await testDriver({ mode: "controller" });
    try {
      const r = await t.controller.code("CreateVolume", createReq("pvc-x"));
      assert.equal(r.code, status.FAILED_PRECONDITION);
      assert.match(r.details, /started without --ledger/);
      const ctl = (await t.controller.call("ControllerGetCapabilities")).capabilities.map((c: { rpc: { type: string } }) => c.rpc.type);
      assert.ok(!ctl.includes("LIST_VOLUMES"));
      assert.equal((await t.node.code("NodeGetInfo")).code, status.UNIMPLEMENTED, "controller mode serves no Node service");
      assert.deepEqual((await t.identity.call("Probe")).ready, { value: true });
    } finally {
      await t.close();
    }
  });
});

describe("CSI driver: the REST backend against our own serve (simulated nodes)", function () {
  this.timeout(30_000);

  it("creates (idempotent), expands and deletes through the Heketi API with the secret's key; the volume id names the server", async function () {
    const s = await simCluster();
    const server = await serveEngine(s.engine, { pollIntervalMs: 20 } as never);
    const t = await testDriver();
    try {
      const parameters = { resturl: server.url, restuser: "admin", clusterid: s.cluster.id, volumetype: "replicate:3" };
      const secrets = { key: ADMIN_KEY };
      const a = (await t.controller.call("CreateVolume", createReq("pvc-rest", { gib: 2, parameters, secrets }))).volume;
      const ref = parseVolumeId(a.volume_id);
      assert.deepEqual(ref && ref.backend === "rest" && [ref.user, ref.url], ["admin", server.url]);
      assert.equal(a.capacity_bytes, String(2 * GiB));
      assert.equal(a.volume_context.volume, "pvc-rest");
      assert.equal(s.engine.ledger.getVolume(ref!.id).gid, 2000);
      assert.equal((await t.controller.call("CreateVolume", createReq("pvc-rest", { gib: 2, parameters, secrets }))).volume.volume_id, a.volume_id);
      assert.equal(s.engine.ledger.listVolumes().length, 1);

      const wrong = await t.controller.code("CreateVolume", createReq("pvc-rest2", { parameters, secrets: { key: "not-the-key" } }));
      assert.equal(wrong.code, status.UNAUTHENTICATED);
      assert.match(wrong.details, /check the key in the StorageClass's provisioner secret/);
      const noKey = await t.controller.code("DeleteVolume", { volume_id: a.volume_id });
      assert.equal(noKey.code, status.INVALID_ARGUMENT);
      assert.match(noKey.details, /provisioner-secret-name/);
      assert.equal((await t.controller.code("GetCapacity", { parameters })).code, status.FAILED_PRECONDITION);

      const grown = await t.controller.call("ControllerExpandVolume", { volume_id: a.volume_id, capacity_range: { required_bytes: String(4 * GiB) }, secrets });
      assert.equal(grown.capacity_bytes, String(4 * GiB));
      assert.equal(s.engine.ledger.getVolume(ref!.id).sizeGiB, 4);

      assert.deepEqual(await t.controller.call("DeleteVolume", { volume_id: a.volume_id, secrets }), {});
      assert.deepEqual(await t.controller.call("DeleteVolume", { volume_id: a.volume_id, secrets }), {});
      assert.equal(s.engine.ledger.listVolumes().length, 0);
      assertNodesMatchLedger(s);

      // Heketi's user role may create through /volumes too
      const u = (await t.controller.call("CreateVolume", createReq("pvc-user", { parameters: { ...parameters, restuser: "user" }, secrets: { key: USER_KEY } }))).volume;
      assert.match(u.volume_id, /^rest:[0-9a-f]{32}:user:http/);
      await t.controller.call("DeleteVolume", { volume_id: u.volume_id, secrets: { key: USER_KEY } });
    } finally {
      await t.close();
      await server.close();
      await s.engine.close();
    }
  });

  it("a server that does not answer is UNAVAILABLE", async function () {
    const t = await testDriver();
    try {
      const r = await t.controller.code("CreateVolume", createReq("pvc-x", { parameters: { resturl: "http://127.0.0.1:9", restauthenabled: "false" } }));
      assert.equal(r.code, status.UNAVAILABLE);
      assert.match(r.details, /cannot reach the Heketi server at http:\/\/127.0.0.1:9/);
    } finally {
      await t.close();
    }
  });
});

describe("CSI driver: the Node service (a fake mounter)", function () {
  const ctx = { volume: "pvc-aaaa", hosts: "10.0.0.1,10.0.0.2,10.0.0.3", gid: "2000" };

  it("publishes with mount -t glusterfs and backup volfile servers, idempotently; unpublishes and removes the target", async function () {
    const m = new FakeMounter();
    const t = await testDriver({ mode: "node", mounter: m });
    try {
      assert.deepEqual(await t.node.call("NodeGetInfo"), { node_id: "node-a", max_volumes_per_node: "0", accessible_topology: null });
      const caps = (await t.node.call("NodeGetCapabilities")).capabilities.map((c: { rpc: { type: string } }) => c.rpc.type);
      assert.deepEqual(caps, ["GET_VOLUME_STATS", "SINGLE_NODE_MULTI_WRITER"]);
      const target = path.join(t.dir, "pods/p1/mount");
      const req = { volume_id: "engine:0123456789abcdef0123456789abcdef", target_path: target, volume_capability: mountCap("MULTI_NODE_MULTI_WRITER", ["log-level=ERROR"]), volume_context: ctx };
      assert.equal((await t.node.code("NodeGetVolumeStats", { volume_id: req.volume_id, volume_path: target })).code, status.NOT_FOUND);
      await t.node.call("NodePublishVolume", req);
      await t.node.call("NodePublishVolume", req);
      assert.deepEqual(m.calls.filter((c) => c.startsWith("mount")), [`mount -t glusterfs -o backup-volfile-servers=10.0.0.2:10.0.0.3,log-level=ERROR 10.0.0.1:/pvc-aaaa ${target}`], "mounted once");
      assert.ok(fs.statSync(target).isDirectory());
      const stats = await t.node.call("NodeGetVolumeStats", { volume_id: req.volume_id, volume_path: target });
      assert.deepEqual(stats.usage.map((u: { unit: string }) => u.unit), ["BYTES", "INODES"]);
      assert.ok(BigInt(stats.usage[0].total) > 0n);

      const ro = path.join(t.dir, "pods/p2/mount");
      await t.node.call("NodePublishVolume", { ...req, target_path: ro, volume_capability: mountCap("MULTI_NODE_READER_ONLY") });
      await t.node.call("NodePublishVolume", { ...req, target_path: path.join(t.dir, "pods/p3/mount"), readonly: true });
      assert.deepEqual(m.calls.filter((c) => c.startsWith("mount")).slice(1).map((c) => c.split(" ")[4]), ["ro,backup-volfile-servers=10.0.0.2:10.0.0.3", "ro,backup-volfile-servers=10.0.0.2:10.0.0.3,log-level=ERROR"]);

      await t.node.call("NodeUnpublishVolume", { volume_id: req.volume_id, target_path: target });
      assert.ok(!fs.existsSync(target), "the target path is removed");
      await t.node.call("NodeUnpublishVolume", { volume_id: req.volume_id, target_path: target });
      assert.deepEqual(m.calls.filter((c) => c.startsWith("umount")), [`umount ${target}`], "unmounted once");
    } finally {
      await t.close();
    }
  });

  it("refuses block, missing fields, a foreign volume context, and a second target for a single-writer volume", async function () {
    const m = new FakeMounter();
    const t = await testDriver({ mode: "node", mounter: m });
    try {
      const target = path.join(t.dir, "t1");
      const base = { volume_id: "engine:0123456789abcdef0123456789abcdef", target_path: target, volume_capability: mountCap("SINGLE_NODE_SINGLE_WRITER"), volume_context: ctx };
      const code = async (req: object) => (await t.node.code("NodePublishVolume", req)).code;
      assert.equal(await code({ ...base, volume_capability: blockCap() }), status.INVALID_ARGUMENT);
      assert.equal(await code({ ...base, volume_id: "" }), status.INVALID_ARGUMENT);
      assert.equal(await code({ ...base, target_path: "" }), status.INVALID_ARGUMENT);
      assert.equal(await code({ ...base, volume_capability: null }), status.INVALID_ARGUMENT);
      assert.equal(await code({ ...base, volume_capability: { mount: { fs_type: "xfs" }, access_mode: { mode: "SINGLE_NODE_WRITER" } } }), status.INVALID_ARGUMENT);
      const foreign = await t.node.code("NodePublishVolume", { ...base, volume_context: {} });
      assert.equal(foreign.code, status.INVALID_ARGUMENT);
      assert.match(foreign.details, /lacks 'volume' or 'hosts'/);
      assert.deepEqual(m.calls, [], "nothing was done");
      await t.node.call("NodePublishVolume", base);
      const second = await t.node.code("NodePublishVolume", { ...base, target_path: path.join(t.dir, "t2") });
      assert.equal(second.code, status.FAILED_PRECONDITION);
      assert.ok(!fs.existsSync(path.join(t.dir, "t2")));
      const other = await t.node.code("NodePublishVolume", { ...base, volume_capability: mountCap(), volume_context: { ...ctx, volume: "pvc-bbbb" } });
      assert.equal(other.code, status.ALREADY_EXISTS, "the target holds another volume");
      assert.equal((await t.node.code("NodeUnpublishVolume", { volume_id: "x" })).code, status.INVALID_ARGUMENT);
      assert.equal((await t.node.code("NodeGetVolumeStats", { volume_path: target })).code, status.INVALID_ARGUMENT);
    } finally {
      await t.close();
    }
  });
});
