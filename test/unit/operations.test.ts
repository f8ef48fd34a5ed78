import * as assert from "node:assert/strict";
import { Engine } from "../../provider/engine";
import { FakeExecutor } from "../support/fake-executor";
import { abandonedCreate, seeded } from "../support/seeded";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConflictError, ValidationError } from "../../provider/model";

/** `gluster volume info <name> --xml` as the lab printed it for a replica-3 volume, renamed and re-marked. */
const volumeInfoXml = (name: string, heketiId: string | null) => {
  const xml = fs.readFileSync(path.resolve(__dirname, "../../../test/fixtures/gluster/volume-info-replicate.xml"), "utf8").replace(/vol_pgfs_rep3/g, name);
  return heketiId ? xml.replace("a2c576b88c672f1e00600056217e13ef", heketiId) : xml.replace(/<option>\s*<name>user\.heketi\.id<\/name>[\s\S]*?<\/option>/, "");
};



describe("operations (fake executor): what the engine sends and what it records", function () {
  it("refuses a disk it already holds under another name, even with destroyData, and touches nothing", async function () {
    const { engine, fake, nodes } = seeded();
    const held = engine.ledger.listDevices().find((d) => d.nodeId === nodes[0].id)!;
    // the probe of /dev/disk/by-id/virtio-data1 as the lab prints it for a PV of ours: the VG names the device
    const probe = fs.readFileSync(path.resolve(__dirname, "../../../test/fixtures/lvm/probe-pv.txt"), "utf8").replace(/aa8a24a3ca07fe0c3c66833d13f8f4fd/g, held.id);
    fake.on(/wipefs --no-act/, { stdout: probe });
    const devicesBefore = engine.ledger.listDevices().length;
    await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: "/dev/disk/by-id/virtio-data1", destroyData: true }), (e: Error) => {
      assert.ok(e instanceof ConflictError, e.message);
      assert.match(e.message, new RegExp(`is device ${held.id} already \\(${held.path} on mgmt1, VG vg_${held.id}\\); a disk is added once, under one name`));
      return true;
    });
    assert.deepEqual(fake.runs.filter((r) => /wipefs --all|pvcreate|vgcreate|pvremove|vgremove/.test(r.script)), [], "nothing written to the disk");
    assert.equal(engine.ledger.listDevices().length, devicesBefore);
    await engine.close();
  });

  it("creates a replica-3 volume: one brick script per node, then one gluster script", async function () {
    const { engine, fake, nodes } = seeded();
    const v = await engine.createVolume({ name: "r3", sizeGiB: 2, durability: { type: "replicate", replica: 3 } });
    assert.equal(v.state, "online");
    const bricks = engine.ledger.listBricks(v.id);
    assert.equal(bricks.length, 3);
    assert.deepEqual(new Set(bricks.map((b) => b.nodeId)).size, 3);
    assert.equal(fake.runs.length, 5, fake.runs.map((r) => r.host).join(","));
    assert.match(fake.runs[0].script, /volume info 'r3' --xml/, "first: is the name free in gluster?");
    for (const n of nodes) {
      const [s] = fake.scriptsOn(n.manageHost).filter((x) => x.includes("lvcreate"));
      assert.match(s, /lvcreate -qq --autobackup=n --poolmetadatasize 12288K --chunksize 256K --size 2097152K --thin/);
      assert.match(s, /mkfs\.xfs -i size=512 -n size=8192/);
    }
    const glusterScript = fake.runs[4].script;
    assert.match(glusterScript, /gluster --mode=script --timeout=600 volume create 'r3' replica 3 '10\.0\.0\.\d:\/var\/lib\/heketi\/mounts\/vg_[0-9a-f]{32}\/brick_[0-9a-f]{32}\/brick'/);
    assert.match(glusterScript, new RegExp(`volume set 'r3' 'user.heketi.id' '${v.id}'`));
    assert.match(glusterScript, /volume start 'r3'/);
    const used = engine.ledger.listDevices().reduce((a, d) => a + d.usedKiB, 0);
    assert.equal(used, bricks.reduce((a, b) => a + b.tpKiB + b.metaKiB, 0));
    assert.equal(engine.ledger.listOperations(["done"]).length, 1);
  });

  it("rolls a failed create back: bricks torn down, space returned, no volume left", async function () {
    const { engine, fake } = seeded();
    fake.on(/volume create/, { code: 1, stderr: "volume create: r3: failed: Staging failed on 10.0.0.2" });
    await assert.rejects(engine.createVolume({ name: "r3", sizeGiB: 1 }), /Staging failed/);
    assert.equal(engine.ledger.listVolumes().length, 0);
    for (const d of engine.ledger.listDevices()) assert.equal(d.usedKiB, 0);
    const destroys = fake.runs.filter((r) => r.script.includes("lvremove"));
    assert.equal(destroys.length, 3, "each node's bricks are destroyed");
    const [op] = engine.ledger.listOperations();
    assert.equal(op.status, "rolled-back");
    assert.deepEqual(engine.ledger.listSteps(op.id).map((s) => `${s.name}:${s.status}`), ["check the name is free in gluster:done", "create bricks:done", "gluster volume create and start:failed", "rollback:compensated"]);
  });

  it("refuses a hostile volume name before any command is built", async function () {
    const { engine, fake } = seeded();
    await assert.rejects(engine.createVolume({ name: "x; rm -rf /", sizeGiB: 1 }), (e: Error) => e instanceof ValidationError && /name/.test(e.message));
    assert.equal(fake.runs.length, 0);
    assert.equal(engine.ledger.listOperations().length, 0);
  });

  it("says why there is no space and changes nothing", async function () {
    const { engine, fake } = seeded({ deviceGiB: 2 });
    await assert.rejects(engine.createVolume({ sizeGiB: 50 }), (e: Error) => /Failed to allocate new volume/.test(e.message));
    assert.equal(fake.runs.length, 0);
    assert.equal(engine.ledger.listVolumes().length, 0);
  });

  it("never over-commits a device under 20 concurrent creates", async function () {
    const { engine } = seeded({ deviceGiB: 5 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => engine.createVolume({ name: `v${i}`, sizeGiB: 2 })));
    const ok = results.filter((r) => r.status === "fulfilled").length;
    assert.ok(ok > 0 && ok < 20, `${ok} succeeded`);
    for (const d of engine.ledger.listDevices()) {
      assert.ok(d.freeKiB >= 0, `device ${d.id} over-committed: free ${d.freeKiB}`);
      assert.equal(d.usedKiB, engine.ledger.listBricksOnDevice(d.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0));
    }
    assert.equal(engine.ledger.listOperations(["running", "committed", "failed"]).length, 0);
  });

  it("expands a volume with a new brick set, add-brick then rebalance", async function () {
    const { engine, fake } = seeded();
    const v = await engine.createVolume({ name: "r3", sizeGiB: 1 });
    fake.runs.length = 0;
    const grown = await engine.expandVolume(v.id, 1);
    assert.equal(grown.sizeGiB, 2);
    assert.equal(engine.ledger.listBricks(v.id).length, 6);
    const gl = fake.runs.map((r) => r.script).filter((s) => s.includes("gluster"));
    assert.match(gl[0], /volume add-brick 'r3' '10/);
    assert.match(gl[1], /volume rebalance 'r3' start/);
  });

  it("refuses to create over a gluster volume of the same name it did not make, builds nothing and leaves that volume alone", async function () {
    const { engine, fake } = seeded();
    fake.on(/volume info 'data' --xml/, { stdout: volumeInfoXml("data", null) });
    await assert.rejects(engine.createVolume({ name: "data", sizeGiB: 1 }), /a gluster volume named data already exists on the nodes and is not in this ledger/);
    assert.equal(fake.runs.filter((r) => /lvcreate|volume (stop|delete)/.test(r.script)).length, 0, "no brick built, the foreign volume neither stopped nor deleted");
    assert.equal(engine.ledger.listVolumes().length, 0);
    for (const d of engine.ledger.listDevices()) assert.equal(d.usedKiB, 0);
  });

  it("a rollback or delete never stops or deletes a gluster volume that is not this one, whatever its name", async function () {
    const { engine, fake } = seeded();
    const v = await engine.createVolume({ name: "r3", sizeGiB: 1 });
    fake.on(/volume info 'r3' --xml/, { stdout: volumeInfoXml("r3", "f".repeat(32)) }); // another volume now has the name
    fake.runs.length = 0;
    await engine.deleteVolume(v.id);
    assert.equal(fake.runs.filter((r) => /volume (stop|delete)/.test(r.script)).length, 0);
    assert.equal(fake.runs.filter((r) => r.script.includes("lvremove")).length, 3, "its own bricks are still torn down");
  });

  it("two deletes of one volume at once give its space back once", async function () {
    const { engine } = seeded();
    const v = await engine.createVolume({ name: "r3", sizeGiB: 1 });
    await Promise.allSettled([engine.deleteVolume(v.id), engine.deleteVolume(v.id)]);
    assert.equal(engine.ledger.findVolume(v.id), undefined);
    for (const d of engine.ledger.listDevices()) {
      assert.equal(d.usedKiB, 0, `device ${d.path}: used`);
      assert.equal(d.freeKiB, d.totalKiB, `device ${d.path}: free`);
    }
  });

  it("deletes a volume only if gluster still knows it as this one (the delete is idempotent)", async function () {
    const { engine, fake } = seeded();
    const v = await engine.createVolume({ name: "r3", sizeGiB: 1 });
    fake.on(/volume info 'r3' --xml/, { stdout: volumeInfoXml("r3", v.id) });
    fake.runs.length = 0;
    await engine.deleteVolume(v.id);
    const [gl] = fake.runs.filter((r) => r.script.includes("volume delete"));
    assert.match(gl.script, /^\{ gluster --mode=script --timeout=600 volume stop 'r3' force \|\| true; \}\ngluster --mode=script --timeout=600 volume delete 'r3'$/m);
    assert.equal(engine.ledger.findVolume(v.id), undefined);
    for (const d of engine.ledger.listDevices()) assert.equal(d.usedKiB, 0);
  });

  it("refuses to remove a node that still has devices", async function () {
    const { engine, nodes } = seeded();
    await assert.rejects(engine.removeNode(nodes[0].id), ConflictError);
  });

  it("recovers a create abandoned by a crashed process: nodes cleaned, ledger rolled back", async function () {
    const s = seeded();
    const { engine } = s;
    const { op, done } = await abandonedCreate(s);
    // the next process opens the same ledger
    const next = new Engine({ ledgerPath: engine.ledger.file, executor: new FakeExecutor(), ssh: { privateKey: "test-key" } });
    const recovered = await next.recover();
    assert.deepEqual(recovered.map((r) => [r.type, r.action]), [["create-volume", "rolled back"]]);
    assert.equal(next.ledger.listVolumes().length, 0);
    for (const d of next.ledger.listDevices()) assert.equal(d.usedKiB, 0);
    assert.equal(next.ledger.getOperation(op.id).status, "rolled-back");
    await next.close();
    await done();
  });

  it("cleans only the operations asked for, and two cleanups at once never work on the same operation", async function () {
    const { engine, fake } = seeded();
    const devices = engine.ledger.listDevices();
    // two device removals whose processes died half-way (failed operations are always abandoned)
    const [a, b] = [devices[0], devices[1]].map((d) => engine.ledger.immediate(() => {
      const op = engine.ledger.beginOperation("remove-device", d.id, { deviceId: d.id });
      engine.ledger.setOperationStatus(op.id, "failed", "vgremove: glusterd went away");
      return op;
    }));
    assert.deepEqual((await engine.recover([a.id])).map((r) => [r.id, r.action]), [[a.id, "finished"]]);
    assert.equal(engine.ledger.getOperation(b.id).status, "failed", "the other operation is left for later");
    fake.runs.length = 0;
    const both = await Promise.all([engine.recover(), engine.recover()]);
    assert.deepEqual(both.flat().map((r) => [r.id, r.action]), [[b.id, "finished"]], "the second cleanup found nothing left");
    assert.equal(fake.runs.filter((r) => r.script.includes("vgremove")).length, 1, "the device was torn down once");
  });
});
