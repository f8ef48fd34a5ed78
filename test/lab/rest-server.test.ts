/**
 * Our Heketi-compatible server on the lab's real nodes, driven by unmodified Heketi clients:
 * heketi-cli builds the topology, Heketi's Go client replays the Kubernetes provisioner (auth on),
 * heketi-cli tears everything down, and the nodes are left clean.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Engine } from "../../provider/engine";
import type { LabDescription } from "../../devtools/lab/description";
import { ServeConfig } from "../../provider/rest/config";
import { createRestServer, RestServer } from "../../provider/rest/server";
import { provisionerContract } from "../contract/provisioner";
import { labEngine, nodeLeftovers, onNode } from "../support/engine";
import { heketiBin } from "../support/heketi-server";
import { requireCleanLab } from "../support/lab";

const execFileP = promisify(execFile);
const ADMIN = "lab-admin-key";
const USER = "lab-user-key";

describe("lab: our REST server with Heketi's own clients (heketi-cli, go-client)", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let engine: Engine;
  let server: RestServer;
  let clusterId = "";
  const cli = async (...args: string[]) => (await execFileP(heketiBin("heketi-cli"), ["--server", server.url(), "--user", "admin", "--secret", ADMIN, ...args], { timeout: 10 * 60_000 })).stdout;
  const cliJson = async <T>(...args: string[]) => JSON.parse(await cli("--json", ...args)) as T;

  before(async function () {
    lab = await requireCleanLab();
    engine = labEngine(lab);
    server = createRestServer({ engine, config: ServeConfig.parse({ ledgerPath: engine.ledger.file, port: 0, adminKey: ADMIN, userKey: USER, executor: "ssh", ssh: { keyFile: lab.nodes[0].privateKeyPath } }) });
    await server.listen();
  });
  after(async function () {
    await server?.close();
    await engine?.close();
  });

  // child suites run in the order they are declared (a suite's own its would run before them all)
  describe("topology", () => it("heketi-cli builds the cluster: cluster create, node add ×3, device add ×6, topology info", async function () {
    clusterId = /Cluster id: ([0-9a-f]{32})/.exec(await cli("cluster", "create"))![1];
    for (const n of lab.nodes) {
      const out = await cli("node", "add", `--zone=${n.zone}`, `--cluster=${clusterId}`, `--management-host-name=${n.managementAddress}`, `--storage-host-name=${n.storageAddress}`);
      const nodeId = /Node Id: ([0-9a-f]{32})/.exec(out)![1];
      for (const d of n.devices) assert.match(await cli("device", "add", `--name=${d}`, `--node=${nodeId}`), /Device added successfully/);
    }
    const topo = await cliJson<{ clusters: Array<{ id: string; nodes: Array<{ devices: Array<{ state: string; storage: { total: number } }> }> }> }>("topology", "info");
    assert.equal(topo.clusters.length, 1);
    assert.equal(topo.clusters[0].nodes.length, 3);
    const devices = topo.clusters[0].nodes.flatMap((n) => n.devices);
    assert.equal(devices.length, 6);
    for (const d of devices) {
      assert.equal(d.state, "online");
      assert.ok(d.storage.total > 7 * 1024 * 1024, "an 8 GiB disk shows most of its size");
    }
  }));

  provisionerContract(async () => ({ url: server.url(), adminKey: ADMIN, userKey: USER, clusterId }));

  describe("volumes", () => it("heketi-cli creates a replica-3 volume with a gid, options and the longest name allowed; gluster has it; brick evict, expand and delete work", async function () {
    const NAME = `cli-vol-${"x".repeat(120)}`; // VOLUME_NAME_MAX: gluster's volfile names with Heketi's brick paths
    const v = await cliJson<{ id: string; name: string; size: number }>("volume", "create", "--size=1", "--replica=3", "--gid=2345", `--name=${NAME}`, "--gluster-volume-options=performance.rda-cache-limit 10MB");
    const live = await onNode(lab.nodes[0], `gluster --mode=script volume info ${NAME}`);
    assert.match(live, /Number of Bricks: 1 x 3 = 3/);
    assert.match(live, /performance\.rda-cache-limit: 10MB/);
    assert.match(live, new RegExp(`user\\.heketi\\.id: ${v.id}`));
    assert.match(await onNode(lab.nodes[1], "stat -c '%a %g' /var/lib/heketi/mounts/vg_*/brick_*/brick"), /^2775 2345$/m);
    assert.match(await cli("volume", "list"), new RegExp(`Id:${v.id}\\s+Cluster:${clusterId}\\s+Name:${NAME}\\s`));
    const info = await cliJson<{ id: string; name: string; size: number; gid: number; durability: { type: string; replicate: { replica: number } }; glustervolumeoptions: string[]; bricks: Array<{ id: string; path: string }> }>("volume", "info", v.id);
    assert.deepEqual({ name: info.name, size: info.size, gid: info.gid, type: info.durability.type, replica: info.durability.replicate.replica, bricks: info.bricks.length },
      { name: NAME, size: 1, gid: 2345, type: "replicate", replica: 3, bricks: 3 });
    assert.ok(info.glustervolumeoptions.includes("performance.rda-cache-limit 10MB"));
    const victim = info.bricks[0];
    await cli("brick", "evict", victim.id); // replace-brick onto the node's other device, after a heal check
    const evicted = await cliJson<{ bricks: Array<{ id: string; path: string }> }>("volume", "info", v.id);
    assert.equal(evicted.bricks.length, 3);
    assert.ok(!evicted.bricks.some((b) => b.id === victim.id), "the evicted brick is gone from the volume");
    const afterEvict = await onNode(lab.nodes[0], `gluster --mode=script volume info ${NAME}`);
    assert.doesNotMatch(afterEvict, new RegExp(victim.path));
    assert.match(afterEvict, /Number of Bricks: 1 x 3 = 3/);
    assert.equal((await cliJson<{ size: number }>("volume", "expand", `--volume=${v.id}`, "--expand-size=1")).size, 2);
    assert.match(await onNode(lab.nodes[0], `gluster --mode=script volume info ${NAME}`), /Number of Bricks: 2 x 3 = 6/);
    assert.match(await cli("volume", "delete", v.id), /deleted/);
    assert.doesNotMatch(await onNode(lab.nodes[0], "gluster --mode=script volume list"), new RegExp(NAME));
  }));

  describe("teardown", () => it("heketi-cli tears it all down (device disable/remove/delete, node disable/delete, cluster delete) and the nodes are clean", async function () {
    const topo = await cliJson<{ clusters: Array<{ nodes: Array<{ id: string; devices: Array<{ id: string }> }> }> }>("topology", "info");
    for (const n of topo.clusters[0].nodes) {
      for (const d of n.devices) {
        assert.match(await cli("device", "disable", d.id), /is now offline/);
        assert.match(await cli("device", "remove", d.id), /is now removed/);
        assert.match(await cli("device", "delete", d.id), /deleted/);
      }
      assert.match(await cli("node", "disable", n.id), /is now offline/);
      assert.match(await cli("node", "delete", n.id), /deleted/);
    }
    assert.match(await cli("cluster", "delete", clusterId), /deleted/);
    for (const n of lab.nodes) assert.deepEqual(await nodeLeftovers(n), [], n.name);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script pool list"), /^UUID[^\n]*\n[^\n]*localhost\s+Connected\s*$/);
  }));
});
