import * as assert from "node:assert/strict";
import * as G from "../../provider/commands/gluster";
import * as L from "../../provider/commands/lvm";
import { ensureLineInFile, script, sh, type ShellLine } from "../../provider/commands/shell";
import { backend } from "../../provider/dynamic/engine-backend";
import { pgfsTags } from "../../provider/commands/layout";
import { newId } from "../../provider/model/ids";
import { handBuiltVg } from "../../provider/operations/adoption";
import type { NodeFacts } from "../../provider/operations/rebuild";
import { simEngine, simPool } from "../support/sim-cluster";

const HOSTS = ["node1.example.com", "node2.example.com", "node3.example.com"];
const storage = (h: string) => `10.0.0.${HOSTS.indexOf(h) + 1}`;
const target = (host: string) => ({ host, port: 22, user: "root", sudo: false, privateKey: "test-key" });

/**
 * A volume an operator built by hand — their own VG, thin pool, LV and mount point, `gluster volume
 * create` by hand — taken over in place by a program with `adopt` ids it chose: nothing moved or
 * renamed, only tags and `user.heketi.id` written; a wrong declaration refused with nothing written;
 * then the engine's to grow (onto disks of its own) and to delete, leaving the nodes clean.
 */
describe("adopt on the engine: a volume built by hand with gluster and LVM", function () {
  it("adopts it in place, refuses what does not match first, grows it onto a new disk, and deletes all of it", async function () {
    const { sim } = simPool();
    const on = (host: string, ...lines: ShellLine[]) => sim.run(target(host), script(lines));
    // the operator's cluster: a trusted pool, a VG "gluster" on /dev/vdb, a thin LV "data" mounted at /bricks/data
    for (const h of HOSTS.slice(1)) await on(HOSTS[0], G.peerProbe(storage(h)));
    for (const h of HOSTS) {
      await on(
        h,
        L.pvCreate({ device: "/dev/vdb" }),
        sh`/usr/sbin/lvm vgcreate -qq gluster /dev/vdb`,
        sh`/usr/sbin/lvm lvcreate -qq --poolmetadatasize 8192K --size 1048576K --thin gluster/pool_data --virtualsize 1048576K --name data`,
        sh`mkfs.xfs -i size=512 -n size=8192 /dev/mapper/gluster-data`,
        sh`mkdir -p /bricks/data`,
        ensureLineInFile("/dev/mapper/gluster-data /bricks/data xfs defaults 0 0", "/etc/fstab"),
        sh`mount -o rw,noatime /dev/mapper/gluster-data /bricks/data`,
        sh`mkdir /bricks/data/brick`,
      );
    }
    const bricks = HOSTS.map((h) => ({ host: storage(h), path: "/bricks/data/brick" }));
    await on(HOSTS[0], G.volumeCreate({ name: "handmade", durability: { type: "replicate", replica: 3, arbiter: false }, bricks }), G.volumeStart("handmade"));
    const lvTags = () => HOSTS.flatMap((h) => sim.lvs(h).map((l) => `${l.vg}/${l.name}:${l.tags.join(",")}`));
    const handBuilt = () => JSON.stringify(HOSTS.map((h) => [sim.lvs(h).map((l) => [l.vg, l.name, l.pool, l.virtualKiB]), sim.mounts(h), sim.fstab(h)]));
    const layout = handBuilt();

    const engine = simEngine(sim);
    // what `pulumi-glusterfs adopt --node ...` reads: the pool, the disks that hold bricks, the volume
    const found = await engine.describeHandBuilt(HOSTS.map((h) => ({ manageHost: h })));
    assert.deepEqual(found.nodes.map((n) => [n.node.manageHost, n.node.storageHost, n.node.zone, n.devices.map((d) => `${d.path} ${d.vg}`)]), HOSTS.map((h, i) => [h, storage(h), i + 1, ["/dev/vdb gluster"]]));
    assert.deepEqual(found.volumes.map((v) => [v.name, v.sizeGiB, v.durability, v.snapshotFactor, v.gid]), [["handmade", 1, { type: "replicate", replica: 3, arbiter: false }, 1, 0]]);
    assert.deepEqual(found.warnings, []);
    assert.equal(handBuilt(), layout, "describing writes nothing");
    const b = backend(engine);
    const connection = { ledgerPath: engine.ledger.file, ssh: { user: "root", port: 22, sudo: false, privateKey: "test-key" } };
    const clusterId = newId();
    await b.cluster.adopt(clusterId, { connection, file: true, block: false });
    const nodes = HOSTS.map((h, i) => ({ nodeId: newId(), manageHostname: h, storageHostname: storage(h), zone: i + 1, tags: {}, ssh: {} }));
    const pool = { clusterId, nodes };
    for (const n of nodes) await b.node.adopt(n.nodeId, { connection, clusterId, ...n, pool });
    const devices = nodes.map((n) => ({ id: newId(), nodeId: n.nodeId }));
    for (const d of devices) {
      const r = await b.device.adopt(d.id, { connection, nodeId: d.nodeId, path: "/dev/vdb", destroyData: false, tags: {}, pool });
      assert.ok(Number(r.outs.totalKiB) > 0);
      assert.equal(engine.ledger.getDevice(d.id).vg, "gluster", "the VG keeps its name");
    }
    await assert.rejects(
      b.device.adopt(newId(), { connection, nodeId: nodes[0].nodeId, path: "/dev/vdc", destroyData: false, tags: {}, pool }),
      /has no LVM physical volume \/dev\/vdc .*a new disk is declared without `adopt`; nothing was changed/,
    );
    const tagsBefore = lvTags();
    const volumeId = newId();
    const inputs = { connection, clusterId, name: "handmade", sizeGiB: 1, durability: { type: "replicate" as const, replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [], pool };
    await assert.rejects(b.volume.adopt(volumeId, { ...inputs, sizeGiB: 2 }), /the program does not declare it as it is \(sizeGiB: live 1, declared 2\)/);
    assert.deepEqual(lvTags(), tagsBefore, "a refused adoption writes no tag");
    assert.equal(sim.volumes(HOSTS[0]).find((v) => v.name === "handmade")?.options["user.heketi.id"], undefined);

    const v = await b.volume.adopt(volumeId, inputs);
    assert.equal(v.outs.brickCount, 3);
    assert.equal(handBuilt(), layout, "nothing moved, renamed or remounted");
    assert.equal(sim.volumes(HOSTS[0]).find((x) => x.name === "handmade")?.options["user.heketi.id"], volumeId);
    for (const br of engine.ledger.listBricks(volumeId)) {
      assert.deepEqual([br.lv, br.thinPool, br.mountPoint, br.path], ["data", "pool_data", "/bricks/data", "/bricks/data/brick"]);
    }

    // another checkout (an empty ledger) reads the same rows from the nodes
    const other = simEngine(sim);
    await other.rebuildCluster({ clusterId, nodes: nodes.map((n, i) => ({ ...n, devices: [{ deviceId: devices[i].id, path: "/dev/vdb", tags: {} }] })) });
    assert.deepEqual(other.ledger.listBricks(volumeId), engine.ledger.listBricks(volumeId));
    assert.equal(other.ledger.getVolume(volumeId).sizeGiB, 1);

    // growing it needs a disk of the engine's own: the adopted VG is never carved into
    await assert.rejects(engine.expandVolume(volumeId, 1), /space|device|brick/i);
    const fresh = [];
    for (const n of nodes) fresh.push((await b.device.create({ connection, nodeId: n.nodeId, path: "/dev/vdc", destroyData: false, tags: {}, pool })).id);
    await engine.expandVolume(volumeId, 1);
    const grown = engine.ledger.listBricks(volumeId);
    assert.equal(grown.length, 6);
    assert.deepEqual(new Set(grown.slice(3).map((x) => x.deviceId)), new Set(fresh), "the new set is on the new disks");

    // deleting it removes what it is, hand-built parts included
    await b.volume.delete(volumeId, { ...inputs, volumeId });
    for (const id of [...devices.map((d) => d.id), ...fresh]) await b.device.delete(id, { connection, pool, nodeId: "", path: "" });
    for (const h of HOSTS) {
      assert.deepEqual(sim.vgs(h).map((g) => g.name), [], `no VG left on ${h}`);
      assert.deepEqual(sim.mounts(h).filter((m) => m.target.startsWith("/bricks") || m.target.startsWith("/var/lib/heketi")), [], `no brick mounted on ${h}`);
      assert.deepEqual(sim.fstab(h).filter((l) => /bricks|heketi/.test(l)), [], `no brick line in ${h}'s fstab`);
    }
    assert.equal(sim.volumes(HOSTS[0]).length, 0);
    await engine.close();
  });
});

describe("adopting a hand-built disk: which volume group may become a device", function () {
  const node = { id: "n".repeat(32), clusterId: "c".repeat(32), manageHost: "node1", storageHost: "10.0.0.1", zone: 1, tags: {}, ssh: {}, state: "online" as const, opId: null, createdAt: "" };
  const vg = (name: string, o: { pvCount?: number; tags?: string[] } = {}) => ({
    vgName: name, vgUuid: "u", sizeKiB: 1, freeKiB: 1, extentSizeKiB: 4096, extentCount: 1, freeExtentCount: 1, pvCount: o.pvCount ?? 1, lvCount: 0,
    tags: o.tags ?? [], pgfs: pgfsTags(o.tags ?? []),
  });
  const facts = (pvs: Array<[string, string | null]>, vgs: ReturnType<typeof vg>[]) =>
    ({ nodeId: node.id, answered: true as const, uuid: "x", peers: [], pvs: pvs.map(([pvName, vgName]) => ({ pvName, pvUuid: "p", vgName, sizeKiB: 1, freeKiB: 1, devSizeKiB: 1, tags: [], vgTags: [], pgfs: {} })), vgs, lvs: [], groups: new Map(), volumes: [], mounts: new Set<string>(), fstab: new Set<string>(), mountTable: [] }) as Extract<NodeFacts, { answered: true }>;
  const D = "d".repeat(32);
  it("takes a VG on one disk that no device or other cluster claims, and refuses the rest with what to do", function () {
    assert.deepEqual(handBuiltVg(facts([["/dev/vdb", "gluster"]], [vg("gluster")]), node, D, "/dev/vdb"), { vg: "gluster" });
    assert.deepEqual(handBuiltVg(facts([["/dev/vdb", "gluster"]], [vg("gluster", { tags: [`pgfs.device=${D}`] })]), node, D, "/dev/vdb"), { vg: "gluster" }, "a re-run finds its own tag");
    const why = (f: ReturnType<typeof facts>, path = "/dev/vdb") => (handBuiltVg(f, node, D, path) as { why: string }).why;
    assert.match(why(facts([], []), "/dev/vdc"), /no LVM physical volume \/dev\/vdc .*declared without `adopt`/);
    assert.match(why(facts([["/dev/vdb", null]], [])), /in no volume group: declare the device without `adopt`/);
    assert.match(why(facts([["/dev/vdb", `vg_${"e".repeat(32)}`]], [vg(`vg_${"e".repeat(32)}`)])), /is Heketi's device e{32} .*adopt it under that id/);
    assert.match(why(facts([["/dev/vdb", "gluster"]], [vg("gluster", { tags: [`pgfs.device=${"f".repeat(32)}`] })])), /is already device f{32}: adopt it under that id/);
    assert.match(why(facts([["/dev/vdb", "gluster"]], [vg("gluster", { tags: [`pgfs.cluster=${"a".repeat(32)}`] })])), /belongs to cluster a{32}/);
    assert.match(why(facts([["/dev/vdb", "gluster"]], [vg("gluster", { pvCount: 2 })])), /spans 2 disks; a device is one disk/);
  });
});
