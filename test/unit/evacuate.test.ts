import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Engine } from "../../provider/engine";
import { FakeExecutor } from "../support/fake-executor";
import { GiB, seeded } from "../support/seeded";
import type { BrickRow } from "../../provider/ledger/ledger";
import { ConflictError } from "../../provider/model";
import { OperationFailedError } from "../../provider/operations/journal";
import { AllocationError } from "../../provider/model/errors";
import { chooseReplacement, isNoSpaceError, NoSpaceError, Topology } from "../../provider/placement";

const GLUSTER_FIXTURES = path.resolve(__dirname, "../../../test/fixtures/gluster");
const fixture = (f: string) => fs.readFileSync(path.join(GLUSTER_FIXTURES, f), "utf8");


/** A replica-3 volume "r3" and the brick on the first node: the one whose device gets evacuated. */
async function withVolume(s: ReturnType<typeof seeded>) {
  const v = await s.engine.createVolume({ name: "r3", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
  const old = s.engine.ledger.listBricks(v.id).find((b) => b.nodeId === s.nodes[0].id)!;
  s.fake.runs.length = 0;
  return { v, old };
}

const nameOf = (s: ReturnType<typeof seeded>, b: BrickRow) => `${s.engine.ledger.getNode(b.nodeId).storageHost}:${b.path}`;

/** The lab's heal-info capture with our bricks' names (and optionally pending entries on some). */
function healInfoXml(names: string[], entries: Record<string, number> = {}): string {
  let i = 0;
  let j = 0;
  return fixture("volume-heal-info-replicate.xml")
    .replace(/<name>[^<]*<\/name>/g, () => `<name>${names[i++]}</name>`)
    .replace(/<numberOfEntries>0<\/numberOfEntries>/g, () => `<numberOfEntries>${entries[names[j++]] ?? 0}</numberOfEntries>`);
}

/** The lab's volume-info capture, renamed to r3, listing the given bricks. */
function volumeInfoXml(names: string[]): string {
  const xml = fixture("volume-info-replicate.xml");
  const captured = [...new Set([...xml.matchAll(/<name>(10\.77[^<]+)<\/name>/g)].map((m) => m[1]))];
  let out = xml.replace(/vol_pgfs_rep3/g, "r3");
  captured.forEach((c, i) => (out = out.split(c).join(names[i])));
  return out;
}

/** heal info answers with the volume's current (non-pending) bricks, all healthy unless told otherwise. */
function answerHealInfo(s: ReturnType<typeof seeded>, volumeId: string, entries: (names: string[]) => Record<string, number> = () => ({})) {
  s.fake.on(/volume heal 'r3' info --xml/, () => {
    const names = s.engine.ledger.listBricks(volumeId).filter((b) => b.state !== "pending").map((b) => nameOf(s, b));
    return { stdout: healInfoXml(names, entries(names)) };
  });
}

function deviceAccountingExact(s: ReturnType<typeof seeded>): void {
  for (const d of s.engine.ledger.listDevices()) {
    const need = s.engine.ledger.listBricksOnDevice(d.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0);
    assert.equal(d.usedKiB, need, `device ${d.id} used`);
    assert.equal(d.freeKiB, d.totalKiB - need, `device ${d.id} free`);
  }
}

describe("device evacuation (fake executor): removeDevice(id, { evacuate: true })", function () {
  it("moves a brick: new brick, heal info, replace-brick, old brick destroyed, device torn down — in that order", async function () {
    const s = seeded();
    const { v, old } = await withVolume(s);
    const target = s.engine.ledger.listDevices(s.nodes[0].id).find((d) => d.id !== old.deviceId)!;
    const oldDevice = s.engine.ledger.getDevice(old.deviceId);
    answerHealInfo(s, v.id);
    s.fake.on(/replace-brick/, { stdout: fixture("volume-replace-brick-output.txt") });

    await s.engine.removeDevice(old.deviceId, { evacuate: true });

    const bricks = s.engine.ledger.listBricks(v.id);
    const neu = bricks.find((b) => b.position === old.position && b.setIndex === old.setIndex)!;
    assert.notEqual(neu.id, old.id);
    const oldName = `10.0.0.1:/var/lib/heketi/mounts/vg_${old.deviceId}/brick_${old.id}/brick`;
    const newName = `10.0.0.1:/var/lib/heketi/mounts/vg_${target.id}/brick_${neu.id}/brick`;
    const runs = s.fake.runs.map((r) => ({ host: r.host, script: r.script }));
    assert.equal(runs.length, 5, runs.map((r) => `${r.host}: ${r.script}`).join("\n---\n"));
    // 1. the new brick, on the first node's other device (the only node outside the set)
    assert.equal(runs[0].host, "mgmt1");
    assert.match(runs[0].script, new RegExp(`lvcreate -qq --autobackup=n --poolmetadatasize 8192K --chunksize 256K --size 1048576K --thin 'vg_${target.id}/tp_${neu.id}' --virtualsize 1048576K --name 'brick_${neu.id}'`));
    assert.match(runs[0].script, /mkfs\.xfs -i size=512 -n size=8192/);
    // 2. heal info, 3. replace-brick, on the old brick's node
    assert.deepEqual(runs[1], { host: "mgmt1", script: "set -e -o pipefail\ngluster --mode=script --timeout=600 volume heal 'r3' info --xml\n" });
    assert.deepEqual(runs[2], { host: "mgmt1", script: `set -e -o pipefail\ngluster --mode=script --timeout=600 volume replace-brick 'r3' '${oldName}' '${newName}' commit force\n` });
    // 4. the old brick destroyed, 5. the device's VG and PV removed
    assert.equal(runs[3].host, "mgmt1");
    assert.match(runs[3].script, new RegExp(`umount '/var/lib/heketi/mounts/vg_${old.deviceId}/brick_${old.id}'`));
    assert.match(runs[3].script, new RegExp(`lvremove --autobackup=n -f 'vg_${old.deviceId}/brick_${old.id}'`));
    assert.doesNotMatch(runs[3].script, new RegExp(neu.id));
    assert.equal(runs[4].host, "mgmt1");
    assert.match(runs[4].script, new RegExp(`vgremove -qq 'vg_${old.deviceId}'[\\s\\S]*pvremove -qq '${oldDevice.path}'`));

    // the ledger: the brick moved (same set, position, kind, size), the old device is gone, space exact
    assert.equal(bricks.length, 3);
    assert.equal(s.engine.ledger.findBrick(old.id), undefined);
    assert.deepEqual(
      { deviceId: neu.deviceId, nodeId: neu.nodeId, path: neu.path, sizeKiB: neu.sizeKiB, tpKiB: neu.tpKiB, metaKiB: neu.metaKiB, subtype: neu.subtype, state: neu.state, opId: neu.opId },
      { deviceId: target.id, nodeId: s.nodes[0].id, path: newName.slice("10.0.0.1:".length), sizeKiB: old.sizeKiB, tpKiB: old.tpKiB, metaKiB: old.metaKiB, subtype: "data", state: "ready", opId: null },
    );
    assert.equal(s.engine.ledger.findDevice(old.deviceId), undefined);
    assert.equal(s.engine.ledger.getDevice(target.id).usedKiB, old.tpKiB + old.metaKiB);
    deviceAccountingExact(s);
    const vol = s.engine.ledger.getVolume(v.id);
    assert.deepEqual([vol.state, vol.opId], ["online", null]);
    const [op] = s.engine.ledger.listOperations().filter((o) => o.type === "evacuate-device");
    assert.equal(op.status, "done");
    assert.deepEqual((op.plan as { moved: unknown[] }).moved, [{ oldBrickId: old.id, newBrickId: neu.id }]);
    assert.deepEqual(
      s.engine.ledger.listSteps(op.id).map((x) => `${x.name}:${x.status}`),
      [`create brick ${neu.id} on mgmt1:done`, "heal check of r3:done", `replace-brick ${oldName} -> ${newName}:done`, `destroy old brick ${old.id}:done`, "vgremove + pvremove:done"],
    );
  });

  it("moves every brick of the device, one at a time in volume-name order, and skips heal info with healCheck: false", async function () {
    const s = seeded();
    // keep the first node's second device out of placement so both volumes put a brick on its first device
    const [dev, spare] = s.engine.ledger.listDevices(s.nodes[0].id);
    s.engine.ledger.updateDevice(spare.id, { state: "offline" });
    await s.engine.createVolume({ name: "b-vol", sizeGiB: 1 });
    await s.engine.createVolume({ name: "a-vol", sizeGiB: 2 });
    s.engine.ledger.updateDevice(spare.id, { state: "online" });
    assert.equal(s.engine.ledger.listBricksOnDevice(dev.id).length, 2);
    s.fake.runs.length = 0;
    await s.engine.removeDevice(dev.id, { evacuate: true, healCheck: false });
    const order = s.fake.runs.map((r) => /replace-brick '([^']+)'/.exec(r.script)?.[1] ?? (/lvcreate/.test(r.script) ? "create" : /vgremove/.test(r.script) ? "teardown" : "destroy"));
    assert.deepEqual(order, ["create", "a-vol", "destroy", "create", "b-vol", "destroy", "teardown"]);
    assert.equal(s.fake.runs.filter((r) => /heal/.test(r.script)).length, 0);
    assert.equal(s.engine.ledger.findDevice(dev.id), undefined);
    assert.equal(s.engine.ledger.listBricksOnDevice(spare.id).length, 2);
    deviceAccountingExact(s);
  });

  it("keeps refusing a device with bricks when evacuate is not asked for", async function () {
    const s = seeded();
    const { old } = await withVolume(s);
    await assert.rejects(s.engine.removeDevice(old.deviceId), (e: Error) => e instanceof ConflictError && /contains bricks \(1\)/.test(e.message));
    assert.equal(s.fake.runs.length, 0);
  });

  it("refuses when no device can take the brick (Heketi's message), and changes nothing", async function () {
    const s = seeded({ devices: 1 });
    const { v, old } = await withVolume(s);
    const before = JSON.stringify([s.engine.ledger.listDevices(), s.engine.ledger.listBricks(v.id), s.engine.ledger.listOperations()]);
    await assert.rejects(s.engine.removeDevice(old.deviceId, { evacuate: true }), (e: Error) => {
      assert.ok(e instanceof AllocationError, String(e));
      assert.equal((e as AllocationError).code, "NO_SPACE");
      assert.match(e.message, new RegExp(`^Unable to delete device \\[${old.deviceId}\\] as no device was found to replace it: No Replacement was found for resource requested to be removed\\.`));
      assert.match(e.message, new RegExp(`Brick ${old.id} of volume r3 \\(set 1\\): No replacement for a 1\\.00 GiB data brick of a replica 3 set: every online device is on a node that already holds a brick of this set`));
      return true;
    });
    assert.equal(s.fake.runs.length, 0);
    assert.equal(JSON.stringify([s.engine.ledger.listDevices(), s.engine.ledger.listBricks(v.id), s.engine.ledger.listOperations()]), before);
  });

  it("refuses when the only candidate device is too small, naming the largest free device", async function () {
    const s = seeded();
    const { old } = await withVolume(s);
    const other = s.engine.ledger.listDevices(s.nodes[0].id).find((d) => d.id !== old.deviceId)!;
    s.engine.ledger.updateDevice(other.id, { freeKiB: old.tpKiB + old.metaKiB }); // free must be strictly greater than the need
    await assert.rejects(s.engine.removeDevice(old.deviceId, { evacuate: true }), (e: Error) => e instanceof AllocationError && new RegExp(`more than 1\\.01 GiB free.*largest free: ${s.nodes[0].id}/${other.id} with 1\\.01 GiB`).test(e.message));
    assert.equal(s.fake.runs.length, 0);
    assert.equal(s.engine.ledger.getDevice(old.deviceId).state, "online");
  });

  it("refuses a distribute-only volume's brick (no copy to heal from), changing nothing", async function () {
    const s = seeded();
    const v = await s.engine.createVolume({ name: "plain", sizeGiB: 1, durability: { type: "none" } });
    const [b] = s.engine.ledger.listBricks(v.id);
    s.fake.runs.length = 0;
    await assert.rejects(s.engine.removeDevice(b.deviceId, { evacuate: true }), (e: Error) => e instanceof ConflictError && /distribute-only/.test(e.message));
    assert.equal(s.fake.runs.length, 0);
    assert.equal(s.engine.ledger.getDevice(b.deviceId).state, "online");
  });

  it("refuses when heal info shows entries pending on the old brick: the new brick is rolled back, the device is online again", async function () {
    const s = seeded();
    const { v, old } = await withVolume(s);
    const target = s.engine.ledger.listDevices(s.nodes[0].id).find((d) => d.id !== old.deviceId)!;
    const bricksBefore = s.engine.ledger.listBricks(v.id);
    answerHealInfo(s, v.id, (names) => ({ [names.find((n) => n.includes(old.id))!]: 4 }));
    s.fake.on(/replace-brick/, { stdout: fixture("volume-replace-brick-output.txt") });

    await assert.rejects(s.engine.removeDevice(old.deviceId, { evacuate: true }), (e: Error) => {
      assert.ok(e instanceof OperationFailedError, String(e));
      assert.equal((e as OperationFailedError).code, "CONFLICT");
      assert.match(e.message, new RegExp(`stopped at brick ${old.id} of volume r3 \\(0 of 1 bricks moved\\)`));
      assert.match(e.message, /as it is source brick for data to be healed \(4 entries pending\)/);
      assert.match(e.message, /the device is online again: fix the cause and remove it again with evacuate/);
      return true;
    });
    const runs = s.fake.runs;
    assert.deepEqual(runs.map((r) => (/lvcreate/.test(r.script) ? "create" : /heal/.test(r.script) ? "heal info" : /lvremove/.test(r.script) ? "destroy" : r.script)), ["create", "heal info", "destroy"]);
    const newBrickId = /brick_([0-9a-f]{32})'/.exec(runs[2].script)![1];
    assert.match(runs[2].script, new RegExp(`lvremove --autobackup=n -f 'vg_${target.id}/brick_${newBrickId}'`));
    assert.deepEqual(s.engine.ledger.listBricks(v.id), bricksBefore);
    const d = s.engine.ledger.getDevice(old.deviceId);
    assert.deepEqual([d.state, d.opId], ["online", null]);
    assert.equal(s.engine.ledger.getDevice(target.id).usedKiB, 0);
    deviceAccountingExact(s);
    assert.equal(s.engine.ledger.getVolume(v.id).opId, null);
    const op = s.engine.ledger.listOperations().find((o) => o.type === "evacuate-device")!;
    assert.equal(op.status, "rolled-back");
    assert.deepEqual(s.engine.ledger.listSteps(op.id).map((x) => `${x.name.replace(/ [0-9a-f]{32}/, " <id>")}:${x.status}`), ["create brick <id> on mgmt1:done", "heal check of r3:failed", "rollback:compensated"]);
  });

  it("rolls the move back when replace-brick fails (after asking gluster whether it took the new brick)", async function () {
    const s = seeded();
    const { v, old } = await withVolume(s);
    const bricksBefore = s.engine.ledger.listBricks(v.id);
    answerHealInfo(s, v.id);
    s.fake.on(/replace-brick/, { code: 1, stderr: "volume replace-brick: failed: Commit failed on 10.0.0.2. Please check log file for details." }, { times: 1 });
    s.fake.on(/volume info 'r3' --xml/, { stdout: volumeInfoXml(bricksBefore.map((b) => nameOf(s, b))) });

    await assert.rejects(s.engine.removeDevice(old.deviceId, { evacuate: true }), (e: Error) => {
      assert.ok(e instanceof OperationFailedError, String(e));
      assert.equal((e as OperationFailedError).code, "REMOTE");
      assert.match(e.message, /Commit failed on 10\.0\.0\.2/);
      assert.match(e.message, /This brick's replacement was rolled back; .*the device is online again/);
      return true;
    });
    const kinds = s.fake.runs.map((r) => (/lvcreate/.test(r.script) ? "create" : /heal/.test(r.script) ? "heal info" : /replace-brick/.test(r.script) ? "replace-brick" : /volume info/.test(r.script) ? "volume info" : /lvremove/.test(r.script) ? "destroy new" : r.script));
    assert.deepEqual(kinds, ["create", "heal info", "replace-brick", "volume info", "destroy new"]);
    assert.deepEqual(s.engine.ledger.listBricks(v.id), bricksBefore);
    deviceAccountingExact(s);
    assert.deepEqual([s.engine.ledger.getDevice(old.deviceId).state, s.engine.ledger.getVolume(v.id).opId], ["online", null]);
    // and the operator can retry once the cause is fixed
    s.fake.on(/replace-brick/, { stdout: fixture("volume-replace-brick-output.txt") });
    await s.engine.removeDevice(old.deviceId, { evacuate: true });
    assert.equal(s.engine.ledger.findDevice(old.deviceId), undefined);
    deviceAccountingExact(s);
  });

  it("finishes the move when replace-brick reports a failure but gluster lists the new brick", async function () {
    const s = seeded();
    const { v, old } = await withVolume(s);
    answerHealInfo(s, v.id);
    s.fake.on(/replace-brick/, { code: 255, stderr: "ssh: connection reset" });
    s.fake.on(/volume info 'r3' --xml/, () => ({ stdout: volumeInfoXml(s.engine.ledger.listBricks(v.id).filter((b) => b.id !== old.id).map((b) => nameOf(s, b))) }));
    await s.engine.removeDevice(old.deviceId, { evacuate: true });
    assert.equal(s.engine.ledger.findDevice(old.deviceId), undefined);
    assert.equal(s.engine.ledger.listBricks(v.id).every((b) => b.state === "ready"), true);
    deviceAccountingExact(s);
  });

  it("locks the volume while its brick moves: delete and expand are refused", async function () {
    const s = seeded();
    const { v, old } = await withVolume(s);
    answerHealInfo(s, v.id);
    let release!: () => void;
    s.fake.on(/replace-brick/, () => new Promise((r) => (release = () => r({ stdout: "volume replace-brick: success: replace-brick commit force operation successful" }))));
    const pending = s.engine.removeDevice(old.deviceId, { evacuate: true });
    while (!release) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(s.engine.deleteVolume(v.id), (e: Error) => e instanceof ConflictError && /busy \(one of its bricks is being moved/.test(e.message));
    await assert.rejects(s.engine.expandVolume(v.id, 1), ConflictError);
    await assert.rejects(s.engine.setVolumeOptions(v.id, []), ConflictError);
    // placement meanwhile never chooses the device being removed (its gluster create waits for the move)
    const other = s.engine.createVolume({ name: "other", sizeGiB: 1 });
    release();
    await pending;
    const placed = s.engine.ledger.listBricks((await other).id);
    assert.ok(placed.every((b) => b.deviceId !== old.deviceId));
    assert.equal(s.engine.ledger.getVolume(v.id).opId, null);
  });

  it("recovers a brick eviction killed after its commit point: the move is finished, the device keeps its state", async function () {
    const s = seeded();
    let release!: () => void;
    s.fake.on(/lvremove --autobackup=n -f 'vg_[0-9a-f]{32}\/brick_/, () => new Promise((r) => (release = () => r({ code: 1, stderr: "killed" }))));
    const { v, old } = await withVolume(s);
    answerHealInfo(s, v.id);
    s.fake.on(/replace-brick/, { stdout: fixture("volume-replace-brick-output.txt") });
    const pending = s.engine.evictBrick(old.id).catch(() => undefined);
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const op = s.engine.ledger.listOperations().find((o) => o.type === "evict-brick")!;
    s.engine.ledger.db.prepare("UPDATE operations SET owner_boot = '999999999:0' WHERE id = ?").run(op.id);
    const fake = new FakeExecutor();
    const next = new Engine({ ledgerPath: s.engine.ledger.file, executor: fake, ssh: { privateKey: "test-key" } });
    assert.deepEqual((await next.recover()).map((r) => [r.type, r.action]), [["evict-brick", "finished"]]);
    assert.deepEqual(fake.runs.map((r) => (/lvremove/.test(r.script) ? "destroy old" : r.script)), ["destroy old"], "no device teardown");
    assert.equal(next.ledger.findBrick(old.id), undefined);
    const d = next.ledger.getDevice(old.deviceId);
    assert.deepEqual([d.state, d.opId], ["online", null]);
    assert.ok(next.ledger.listBricks(v.id).every((b) => b.state === "ready" && b.opId === null));
    assert.equal(next.ledger.getVolume(v.id).opId, null);
    for (const x of next.ledger.listDevices()) assert.equal(x.usedKiB, next.ledger.listBricksOnDevice(x.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0));
    await next.close();
    release();
    await pending;
  });

  describe("recovery of an interrupted evacuation", function () {
    async function crashDuring(s: ReturnType<typeof seeded>, match: RegExp) {
      let release!: () => void;
      s.fake.on(match, () => new Promise((r) => (release = () => r({ code: 1, stderr: "killed" }))));
      const { v, old } = await withVolume(s);
      answerHealInfo(s, v.id);
      s.fake.on(/replace-brick/, { stdout: fixture("volume-replace-brick-output.txt") });
      const pending = s.engine.removeDevice(old.deviceId, { evacuate: true }).catch(() => undefined);
      while (!release) await new Promise((r) => setTimeout(r, 5));
      const op = s.engine.ledger.listOperations().find((o) => o.type === "evacuate-device")!;
      s.engine.ledger.db.prepare("UPDATE operations SET owner_boot = '999999999:0' WHERE id = ?").run(op.id);
      const fake = new FakeExecutor();
      const next = new Engine({ ledgerPath: s.engine.ledger.file, executor: fake, ssh: { privateKey: "test-key" } });
      return { v, old, op, next, fake, done: async () => { await next.close(); release(); await pending; } };
    }

    it("after the commit point (replace-brick done), finishes the move and removes the empty device", async function () {
      const s = seeded();
      // the process dies while destroying the old brick (lvremove of a brick on the first node's device)
      const { v, old, op, next, fake, done } = await crashDuring(s, /lvremove --autobackup=n -f 'vg_[0-9a-f]{32}\/brick_/);
      assert.equal((next.ledger.getOperation(op.id).plan as { move: { phase: string } }).move.phase, "committed");
      const results = await next.recover();
      assert.deepEqual(results.map((r) => [r.type, r.action]), [["evacuate-device", "finished"]]);
      // committed: no need to ask gluster; destroy the old brick, then the device
      assert.deepEqual(fake.runs.map((r) => (/lvremove/.test(r.script) ? "destroy old" : /vgremove/.test(r.script) ? "teardown" : r.script)), ["destroy old", "teardown"]);
      assert.match(fake.runs[0].script, new RegExp(`brick_${old.id}`));
      assert.equal(next.ledger.findDevice(old.deviceId), undefined);
      assert.equal(next.ledger.findBrick(old.id), undefined);
      assert.ok(next.ledger.listBricks(v.id).every((b) => b.state === "ready" && b.opId === null));
      assert.equal(next.ledger.getVolume(v.id).opId, null);
      assert.equal(next.ledger.getOperation(op.id).status, "done");
      for (const d of next.ledger.listDevices()) assert.equal(d.usedKiB, next.ledger.listBricksOnDevice(d.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0));
      await done();
    });

    it("before the commit point, rolls back when gluster does not list the new brick (device online again)", async function () {
      const s = seeded();
      const { v, old, op, next, fake, done } = await crashDuring(s, /replace-brick/);
      const names = next.ledger.listBricks(v.id).filter((b) => b.state !== "pending").map((b) => `${next.ledger.getNode(b.nodeId).storageHost}:${b.path}`);
      fake.on(/volume info 'r3' --xml/, { stdout: volumeInfoXml(names) });
      const results = await next.recover();
      assert.deepEqual(results.map((r) => [r.type, r.action]), [["evacuate-device", "rolled back"]]);
      assert.deepEqual(fake.runs.map((r) => (/volume info/.test(r.script) ? "volume info" : /lvremove/.test(r.script) ? "destroy new" : r.script)), ["volume info", "destroy new"]);
      assert.equal(next.ledger.listBricks(v.id).length, 3);
      assert.ok(next.ledger.findBrick(old.id));
      const d = next.ledger.getDevice(old.deviceId);
      assert.deepEqual([d.state, d.opId], ["online", null]);
      assert.equal(next.ledger.getVolume(v.id).opId, null);
      for (const x of next.ledger.listDevices()) assert.equal(x.usedKiB, next.ledger.listBricksOnDevice(x.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0));
      assert.equal(next.ledger.getOperation(op.id).status, "rolled-back");
      // recovering again finds nothing left to do
      assert.deepEqual(await next.recover(), []);
      await done();
    });

    it("before the commit point, finishes when gluster already lists the new brick (the crash hit after replace-brick)", async function () {
      const s = seeded();
      const { v, old, next, fake, done } = await crashDuring(s, /replace-brick/);
      const names = next.ledger.listBricks(v.id).filter((b) => b.id !== old.id).map((b) => `${next.ledger.getNode(b.nodeId).storageHost}:${b.path}`);
      fake.on(/volume info 'r3' --xml/, { stdout: volumeInfoXml(names) });
      const results = await next.recover();
      assert.deepEqual(results.map((r) => [r.type, r.action]), [["evacuate-device", "finished"]]);
      assert.deepEqual(fake.runs.map((r) => (/volume info/.test(r.script) ? "volume info" : /lvremove/.test(r.script) ? "destroy old" : /vgremove/.test(r.script) ? "teardown" : r.script)), ["volume info", "destroy old", "teardown"]);
      assert.equal(next.ledger.findDevice(old.deviceId), undefined);
      assert.equal(next.ledger.listBricks(v.id).length, 3);
      await done();
    });
  });
});

describe("chooseReplacement (pure): where a brick leaving its device goes", function () {
  const dev = (id: string, nodeId: string, freeGiB: number, tags: Record<string, string> = {}) => ({ id, nodeId, freeKiB: freeGiB * GiB, extentKiB: 4096, state: "online" as const, tags });
  const node = (id: string, zone: number, devices: ReturnType<typeof dev>[], tags: Record<string, string> = {}) => ({ id, zone, state: "online" as const, tags, devices });
  const r3 = { type: "replicate" as const, replica: 3 };
  const base = { brickKiB: GiB, snapshotFactor: 1, subtype: "data" as const, durability: r3 };

  it("never uses a node of the set or an excluded device; takes the old node's other device", function () {
    const topo: Topology = { nodes: [node("n1", 1, [dev("d1a", "n1", 10), dev("d1b", "n1", 5)]), node("n2", 2, [dev("d2a", "n2", 50)]), node("n3", 3, [dev("d3a", "n3", 50)])] };
    const p = chooseReplacement(topo, { ...base, excludeNodeIds: ["n2", "n3"], excludeDeviceIds: ["d1a"] });
    assert.deepEqual([p.deviceId, p.nodeId, p.zone, p.sizeKiB, p.tpKiB, p.metaKiB, p.needKiB], ["d1b", "n1", 1, GiB, GiB, 8192, GiB + 8192]);
  });

  it("prefers a zone the set does not use over more free space, and is independent of input order", function () {
    const nodes = [node("n1", 1, [dev("d1", "n1", 10)]), node("n2", 2, [dev("d2", "n2", 10)]), node("n4", 2, [dev("d4", "n4", 90)]), node("n5", 4, [dev("d5", "n5", 20)])];
    const req = { ...base, excludeNodeIds: ["n2"], excludeDeviceIds: ["d1"] };
    assert.equal(chooseReplacement({ nodes }, req).deviceId, "d5");
    assert.equal(chooseReplacement({ nodes: [...nodes].reverse() }, req).deviceId, "d5");
  });

  it("with strict zones, refuses when only used zones are left", function () {
    const topo: Topology = { nodes: [node("n1", 1, [dev("d1", "n1", 10)]), node("n2", 2, [dev("d2", "n2", 10)]), node("n3", 2, [dev("d3", "n3", 90)])] };
    assert.throws(() => chooseReplacement(topo, { ...base, excludeNodeIds: ["n2"], excludeDeviceIds: ["d1"], zoneChecking: "strict" }), (e: Error) => e instanceof NoSpaceError && e.reason === "too-few-zones");
    assert.equal(chooseReplacement(topo, { ...base, excludeNodeIds: ["n2"], excludeDeviceIds: ["d1"] }).deviceId, "d3");
  });

  it("follows the arbiter tags: arbiter bricks prefer 'required' devices, data bricks never use them", function () {
    const topo: Topology = { nodes: [node("n1", 1, [dev("d1", "n1", 50), dev("d1r", "n1", 5, { arbiter: "required" })]), node("n2", 2, [dev("d2", "n2", 50)])] };
    const arb = { type: "replicate" as const, replica: 3, arbiter: true };
    assert.equal(chooseReplacement(topo, { ...base, durability: arb, subtype: "arbiter", brickKiB: 512 * 1024, excludeNodeIds: ["n2"], excludeDeviceIds: [] }).deviceId, "d1r");
    assert.equal(chooseReplacement(topo, { ...base, durability: arb, excludeNodeIds: ["n2"], excludeDeviceIds: [] }).deviceId, "d1");
    assert.throws(() => chooseReplacement(topo, { ...base, durability: arb, excludeNodeIds: ["n2"], excludeDeviceIds: ["d1"] }), (e: Error) => e instanceof NoSpaceError && e.reason === "arbiter-tags");
  });

  it("explains each refusal with a reason", function () {
    const reason = (topo: Topology, req: Partial<typeof base> & { excludeNodeIds: string[]; excludeDeviceIds: string[] }) => {
      try {
        chooseReplacement(topo, { ...base, ...req });
      } catch (e) {
        assert.ok(isNoSpaceError(e));
        return `${(e as NoSpaceError).reason}: ${(e as Error).message}`;
      }
      return "placed";
    };
    const one = { nodes: [node("n1", 1, [dev("d1", "n1", 10)])] };
    assert.match(reason(one, { excludeNodeIds: [], excludeDeviceIds: ["d1"] }), /^no-devices/);
    assert.match(reason(one, { excludeNodeIds: ["n1"], excludeDeviceIds: [] }), /^too-few-nodes: .*already holds a brick of this set \(n1\)/);
    const req = { nodes: [node("n1", 1, [dev("d1", "n1", 10, { arbiter: "required" })])] };
    assert.match(reason(req, { excludeNodeIds: [], excludeDeviceIds: [] }), /^arbiter-tags: .*arbiter=required/);
    const tight = { nodes: [node("n1", 1, [{ ...dev("d1", "n1", 0), freeKiB: GiB + 8192 }])] };
    assert.match(reason(tight, { excludeNodeIds: [], excludeDeviceIds: [] }), /^insufficient-space: .*more than 1\.01 GiB free.*largest free: n1\/d1 with 1\.01 GiB/);
    assert.equal(reason({ nodes: [node("n1", 1, [{ ...dev("d1", "n1", 0), freeKiB: GiB + 8193 }])] }, { excludeNodeIds: [], excludeDeviceIds: [] }), "placed");
  });
});
