import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import type { LabDescription } from "../../devtools/lab/description";
import type { KubernetesDescription } from "../../devtools/lab/kubernetes";
import { quickstart } from "../../examples/quickstart/program";
import { nodeLeftovers } from "../support/engine";
import { ensureKubernetes, kubeGet, kubectl } from "../support/kubernetes";
import { requireCleanLab } from "../support/lab";
import { inlineStack, plannedSteps } from "../support/pulumi";

/** What preview plans, providers and the replacement's own create/delete steps left out. */
const steps = (events: EngineEvent[]) => plannedSteps(events, "pulumi:").filter((s) => !/^(create-replacement|delete-replaced|discard-replaced)$/.test(s.op));
const keyOf = (secret: { data: Record<string, string> }) => Buffer.from(secret.data.key, "base64").toString("utf8");

/**
 * Kubernetes consumes the storage: the quickstart's `pulumi up` ends with a StorageClass and its REST-key
 * Secret on the lab's API server (kube-apiserver v1.37 built from Go modules), through the real
 * @pulumi/kubernetes provider plugin, and everything here is read back with kubectl, not from Pulumi's
 * outputs. A new REST URL replaces the StorageClass (its parameters are immutable), a new key updates
 * the Secret, refresh sees a StorageClass deleted with kubectl, destroy removes both.
 */
describe("Kubernetes on the lab: the quickstart's StorageClass and Secret on a real API server", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let kube: KubernetesDescription;
  let stack: Stack;
  let clusterId: string;
  const timings: Record<string, number> = {};

  before(async function () {
    lab = await requireCleanLab();
    kube = await ensureKubernetes(lab);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-e2e-k8s-"));
    ({ stack } = await inlineStack(
      { projectName: "glusterfs-quickstart", stackName: "e2e-k8s", program: async () => quickstart() },
      { stateDir, config: { "quickstart:labDir": lab.labDir, "quickstart:storageClassName": "glusterfs-e2e", "quickstart:restUrl": "http://10.77.0.1:8080" } },
    ));
    await stack.setConfig("quickstart:restKey", { value: "first-key", secret: true });
  });

  after(async function () {
    console.log(`      [measure] kubernetes ready ${Object.entries(kube?.readyMs ?? {}).map(([k, v]) => `${k} ${v}ms`).join(", ")}; ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
  });

  it("up makes the Secret (kubernetes.io/glusterfs, key `key`) and the StorageClass wired with the cluster id and REST endpoint", async function () {
    const t0 = Date.now();
    const up = await stack.up();
    timings.up = Date.now() - t0;
    clusterId = up.outputs.clusterId.value;
    const sc = kubeGet(kube, "storageclass", "glusterfs-e2e")!;
    assert.equal(sc.provisioner, "kubernetes.io/glusterfs");
    assert.deepEqual(sc.parameters, {
      resturl: "http://10.77.0.1:8080", restauthenabled: "true", restuser: "admin", secretNamespace: "default", secretName: "glusterfs-rest-key",
      clusterid: clusterId, volumetype: "replicate:3",
    });
    assert.equal(sc.reclaimPolicy, "Delete");
    assert.equal(sc.allowVolumeExpansion, true);
    const secret = kubeGet<{ type: string; data: Record<string, string> }>(kube, "secret", "glusterfs-rest-key", "default")!;
    assert.equal(secret.type, "kubernetes.io/glusterfs");
    assert.equal(keyOf(secret), "first-key");
  });

  it("preview --diff: a new REST URL replaces the StorageClass; a new key updates the Secret; up applies both", async function () {
    await stack.setConfig("quickstart:restUrl", { value: "http://10.77.0.2:8080" });
    let events: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(steps(events), [{ op: "replace", type: "StorageClass", diffs: ["parameters"] }]);
    await stack.setConfig("quickstart:restUrl", { value: "http://10.77.0.1:8080" });
    await stack.setConfig("quickstart:restKey", { value: "second-key", secret: true });
    events = [];
    await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(steps(events).map((s) => [s.op, s.type]), [["update", "Secret"]]);
    await stack.setConfig("quickstart:restUrl", { value: "http://10.77.0.2:8080" });
    const t0 = Date.now();
    await stack.up();
    timings["up (new url and key)"] = Date.now() - t0;
    assert.equal(kubeGet(kube, "storageclass", "glusterfs-e2e")!.parameters.resturl, "http://10.77.0.2:8080");
    assert.equal(keyOf(kubeGet(kube, "secret", "glusterfs-rest-key", "default")!), "second-key");
  });

  it("refresh sees a StorageClass deleted with kubectl, and the next up puts it back", async function () {
    kubectl(kube, "delete", "storageclass", "glusterfs-e2e");
    const ref = await stack.refresh();
    assert.equal(ref.summary.resourceChanges?.delete, 1);
    const up = await stack.up();
    assert.equal(up.summary.resourceChanges?.create, 1);
    assert.equal(kubeGet(kube, "storageclass", "glusterfs-e2e")!.parameters.clusterid, clusterId);
  });

  it("destroy removes the StorageClass and the Secret, and leaves the storage nodes clean", async function () {
    const t0 = Date.now();
    await stack.destroy();
    timings.destroy = Date.now() - t0;
    assert.equal(kubeGet(kube, "storageclass", "glusterfs-e2e"), undefined);
    assert.equal(kubeGet(kube, "secret", "glusterfs-rest-key", "default"), undefined);
    for (const n of lab.nodes) assert.deepEqual(await nodeLeftovers(n), [], n.name);
  });
});
