import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Database from "better-sqlite3";
import { script, sh } from "../../provider/commands/shell";
import { Engine } from "../../provider/engine";
import { SimExecutor } from "../../devtools/sim/sim-executor";
import type { Ledger } from "../../provider/ledger/ledger";
import type { DeclaredPool } from "../../provider/operations/rebuild";

const ledgerFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-rebuild-")), "ledger.db");
const engineOn = (sim: SimExecutor, file = ledgerFile()) => new Engine({ ledgerPath: file, executor: sim, ssh: { privateKey: "test-key", port: 22 } });

/** Three nodes with two devices each, built by one checkout's engine. */
async function built() {
  const sim = new SimExecutor({ deviceSizeGiB: 100 });
  const engine = engineOn(sim);
  const cluster = engine.createCluster();
  for (let i = 1; i <= 3; i++) {
    sim.addHost(`mgmt${i}`, { storageHost: `10.0.0.${i}` });
    const n = await engine.addNode({ clusterId: cluster.id, manageHostname: `mgmt${i}`, storageHostname: `10.0.0.${i}`, zone: i, tags: { rack: `r${i}` } });
    for (const p of ["/dev/vdb", "/dev/vdc"]) await engine.addDevice({ nodeId: n.id, path: p, tags: p === "/dev/vdc" ? { disk: "ssd" } : {} });
  }
  return { sim, engine, clusterId: cluster.id };
}

/** A 1 GiB volume `data`, then deleted in gluster by hand (its bricks stay on the nodes). */
async function dataVolumeDeletedByHand(a: Awaited<ReturnType<typeof built>>) {
  const v = await a.engine.createVolume({ name: "data", sizeGiB: 1, clusters: [a.clusterId] });
  const node = a.engine.ledger.listNodes(a.clusterId)[0];
  const t = { host: node.manageHost, port: 22, user: "root", sudo: false, privateKey: "k" };
  assert.equal((await a.sim.run(t, script([sh`gluster --mode=script volume stop ${"data"} force`, sh`gluster --mode=script volume delete ${"data"}`]))).code, 0);
  return v;
}

/** The pool as a program declares it (what the SDK hands the providers). */
function declared(ledger: Ledger, clusterId: string): DeclaredPool {
  return {
    clusterId,
    nodes: ledger.listNodes(clusterId).map((n) => ({
      nodeId: n.id, manageHostname: n.manageHost, storageHostname: n.storageHost, zone: n.zone, tags: n.tags, ssh: n.ssh,
      devices: ledger.listDevices(n.id).map((d) => ({ deviceId: d.id, path: d.path, tags: d.tags })),
    })),
  };
}

/** What placement and every operation read: the rows, without timestamps. */
function rows(ledger: Ledger, clusterId: string) {
  const strip = <T extends { createdAt?: string }>(r: T) => ({ ...r, createdAt: undefined });
  return {
    nodes: ledger.listNodes(clusterId).map(strip),
    devices: ledger.listNodes(clusterId).flatMap((n) => ledger.listDevices(n.id)).map(strip),
    volumes: ledger.listVolumes(clusterId).map(strip),
    bricks: ledger.listVolumes(clusterId).flatMap((v) => ledger.listBricks(v.id)),
  };
}

