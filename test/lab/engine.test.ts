import * as assert from "node:assert/strict";
import { Engine } from "../../provider/engine";
import { LabDescription, LabNode } from "../../devtools/lab/description";
import type { DeviceRow, NodeRow, VolumeRow } from "../../provider/ledger/ledger";
import { ConflictError } from "../../provider/model";
import { assertCheckClean, labEngine, nodeLeftovers, onNode } from "../support/engine";
import { requireCleanLab } from "../support/lab";

/**
 * The engine against real glusterd, LVM thin pools and XFS on the lab's VMs: the story of an operator
 * who builds a 3-zone cluster, creates, uses, grows and deletes volumes, and tears it all down.
 */
describe("engine on the lab: volumes on real GlusterFS nodes", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let engine: Engine;
  let clusterId: string;
  const nodes: NodeRow[] = [];
  const devices: DeviceRow[] = [];
  const labNode = (n: NodeRow): LabNode => lab.nodes.find((l) => l.managementAddress === n.manageHost)!;

  before(async function () {
    lab = await requireCleanLab();
    engine = labEngine(lab);
    clusterId = engine.createCluster().id;
  });
  after(async function () {
    await engine?.close();
  });
  // the ledger and the nodes agree after every step of the story (pulumi-glusterfs check)
  afterEach(async function () {
    if (engine && clusterId) await assertCheckClean(engine, `after "${this.currentTest?.title}"`);
  });

  it("adds three nodes in three zones (peer probe, Connected)", async function () {
    for (const l of lab.nodes) {
      nodes.push(await engine.addNode({ clusterId, manageHostname: l.managementAddress, storageHostname: l.storageAddress, zone: l.zone }));
    }
    // gluster names peers by the address they were probed with or by a hostname it learned: count them by UUID
    const pool = await onNode(lab.nodes[0], "gluster --mode=script pool list");
    const uuids = await Promise.all(lab.nodes.map((l) => onNode(l, "gluster --mode=script system:: uuid get")));
    for (const u of uuids) assert.match(pool, new RegExp(`${u.replace(/^UUID:\s*/, "").trim()}\\s+\\S+\\s+Connected`));
  });

  it("refuses a device that holds data, and changes nothing", async function () {
    const l = labNode(nodes[0]);
    await onNode(l, `mkfs.xfs -q -f ${l.devices[1]}`);
    await assert.rejects(engine.addDevice({ nodeId: nodes[0].id, path: l.devices[1] }), (e: Error) => e instanceof ConflictError && /contains data/.test(e.message));
    assert.equal(engine.ledger.listDevices(nodes[0].id).length, 0);
    assert.match(await onNode(l, `blkid -p ${l.devices[1]}; pvs ${l.devices[1]} 2>&1 || true`), /TYPE="xfs"[\s\S]*Failed to find physical volume/);
  });

  it("adds two devices per node (PV + VG tagged with the device id), wiping the one with data when told to", async function () {
    for (const n of nodes) {
      const l = labNode(n);
      for (const path of l.devices) {
        devices.push(await engine.addDevice({ nodeId: n.id, path, destroyData: n === nodes[0] && path === l.devices[1] }));
      }
    }
    const d = devices[0];
    assert.ok(d.totalKiB > 7 * 1024 * 1024 && d.totalKiB <= 8 * 1024 * 1024, `size ${d.totalKiB} KiB`);
    assert.equal(d.freeKiB, d.totalKiB);
    const vgs = await onNode(labNode(nodes[0]), `vgs --noheadings -o vg_name,vg_tags vg_${d.id}`);
    assert.match(vgs, new RegExp(`vg_${d.id}\\s+\\S*${d.id}`));
  });

  let replica3: VolumeRow;
  it("creates a 1 GiB replica-3 volume with one brick per zone and starts it", async function () {
    const t0 = Date.now();
    const before = engine.executor.roundTrips();
    replica3 = await engine.createVolume({ name: "r3", sizeGiB: 1, durability: { type: "replicate", replica: 3 } });
    const trips = sumTrips(engine.executor.roundTrips()) - sumTrips(before);
    console.log(`      [measure] replica-3 1 GiB create: ${((Date.now() - t0) / 1000).toFixed(1)}s, ${trips} SSH round trips`);
    const bricks = engine.ledger.listBricks(replica3.id);
    assert.equal(bricks.length, 3);
    assert.equal(new Set(bricks.map((b) => engine.ledger.getNode(b.nodeId).zone)).size, 3);
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info r3");
    assert.match(info, /Type: Replicate/);
    assert.match(info, /Status: Started/);
    assert.match(info, /Number of Bricks: 1 x 3 = 3/);
    assert.match(info, new RegExp(`user.heketi.id: ${replica3.id}`));
  });

  it("creates and deletes another 1 GiB replica-3 volume (timed, SSH sessions counted)", async function () {
    let before = sumTrips(engine.executor.roundTrips());
    let t0 = Date.now();
    const v = await engine.createVolume({ name: "timed", sizeGiB: 1 });
    const create = [(Date.now() - t0) / 1000, sumTrips(engine.executor.roundTrips()) - before];
    before = sumTrips(engine.executor.roundTrips());
    t0 = Date.now();
    await engine.deleteVolume(v.id);
    const del = [(Date.now() - t0) / 1000, sumTrips(engine.executor.roundTrips()) - before];
    console.log(`      [measure] replica-3 1 GiB: create ${create[0].toFixed(1)}s / ${create[1]} SSH sessions, delete ${del[0].toFixed(1)}s / ${del[1]} SSH sessions`);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume list"), /^r3$/m);
    assert.doesNotMatch(await onNode(lab.nodes[0], "gluster --mode=script volume list"), /timed/);
  });

  it("mounts the volume with FUSE, writes a file and finds it on all three bricks", async function () {
    const mount = engine.mountInfo(replica3.id);
    const l = lab.nodes[0];
    await onNode(l, `mkdir -p /mnt/r3 && mount -t glusterfs -o backup-volfile-servers=${mount.options["backup-volfile-servers"].replace(/,/g, ":")} ${mount.device} /mnt/r3 && echo hello-from-pgfs > /mnt/r3/hello.txt && sync && umount /mnt/r3`);
    for (const b of engine.ledger.listBricks(replica3.id)) {
      const owner = labNode(engine.ledger.getNode(b.nodeId));
      assert.equal((await onNode(owner, `cat ${b.path}/hello.txt`)).trim(), "hello-from-pgfs", `${owner.name}:${b.path}`);
    }
  });

  it("sets a volume option and gluster shows it", async function () {
    await engine.setVolumeOptions(replica3.id, [{ key: "performance.rda-cache-limit", value: "10MB" }]);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume info r3"), /performance.rda-cache-limit: 10MB/);
  });

  it("expands the volume by 1 GiB with a new brick set", async function () {
    const v = await engine.expandVolume(replica3.id, 1);
    assert.equal(v.sizeGiB, 2);
    assert.equal(engine.ledger.listBricks(v.id).length, 6);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume info r3"), /Number of Bricks: 2 x 3 = 6/);
  });

  let arbiter: VolumeRow;
  let disperse: VolumeRow;
  it("creates an arbiter volume (replica 3 arbiter 1)", async function () {
    arbiter = await engine.createVolume({ name: "arb", sizeGiB: 1, durability: { type: "replicate", replica: 3, arbiter: true } });
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info arb");
    assert.match(info, /Number of Bricks: 1 x \(2 \+ 1\) = 3/);
    assert.equal(engine.ledger.listBricks(arbiter.id).filter((b) => b.subtype === "arbiter").length, 1);
  });

  it("creates a disperse 2+1 volume and reads and writes through FUSE", async function () {
    disperse = await engine.createVolume({ name: "ec21", sizeGiB: 2, durability: { type: "disperse", data: 2, redundancy: 1 } });
    const info = await onNode(lab.nodes[1], "gluster --mode=script volume info ec21");
    assert.match(info, /Type: Disperse/);
    assert.match(info, /Number of Bricks: 1 x \(2 \+ 1\) = 3/);
    const out = await onNode(lab.nodes[1], `mkdir -p /mnt/ec && mount -t glusterfs ${engine.mountInfo(disperse.id).device} /mnt/ec && echo ec-data > /mnt/ec/f && cat /mnt/ec/f && umount /mnt/ec`);
    assert.equal(out.trim(), "ec-data");
  });

  it("refuses to remove a device that holds bricks", async function () {
    const withBricks = devices.find((d) => engine.ledger.listBricksOnDevice(d.id).length > 0)!;
    await assert.rejects(engine.removeDevice(withBricks.id), ConflictError);
  });

  it("refuses to create over a gluster volume it did not make, and that volume survives untouched", async function () {
    const l = lab.nodes[0];
    await onNode(l, `mkdir -p /srv/handmade && gluster --mode=script volume create handmade ${l.storageAddress}:/srv/handmade/brick force && gluster --mode=script volume start handmade`);
    try {
      await assert.rejects(engine.createVolume({ name: "handmade", sizeGiB: 1 }), /a gluster volume named handmade already exists on the nodes and is not in this ledger/);
      assert.match(await onNode(l, "gluster --mode=script volume info handmade"), /Status: Started/);
      assert.equal(engine.ledger.findVolumeByName(clusterId, "handmade"), undefined);
    } finally {
      await onNode(l, "gluster --mode=script volume stop handmade force; gluster --mode=script volume delete handmade; rm -rf /srv/handmade");
    }
  });

  it("creates and deletes at once on the same nodes: every fstab line that should stay stays, none that should go is left", async function () {
    const [a, b] = await Promise.all(["cc1", "cc2"].map((name) => engine.createVolume({ name, sizeGiB: 1 })));
    const results = await Promise.allSettled([engine.deleteVolume(a.id), engine.deleteVolume(b.id), engine.createVolume({ name: "cc3", sizeGiB: 1 }), engine.createVolume({ name: "cc4", sizeGiB: 1 })]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "fulfilled", "fulfilled"], JSON.stringify(results.filter((r) => r.status === "rejected")));
    for (const n of nodes) {
      const want = engine.ledger.listVolumes(clusterId).flatMap((v) => engine.ledger.listBricks(v.id)).filter((x) => x.nodeId === n.id).map((x) => x.path.replace(/\/brick$/, "")).sort();
      const fstab = (await onNode(labNode(n), "awk '$2 ~ /^\\/var\\/lib\\/heketi\\/mounts\\// { print $2 }' /etc/fstab")).split("\n").filter(Boolean).sort();
      assert.deepEqual(fstab, want, `${n.manageHost}: fstab holds exactly the live bricks`);
      assert.match(await onNode(labNode(n), "head -c 200 /etc/fstab"), /\S/, "and the node's own lines");
    }
    for (const name of ["cc3", "cc4"]) await engine.deleteVolume(engine.ledger.findVolumeByName(clusterId, name)!.id);
  });

  it("deletes every volume and leaves no brick, thin pool, mount, fstab line or gluster volume behind", async function () {
    const t0 = Date.now();
    const before = engine.executor.roundTrips();
    await engine.deleteVolume(replica3.id);
    console.log(`      [measure] replica-3 (2 sets) delete: ${((Date.now() - t0) / 1000).toFixed(1)}s, ${sumTrips(engine.executor.roundTrips()) - sumTrips(before)} SSH round trips`);
    await engine.deleteVolume(arbiter.id);
    await engine.deleteVolume(disperse.id);
    for (const d of engine.ledger.listDevices()) assert.equal(d.usedKiB, 0, `device ${d.path} still has space reserved`);
    assert.deepEqual(engine.ledger.listVolumes(), []);
    await assertCheckClean(engine); // no brick LV, thin pool, mount, fstab line or gluster volume the ledger does not have
  });

  it("removes the devices and the nodes (peer detach) and leaves the nodes clean", async function () {
    for (const d of devices) await engine.removeDevice(d.id);
    for (const n of [...nodes].reverse()) await engine.removeNode(n.id);
    engine.deleteCluster(clusterId);
    for (const n of lab.nodes) assert.deepEqual(await nodeLeftovers(n), [], n.name);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script pool list"), /^UUID[^\n]*\n[^\n]*localhost\s+Connected\s*$/);
    for (const n of lab.nodes) {
      for (const dev of n.devices) {
        const r = await onNode(n, `blkid -p ${dev}; echo rc=$?`);
        assert.match(r, /rc=2/, `${n.name}:${dev} should be empty again`);
      }
    }
  });
});

function sumTrips(t: Record<string, number>): number {
  return Object.values(t).reduce((a, b) => a + b, 0);
}
