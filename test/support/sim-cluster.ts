import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SimExecutor } from "../../devtools/sim/sim-executor";
import { Engine } from "../../provider/engine";
import type { Executor } from "../../provider/exec/executor";
import type { DeviceRow, NodeRow } from "../../provider/ledger/ledger";

export function simEngine(executor: Executor, ledgerPath?: string): Engine {
  const file = ledgerPath ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-sim-")), "ledger.db");
  return new Engine({ ledgerPath: file, executor, ssh: { privateKey: "test-key", port: 22 } });
}

/** What LVM leaves of an 8 GiB simulated disk for a VG: 2015 extents of 4 MiB (as on the lab's disks). */
export const SIM_DISK_KIB = 2015 * 4096;

/**
 * Simulated nodes node<i>.example.com (storage 10.0.0.<i>, i = 1..4) with empty 8 GiB disks — what a
 * Heketi topology file names — and an engine with no cluster yet. `missing` lists "host:/dev/x" disks
 * that do not exist.
 */
export function simPool(opts: { missing?: string[] } = {}) {
  const sim = new SimExecutor({ deviceSizeGiB: 8 });
  for (let i = 1; i <= 4; i++) sim.addHost(`node${i}.example.com`, { storageHost: `10.0.0.${i}` });
  for (const m of opts.missing ?? []) {
    const [host, disk] = m.split(":");
    sim.setDisk(host, disk, { missing: true });
  }
  const scriptsOn = (host: string) => sim.runs.filter((r) => r.host === host).map((r) => r.script);
  return { sim, engine: simEngine(sim), scriptsOn };
}

/**
 * A cluster built the way an operator builds one — engine.addNode and engine.addDevice — on simulated
 * nodes, optionally through a wrapper executor (faults) in front of the simulator.
 */
export async function simCluster(o: { nodes?: number; devices?: number; deviceSizeGiB?: number; latencyMs?: number; wrap?: (sim: SimExecutor) => Executor } = {}) {
  const sim = new SimExecutor({ deviceSizeGiB: o.deviceSizeGiB ?? 100, latencyMs: o.latencyMs });
  const executor = o.wrap ? o.wrap(sim) : sim;
  const engine = simEngine(executor);
  const cluster = engine.createCluster();
  const nodes: NodeRow[] = [];
  const devices: DeviceRow[] = [];
  for (let i = 1; i <= (o.nodes ?? 3); i++) {
    sim.addHost(`mgmt${i}`, { storageHost: `10.0.0.${i}` });
    nodes.push(await engine.addNode({ clusterId: cluster.id, manageHostname: `mgmt${i}`, storageHostname: `10.0.0.${i}`, zone: i }));
  }
  for (const n of nodes) {
    for (let d = 0; d < (o.devices ?? 2); d++) devices.push(await engine.addDevice({ nodeId: n.id, path: `/dev/vd${"bcdef"[d]}` }));
  }
  return { sim, executor, engine, cluster, nodes, devices };
}

export type SimClusterHandle = Pick<Awaited<ReturnType<typeof simCluster>>, "engine" | "sim" | "nodes">;

/** Ledger accounting: used + free == total, and used == the bricks' thin pools and metadata. */
export function assertAccountingExact(s: Pick<SimClusterHandle, "engine">): void {
  for (const d of s.engine.ledger.listDevices()) {
    const need = s.engine.ledger.listBricksOnDevice(d.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0);
    assert.equal(d.usedKiB + d.freeKiB, d.totalKiB, `device ${d.path} on ${d.nodeId}: used + free`);
    assert.equal(d.usedKiB, need, `device ${d.path} on ${d.nodeId}: used`);
  }
}

/** The nodes hold exactly what the ledger says: one thin LV, mount and fstab line per brick; gluster's bricks are the ledger's. */
export function assertNodesMatchLedger(s: SimClusterHandle): void {
  const { engine, sim } = s;
  for (const n of s.nodes) {
    const host = n.manageHost;
    const bricks = engine.ledger.listVolumes().flatMap((v) => engine.ledger.listBricks(v.id)).filter((b) => b.nodeId === n.id);
    const want = bricks.map((b) => `vg_${b.deviceId}/brick_${b.id}`).sort();
    const thin = sim.lvs(host).filter((l) => l.kind === "thin").map((l) => `${l.vg}/${l.name}`).sort();
    assert.deepEqual(thin, want, `thin LVs on ${host}`);
    assert.equal(sim.lvs(host).filter((l) => l.kind === "thin-pool").length, bricks.length, `thin pools on ${host}`);
    assert.equal(sim.mounts(host).filter((m) => m.fstype === "xfs").length, bricks.length, `brick mounts on ${host}`);
    assert.equal(sim.fstab(host).filter((l) => l.includes("/var/lib/heketi/mounts/")).length, bricks.length, `fstab lines on ${host}`);
    for (const d of engine.ledger.listDevices(n.id)) {
      const vg = sim.vgs(host).find((v) => v.name === `vg_${d.id}`);
      assert.ok(vg, `VG of ${d.path} on ${host}`);
      const spare = sim.lvs(host).find((l) => l.vg === vg!.name && l.kind === "spare")?.allocatedKiB ?? 0;
      assert.equal(vg!.totalKiB - vg!.freeKiB, d.usedKiB + spare, `space taken on ${d.path} of ${host}: the ledger's plus LVM's metadata spare`);
    }
  }
  const names = (vol: string) => engine.ledger.listBricks(engine.ledger.listVolumes().find((v) => v.name === vol)!.id).map((b) => `${engine.ledger.getNode(b.nodeId).storageHost}:${b.path}`).sort();
  const gluster = sim.volumes(s.nodes[0].manageHost);
  assert.deepEqual(gluster.map((v) => v.name).sort(), engine.ledger.listVolumes().map((v) => v.name).sort(), "gluster's volumes are the ledger's");
  for (const v of gluster) assert.deepEqual(v.bricks.map((b) => b.name).sort(), names(v.name), `bricks of ${v.name}`);
}

/** Take every operation under way for one of a dead process (what a SIGKILL leaves behind). */
export const deadOwner = (engine: Engine) => engine.ledger.db.prepare("UPDATE operations SET owner_pid = 0, owner_boot = '0:gone' WHERE status IN ('running', 'committed')").run();