describe("the ledger is a cache of the nodes: rebuilt from them in any checkout", function () {
  it("a fresh clone (no ledger) rebuilds exactly the rows of the checkout that built the cluster", async function () {
    const a = await built();
    await a.engine.createVolume({ name: "data", sizeGiB: 2, clusters: [a.clusterId], gid: 2001, snapshotFactor: 1.5, options: [{ key: "performance.quick-read", value: "off" }] });
    const data = a.engine.ledger.findVolumeByName(a.clusterId, "data")!;
    await a.engine.expandVolume(data.id, 3);
    await a.engine.createVolume({ name: "arb", sizeGiB: 1, clusters: [a.clusterId], durability: { type: "replicate", replica: 3, arbiter: true } });
    await a.engine.createVolume({ name: "ec", sizeGiB: 4, clusters: [a.clusterId], durability: { type: "disperse", data: 2, redundancy: 1 } });

    const clone = engineOn(a.sim);
    const plan = await clone.rebuildCluster(declared(a.engine.ledger, a.clusterId));
    assert.equal(plan.complete, true, plan.warnings.join("; "));
    assert.deepEqual(rows(clone.ledger, a.clusterId), rows(a.engine.ledger, a.clusterId));
  });

  it("a stale ledger (another checkout expanded and created since) learns what the nodes hold", async function () {
    const a = await built();
    const v = await a.engine.createVolume({ name: "data", sizeGiB: 1, clusters: [a.clusterId] });
    const staleFile = ledgerFile();
    const copy = new Database(a.engine.ledger.file);
    copy.prepare("VACUUM INTO ?").run(staleFile);
    copy.close();
    await a.engine.expandVolume(v.id, 1);
    await a.engine.createVolume({ name: "more", sizeGiB: 2, clusters: [a.clusterId] });
    await a.engine.deleteVolume(v.id);

    const stale = engineOn(a.sim, staleFile);
    await stale.rebuildCluster(declared(a.engine.ledger, a.clusterId));
    assert.deepEqual(rows(stale.ledger, a.clusterId), rows(a.engine.ledger, a.clusterId));
  });

  it("space taken on a device by hand is not offered to placement", async function () {
    const a = await built();
    const dev = a.engine.ledger.listDevices()[0];
    const node = a.engine.ledger.getNode(dev.nodeId);
    const r = await a.sim.run({ host: node.manageHost, port: 22, user: "root", sudo: false, privateKey: "k" }, script([sh`/usr/sbin/lvm lvcreate --size 10G --thin ${`vg_${dev.id}/scratchpool`} --virtualsize 1G --name scratch`]));
    assert.equal(r.code, 0, r.stderr);
    const clone = engineOn(a.sim);
    const plan = await clone.rebuildCluster(declared(a.engine.ledger, a.clusterId));
    const d = clone.ledger.getDevice(dev.id);
    assert.equal(d.usedKiB, 0);
    const hand = dev.freeKiB - d.freeKiB; // the pool's data and metadata
    assert.ok(hand >= 10 * 1024 * 1024 && hand <= 10 * 1024 * 1024 + 8 * 1024, `${hand} KiB taken by hand`);
    assert.match(plan.warnings.join("\n"), /taken by logical volumes that belong to no brick/);
  });

  it("a node that does not answer keeps what the ledger knows of it, and nothing is concluded absent", async function () {
    const a = await built();
    await a.engine.createVolume({ name: "data", sizeGiB: 1, clusters: [a.clusterId] });
    const before = rows(a.engine.ledger, a.clusterId);
    a.sim.setReachable("mgmt2", false);
    const plan = await a.engine.rebuildCluster(declared(a.engine.ledger, a.clusterId));
    assert.equal(plan.complete, false);
    assert.deepEqual(rows(a.engine.ledger, a.clusterId), before);

    a.sim.setReachable("mgmt2", true);
    const clone = engineOn(a.sim);
    a.sim.setReachable("mgmt3", false);
    const partial = await clone.rebuildCluster(declared(a.engine.ledger, a.clusterId));
    assert.equal(partial.complete, false, "a brick on a silent node: the volume cannot be mapped, so absence means nothing");
    assert.deepEqual(partial.unresolved.map((u) => u.name), ["data"]);
  });

  it("a volume deleted by hand in gluster keeps its row while its bricks are on the nodes", async function () {
    const a = await built();
    const v = await dataVolumeDeletedByHand(a);
    await a.engine.rebuildCluster(declared(a.engine.ledger, a.clusterId));
    assert.ok(a.engine.ledger.findVolume(v.id), "the bricks are still there: the next create of that name cleans them");
    assert.equal((await a.engine.inspectVolume(v.id))?.existsInGluster, false);
  });

  it("in a fresh clone, the bricks of a volume deleted by hand are recorded under its id and cleaned by the next create of its name", async function () {
    const a = await built();
    const v = await dataVolumeDeletedByHand(a);

    const clone = engineOn(a.sim);
    const plan = await clone.rebuildCluster(declared(a.engine.ledger, a.clusterId));
    assert.equal(plan.complete, true);
    assert.equal(clone.ledger.getVolume(v.id).name, v.id);
    assert.equal(clone.ledger.listBricks(v.id).length, 3);
    const used = clone.ledger.listDevices().reduce((n, d) => n + d.usedKiB, 0);
    assert.equal(used, a.engine.ledger.listDevices().reduce((n, d) => n + d.usedKiB, 0), "their space is still counted");

    clone.nameVanishedVolume(v.id, "data"); // what refresh knows from the state
    assert.equal(await clone.forgetVanishedVolume(a.clusterId, "data"), true);
    assert.equal(clone.ledger.findVolume(v.id), undefined);
    for (const h of a.sim.hosts()) assert.deepEqual(a.sim.lvs(h).filter((l) => l.name.startsWith("brick_")), [], `${h}: no brick LV left`);
  });
});

