import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine } from "../../provider/engine";
import { SimExecutor } from "../../devtools/sim/sim-executor";
import { loadTopology } from "../../provider/heketi/topology-json";
import { ValidationError } from "../../provider/model";
import { SIM_DISK_KIB, simPool } from "../support/sim-cluster";
import { TOPOLOGY } from "../support/heketi-dump-scenario";

const snapshot = (e: Engine) =>
  JSON.stringify([e.ledger.listClusters(), e.ledger.listNodes(), e.ledger.listDevices()]);

describe("heketi topology load: a Heketi topology file, loaded through the engine", function () {
  it("creates the cluster, adds 3 nodes (glusterd checked, peer probed) and 6 devices (pvcreate/vgcreate) and prints what heketi-cli prints", async function () {
    const { sim, engine, scriptsOn } = simPool();
    const r = await loadTopology(engine, TOPOLOGY);
    assert.deepEqual(r.errors, []);
    const [cluster] = engine.ledger.listClusters();
    assert.deepEqual([cluster.file, cluster.block], [true, true], "file and block default to true, as in heketi-cli");
    const nodes = engine.ledger.listNodes();
    assert.deepEqual(nodes.map((n) => [n.manageHost, n.storageHost, n.zone, n.state]).sort(), [1, 2, 3].map((i) => [`node${i}.example.com`, `10.0.0.${i}`, i, "online"]));
    assert.deepEqual(nodes.find((n) => n.manageHost === "node1.example.com")!.tags, { rack: "r1" });
    const devices = engine.ledger.listDevices();
    assert.equal(devices.length, 6);
    for (const d of devices) assert.deepEqual([d.state, d.totalKiB, d.freeKiB, d.extentKiB], ["online", SIM_DISK_KIB, SIM_DISK_KIB, 4096]);
    assert.deepEqual(devices.filter((d) => Object.keys(d.tags).length).map((d) => [d.path, d.tags]), [["/dev/sdc", { ssd: "yes" }]]);
    // real operations: node 2 and 3 were probed from a member, every device was set up on its own node
    assert.deepEqual(sim.runs.filter((x) => /peer probe/.test(x.script)).map((x) => /peer probe '([^']+)'/.exec(x.script)![1]), ["10.0.0.2", "10.0.0.3"]);
    for (const n of nodes) assert.equal(scriptsOn(n.manageHost).filter((s) => /vgcreate/.test(s)).length, 2);
    assert.deepEqual(r.lines, [
      `Creating cluster ... ID: ${cluster.id}`,
      "\tAllowing file volumes on cluster.",
      "\tAllowing block volumes on cluster.",
      ...[1, 2, 3].flatMap((i) => [
        `\tCreating node node${i}.example.com ... ID: ${nodes.find((n) => n.manageHost === `node${i}.example.com`)!.id}`,
        "\t\tAdding device /dev/sdb ... OK",
        "\t\tAdding device /dev/sdc ... OK",
      ]),
    ]);
    await engine.close();
  });

  it("is idempotent: loading the same file again finds every node and device and runs nothing", async function () {
    const { sim, engine } = simPool();
    await loadTopology(engine, TOPOLOGY);
    const before = snapshot(engine);
    const runs = sim.runs.length;
    const r = await loadTopology(engine, JSON.stringify(TOPOLOGY));
    assert.equal(snapshot(engine), before);
    assert.equal(sim.runs.length, runs, "no command on any node");
    const clusterId = engine.ledger.listClusters()[0].id;
    assert.deepEqual(r.lines, [1, 2, 3].flatMap((i) => [`\tFound node node${i}.example.com on cluster ${clusterId}`, "\t\tFound device /dev/sdb", "\t\tFound device /dev/sdc"]));
    assert.deepEqual(r.clusters.map((c) => [c.id, c.created]), [[clusterId, false]]);
    await engine.close();
  });

  it("adds what is missing: a new device on a found node, a new node in the found node's cluster", async function () {
    const { engine } = simPool();
    await loadTopology(engine, { clusters: [{ nodes: [TOPOLOGY.clusters[0].nodes[0]] }] });
    const grown = JSON.parse(JSON.stringify(TOPOLOGY));
    grown.clusters[0].nodes[0].devices.push("/dev/sdd");
    grown.clusters[0].nodes.push({ node: { hostnames: { manage: ["node4.example.com"], storage: ["10.0.0.4"] }, zone: 1 }, devices: ["/dev/sdb"] });
    const r = await loadTopology(engine, grown);
    assert.deepEqual(r.errors, []);
    assert.equal(engine.ledger.listClusters().length, 1, "new nodes join the cluster of the node found first");
    assert.deepEqual(r.clusters[0].nodes.map((n) => [n.manage, n.status]), [["node1.example.com", "found"], ["node2.example.com", "added"], ["node3.example.com", "added"], ["node4.example.com", "added"]]);
    assert.deepEqual(r.clusters[0].nodes[0].devices.map((d) => [d.name, d.status]), [["/dev/sdb", "found"], ["/dev/sdc", "found"], ["/dev/sdd", "added"]]);
    assert.equal(engine.ledger.listDevices().length, 3 + 2 + 2 + 1);
    await engine.close();
  });

  it("reports each node and device it cannot add and goes on with the rest", async function () {
    const { engine } = simPool({ missing: ["node2.example.com:/dev/sdc"] });
    const topo = JSON.parse(JSON.stringify(TOPOLOGY));
    topo.clusters[0].nodes[2].node.hostnames.storage = ["storage3.example.com"]; // not an IPv4 address
    topo.clusters[0].nodes.push({ node: { hostnames: { manage: ["node4.example.com"], storage: ["10.0.0.4"] } }, devices: ["/dev/sdb"] }); // no zone
    const r = await loadTopology(engine, topo);
    assert.equal(r.errors.length, 3, r.errors.join("\n"));
    assert.match(r.errors[0], /^device \/dev\/sdc on node2\.example\.com: .*not a block device/);
    assert.match(r.errors[1], /^node node3\.example\.com: invalid node: storageHostname: must be an IPv4 address/);
    assert.match(r.errors[2], /^node node4\.example\.com: invalid node: zone: must be 1 or more/);
    assert.ok(r.lines.includes("\t\tAdding device /dev/sdc ... Unable to add device: " + r.clusters[0].nodes[1].devices[1].error));
    assert.deepEqual(engine.ledger.listNodes().map((n) => n.manageHost).sort(), ["node1.example.com", "node2.example.com"]);
    assert.equal(engine.ledger.listDevices().length, 3, "node1's two devices and node2's sdb");
    assert.deepEqual(r.clusters[0].nodes[2].devices, [], "a node that failed gets none of its devices");
    await engine.close();
  });

  it("deletes a cluster it created when no node could be added to it; keeps the flags it was given", async function () {
    const { engine } = simPool();
    const r = await loadTopology(engine, {
      clusters: [
        { nodes: [{ node: { hostnames: { manage: ["bad.example.com"], storage: ["not-an-ip"] }, zone: 1 }, devices: ["/dev/sdb"] }] },
        { block: false, nodes: [TOPOLOGY.clusters[0].nodes[0]] },
      ],
    });
    assert.deepEqual(r.clusters.map((c) => [c.created, c.deleted]), [[true, true], [true, false]]);
    const clusters = engine.ledger.listClusters();
    assert.equal(clusters.length, 1);
    assert.deepEqual([clusters[0].id, clusters[0].file, clusters[0].block], [r.clusters[1].id, true, false]);
    const second = r.lines.indexOf(`Creating cluster ... ID: ${r.clusters[1].id}`);
    assert.deepEqual(r.lines.slice(second + 1, second + 3).map((l) => l.replace(/ID: \w+/, "ID: <id>")), ["\tAllowing file volumes on cluster.", "\tCreating node node1.example.com ... ID: <id>"]);
    await engine.close();
  });

  it("refuses a malformed file as a whole, naming the field, before touching anything", async function () {
    const { sim, engine } = simPool();
    const bad = JSON.parse(JSON.stringify(TOPOLOGY));
    bad.clusters[0].nodes[1].node.zone = "2";
    bad.clusters[0].nodes[2].devices = [7];
    await assert.rejects(loadTopology(engine, bad), (e: Error) => {
      assert.ok(e instanceof ValidationError);
      assert.deepEqual(e.issues.map((i) => i.field), ["clusters.0.nodes.1.node.zone", "clusters.0.nodes.2.devices.0"]);
      return true;
    });
    await assert.rejects(loadTopology(engine, "{"), /invalid topology file: \(file\): is not JSON/);
    assert.equal(engine.ledger.listClusters().length, 0);
    assert.equal(sim.runs.length, 0);
    await engine.close();
  });

  it("on simulated nodes (SimExecutor): one gluster pool, a VG per device with the size LVM reports; a missing disk is reported, the rest loaded; a re-load runs nothing", async function () {
    const sim = new SimExecutor({ deviceSizeGiB: 50 });
    for (const i of [1, 2, 3]) sim.addHost(`node${i}.example.com`, { storageHost: `10.0.0.${i}` });
    sim.setDisk("node3.example.com", "/dev/sdc", { missing: true });
    const engine = new Engine({ ledgerPath: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-topology-sim-")), "ledger.db"), executor: sim, ssh: { privateKey: "test-key" } });
    const r = await loadTopology(engine, TOPOLOGY);
    assert.equal(r.errors.length, 1, r.errors.join("\n"));
    assert.match(r.errors[0], /^device \/dev\/sdc on node3\.example\.com: /);
    for (const i of [1, 2, 3]) {
      const h = `node${i}.example.com`;
      assert.deepEqual(sim.peers(h).map((p) => p.manageHost).sort(), [1, 2, 3].filter((j) => j !== i).map((j) => `node${j}.example.com`), `${h} sees the other two`);
      assert.ok(sim.peers(h).every((p) => p.connected));
    }
    const devices = engine.ledger.listDevices();
    assert.equal(devices.length, 5);
    for (const d of devices) {
      const h = engine.ledger.getNode(d.nodeId).manageHost;
      const vg = sim.vgs(h).find((v) => v.name === `vg_${d.id}`);
      assert.ok(vg, `vg_${d.id} on ${h}`);
      assert.deepEqual([d.totalKiB, d.freeKiB, d.extentKiB], [vg!.totalKiB, vg!.freeKiB, vg!.extentKiB]);
    }
    const runs = sim.runs.length;
    const again = await loadTopology(engine, TOPOLOGY);
    assert.equal(again.errors.length, 1, "the missing disk is still missing");
    const rerun = sim.runs.slice(runs);
    assert.deepEqual(rerun.map((x) => [x.host, /test -b '\/dev\/sdc'/.test(x.script)]), [["node3.example.com", true]], "nothing but the missing disk's probe runs again");
    await engine.close();
  });
});
