import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine } from "../../provider/engine";
import { LabDescription } from "../../devtools/lab/description";
import type { DeviceRow, NodeRow } from "../../provider/ledger/ledger";
import { labEngine, nodeLeftovers } from "../support/engine";
import { requireCleanLab } from "../support/lab";

describe("engine on the lab: a crash in the middle of a volume create", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let ledgerPath: string;
  let engine: Engine;
  let clusterId: string;
  const nodes: NodeRow[] = [];
  const devices: DeviceRow[] = [];

  before(async function () {
    lab = await requireCleanLab();
    ledgerPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-crash-")), "ledger.db");
    engine = labEngine(lab, { ledgerPath });
    clusterId = engine.createCluster().id;
    for (const l of lab.nodes) {
      const n = await engine.addNode({ clusterId, manageHostname: l.managementAddress, storageHostname: l.storageAddress, zone: l.zone });
      nodes.push(n);
      devices.push(await engine.addDevice({ nodeId: n.id, path: l.devices[0] }));
    }
    await engine.close();
  });

  after(async function () {
    engine = labEngine(lab, { ledgerPath });
    for (const d of devices) await engine.removeDevice(d.id).catch(() => undefined);
    for (const n of [...nodes].reverse()) await engine.removeNode(n.id).catch(() => undefined);
    await engine.close();
  });

  it("is found at the next start and rolled back: ledger and nodes consistent, space returned", async function () {
    const child = spawn(process.execPath, [path.join(__dirname, "..", "support", "crash-child.js"), ledgerPath, lab.labDir, "crashme"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    // kill it once the bricks exist on the nodes, while gluster is creating the volume
    const probe = labEngine(lab, { ledgerPath });
    const deadline = Date.now() + 300_000;
    for (;;) {
      const steps = probe.ledger.listOperations().flatMap((o) => probe.ledger.listSteps(o.id));
      if (steps.some((s) => s.name === "create bricks" && s.status === "done")) break;
      if (child.exitCode !== null) throw new Error(`the create finished before it could be killed: ${err}`);
      if (Date.now() > deadline) throw new Error("bricks were never created");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await probe.close();

    engine = labEngine(lab, { ledgerPath });
    const [op] = engine.ledger.listOperations(["running"]);
    assert.ok(op, "the killed create is still 'running' in the journal");
    const results = await engine.recover();
    assert.deepEqual(results.map((r) => [r.type, r.action]), [["create-volume", "rolled back"]]);
    assert.equal(engine.ledger.listVolumes().length, 0);
    assert.equal(engine.ledger.listOperations(["running", "committed", "failed"]).length, 0);
    for (const d of engine.ledger.listDevices()) assert.equal(d.usedKiB, 0, "reserved space is returned");
    for (const n of lab.nodes) {
      assert.deepEqual((await nodeLeftovers(n)).filter((l) => !/^(VGS|PEERS)/.test(l)), [], `${n.name} has leftovers`);
    }
    assert.deepEqual(await engine.recover(), [], "a second recovery finds nothing to do");
    // and the same create now succeeds and can be deleted: the system converged
    const v = await engine.createVolume({ name: "crashme", sizeGiB: 1 });
    await engine.deleteVolume(v.id);
    await engine.close();
  });
});
