import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clusterStack } from "../../examples/multi-cluster/program";
import { LabDescription } from "../../devtools/lab/description";
import { nodeLeftovers, onNode } from "../support/engine";
import { ensureKubernetes, kubeGet } from "../support/kubernetes";
import { requireCleanLab } from "../support/lab";
import type { Stack } from "@pulumi/pulumi/automation";
import { inlineStack } from "../support/pulumi";

describe("Pulumi on the lab: one stack per cluster, two clusters side by side", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  const stacks: Stack[] = [];

  before(async function () {
    lab = await requireCleanLab();
  });
  after(async function () {
    // a failed assertion must not leave two clusters on the lab for the next suite
    for (const s of stacks) await s.destroy().catch((e: Error) => console.log(`      [cleanup] ${s.name}: ${e.message}`));
  });

  it("two stacks build two independent clusters, each with its StorageClass on one API server, and destroy them without crosstalk", async function () {
    const kube = await ensureKubernetes(lab);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-multi-"));
    const mk = (name: string, nodes: string) =>
      inlineStack(
        { projectName: "glusterfs-multi-cluster", stackName: name, program: async () => clusterStack() },
        { stateDir, config: { "cluster:nodes": nodes, "cluster:labDir": lab.labDir, "cluster:volumeName": `vol-${name}`, "cluster:kubeconfig": kube.kubeconfig } },
      ).then((r) => (stacks.push(r.stack), r.stack));
    const a = await mk("east", "gnode1");
    const b = await mk("west", "gnode2");
    const [ua, ub] = await Promise.all([a.up(), b.up()]);
    assert.notEqual(ua.outputs.clusterId.value, ub.outputs.clusterId.value);
    // one API server, two StorageClasses: each names its own cluster
    assert.equal(kubeGet(kube, "storageclass", "glusterfs-east")!.parameters.clusterid, ua.outputs.clusterId.value);
    assert.equal(kubeGet(kube, "storageclass", "glusterfs-west")!.parameters.clusterid, ub.outputs.clusterId.value);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume list"), /^vol-east$/m);
    assert.doesNotMatch(await onNode(lab.nodes[0], "gluster --mode=script volume list"), /vol-west/);
    assert.match(await onNode(lab.nodes[1], "gluster --mode=script volume list"), /^vol-west$/m);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script pool list"), /^UUID[^\n]*\n[^\n]*localhost\s+Connected\s*$/, "gnode1 is a pool of its own");
    // each stack keeps its own ledger: destroying one leaves the other untouched
    await a.destroy();
    assert.equal(kubeGet(kube, "storageclass", "glusterfs-east"), undefined);
    assert.ok(kubeGet(kube, "storageclass", "glusterfs-west"), "the other stack's StorageClass stays");
    assert.match(await onNode(lab.nodes[1], "gluster --mode=script volume info vol-west"), /Status: Started/);
    assert.deepEqual(await nodeLeftovers(lab.nodes[0]), []);
    await b.destroy();
    assert.equal(kubeGet(kube, "storageclass", "glusterfs-west"), undefined);
    for (const n of lab.nodes) assert.deepEqual(await nodeLeftovers(n), [], n.name);
  });
});
