import * as assert from "node:assert/strict";
import { SimExecutor } from "../../devtools/sim/sim-executor";
import { FaultyExecutor } from "../support/faulty-executor";
import { assertAccountingExact, assertNodesMatchLedger, deadOwner, simCluster, simEngine } from "../support/sim-cluster";

/**
 * Unknown is not absent: when a remote step's outcome is unknown (the connection dropped, the process
 * died after the step), the engine asks gluster which side won before it undoes anything.
 */
describe("unknown outcomes: gluster is asked before anything is undone", function () {
  const faulty = () => {
    let f!: FaultyExecutor;
    return { wrap: (sim: SimExecutor) => (f = new FaultyExecutor(sim)), get: () => f };
  };

  it("an expand whose add-brick answer is lost (connection dropped after gluster added the bricks) finishes and keeps them", async function () {
    const w = faulty();
    const s = await simCluster({ wrap: w.wrap });
    const v = await s.engine.createVolume({ name: "grow", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    w.get().inject({ kind: "drop", match: /volume add-brick/ });
    const grown = await s.engine.expandVolume(v.id, 1);
    assert.equal(w.get().fired.length, 1);
    assert.equal(grown.sizeGiB, 2);
    assert.equal(s.sim.volumes("mgmt1")[0].bricks.length, 6, "gluster serves all six bricks");
    assertNodesMatchLedger(s);
    assertAccountingExact(s);
  });

  it("an expand whose add-brick really failed is undone: the new bricks are gone, the volume is as it was", async function () {
    const w = faulty();
    const s = await simCluster({ wrap: w.wrap });
    const v = await s.engine.createVolume({ name: "grow", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    w.get().inject({ kind: "fail", match: /volume add-brick/ });
    await assert.rejects(s.engine.expandVolume(v.id, 1), /injected failure/);
    assert.equal(s.engine.ledger.getVolume(v.id).sizeGiB, 1);
    assertNodesMatchLedger(s);
    assertAccountingExact(s);
  });

  it("an expand whose process died right after add-brick is finished by recovery, not undone", async function () {
    const w = faulty();
    const s = await simCluster({ wrap: w.wrap });
    const v = await s.engine.createVolume({ name: "grow", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    w.get().inject({ kind: "crash", match: /volume add-brick/ });
    void s.engine.expandVolume(v.id, 1).catch(() => undefined);
    await w.get().crashed;
    deadOwner(s.engine);
    const next = simEngine(s.sim, s.engine.ledger.file);
    assert.deepEqual((await next.recover()).map((r) => [r.type, r.action]), [["expand-volume", "finished"]]);
    assert.equal(next.ledger.getVolume(v.id).sizeGiB, 2);
    assertNodesMatchLedger({ ...s, engine: next });
    assertAccountingExact({ engine: next });
    await next.close();
  });

  it("a delete whose answer is lost after gluster deleted the volume goes on: gluster is asked, the bricks are torn down", async function () {
    const w = faulty();
    const s = await simCluster({ wrap: w.wrap });
    const v = await s.engine.createVolume({ name: "gone", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    w.get().inject({ kind: "drop", match: /volume delete/ });
    await s.engine.deleteVolume(v.id);
    assert.equal(s.engine.ledger.findVolume(v.id), undefined);
    assertNodesMatchLedger(s);
    assertAccountingExact(s);
  });

  it("a delete that gluster refused (on every node it was tried) leaves every brick of the still-served volume in place", async function () {
    const w = faulty();
    const s = await simCluster({ wrap: w.wrap });
    const v = await s.engine.createVolume({ name: "kept", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    w.get().inject({ kind: "fail", match: /volume delete/, times: 3 });
    await assert.rejects(s.engine.deleteVolume(v.id), /injected failure/);
    assert.equal(s.sim.volumes("mgmt1")[0].name, "kept");
    for (const n of s.nodes) assert.equal(s.sim.lvs(n.manageHost).filter((l) => l.kind === "thin").length, 1, `the brick on ${n.manageHost} is still there`);
    // and the delete goes through when retried
    await s.engine.deleteVolume(v.id);
    assertNodesMatchLedger(s);
    assertAccountingExact(s);
  });
});
