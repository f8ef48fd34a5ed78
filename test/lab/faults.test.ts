import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine } from "../../provider/engine";
import { SshExecutor } from "../../provider/exec/ssh-executor";
import { LabDescription } from "../../devtools/lab/description";
import type { DeviceRow, NodeRow, VolumeRow } from "../../provider/ledger/ledger";
import { assertCheckClean, labEngine, onNode } from "../support/engine";
import { FaultKind, FaultyExecutor } from "../support/faulty-executor";
import { deadOwner } from "../support/sim-cluster";
import { requireCleanLab } from "../support/lab";

const R3 = { type: "replicate" as const, replica: 3 };

/**
 * The fault matrix's representative subset on real GlusterFS, LVM and XFS (the full matrix runs on the
 * simulator, test/unit/fault-matrix.test.ts): volume create, expand and delete, each with the step that
 * matters most hanging past its timeout, losing its answer after it succeeded, or the process dying
 * right after it. After the operation's rollback, recovery and (where it was undone) one re-run, the
 * operation is finished, `pulumi-glusterfs check` finds the ledger and the nodes in agreement and no
 * operation is left open. Then a real process is SIGKILLed mid-create, and a lost ledger is rebuilt
 * from the nodes alone with the `rebuild` command.
 */
describe("engine on the lab: faults, crashes and a lost ledger", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let ledgerPath: string;
  let clusterId: string;
  const nodes: NodeRow[] = [];
  const devices: DeviceRow[] = [];
  const results: string[] = [];

  before(async function () {
    lab = await requireCleanLab();
    ledgerPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-faults-")), "ledger.db");
    const engine = labEngine(lab, { ledgerPath });
    clusterId = engine.createCluster().id;
    for (const l of lab.nodes) {
      const n = await engine.addNode({ clusterId, manageHostname: l.managementAddress, storageHostname: l.storageAddress, zone: l.zone });
      nodes.push(n);
      devices.push(await engine.addDevice({ nodeId: n.id, path: l.devices[0] }));
    }
    await engine.close();
  });

  afterEach(async function () {
    const engine = labEngine(lab, { ledgerPath });
    try {
      await assertCheckClean(engine, `after "${this.currentTest?.title}"`);
    } finally {
      await engine.close();
    }
  });

  after(async function () {
    if (results.length) console.log(`      [lab matrix] ${results.length} cases: ${results.join("; ")}`);
    const engine = labEngine(lab, { ledgerPath });
    for (const v of engine.ledger.listVolumes()) await engine.deleteVolume(v.id).catch(() => undefined);
    for (const d of engine.ledger.listDevices()) await engine.removeDevice(d.id).catch(() => undefined);
    for (const n of [...engine.ledger.listNodes()].reverse()) await engine.removeNode(n.id).catch(() => undefined);
    await engine.close();
  });

  const only = (e: Engine): VolumeRow | undefined => e.ledger.listVolumes()[0];
  const CASES = [
    { op: "create", at: /volume create/, setup: async () => undefined, run: (e: Engine) => e.createVolume({ name: "faulty", sizeGiB: 1, durability: R3 }),
      state: (e: Engine) => (!only(e) ? "undone" : only(e)!.state === "online" ? "done" : `volume ${only(e)!.state}`) },
    { op: "expand", at: /add-brick/, setup: (e: Engine) => e.createVolume({ name: "faulty", sizeGiB: 1, durability: R3 }), run: (e: Engine) => e.expandVolume(only(e)!.id, 1),
      state: (e: Engine) => (only(e)?.state !== "online" ? `volume ${only(e)?.state}` : only(e)!.sizeGiB === 2 ? "done" : "undone") },
    { op: "delete", at: /volume delete/, setup: (e: Engine) => e.createVolume({ name: "faulty", sizeGiB: 1, durability: R3 }), run: (e: Engine) => e.deleteVolume(only(e)!.id),
      state: (e: Engine) => (!only(e) ? "done" : only(e)!.state === "online" ? "undone" : `volume ${only(e)!.state}`) },
  ];
  const KINDS: FaultKind[] = ["timeout", "drop", "crash"];

  for (const c of CASES) {
    for (const kind of KINDS) {
      it(`volume ${c.op}: its ${c.at.source} step ${kind === "timeout" ? "hangs past its timeout" : kind === "drop" ? "loses its answer after it succeeded" : "is the last thing a dying process did"}; the operation ends finished`, async function () {
        const plain = labEngine(lab, { ledgerPath });
        await c.setup(plain);
        await plain.close();

        const faulty = new FaultyExecutor(new SshExecutor()).inject({ kind, match: c.at });
        let engine = labEngine(lab, { ledgerPath, executor: faulty });
        if (kind === "crash") {
          void c.run(engine).catch(() => undefined);
          await faulty.crashed;
          deadOwner(engine);
          engine.ledger.close(); // the dead process's heartbeat and connections die with it
          await faulty.close();
          engine = labEngine(lab, { ledgerPath });
          await engine.recover();
        } else {
          await c.run(engine).catch(() => undefined);
          if (engine.ledger.listOperations(["failed"]).length) await engine.recover();
          await engine.close();
          engine = labEngine(lab, { ledgerPath });
        }
        assert.equal(faulty.fired.length, 1, "the fault fired once");
        const outcome = c.state(engine);
        assert.ok(outcome === "done" || outcome === "undone", `after the fault and recovery: ${outcome}`);
        await assertCheckClean(engine, `after the fault (${outcome})`);
        if (outcome === "undone") {
          await c.run(engine); // the next pulumi up
          assert.equal(c.state(engine), "done", "the re-run finishes it");
        }
        results.push(`${c.op}/${kind}: ${outcome === "done" ? "finished despite the fault" : "undone, then finished by a re-run"}`);
        if (c.op !== "delete") await engine.deleteVolume(only(engine)!.id);
        await engine.close();
      });
    }
  }

  it("a process SIGKILLed in the middle of a create: found at the next start and rolled back, space returned", async function () {
    const child = spawn(process.execPath, [path.join(__dirname, "..", "support", "crash-child.js"), ledgerPath, lab.labDir, "crashme"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    // kill it once the bricks exist on the nodes, while gluster is creating the volume
    const probe = labEngine(lab, { ledgerPath });
    const deadline = Date.now() + 300_000;
    for (;;) {
      const steps = probe.ledger.listOperations(["running"]).flatMap((o) => probe.ledger.listSteps(o.id)); // this create's, not earlier tests'
      if (steps.some((s) => s.name === "create bricks" && s.status === "done")) break;
      if (child.exitCode !== null) throw new Error(`the create finished before it could be killed: ${err}`);
      if (Date.now() > deadline) throw new Error("bricks were never created");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await probe.close();

    const engine = labEngine(lab, { ledgerPath });
    assert.ok(engine.ledger.listOperations(["running"]).length, "the killed create is still 'running' in the journal");
    const results = await engine.recover();
    assert.deepEqual(results.map((r) => [r.type, r.action]), [["create-volume", "rolled back"]]);
    assert.equal(engine.ledger.listVolumes().length, 0);
    for (const d of engine.ledger.listDevices()) assert.equal(d.usedKiB, 0, "reserved space is returned");
    assert.deepEqual(await engine.recover(), [], "a second recovery finds nothing to do");
    await engine.close();
  });

  it("a lost ledger: `pulumi-glusterfs rebuild` writes a new one from the nodes alone; it checks clean, and the volume expands and deletes", async function () {
    let engine = labEngine(lab, { ledgerPath });
    const v = await engine.createVolume({ name: "kept", sizeGiB: 1, gid: 2001, durability: R3, options: [{ key: "performance.readdir-ahead", value: "off" }] });
    const before = { volume: { ...engine.ledger.getVolume(v.id), createdAt: "" }, bricks: engine.ledger.listBricks(v.id) };
    await engine.close();

    const lost = ledgerPath;
    ledgerPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-rebuilt-")), "ledger.db");
    const l0 = lab.nodes[0];
    const cli = spawnSync(
      process.execPath,
      [
        path.join(__dirname, "..", "..", "provider", "cli", "main.js"), "rebuild", "--ledger", ledgerPath,
        "--ssh-key", l0.privateKeyPath, "--ssh-user", l0.sshUser, "--known-hosts", lab.knownHostsPath,
        ...lab.nodes.flatMap((n) => ["--node", `${n.managementAddress}:${n.sshPort}`]),
      ],
      { encoding: "utf8", timeout: 600_000 },
    );
    console.log(cli.stdout.replace(/^/gm, "      [rebuild] ").trimEnd());
    assert.equal(cli.status, 0, `rebuild: ${cli.stderr}${cli.stdout}`);
    assert.match(cli.stdout, new RegExp(`cluster ${clusterId}: 3 node\\(s\\), 3 device\\(s\\), 1 volume\\(s\\), 3 brick\\(s\\) written to`));
    assert.match(cli.stdout, new RegExp(`cluster ${clusterId}: the new ledger and the nodes agree`));
    fs.rmSync(lost);

    engine = labEngine(lab, { ledgerPath });
    assert.deepEqual({ volume: { ...engine.ledger.getVolume(v.id), createdAt: "" }, bricks: engine.ledger.listBricks(v.id) }, before);
    assert.deepEqual(engine.ledger.listNodes(clusterId).map((n) => [n.id, n.zone, n.storageHost]).sort(), nodes.map((n) => [n.id, n.zone, n.storageHost]).sort());
    await engine.expandVolume(v.id, 1);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume info kept"), /Number of Bricks: 2 x 3 = 6/);
    await engine.deleteVolume(v.id);
    await engine.close();
  });
});
