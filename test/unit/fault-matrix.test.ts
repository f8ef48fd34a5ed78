import * as assert from "node:assert/strict";
import type { SimExecutor } from "../../devtools/sim/sim-executor";
import type { Engine } from "../../provider/engine";
import type { DeviceRow, NodeRow, VolumeRow } from "../../provider/ledger/ledger";
import { FaultKind, FaultyExecutor } from "../support/faulty-executor";
import { assertAccountingExact, assertNodesMatchLedger, deadOwner, simCluster, simEngine } from "../support/sim-cluster";

/**
 * Every remote step of every operation, made to go wrong in each way SSH can: the step fails, it hangs
 * past its timeout, the connection drops after the step succeeded, or the engine's process is killed
 * right after it. After the operation's own rollback, recovery (what the next process or
 * `pulumi-glusterfs recover` does) and, where the operation was undone, one re-run (what the next
 * `pulumi up` does), the operation is finished or fully undone and then finished, the nodes hold exactly
 * what the ledger says (LVs, thin pools, mounts, fstab lines, VGs, gluster volumes, bricks and peers),
 * device accounting is exact and no operation is left open.
 */

type World = Awaited<ReturnType<typeof simCluster>> & { faulty: FaultyExecutor };

interface OperationCase {
  name: string;
  /** the cluster before the operation: 3 nodes × 2 devices unless `nodes` says otherwise */
  nodes?: number;
  setup?: (w: World) => Promise<void>;
  run: (e: Engine, w: World) => Promise<unknown>;
  /** "done": the operation's effect is in the ledger; "undone": the ledger is as before it */
  state: (e: Engine, w: World) => "done" | "undone" | string;
}

const R3 = { type: "replicate" as const, replica: 3 };
const vol = (e: Engine): VolumeRow | undefined => e.ledger.listVolumes()[0];
const thirdNode = (e: Engine): NodeRow | undefined => e.ledger.listNodes().find((n) => n.manageHost === "mgmt3");
const deviceOf = (e: Engine, host: string, path: string): DeviceRow | undefined => {
  const n = e.ledger.listNodes().find((x) => x.manageHost === host);
  return n && e.ledger.listDevices(n.id).find((d) => d.path === path);
};

const CASES: OperationCase[] = [
  {
    name: "volume create",
    run: (e) => e.createVolume({ name: "v", sizeGiB: 1, durability: R3 }),
    state: (e) => (!vol(e) ? "undone" : vol(e)!.state === "online" ? "done" : `volume ${vol(e)!.state}`),
  },
  {
    name: "volume expand",
    setup: async (w) => void (await w.engine.createVolume({ name: "v", sizeGiB: 1, durability: R3 })),
    run: (e) => e.expandVolume(vol(e)!.id, 1),
    state: (e) => (vol(e)?.state !== "online" ? `volume ${vol(e)?.state}` : vol(e)!.sizeGiB === 2 ? "done" : "undone"),
  },
  {
    name: "volume delete",
    setup: async (w) => void (await w.engine.createVolume({ name: "v", sizeGiB: 1, durability: R3 })),
    run: (e) => e.deleteVolume(vol(e)!.id),
    state: (e) => (!vol(e) ? "done" : vol(e)!.state === "online" ? "undone" : `volume ${vol(e)!.state}`),
  },
  {
    name: "volume options",
    setup: async (w) => void (await w.engine.createVolume({ name: "v", sizeGiB: 1, durability: R3 })),
    run: (e) => e.setVolumeOptions(vol(e)!.id, [{ key: "performance.readdir-ahead", value: "off" }]),
    state: (e) => (vol(e)!.options.length ? "done" : "undone"),
  },
  {
    name: "node add",
    nodes: 2,
    setup: async (w) => void w.sim.addHost("mgmt3", { storageHost: "10.0.0.3" }),
    run: (e, w) => e.addNode({ clusterId: w.cluster.id, manageHostname: "mgmt3", storageHostname: "10.0.0.3", zone: 3 }),
    state: (e) => (!thirdNode(e) ? "undone" : thirdNode(e)!.state === "online" ? "done" : `node ${thirdNode(e)!.state}`),
  },
  {
    name: "node remove",
    setup: async (w) => {
      const n = thirdNode(w.engine)!;
      for (const d of w.engine.ledger.listDevices(n.id)) await w.engine.removeDevice(d.id);
    },
    run: (e) => e.removeNode(thirdNode(e)!.id),
    state: (e) => (!thirdNode(e) ? "done" : thirdNode(e)!.state === "online" ? "undone" : `node ${thirdNode(e)!.state}`),
  },
  {
    name: "device add",
    run: (e) => e.addDevice({ nodeId: e.ledger.listNodes().find((n) => n.manageHost === "mgmt1")!.id, path: "/dev/vdd" }),
    state: (e) => (!deviceOf(e, "mgmt1", "/dev/vdd") ? "undone" : deviceOf(e, "mgmt1", "/dev/vdd")!.state === "online" ? "done" : `device ${deviceOf(e, "mgmt1", "/dev/vdd")!.state}`),
  },
  {
    name: "device remove",
    run: (e) => e.removeDevice(deviceOf(e, "mgmt1", "/dev/vdc")!.id),
    state: (e) => (!deviceOf(e, "mgmt1", "/dev/vdc") ? "done" : deviceOf(e, "mgmt1", "/dev/vdc")!.state === "online" ? "undone" : `device ${deviceOf(e, "mgmt1", "/dev/vdc")!.state}`),
  },
  {
    name: "device evacuation",
    setup: async (w) => void (await w.engine.createVolume({ name: "v", sizeGiB: 1, durability: R3 })),
    run: (e) => {
      const d = e.ledger.listDevices().find((x) => e.ledger.listBricksOnDevice(x.id).length)!;
      return e.removeDevice(d.id, { evacuate: true });
    },
    state: (e) => {
      const held = e.ledger.listDevices().filter((x) => e.ledger.listBricksOnDevice(x.id).length).length;
      const busy = e.ledger.listDevices().find((d) => d.state !== "online" || d.opId);
      if (busy) return `device ${busy.path} ${busy.state}`;
      return e.ledger.listDevices().length === 5 ? (held === 3 ? "done" : `${held} devices hold bricks`) : "undone";
    },
  },
];

