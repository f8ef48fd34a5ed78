import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { NodeTarget } from "../../provider/exec/executor";
import { SimExecutor } from "../../devtools/sim/sim-executor";
import { ConflictError, EngineError, ValidationError } from "../../provider/model";
import * as Brick from "../../provider/commands/brick";
import * as L from "../../provider/commands/lvm";
import { parseDeviceProbe, parseOneVolumeInfoXml, parsePoolListXml, parsePvsReport, parseThinCount, parseVgDisplay, parseVolumeInfoXml } from "../../provider/commands/parsers";
import { allOf, anyOf, appendLineToFile, ensureLineInFile, ifElse, not, pipe, removeTableLines, script, section, sh, silently, unless, writeTo } from "../../provider/commands/shell";
import { OperationFailedError } from "../../provider/operations/journal";
import { serveEngine } from "../support/rest";
import { assertAccountingExact, assertNodesMatchLedger, deadOwner, simCluster, simEngine } from "../support/sim-cluster";

const GiB = 1024 * 1024; // KiB
const FIXTURES = path.resolve(__dirname, "../../../test/fixtures");
const fixture = (f: string) => fs.readFileSync(path.join(FIXTURES, f), "utf8");

const target = (host: string): NodeTarget => ({ host, port: 22, user: "root", sudo: false, privateKey: "test-key" });

/** Run builder-made lines on a simulated node, outside the engine (an operator at the console). */
function onNode(sim: SimExecutor, host: string, ...lines: Parameters<typeof script>[0]) {
  return sim.run(target(host), script(lines));
}

const newEngine = (sim: SimExecutor, ledgerPath?: string) => simEngine(sim, ledgerPath);

function assertNoBrickLeftovers(sim: SimExecutor, hosts: string[]): void {
  for (const h of hosts) {
    assert.deepEqual(sim.lvs(h).map((l) => l.name), [], `no LV left on ${h}`);
    assert.deepEqual(sim.mounts(h).filter((m) => m.target.startsWith("/var/lib/heketi/")), [], `no brick mount left on ${h}`);
    assert.deepEqual(sim.fstab(h).filter((l) => l.includes("/var/lib/heketi/")), [], `no fstab line left on ${h}`);
  }
}


