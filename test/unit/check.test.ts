import * as assert from "node:assert/strict";
import type { NodeTarget } from "../../provider/exec/executor";
import { ensureLineInFile, removeTableLines, script, sh } from "../../provider/commands/shell";
import { serveEngine } from "../support/rest";
import { simCluster } from "../support/sim-cluster";

const at = (host: string): NodeTarget => ({ host, port: 22, user: "root", sudo: false, privateKey: "test-key" });

/** `check`: the operator asks whether the ledger and the nodes agree, and is told what differs and what to do. */
describe("check: the ledger beside the nodes (simulated nodes)", function () {
  it("a cluster built by the engine agrees with its nodes", async function () {
    const s = await simCluster();
    await s.engine.createVolume({ name: "v", sizeGiB: 2, durability: { type: "replicate", replica: 3 } });
    const [r] = await s.engine.checkClusters();
    assert.deepEqual(r.findings, []);
    assert.equal(r.complete, true);
    assert.deepEqual(r.counts, { nodes: 3, devices: 6, volumes: 1 });
    await s.engine.close();
  });

  it("names a volume deleted by hand in gluster whose bricks are left, a VG that is not ours, and wrong space accounting", async function () {
    const s = await simCluster();
    const v = await s.engine.createVolume({ name: "v", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    await s.sim.run(at("mgmt1"), script([sh`gluster --mode=script volume stop v force`, sh`gluster --mode=script volume delete v`]));
    await s.sim.run(at("mgmt2"), script([sh`/usr/sbin/lvm pvcreate -qq /dev/vdd`, sh`/usr/sbin/lvm vgcreate -qq vg_0123456789abcdef0123456789abcdef /dev/vdd`]));
    const d = s.engine.ledger.listDevices().find((x) => !s.engine.ledger.listBricksOnDevice(x.id).length)!;
    s.engine.ledger.db.prepare("UPDATE devices SET used_kib = used_kib + 4096, free_kib = free_kib - 4096 WHERE id = ?").run(d.id);
    const [r] = await s.engine.checkClusters();
    assert.deepEqual(r.findings.map((f) => f.kind).sort(), ["device-space", "device-unknown", "volume-bricks-left"]);
    const say = (kind: string) => r.findings.find((f) => f.kind === kind)!.message;
    assert.match(say("volume-bricks-left"), new RegExp(`volume v \\[${v.id}\\]: gluster has no such volume, but its bricks are still on the nodes: delete the volume`));
    assert.match(say("device-unknown"), /VG vg_0123456789abcdef0123456789abcdef on mgmt2 is in Heketi's layout but not in the ledger/);
    assert.match(say("device-space"), new RegExp(`device ${d.path} \\[${d.id}\\] on mgmt\\d: the ledger counts 4096 KiB used`));
    await s.engine.close();
  });

  it("--repair fixes the ledger (space counted wrong; a VG in Heketi's layout on a node of the cluster is adopted and tagged with its owner) and, with nothing of ours left over, changes nothing else on the nodes", async function () {
    const s = await simCluster();
    await s.engine.createVolume({ name: "v", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    await s.sim.run(at("mgmt2"), script([sh`/usr/sbin/lvm pvcreate -qq /dev/vdd`, sh`/usr/sbin/lvm vgcreate -qq vg_0123456789abcdef0123456789abcdef /dev/vdd`]));
    const d = s.engine.ledger.listDevices()[0];
    s.engine.ledger.db.prepare("UPDATE devices SET used_kib = used_kib + 4096, free_kib = free_kib - 4096 WHERE id = ?").run(d.id);
    const runs = s.sim.runs.length;
    const { reports: [after] } = await s.engine.repairClusters();
    assert.deepEqual(after.findings, []);
    assert.equal(s.engine.ledger.findDevice("0123456789abcdef0123456789abcdef")?.path, "/dev/vdd", "adopted as a device of its node");
    assert.equal(s.engine.ledger.getDevice(d.id).usedKiB, s.engine.ledger.listBricksOnDevice(d.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0));
    const changes = s.sim.runs.slice(runs).filter((r) => !/pvs --reportformat json/.test(r.script)).map((r) => r.script);
    assert.deepEqual(changes.length, 1, "besides reading the nodes, repair only tagged the adopted VG with its owner");
    assert.match(changes[0], /vgchange -qq --autobackup=n --addtag 'pgfs\.node=[0-9a-f]{32}' --addtag 'pgfs\.cluster=[0-9a-f]{32}' --addtag 'pgfs\.zone=\d' 'vg_0123456789abcdef0123456789abcdef'\n$/);
    assert.equal(s.sim.volumes("mgmt1").length, 1);
    await s.engine.close();
  });

  it("names a brick that is not mounted or lost its fstab line, and a leftover fstab line; --repair fixes the lines, never mounts behind gluster's back", async function () {
    const s = await simCluster();
    const v = await s.engine.createVolume({ name: "v", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    const [b1, b2] = s.engine.ledger.listBricks(v.id);
    const host = (b: { nodeId: string }) => s.engine.ledger.getNode(b.nodeId).manageHost;
    const mnt = (b: { path: string }) => b.path.replace(/\/brick$/, "");
    const stray = `/var/lib/heketi/mounts/vg_${b2.deviceId}/brick_0123456789abcdef0123456789abcdef`;
    // a brick gluster serves is busy: stopped first, as an operator would, then unmounted and started again
    await s.sim.run(at("mgmt1"), script([sh`gluster --mode=script volume stop v force`]));
    await s.sim.run(at(host(b1)), script([sh`umount ${mnt(b1)}`]));
    await s.sim.run(at("mgmt1"), script([sh`gluster --mode=script volume start v force`]));
    await s.sim.run(at(host(b2)), script([removeTableLines("/etc/fstab", 2, mnt(b2)), ensureLineInFile(`/dev/mapper/x ${stray} xfs rw 1 2`, "/etc/fstab")]));
    const [r] = await s.engine.checkClusters();
    assert.deepEqual(r.findings.map((f) => f.kind).sort(), ["brick-fstab-missing", "brick-unmounted", "fstab-leftover"]);
    const say = (kind: string) => r.findings.find((f) => f.kind === kind)!.message;
    assert.match(say("brick-unmounted"), new RegExp(`brick ${mnt(b1)} of volume v \\[${v.id}\\] on ${host(b1)} is not mounted: .*gluster volume start v force`));
    assert.match(say("fstab-leftover"), new RegExp(`fstab on ${host(b2)} names ${stray}, but neither the ledger nor the node has that brick`));

    const { reports: [after], done } = await s.engine.repairClusters();
    assert.deepEqual(after.findings.map((f) => f.kind), ["brick-unmounted"], "a mount is the operator's to restore (gluster's brick process must be restarted)");
    assert.deepEqual(done, [`${host(b2)}: 1 fstab line(s) added, 1 leftover fstab line(s) dropped`]);
    assert.match(s.sim.file(host(b2), "/etc/fstab")!, new RegExp(`${mnt(b2)} xfs`));
    assert.doesNotMatch(s.sim.file(host(b2), "/etc/fstab")!, /brick_0123456789abcdef/);
    await s.engine.close();
  });

  it("--repair removes bricks we tagged for a volume that neither gluster nor the ledger has, and leaves an untagged brick of the same layout alone", async function () {
    const s = await simCluster();
    const v = await s.engine.createVolume({ name: "v", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    const keep = await s.engine.createVolume({ name: "keep", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    const bricks = s.engine.ledger.listBricks(v.id);
    // another checkout's create, cut off after the bricks were made: the nodes have them, this ledger and gluster do not
    await s.sim.run(at("mgmt1"), script([sh`gluster --mode=script volume stop v force`, sh`gluster --mode=script volume delete v`]));
    s.engine.ledger.immediate(() => {
      for (const b of bricks) s.engine.ledger.deleteBrick(b.id);
      s.engine.ledger.deleteVolume(v.id);
    });
    // a brick LV of Heketi's layout that we did not make (no pgfs tags), in a VG of the ledger
    const d = s.engine.ledger.listBricks(keep.id)[0];
    await s.sim.run(at(s.engine.ledger.getNode(d.nodeId).manageHost), script([sh`/usr/sbin/lvm lvcreate -qq --size 8M --thin vg_${d.deviceId}/tp_fedcba9876543210fedcba9876543210 --virtualsize 8M --name brick_fedcba9876543210fedcba9876543210`]));
    const [r] = await s.engine.checkClusters();
    assert.ok(r.findings.some((f) => f.kind === "volume-leftover-bricks" && f.repair?.kind === "delete-leftover-volume"), JSON.stringify(r.findings));

    const { reports: [after] } = await s.engine.repairClusters();
    assert.deepEqual(after.findings.map((f) => f.kind), ["space-foreign"], "the untagged LV is reported, not removed");
    for (const b of bricks) assert.equal(s.sim.lvs(s.engine.ledger.getNode(b.nodeId).manageHost).some((l) => l.name.includes(b.id)), false, `brick ${b.id} removed`);
    assert.equal(s.sim.lvs(s.engine.ledger.getNode(d.nodeId).manageHost).some((l) => l.name === "brick_fedcba9876543210fedcba9876543210"), true);
    assert.deepEqual(s.sim.volumes("mgmt1").map((x) => x.name), ["keep"]);
    for (const b of bricks) {
      const dev = s.engine.ledger.getDevice(b.deviceId);
      assert.equal(dev.usedKiB, s.engine.ledger.listBricksOnDevice(dev.id).reduce((a, x) => a + x.tpKiB + x.metaKiB, 0), `device ${dev.path}: the removed bricks' space is free again`);
    }
    await s.engine.close();
  });

  it("a node that does not answer is reported, and the check is not complete", async function () {
    const s = await simCluster();
    s.sim.setReachable("mgmt3", false);
    const [r] = await s.engine.checkClusters();
    assert.equal(r.complete, false);
    assert.deepEqual(r.findings.map((f) => f.kind), ["node-unreachable"]);
    assert.match(r.findings[0].message, /^node mgmt3 did not answer \(.*\): what the ledger has on it was not checked/);
    await s.engine.close();
  });

  it("answers GET /db/check with the same report (admin only)", async function () {
    const s = await simCluster();
    const t = await serveEngine(s.engine);
    try {
      const r = await t.call("GET", "/db/check");
      assert.equal(r.status, 200);
      const body = r.json() as { ok: boolean; clusters: Array<{ clusterId: string; findings: unknown[] }> };
      assert.equal(body.ok, true);
      assert.deepEqual(body.clusters.map((c) => [c.clusterId, c.findings.length]), [[s.cluster.id, 0]]);
      assert.equal((await t.call("GET", "/db/check", undefined, { iss: "user" })).status, 401);
    } finally {
      await t.close();
      await s.engine.close();
    }
  });
});