const KINDS: FaultKind[] = ["fail", "timeout", "drop", "crash"];

async function world(c: OperationCase): Promise<World> {
  let faulty!: FaultyExecutor;
  const w = await simCluster({ nodes: c.nodes ?? 3, wrap: (sim) => (faulty = new FaultyExecutor(sim)) });
  const full = { ...w, faulty };
  await c.setup?.(full);
  return full;
}

/** Beyond assertNodesMatchLedger: the VGs and gluster peers on the nodes are the ledger's devices and nodes. */
function assertMembershipMatchesLedger(e: Engine, sim: SimExecutor, hosts: string[]): void {
  const nodes = e.ledger.listNodes();
  for (const h of hosts) {
    const n = nodes.find((x) => x.manageHost === h);
    const vgs = sim.vgs(h).map((v) => v.name).sort();
    assert.deepEqual(vgs, n ? e.ledger.listDevices(n.id).map((d) => `vg_${d.id}`).sort() : [], `VGs on ${h}`);
    const peers = sim.peers(h).map((p) => p.manageHost).sort();
    assert.deepEqual(peers, n ? nodes.filter((x) => x.id !== n.id).map((x) => x.manageHost).sort() : [], `peers of ${h}`);
  }
}

async function assertConsistent(e: Engine, w: World, what: string): Promise<void> {
  const handle = { engine: e, sim: w.sim, nodes: e.ledger.listNodes() };
  try {
    assertNodesMatchLedger(handle);
    assertAccountingExact(handle);
    assertMembershipMatchesLedger(e, w.sim, w.sim.hosts());
    assert.deepEqual(e.ledger.listOperations(["running", "committed", "failed"]).map((o) => `${o.type} ${o.status}`), [], "operations left open");
    assert.deepEqual((await e.checkClusters()).flatMap((r) => r.findings.map((f) => f.message)), [], "pulumi-glusterfs check");
  } catch (err) {
    (err as Error).message = `${what}: ${(err as Error).message}`;
    throw err;
  }
}

describe("fault matrix (simulated nodes): every remote step of every operation fails, hangs, loses its answer or kills the process", function () {
  this.timeout(10 * 60_000);
  const results: string[] = [];
  after(function () {
    const ok = results.filter((r) => r.endsWith("ok")).length;
    const finished = results.filter((r) => r.endsWith(": done, ok")).length;
    console.log(
      `      [matrix] ${results.length} cases (${CASES.length} operations × their remote steps × ${KINDS.length} faults): ${ok} ok ` +
        `(${finished} finished despite the fault, ${ok - finished} undone and then finished by a re-run), ${results.length - ok} failed`,
    );
  });

  for (const c of CASES) {
    it(`${c.name}: finished, or undone and then finished by a re-run, at every step and fault`, async function () {
      // the operation's remote steps, from one run without faults
      const probe = await world(c);
      const before = probe.faulty.log.length;
      await c.run(probe.engine, probe);
      const steps = probe.faulty.log.slice(before);
      assert.equal(c.state(probe.engine, probe), "done");
      await assertConsistent(probe.engine, probe, `${c.name} without faults`);
      await probe.engine.close();

      const failures: string[] = [];
      for (let i = 0; i < steps.length; i++) {
        for (const kind of KINDS) {
          const label = `${c.name}, step ${i + 1}/${steps.length} (${steps[i].host}: ${firstCommand(steps[i].script)}), ${kind}`;
          try {
            const outcome = await oneCase(c, i, kind);
            results.push(`${label}: ${outcome}, ok`);
          } catch (err) {
            results.push(`${label}: FAILED`);
            failures.push(`${label}: ${(err as Error).message.split("\n")[0]}`);
          }
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${steps.length * KINDS.length} cases`);
    });
  }
});

function firstCommand(script: string): string {
  const line = script.split("\n").find((l) => l && !l.startsWith("set -e")) ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** One case; returns what the fault and recovery left: "done" or "undone" (then finished by the re-run). */
async function oneCase(c: OperationCase, step: number, kind: FaultKind): Promise<string> {
  const w = await world(c);
  w.faulty.inject({ kind, skip: step });
  let engine = w.engine;
  if (kind === "crash") {
    void c.run(engine, w).catch(() => undefined);
    await w.faulty.crashed;
    deadOwner(engine);
    engine = simEngine(w.faulty, engine.ledger.file);
    await engine.recover();
  } else {
    await c.run(engine, w).catch(() => undefined);
    if (engine.ledger.listOperations(["failed"]).length) await engine.recover();
  }
  assert.equal(w.faulty.fired.length, 1, "the fault fired once");
  let state = c.state(engine, w);
  assert.ok(state === "done" || state === "undone", `after the fault and recovery: ${state}`);
  await assertConsistent(engine, w, `after the fault (${state})`);
  const outcome = state;
  if (state === "undone") {
    await c.run(engine, w);
    state = c.state(engine, w);
    assert.equal(state, "done", "the re-run finishes it");
    await assertConsistent(engine, w, "after the re-run");
  }
  await engine.close();
  return outcome;
}