describe("pulumi-glusterfs rebuild: a lost ledger rebuilt from the nodes alone", function () {
  it("the hosts say which cluster, node and zone they are; volumes, bricks, gids and options come back; the result checks clean, expands and deletes", async function () {
    const a = await built();
    const v = await a.engine.createVolume({ name: "app", sizeGiB: 2, gid: 2001, clusters: [a.clusterId], durability: { type: "replicate", replica: 3 }, options: [{ key: "performance.cache-size", value: "64MB" }] });
    await a.engine.createVolume({ name: "logs", sizeGiB: 2, clusters: [a.clusterId], durability: { type: "disperse", data: 2, redundancy: 1 } });
    await a.engine.setNodeZone(a.engine.ledger.listNodes(a.clusterId)[2].id, 7); // retagged on its VGs
    const before = rows(a.engine.ledger, a.clusterId);
    a.engine.ledger.close(); // the file is lost; the nodes (the simulator) stay

    // the ledger file is gone: a new one, from the management addresses alone
    const fresh = engineOn(a.sim);
    const { plans, warnings } = await fresh.rebuildFromNodes([{ manageHost: "mgmt1" }, { manageHost: "mgmt2" }, { manageHost: "mgmt3" }]);
    assert.deepEqual(plans.map((p) => p.clusterId), [a.clusterId]);
    assert.deepEqual(warnings, []);
    const after = rows(fresh.ledger, a.clusterId);
    // what the nodes cannot hold: a node's and a device's tags, a node's own SSH settings
    assert.deepEqual(after.nodes, before.nodes.map((n) => ({ ...(n as object), tags: {}, ssh: {} })));
    assert.deepEqual(after.devices, before.devices.map((d) => ({ ...(d as object), tags: {} })));
    assert.deepEqual(after.volumes, before.volumes);
    assert.deepEqual(after.bricks, before.bricks);
    assert.deepEqual((await fresh.checkClusters()).map((r) => r.findings), [[]]);

    await fresh.expandVolume(v.id, 1);
    assert.equal(fresh.ledger.getVolume(v.id).sizeGiB, 3);
    await fresh.deleteVolume(v.id);
    assert.deepEqual(a.sim.volumes("mgmt1").map((x) => x.name), ["logs"]);
    await fresh.close();
  });

  it("refuses a ledger that holds anything, a host that does not answer, and a host that is not a node this tool built; nothing is written", async function () {
    const a = await built();
    await assert.rejects(a.engine.rebuildFromNodes([{ manageHost: "mgmt1" }]), /is not empty .*a ledger is rebuilt from the nodes into a new file only/);
    a.engine.ledger.close();
    a.sim.setReachable("mgmt3", false);
    const fresh = engineOn(a.sim);
    await assert.rejects(fresh.rebuildFromNodes([{ manageHost: "mgmt1" }, { manageHost: "mgmt2" }, { manageHost: "mgmt3" }]), /every host must answer .*unknown is not absent.*mgmt3/);
    a.sim.addHost("stranger", { storageHost: "10.0.0.9" });
    await assert.rejects(fresh.rebuildFromNodes([{ manageHost: "stranger" }]), /stranger: no device tagged by pulumi-glusterfs, and no peer in its gluster pool that has one/);
    assert.deepEqual(fresh.ledger.listClusters(), []);
    await fresh.close();
  });

  it("a VG made before owner tags existed: check names it, --repair tags it, and then the nodes alone rebuild the ledger", async function () {
    const a = await built();
    const n = a.engine.ledger.listNodes(a.clusterId)[0];
    const d = a.engine.ledger.listDevices(n.id)[0];
    const t = { host: n.manageHost, port: 22, user: "root", sudo: false, privateKey: "k" };
    await a.sim.run(t, script([sh`/usr/sbin/lvm vgchange -qq --deltag ${`pgfs.node=${n.id}`} --deltag ${`pgfs.cluster=${a.clusterId}`} --deltag ${`pgfs.zone=${n.zone}`} ${`vg_${d.id}`}`]));
    const [r] = await a.engine.checkClusters();
    assert.deepEqual(r.findings.map((f) => f.kind), ["device-identity"]);
    assert.match(r.findings[0].message, new RegExp(`device ${d.path} \\[${d.id}\\] on ${n.manageHost}: its VG is tagged with no owner, the ledger says pgfs.node=${n.id} pgfs.cluster=${a.clusterId} pgfs.zone=${n.zone}`));
    const { reports, done } = await a.engine.repairClusters();
    assert.deepEqual(reports.map((x) => x.findings), [[]]);
    assert.deepEqual(done, [`${n.manageHost}: 1 VG(s) retagged`]);
    a.engine.ledger.close();
    const fresh = engineOn(a.sim);
    const { warnings } = await fresh.rebuildFromNodes([{ manageHost: "mgmt1" }, { manageHost: "mgmt2" }, { manageHost: "mgmt3" }]);
    assert.deepEqual(warnings, []);
    assert.equal(fresh.ledger.listDevices(n.id).length, 2);
    await fresh.close();
  });
});
