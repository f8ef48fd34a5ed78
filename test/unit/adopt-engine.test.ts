import * as assert from "node:assert/strict";
import { backend } from "../../provider/dynamic/engine-backend";
import { simCluster, simEngine } from "../support/sim-cluster";

/**
 * A cluster built by one engine (another tool, another stack: Heketi's layout, its ids) is adopted by a
 * program whose engine starts from an empty ledger: each resource by id, read from the nodes, nothing on
 * them changed; a program that does not say what runs is refused before anything is recorded.
 */
describe("adopt on the engine: a running cluster taken under management by id", function () {
  it("adopts the cluster, nodes, devices and volume as they are, changing nothing on the nodes; refuses what does not match", async function () {
    const built = await simCluster({ nodes: 3, devices: 1 });
    const vol = await built.engine.createVolume({ name: "data", sizeGiB: 2, clusters: [built.cluster.id] });
    const fresh = simEngine(built.sim);
    const b = backend(fresh);
    const connection = { ledgerPath: fresh.ledger.file, ssh: { user: "root", port: 22, sudo: false, privateKey: "test-key" } };
    const nodesHold = () => JSON.stringify(built.nodes.map((n) => [built.sim.vgs(n.manageHost), built.sim.lvs(n.manageHost), built.sim.mounts(n.manageHost), built.sim.fstab(n.manageHost)]));
    const before = nodesHold();
    const clusterId = built.cluster.id;
    await b.cluster.adopt(clusterId, { connection, file: true, block: false });
    const poolNodes = [];
    for (const n of built.nodes) {
      const self = { nodeId: n.id, manageHostname: n.manageHost, storageHostname: n.storageHost, zone: n.zone, tags: {}, ssh: {} };
      const r = await b.node.adopt(n.id, { connection, clusterId, manageHostname: n.manageHost, storageHostname: n.storageHost, zone: n.zone, tags: {}, ssh: {}, pool: { clusterId, nodes: [...poolNodes] } });
      assert.equal(r.id, n.id);
      assert.equal(r.outs.state, "online");
      poolNodes.push(self);
    }
    const pool = { clusterId, nodes: poolNodes };
    for (const d of built.devices) {
      const r = await b.device.adopt(d.id, { connection, nodeId: d.nodeId, path: d.path, destroyData: false, tags: {}, pool });
      assert.equal(r.outs.totalKiB, d.totalKiB);
    }
    await assert.rejects(
      b.device.adopt(built.devices[0].id, { connection, nodeId: built.devices[0].nodeId, path: "/dev/vdz", destroyData: false, tags: {}, pool }),
      /cannot adopt device [0-9a-f]{32}: the program does not declare it as it is \(path: live "\/dev\/vdb", declared "\/dev\/vdz"\)/,
    );
    const volumeInputs = { connection, clusterId, name: "data", sizeGiB: 2, durability: { type: "replicate" as const, replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [], pool };
    await assert.rejects(b.volume.adopt(vol.id, { ...volumeInputs, sizeGiB: 3 }), /cannot adopt volume [0-9a-f]{32}: the program does not declare it as it is \(sizeGiB: live 2, declared 3\)/);
    await assert.rejects(b.volume.adopt(vol.id, { ...volumeInputs, durability: { type: "none" } }), /durability: live \{"arbiter":false,"replica":3,"type":"replicate"\}, declared \{"type":"none"\}/);
    await assert.rejects(b.volume.adopt("f".repeat(32), volumeInputs), new RegExp(`gluster marks data as volume ${vol.id} \\(user.heketi.id\\): adopt it under that id; nothing was changed`));
    await assert.rejects(b.volume.adopt("f".repeat(32), { ...volumeInputs, name: "nosuch" }), /gluster has no volume named nosuch \(it has data\); nothing was changed/);
    const v = await b.volume.adopt(vol.id, volumeInputs);
    assert.equal(v.id, vol.id);
    assert.equal(v.outs.brickCount, 3);
    assert.match(String(v.outs.mountDevice), /^10\.0\.0\.\d:data$/);
    assert.equal(nodesHold(), before, "adopting changes nothing on the nodes (VGs, LVs, mounts, fstab)");
    // and the adopted volume is the engine's to change: it grows like one it made
    await fresh.expandVolume(vol.id, 2);
    assert.equal(fresh.ledger.listBricks(vol.id).length, 6);
    await fresh.close();
    await built.engine.close();
  });
});