describe("SimExecutor: the real engine against simulated storage nodes", function () {
  describe("nodes", function () {
    it("adds three nodes and they see each other in the pool", async function () {
      const { sim, engine, nodes } = await simCluster({ devices: 0 });
      const uuids = nodes.map((n) => sim.glusterdUuid(n.manageHost));
      assert.equal(new Set(uuids).size, 3, "every node has its own glusterd UUID");
      nodes.forEach((n, i) => {
        const peers = sim.peers(n.manageHost);
        assert.deepEqual(peers.map((p) => p.uuid).sort(), uuids.filter((_, j) => j !== i).sort());
        assert.ok(peers.every((p) => p.connected && p.state === "Peer in Cluster"));
        assert.deepEqual(peers.map((p) => p.hostname).sort(), nodes.filter((_, j) => j !== i).map((m) => m.storageHost).sort(), "peers are known by storage address");
      });
      for (const n of nodes) {
        assert.equal(engine.ledger.getNode(n.id).state, "online");
        assert.deepEqual(await engine.inspectNode(n.id), { id: n.id, zone: n.zone, tags: {}, state: "online", glusterdUp: true, connectedInPool: true });
      }
      assert.equal(sim.glusterdUuid("mgmt1"), uuids[0], "the UUID is stable");
    });

    it("refuses to add a node whose glusterd is down, and leaves the pool as it was", async function () {
      const { sim, engine, cluster } = await simCluster({ nodes: 2, devices: 0 });
      sim.addHost("mgmt3", { storageHost: "10.0.0.3" }).setGlusterd("mgmt3", false);
      await assert.rejects(engine.addNode({ clusterId: cluster.id, manageHostname: "mgmt3", storageHostname: "10.0.0.3", zone: 3 }), /gluster daemon is operational/);
      assert.equal(engine.ledger.listNodes(cluster.id).length, 2);
      assert.deepEqual(sim.peers("mgmt1").map((p) => p.hostname), ["10.0.0.2"]);
    });

    it("detaches every node when all are disabled first and removed together (how Heketi clients tear down)", async function () {
      const { sim, engine, nodes } = await simCluster({ devices: 0 });
      for (const n of nodes) await engine.setNodeState(n.id, "offline");
      await Promise.all(nodes.map((n) => engine.removeNode(n.id)));
      for (const n of nodes) assert.deepEqual(sim.peers(n.manageHost), [], `${n.manageHost} is alone again`);
      assert.deepEqual(engine.ledger.listNodes(), []);
    });

    it("detaches removed nodes, and refuses to remove a node that still has devices", async function () {
      const { sim, engine, nodes, devices } = await simCluster({ devices: 1 });
      await assert.rejects(engine.removeNode(nodes[2].id), (e: Error) => e instanceof ConflictError && /contains devices/.test(e.message));
      await engine.removeDevice(devices[2].id);
      await engine.removeNode(nodes[2].id);
      assert.deepEqual(sim.peers("mgmt1").map((p) => p.hostname), ["10.0.0.2"]);
      assert.deepEqual(sim.peers("mgmt3"), [], "the removed node is alone again");
      assert.equal(sim.disk("mgmt3", "/dev/vdb")!.pv, null, "its device was given back");
    });

    it("inspectNode sees glusterd stop, and a node that cannot be reached", async function () {
      const { sim, engine, nodes } = await simCluster({ devices: 0 });
      sim.setGlusterd("mgmt2", false);
      assert.deepEqual(await engine.inspectNode(nodes[1].id), { id: nodes[1].id, zone: 2, tags: {}, state: "unreachable", glusterdUp: false, connectedInPool: false });
      sim.setGlusterd("mgmt2", true).setReachable("mgmt3", false);
      assert.equal((await engine.inspectNode(nodes[2].id))!.state, "unreachable");
      assert.equal((await engine.inspectNode(nodes[1].id))!.state, "online");
    });
  });

  describe("devices", function () {
    it("adds a device: a VG tagged with its device, node, cluster and zone, and the ledger holds the size the node reports", async function () {
      const { sim, engine, devices } = await simCluster({ nodes: 1, devices: 1, deviceSizeGiB: 8 });
      const d = devices[0];
      // 8 GiB disk, 128 MiB metadata area aligned to 256 KiB, 4 MiB extents: 2015 extents, like the lab's disks
      assert.equal(d.totalKiB, 2015 * 4096);
      assert.equal(d.freeKiB, d.totalKiB);
      assert.equal(d.extentKiB, 4096);
      const [vg] = sim.vgs("mgmt1");
      assert.equal(vg.name, `vg_${d.id}`);
      const node = engine.ledger.getNode(d.nodeId);
      assert.deepEqual(vg.tags, [`pgfs.device=${d.id}`, `pgfs.node=${node.id}`, `pgfs.cluster=${node.clusterId}`, `pgfs.zone=${node.zone}`]);
      assert.equal(d.pvUuid, sim.disk("mgmt1", "/dev/vdb")!.pv!.uuid);
      assert.deepEqual(await engine.inspectDevice(d.id), { id: d.id, totalKiB: d.totalKiB, freeKiB: d.freeKiB, usedKiB: 0, sizeOnNodeKiB: 8 * GiB, vgFreeKiB: d.totalKiB, vgTotalKiB: d.totalKiB, vgUsedKiB: 0 });
      sim.setDisk("mgmt1", "/dev/vdb", { sizeGiB: 12 });
      assert.equal((await engine.inspectDevice(d.id))!.sizeOnNodeKiB, 12 * GiB, "a grown disk shows in sizeOnNodeKiB");
    });

    it("refuses a device with a file system on it unless destroyData, and a path that is no block device", async function () {
      const { sim, engine, nodes } = await simCluster({ nodes: 1, devices: 0 });
      sim.setDisk("mgmt1", "/dev/vdb", { signature: { type: "ext4", label: "old" } });
      await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: "/dev/vdb" }), (e: Error) => e instanceof ConflictError && /ext4 \(label old\)/.test(e.message));
      assert.deepEqual(sim.disk("mgmt1", "/dev/vdb")!.signatures, ["ext4"], "the disk was not touched");
      assert.equal(engine.ledger.listDevices().length, 0);
      const d = await engine.addDevice({ nodeId: nodes[0].id, path: "/dev/vdb", destroyData: true });
      assert.deepEqual(sim.disk("mgmt1", "/dev/vdb")!.signatures, ["LVM2_member"]);
      assert.equal(d.state, "online");
      sim.setDisk("mgmt1", "/dev/vdz", { missing: true });
      await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: "/dev/vdz" }), (e: Error) => e instanceof ValidationError && /not a block device/.test(e.message));
      await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: "/dev/vda" }), (e: Error) => e instanceof ConflictError && /mounted on \//.test(e.message), "the root disk is in use");
    });

    it("refuses to pvcreate a device that already holds a VG", async function () {
      const { sim, engine, nodes } = await simCluster({ nodes: 1, devices: 0 });
      // someone else's VG, with an LV in it
      const setup = await onNode(sim, "mgmt1", L.pvCreate({ device: "/dev/vdd" }), sh`/usr/sbin/lvm vgcreate -qq data ${"/dev/vdd"}`,
        sh`/usr/sbin/lvm lvcreate -qq --size 1G --thin data/pool --virtualsize 1G --name scratch`);
      assert.equal(setup.code, 0, setup.stderr);
      const again = await onNode(sim, "mgmt1", L.pvCreate({ device: "/dev/vdd" }));
      assert.equal(again.code, 5);
      assert.match(again.stderr, /Can't initialize physical volume "\/dev\/vdd" of volume group "data" without -ff/);
      await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: "/dev/vdd" }), (e: Error) => e instanceof ConflictError && /already an LVM physical volume of VG data/.test(e.message));
      assert.deepEqual(engine.ledger.listOperations().filter((o) => o.type === "add-device").map((o) => o.status), ["rolled-back"], "refused before anything was changed: nothing to undo");
      assert.equal(engine.ledger.listDevices().length, 0);
      // a PV someone prepared but put in no VG yet: refused, and its label stays
      assert.equal((await onNode(sim, "mgmt1", L.pvCreate({ device: "/dev/vde" }))).code, 0);
      const label = sim.disk("mgmt1", "/dev/vde")!.pv!.uuid;
      await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: "/dev/vde" }), (e: Error) => e instanceof ConflictError && /physical volume in no VG/.test(e.message));
      assert.equal(sim.disk("mgmt1", "/dev/vde")!.pv?.uuid, label, "the rollback did not pvremove someone else's PV");
      await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: "/dev/vdd", destroyData: true }), /Device or resource busy/, "wipefs cannot erase a PV whose LVs are active");
      assert.deepEqual(sim.vgs("mgmt1").map((v) => v.name), ["data"], "the VG is intact");
      assert.deepEqual(sim.lvs("mgmt1").filter((l) => l.kind !== "spare").map((l) => l.name).sort(), ["pool", "scratch"]);
    });

    it("refuses to remove a device that holds bricks, unless it is evacuated", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "r3", sizeGiB: 2, durability: { type: "replicate", replica: 3 } });
      const b = s.engine.ledger.listBricks(v.id)[0];
      await assert.rejects(s.engine.removeDevice(b.deviceId), (e: Error) => e instanceof ConflictError && /contains bricks/.test(e.message));
      assert.ok(s.sim.vgs(s.engine.ledger.getNode(b.nodeId).manageHost).some((x) => x.name === `vg_${b.deviceId}`));
    });

    it("evacuates a device: replace-brick onto another device, heal info clean, the old brick and VG gone", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "r3", sizeGiB: 2, durability: { type: "replicate", replica: 3 } });
      await s.engine.expandVolume(v.id, 2);
      const old = s.engine.ledger.listBricks(v.id).find((b) => b.nodeId === s.nodes[0].id)!;
      const onOld = s.engine.ledger.listBricksOnDevice(old.deviceId);
      const oldNames = onOld.map((b) => `10.0.0.1:${b.path}`);
      await s.engine.removeDevice(old.deviceId, { evacuate: true });

      assert.equal(s.engine.ledger.findDevice(old.deviceId), undefined);
      assert.equal(s.sim.disk("mgmt1", old.deviceId === s.devices[0].id ? "/dev/vdb" : "/dev/vdc")!.pv, null, "VG and PV removed");
      const [gv] = s.sim.volumes("mgmt2");
      assert.equal(gv.bricks.length, 6);
      for (const n of oldNames) assert.ok(!gv.bricks.some((b) => b.name === n), `${n} was replaced`);
      assert.equal(gv.status, "Started");
      const heal = await onNode(s.sim, "mgmt1", sh`gluster --mode=script volume heal ${"r3"} info --xml`);
      assert.equal(heal.code, 0);
      assert.equal((heal.stdout.match(/<numberOfEntries>0<\/numberOfEntries>/g) ?? []).length, 6, "heal info: 0 entries on every brick");
      assert.ok(!s.sim.isDir("mgmt1", `/var/lib/heketi/mounts/vg_${old.deviceId}`), "the device's mount parent is gone");
      assertAccountingExact(s);
      assertNodesMatchLedger(s);
      const [op] = s.engine.ledger.listOperations().filter((o) => o.type === "evacuate-device");
      assert.equal(op.status, "done");
    });

    it("evicts one brick through the API (heketi-cli brick evict): it moves to another device, which keeps its state and other bricks", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "r3", sizeGiB: 2, durability: { type: "replicate", replica: 3 } });
      await s.engine.expandVolume(v.id, 2);
      const old = s.engine.ledger.listBricks(v.id).find((b) => b.nodeId === s.nodes[0].id)!;
      const othersOnDevice = s.engine.ledger.listBricksOnDevice(old.deviceId).filter((b) => b.id !== old.id).map((b) => b.id);
      const t = await serveEngine(s.engine);
      try {
        assert.equal((await t.call("POST", `/bricks/to-evict/${"0".repeat(32)}`, {})).status, 404);
        assert.equal((await t.call("POST", `/bricks/to-evict/${old.id}`, { healcheck: "sometimes" })).status, 400);
        const r = await t.call("POST", `/bricks/to-evict/${old.id}`, { healcheck: "enable" });
        assert.equal(r.status, 202);
        assert.equal((await t.wait(r.headers.get("location")!)).status, 204);
      } finally {
        await t.close();
      }
      assert.equal(s.engine.ledger.findBrick(old.id), undefined);
      const neu = s.engine.ledger.listBricks(v.id).find((b) => b.setIndex === old.setIndex && b.position === old.position)!;
      assert.equal(neu.nodeId, s.nodes[0].id, "the only node outside the brick's set is its own");
      assert.notEqual(neu.deviceId, old.deviceId);
      const d = s.engine.ledger.getDevice(old.deviceId);
      assert.deepEqual([d.state, d.opId], ["online", null]);
      assert.deepEqual(s.engine.ledger.listBricksOnDevice(old.deviceId).map((b) => b.id), othersOnDevice);
      const [gv] = s.sim.volumes("mgmt2");
      assert.ok(gv.bricks.some((b) => b.name === `10.0.0.1:${neu.path}`) && !gv.bricks.some((b) => b.name === `10.0.0.1:${old.path}`));
      assertAccountingExact(s);
      assertNodesMatchLedger(s);
      assert.equal(s.engine.ledger.listOperations().find((o) => o.type === "evict-brick")!.status, "done");
    });

    it("refuses to evict a distribute-only volume's brick, changing nothing", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "dist", sizeGiB: 1, durability: { type: "none" } });
      const [b] = s.engine.ledger.listBricks(v.id);
      await assert.rejects(s.engine.evictBrick(b.id), /distribute-only/);
      assert.equal(s.engine.ledger.getDevice(b.deviceId).opId, null);
      assert.deepEqual(s.engine.ledger.listOperations().filter((o) => o.type === "evict-brick"), []);
      assertNodesMatchLedger(s);
    });

    it("refuses to evacuate a distribute-only volume's brick, changing nothing", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "dist", sizeGiB: 1, durability: { type: "none" } });
      const [b] = s.engine.ledger.listBricks(v.id);
      await assert.rejects(s.engine.removeDevice(b.deviceId, { evacuate: true }), /distribute-only/);
      assertNodesMatchLedger(s);
    });
  });

  describe("volumes", function () {
    it("creates, expands and deletes a replica-3 volume and leaves no LV, mount or fstab line behind", async function () {
      const s = await simCluster();
      const hosts = s.nodes.map((n) => n.manageHost);
      const v = await s.engine.createVolume({ name: "r3", sizeGiB: 2, durability: { type: "replicate", replica: 3 }, gid: 2000 });
      let [gv] = s.sim.volumes("mgmt3");
      assert.equal(gv.name, "r3");
      assert.equal(gv.typeStr, "Replicate");
      assert.equal(gv.status, "Started");
      assert.equal(gv.options["user.heketi.id"], v.id);
      assert.equal(gv.bricks.length, 3);
      assertNodesMatchLedger(s);
      for (const b of s.engine.ledger.listBricks(v.id)) {
        const host = s.engine.ledger.getNode(b.nodeId).manageHost;
        assert.ok(s.sim.isDir(host, b.path), `brick dir ${b.path} on ${host}`);
        const lv = s.sim.lvs(host).find((l) => l.name === `brick_${b.id}`)!;
        assert.equal(lv.fs, "xfs");
        assert.deepEqual(lv.tags, [`pgfs.brick=${b.id}`, `pgfs.volume=${v.id}`], "the brick LV is tagged (lvchange after lvcreate)");
      }

      const grown = await s.engine.expandVolume(v.id, 2);
      assert.equal(grown.sizeGiB, 4);
      [gv] = s.sim.volumes("mgmt1");
      assert.equal(gv.typeStr, "Distributed-Replicate");
      assert.equal(gv.bricks.length, 6);
      assertNodesMatchLedger(s);
      assertAccountingExact(s);

      const live = await s.engine.inspectVolume(v.id);
      assert.equal(live!.existsInGluster, true);
      assert.equal(live!.status, "Started");
      assert.equal(live!.brickCount, 6);

      await s.engine.deleteVolume(v.id);
      assert.deepEqual(s.sim.volumes("mgmt1"), []);
      assertNoBrickLeftovers(s.sim, hosts);
      for (const h of hosts) {
        for (const vg of s.sim.vgs(h)) assert.equal(vg.freeKiB, vg.totalKiB, `${vg.name} on ${h} is empty again`);
        assert.deepEqual(s.sim.fstab(h), ["/dev/vda / ext4 defaults,noatime,errors=remount-ro 0 1"], `the root line of ${h}'s fstab is untouched`);
      }
      for (const d of s.engine.ledger.listDevices()) assert.equal(d.usedKiB, 0);
      assert.equal(s.engine.ledger.listVolumes().length, 0);
    });

    it("creates distribute, arbiter and disperse volumes that gluster reports as such", async function () {
      const s = await simCluster();
      const none = await s.engine.createVolume({ name: "plain", sizeGiB: 2, durability: { type: "none" } });
      const arb = await s.engine.createVolume({ name: "arb", sizeGiB: 2, durability: { type: "replicate", replica: 3, arbiter: true } });
      const ec = await s.engine.createVolume({ name: "ec", sizeGiB: 2, durability: { type: "disperse", data: 2, redundancy: 1 } });
      const info = async (id: string) => (await s.engine.inspectVolume(id))!.info!;
      assert.equal((await info(none.id)).typeStr, "Distribute");
      const a = await info(arb.id);
      assert.equal(a.typeStr, "Replicate");
      assert.equal(a.arbiterCount, 1);
      assert.deepEqual(a.bricks.map((b) => b.isArbiter), [false, false, true]);
      const arbiterBrick = s.engine.ledger.listBricks(arb.id).find((b) => b.subtype === "arbiter")!;
      assert.equal(a.bricks[2].path, arbiterBrick.path, "gluster's arbiter is the ledger's arbiter brick");
      const e = await info(ec.id);
      assert.deepEqual([e.typeStr, e.disperseCount, e.redundancyCount, e.brickCount], ["Disperse", 3, 1, 3]);
      await s.engine.expandVolume(ec.id, 2);
      assert.equal((await info(ec.id)).typeStr, "Distributed-Disperse");
      assertNodesMatchLedger(s);
      await Promise.all([none, arb, ec].map((v) => s.engine.deleteVolume(v.id)));
      assertNoBrickLeftovers(s.sim, s.nodes.map((n) => n.manageHost));
    });

    it("sets and resets options; read-back reports what gluster holds", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "opts", sizeGiB: 1, options: [{ key: "performance.readdir-ahead", value: "on" }] });
      assert.deepEqual((await s.engine.inspectVolume(v.id))!.options, [{ key: "performance.readdir-ahead", value: "on" }]);
      await s.engine.setVolumeOptions(v.id, [{ key: "features.shard", value: "on" }]);
      const [gv] = s.sim.volumes("mgmt2");
      assert.equal(gv.options["features.shard"], "on");
      assert.equal(gv.options["performance.readdir-ahead"], undefined, "the dropped option was reset");
      assert.deepEqual((await s.engine.inspectVolume(v.id))!.options, [{ key: "features.shard", value: "on" }]);
    });

    it("a volume deleted by hand shows as gone, and its bricks are cleaned up", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "byhand", sizeGiB: 1 });
      const r = await onNode(s.sim, "mgmt1", sh`gluster --mode=script volume stop ${"byhand"} force`, sh`gluster --mode=script volume delete ${"byhand"}`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await s.engine.inspectVolume(v.id))!.existsInGluster, false);
      assert.equal(await s.engine.forgetVanishedVolume(v.clusterId, "byhand"), true);
      assertNoBrickLeftovers(s.sim, s.nodes.map((n) => n.manageHost));
      assertAccountingExact(s);
    });

    it("rolls back a create whose volume start fails: no LV, mount or fstab line left", async function () {
      const s = await simCluster();
      s.sim.failCommand({ match: /^gluster .*volume start /, stderr: "volume start: r3: failed: Commit failed on 10.0.0.2. Please check log file for details.\n" });
      await assert.rejects(s.engine.createVolume({ name: "r3", sizeGiB: 1 }), /Commit failed on 10\.0\.0\.2/);
      assert.deepEqual(s.sim.volumes("mgmt1"), []);
      assertNoBrickLeftovers(s.sim, s.nodes.map((n) => n.manageHost));
      assertAccountingExact(s);
      assert.deepEqual(s.engine.ledger.listOperations(["running", "committed", "failed"]), []);
    });

    it("50 createVolume calls in parallel on 3 nodes × 2 small devices: no over-commit, every call settles clearly", async function () {
      this.timeout(120_000);
      const s = await simCluster({ deviceSizeGiB: 24, latencyMs: 1 });
      const durabilities = [
        { type: "replicate" as const, replica: 3 },
        { type: "replicate" as const, replica: 3, arbiter: true },
        { type: "disperse" as const, data: 2, redundancy: 1 },
        { type: "none" as const },
        { type: "replicate" as const, replica: 2 },
      ];
      const calls = Array.from({ length: 50 }, (_, i) =>
        s.engine.createVolume({ name: `par${i}`, sizeGiB: 1 + (i % 4), durability: durabilities[i % durabilities.length] }),
      );
      const settled = await Promise.allSettled(calls);
      const ok = settled.filter((r) => r.status === "fulfilled").length;
      const errors = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
      assert.equal(ok + errors.length, 50);
      assert.ok(ok >= 10, `only ${ok} volumes were created`);
      assert.ok(errors.length > 0, "the devices are too small for all 50: some calls must be refused");
      for (const e of errors) {
        assert.ok(e instanceof EngineError, `not an engine error: ${e.stack}`);
        assert.match(e.message, /Failed to allocate new volume|insufficient free space/, e.message);
      }
      assert.deepEqual(s.engine.ledger.listOperations(["running", "committed"]), []);
      assert.deepEqual(s.engine.ledger.listOperations(["failed"]), [], "every failed create was rolled back");
      assertAccountingExact(s);
      assertNodesMatchLedger(s);
      assert.equal(s.sim.volumes("mgmt1").length, ok);
      assert.ok(s.sim.volumes("mgmt1").every((v) => v.status === "Started"));
    });
  });

  it("a device filled to its last extent: lvcreate also needs room for LVM's pool-metadata spare; the failed create rolls back cleanly", async function () {
    // 259 extents: room for one 1 GiB brick as the ledger counts it (256 extents of pool + 2 of metadata), one extent to spare;
    // LVM also wants 2 extents for the hidden pool-metadata spare it creates with the first thin pool
    const s = await simCluster({ nodes: 1, devices: 1, deviceSizeGiB: (259 * 4096 + 131328) / GiB });
    assert.equal(s.devices[0].freeKiB, 259 * 4096);
    await assert.rejects(
      s.engine.createVolume({ name: "full", sizeGiB: 1, durability: { type: "none" } }),
      /insufficient free space \(259 extents\): 260 required|Failed to allocate new volume/,
      "today the engine places the brick and lvcreate refuses it; an engine that reserved the spare would refuse at placement",
    );
    assertNoBrickLeftovers(s.sim, ["mgmt1"]);
    assertAccountingExact(s);
    assert.deepEqual(s.engine.ledger.listOperations(["running", "committed", "failed"]), []);
  });

  describe("recovery", function () {
    it("finishes an evacuation whose old-brick teardown failed", async function () {
      const s = await simCluster();
      const v = await s.engine.createVolume({ name: "r3", sizeGiB: 1 });
      const old = s.engine.ledger.listBricks(v.id).find((b) => b.nodeId === s.nodes[0].id)!;
      s.sim.failCommand({ host: "mgmt1", match: new RegExp(`^umount .*brick_${old.id}`), stderr: "umount: target is busy.\n", code: 32 });
      await assert.rejects(s.engine.removeDevice(old.deviceId, { evacuate: true }), (e: Error) => e instanceof OperationFailedError && /destroying the old brick failed/.test(e.message));
      assert.equal(s.engine.ledger.listOperations(["failed"]).length, 1);
      const results = await s.engine.recover();
      assert.deepEqual(results.map((r) => `${r.type}:${r.action}`), ["evacuate-device:finished"]);
      assert.equal(s.engine.ledger.findDevice(old.deviceId), undefined);
      assert.ok(!s.sim.vgs("mgmt1").some((x) => x.name === `vg_${old.deviceId}`));
      assertAccountingExact(s);
      assertNodesMatchLedger(s);
    });

    it("rolls back a create cut off after the bricks were made (the engine died)", async function () {
      const s = await simCluster();
      s.sim.failCommand({ match: /^gluster .*volume create /, hang: true });
      void s.engine.createVolume({ name: "cut", sizeGiB: 1 });
      for (let i = 0; i < 100 && !s.sim.runs.some((r) => r.code === -1); i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(s.sim.lvs("mgmt1").filter((l) => l.kind === "thin").length, 1, "the bricks were made");
      deadOwner(s.engine);
      const after = newEngine(s.sim, s.engine.ledger.file);
      const results = await after.recover();
      assert.deepEqual(results.map((r) => `${r.type}:${r.action}`), ["create-volume:rolled back"]);
      assertNoBrickLeftovers(s.sim, s.nodes.map((n) => n.manageHost));
      assertAccountingExact({ engine: after });
      assert.equal(after.ledger.listVolumes().length, 0);
    });

    it("rolls back a device add cut off after vgcreate", async function () {
      const s = await simCluster({ nodes: 1, devices: 0 });
      s.sim.failCommand({ match: /vgdisplay/, hang: true });
      void s.engine.addDevice({ nodeId: s.nodes[0].id, path: "/dev/vdb" });
      for (let i = 0; i < 100 && !s.sim.runs.some((r) => r.code === -1); i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(s.sim.vgs("mgmt1").length, 1, "vgcreate ran");
      deadOwner(s.engine);
      const after = newEngine(s.sim, s.engine.ledger.file);
      assert.deepEqual((await after.recover()).map((r) => `${r.type}:${r.action}`), ["add-device:rolled back"]);
      assert.deepEqual(s.sim.vgs("mgmt1"), []);
      assert.equal(s.sim.disk("mgmt1", "/dev/vdb")!.pv, null);
      assert.equal(after.ledger.listDevices().length, 0);
    });
  });

  describe("the simulated node itself", function () {
    it("fails loudly (exit 127) on a command or an option it does not simulate, naming the line", async function () {
      const sim = new SimExecutor();
      const cmd = await onNode(sim, "n1", sh`mkdir -p /tmp/x`, sh`/usr/sbin/lvm lvextend -L +1G ${"vg/lv"}`);
      assert.equal(cmd.code, 127);
      assert.match(cmd.stderr, /unrecognised command at line 3: \/usr\/sbin\/lvm lvextend -L \+1G 'vg\/lv'/);
      const guarded = await onNode(sim, "n1", unless(silently(sh`xfs_growfs ${"/x"}`), sh`true`));
      assert.equal(guarded.code, 127, "even where bash would ignore the failure");
      assert.match(guarded.stderr, /xfs_growfs/);
      const option = await onNode(sim, "n1", sh`wipefs --all --force ${"/dev/vdb"}`);
      assert.equal(option.code, 127);
      assert.match(option.stderr, /option --force is not simulated/);
    });

    it("runs scripts the way bash does: set -e, pipefail, if/unless guards, sections", async function () {
      const sim = new SimExecutor();
      const r = await onNode(sim, "n1",
        sh`echo a`, anyOf(sh`false`, sh`echo rescued`), not(sh`false`), ifElse(sh`false`, [sh`echo no`], [sh`echo yes`]),
        section("failing", sh`false`), allOf(pipe(sh`false`, sh`true`), sh`echo no-pipefail-leak`), unless(sh`false`, sh`echo guarded`), sh`echo after`);
      assert.equal(r.code, 0, "a failure before && or || does not end the script");
      assert.equal(r.stdout, "a\nrescued\nyes\n=== pgfs:failing\n\n=== pgfs:failing rc=1\nguarded\nafter\n", "false | true fails under pipefail, so && skips its echo");
      const e = await onNode(sim, "n1", sh`echo one`, sh`false`, sh`echo two`);
      assert.deepEqual([e.code, e.stdout], [1, "one\n"]);
    });

    it("edits files by what each edit means: a line ensured once, appended on a line of its own, table lines removed with a backup", async function () {
      const sim = new SimExecutor();
      const f = "/etc/fstab";
      const before = sim.file("n1", f) ?? "";
      const line = "/dev/x /mnt/x xfs rw 1 2";
      assert.equal((await onNode(sim, "n1", ensureLineInFile(line, f), ensureLineInFile(line, f))).code, 0);
      assert.equal(sim.file("n1", f), `${before}${line}\n`);
      assert.equal((await onNode(sim, "n1", removeTableLines(f, 2, "/mnt/x"))).code, 0);
      assert.equal(sim.file("n1", f), before);
      assert.equal(sim.file("n1", `${f}.save`), `${before}${line}\n`);
      assert.equal((await onNode(sim, "n1", writeTo(sh`echo -n no-newline`, "/tmp/t"), appendLineToFile("next", "/tmp/t"))).code, 0);
      assert.equal(sim.file("n1", "/tmp/t"), "no-newline\nnext\n");
      const missing = await onNode(sim, "n1", ensureLineInFile(line, "/etc/none"), sh`echo not-reached`);
      assert.deepEqual([missing.code, missing.stdout, missing.stderr], [1, "", "cp: cannot stat '/etc/none': No such file or directory\n"]);
    });

    it("answers the device probe like the lab's disks", async function () {
      const sim = new SimExecutor({ deviceSizeGiB: 8 });
      const probe = async (dev: string) => parseDeviceProbe((await onNode(sim, "n1", ...L.probeDevice(dev))).stdout);
      const lab = (f: string) => parseDeviceProbe(fixture(`lvm/${f}`));
      const empty = await probe("/dev/vdc");
      assert.deepEqual({ ...empty }, { ...lab("probe-empty.txt") });
      const missing = await probe("/dev/vdz");
      sim.setDisk("n1", "/dev/vdz", { missing: true });
      assert.equal(missing.state, "empty", "every /dev path is a disk until told otherwise");
      assert.deepEqual(await probe("/dev/vdz"), lab("probe-missing.txt"));
      await onNode(sim, "n1", ...L.deviceSetup({ device: "/dev/vdc", deviceId: "aa8a24a3ca07fe0c3c66833d13f8f4fd", destroyData: true }));
      const pv = await probe("/dev/vdc");
      const labPv = lab("probe-pv.txt");
      assert.deepEqual([pv.state, pv.reason, pv.detail, pv.pv!.vgName, pv.pv!.deviceId, pv.pv!.heketiLayout], [labPv.state, labPv.reason, labPv.detail, labPv.pv!.vgName, labPv.pv!.deviceId, labPv.pv!.heketiLayout]);
      assert.deepEqual(pv.signatures.map((x) => x.type), ["LVM2_member"]);
    });

    it("reports LVM in the lab's formats: vgdisplay -c, pvs JSON, thin_count", async function () {
      const sim = new SimExecutor({ deviceSizeGiB: 8 });
      const D = "aa8a24a3ca07fe0c3c66833d13f8f4fd";
      assert.equal((await onNode(sim, "n1", ...L.deviceSetup({ device: "/dev/vdc", deviceId: D }))).code, 0);
      const vg = parseVgDisplay((await onNode(sim, "n1", L.vgDisplay(D))).stdout);
      assert.deepEqual({ ...vg, vgUuid: "" }, { ...parseVgDisplay(fixture("lvm/vgdisplay-c-empty.txt")), vgUuid: "" });
      const [pv] = parsePvsReport((await onNode(sim, "n1", L.pvsOfDevice("/dev/vdc"))).stdout);
      const [labPv] = parsePvsReport(fixture("lvm/pvs-of-device.json"));
      assert.deepEqual([pv.pvName, pv.vgName], [labPv.pvName, labPv.vgName]);
      const B = "e2d9dee59ce34d177b009bb6c0d8be90";
      const brick = await onNode(sim, "n1", ...Brick.brickCreate({ deviceId: D, brickId: B, sizeKiB: 512 * 1024, thinPoolSizeKiB: 512 * 1024, poolMetadataSizeKiB: 8192 }), L.thinPoolCount({ deviceId: D, brickId: B }));
      assert.equal(brick.code, 0, brick.stderr);
      assert.ok(brick.stdout.endsWith(fixture("lvm/thin-count.txt")), JSON.stringify(brick.stdout.slice(-20)));
      assert.equal(parseThinCount(fixture("lvm/thin-count.txt")), 1);
      const after = parseVgDisplay((await onNode(sim, "n1", L.vgDisplay(D))).stdout);
      assert.equal(after.allocatedExtents, 128 + 2 + 2, "pool data + pool metadata + LVM's hidden metadata spare (the lab shows the same)");
    });

    it("speaks gluster --xml in the shape the parsers read from the lab", async function () {
      const sim = new SimExecutor({ hosts: { n1: "10.77.0.11", n2: "10.77.0.12" } });
      const probe = await onNode(sim, "n1", sh`gluster --mode=script --timeout=600 peer probe ${"10.77.0.12"}`);
      assert.deepEqual([probe.code, probe.stdout], [0, "peer probe: success\n"]);
      const pool = parsePoolListXml((await onNode(sim, "n2", sh`gluster --mode=script --timeout=600 pool list --xml`)).stdout);
      assert.deepEqual(pool.map((p) => [p.hostname, p.connected, p.state, p.isLocal]), [["10.77.0.11", true, 3, false], ["localhost", true, null, true]]);
      const missing = await onNode(sim, "n1", sh`gluster --mode=script --timeout=600 volume info ${"nope"} --xml`);
      assert.equal(missing.code, 0, "like gluster: exit 0, opRet -1");
      assert.equal(parseOneVolumeInfoXml(missing.stdout), null);
      assert.deepEqual(parseVolumeInfoXml((await onNode(sim, "n1", sh`gluster --mode=script volume info --xml`)).stdout), parseVolumeInfoXml(fixture("gluster/volume-info-all-empty.xml")));
      const heal = await onNode(sim, "n1", sh`gluster --mode=script volume heal ${"nope"} info --xml`);
      assert.equal(heal.code, 254);
      const detach = await onNode(sim, "n1", sh`gluster --mode=script peer detach ${"10.77.0.99"}`);
      assert.deepEqual([detach.code, detach.stderr], [1, "peer detach: failed: 10.77.0.99 is not part of cluster\n"]);
    });

    it("refuses what the real tools refuse: bricks on the root partition, a started volume's delete, unmounting a served brick, a too small XFS", async function () {
      const s = await simCluster();
      const root = await onNode(s.sim, "mgmt1", sh`gluster --mode=script volume create ${"bad"} ${"10.0.0.1:/srv/brick"}`);
      assert.equal(root.code, 1);
      assert.match(root.stderr, /is being created in the root partition/);
      const v = await s.engine.createVolume({ name: "busy", sizeGiB: 1 });
      const del = await onNode(s.sim, "mgmt1", sh`gluster --mode=script volume delete ${"busy"}`);
      assert.match(del.stderr, /Volume busy has been started/);
      const b = s.engine.ledger.listBricks(v.id).find((x) => x.nodeId === s.nodes[0].id)!;
      const um = await onNode(s.sim, "mgmt1", sh`umount ${b.path.replace(/\/brick$/, "")}`);
      assert.deepEqual([um.code, um.stderr.trim()], [32, `umount: ${b.path.replace(/\/brick$/, "")}: target is busy.`]);
      const small = await onNode(s.sim, "mgmt1", sh`/usr/sbin/lvm lvcreate -qq --size 256M --thin ${`vg_${b.deviceId}/tp_small`} --virtualsize 256M --name small`, sh`mkfs.xfs -i size=512 ${`/dev/mapper/vg_${b.deviceId}-small`}`);
      assert.equal(small.code, 1);
      assert.match(small.stderr, /Filesystem must be larger than 300MB/);
    });

    it("waits latencyMs per run and counts round trips per host", async function () {
      const sim = new SimExecutor({ latencyMs: 20 });
      const t0 = Date.now();
      await Promise.all([onNode(sim, "a", sh`true`), onNode(sim, "a", sh`true`), onNode(sim, "b", sh`true`)]);
      assert.ok(Date.now() - t0 >= 19);
      assert.deepEqual(sim.roundTrips(), { a: 2, b: 1 });
      await sim.close();
      await assert.rejects(onNode(sim, "a", sh`true`), /closed/);
    });
  });
});
