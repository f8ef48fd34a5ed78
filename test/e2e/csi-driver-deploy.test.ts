import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { kubernetesBin, type KubernetesDescription } from "../../devtools/lab/kubernetes";
import { DRIVER_NAME } from "../../provider/csi/identity";
import { CsiDriver, StorageClass } from "../../sdk";
import { kubectl, kubeGet, runningKubernetes } from "../support/kubernetes";
import { inlineStack, plannedSteps } from "../support/pulumi";

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const NS = "csideploy-csi-e2e";
const PREFIX = "csideploy-gfs";
const SC_ENGINE = "csideploy-gluster";
const SC_REST = "csideploy-gluster-rest";
const IMAGE = "example.invalid/pulumi-glusterfs:test";

const container = (o: Any, name: string): Any => o.spec.template.spec.containers.find((c: Any) => c.name === name);
const volume = (o: Any, name: string): Any => o.spec.template.spec.volumes.find((v: Any) => v.name === name);
const mount = (c: Any, name: string): Any => c.volumeMounts.find((m: Any) => m.name === name);
/** `kubectl auth can-i` as a ServiceAccount of the driver's namespace: yes or no. */
const canI = (k: KubernetesDescription, sa: string, ...what: string[]) => {
  const args = ["--kubeconfig", k.kubeconfig, "auth", "can-i", ...what, `--as=system:serviceaccount:${NS}:${sa}`];
  try {
    return execFileSync(path.join(kubernetesBin().dir, "kubectl"), args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e).trim(); // `no` exits 1
  }
};

/**
 * The CSI driver's deployment on a real API server: `CsiDriver` and two CSI-mode `StorageClass`es (the
 * driver's engine, and a REST server with its key) go to the lab's kube-apiserver v1.37 through the real
 * @pulumi/kubernetes provider plugin, and everything is read back with kubectl. What this proves: the
 * manifests are accepted by a real API server (schema, defaulting, admission of the controller's pod),
 * the RBAC grants what the sidecars need (kubectl auth can-i as their ServiceAccounts), a second preview
 * plans nothing, destroy removes every object. What it does not: **no pod runs** — the lab's control plane
 * has no kubelet and no scheduler, and the images (a fake driver image, the sidecars from registry.k8s.io)
 * cannot be pulled here; the Deployment and DaemonSet are created with skipAwait. Needs only the running
 * control plane (`lab up --kubernetes`), not the lab's VMs.
 */
describe("Kubernetes API server: CsiDriver + CSI StorageClasses deployed by Pulumi (objects only: no kubelet, no scheduler, no pod runs)", function () {
  this.timeout(15 * 60_000);
  let kube: KubernetesDescription;
  let stack: Stack;
  const timings: Record<string, number> = {};

  before(async function () {
    kube = runningKubernetes();
    // the CSIDriver object is cluster-wide and named after the driver: refuse to take over someone's
    const existing = kubeGet(kube, "csidriver", DRIVER_NAME);
    if (existing) throw new Error(`a CSIDriver ${DRIVER_NAME} already exists on ${kube.server} (labels ${JSON.stringify(existing.metadata.labels)}): another deployment of the driver; this suite will not touch it`);
    // the node plugin is privileged: an API server without --allow-privileged=true refuses its DaemonSet
    const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-csideploy-probe-")), "pod.json");
    fs.writeFileSync(probe, JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "csideploy-privileged-probe", namespace: "default" }, spec: { containers: [{ name: "p", image: IMAGE, securityContext: { privileged: true } }] } }));
    try {
      kubectl(kube, "create", "--dry-run=server", "-f", probe);
    } catch (e) {
      throw new Error(`${kube.server} refuses privileged containers, which a CSI node plugin is (a control plane started before devtools/lab/kubernetes.ts passed --allow-privileged=true: restart it with lab down / lab up --kubernetes): ${(e as { stderr?: string }).stderr ?? e}`);
    }
    const kubeconfig = fs.readFileSync(kube.kubeconfig, "utf8");
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-e2e-csideploy-"));
    ({ stack } = await inlineStack(
      {
        projectName: "csideploy",
        stackName: "e2e",
        program: async () => {
          const driver = new CsiDriver("gfs", { kubeconfig: pulumi.secret(kubeconfig), image: IMAGE, namespace: NS, namePrefix: PREFIX, skipAwait: true });
          const engineClass = new StorageClass("engine", { provisioner: driver, storageClassName: SC_ENGINE, clusterIds: ["a".repeat(32)], durability: { type: "replicate", replica: 3 }, gidMin: 40000, gidMax: 50000, volumeNamePrefix: "k8s" });
          const restClass = new StorageClass("rest", { provisioner: driver, storageClassName: SC_REST, restUrl: "http://10.77.0.1:8080", restUser: "user", restKey: pulumi.secret("user-key"), secretName: `${PREFIX}-rest-key` });
          return { driverName: driver.driverName, namespace: driver.namespace, engineClass: engineClass.storageClassName, restClass: restClass.storageClassName };
        },
      },
      { stateDir },
    ));
  });

  after(async function () {
    console.log(`      [measure] ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
    // a failed test must not leave objects on the shared API server
    if (stack && kube && (kubeGet(kube, "namespace", NS) || kubeGet(kube, "csidriver", DRIVER_NAME) || kubeGet(kube, "storageclass", SC_ENGINE))) await stack.destroy().catch((e) => console.log(`      cleanup destroy failed: ${e}`));
  });

  it("up creates the CSIDriver, RBAC, controller Deployment, node DaemonSet and the CSI StorageClasses", async function () {
    const t0 = Date.now();
    const up = await stack.up();
    timings.up = Date.now() - t0;
    assert.equal(up.outputs.driverName.value, DRIVER_NAME);
    assert.equal(up.outputs.namespace.value, NS);

    const driver = kubeGet(kube, "csidriver", DRIVER_NAME)!;
    assert.deepEqual(
      { attachRequired: driver.spec.attachRequired, podInfoOnMount: driver.spec.podInfoOnMount, volumeLifecycleModes: driver.spec.volumeLifecycleModes, fsGroupPolicy: driver.spec.fsGroupPolicy },
      { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ["Persistent"], fsGroupPolicy: "None" },
    );
    assert.equal(kubeGet(kube, "namespace", NS)!.status.phase, "Active");

    const dep = kubeGet(kube, "deployment", `${PREFIX}-controller`, NS)!;
    assert.equal(dep.spec.template.spec.serviceAccountName, `${PREFIX}-controller`);
    assert.deepEqual(dep.spec.template.spec.containers.map((c: Any) => c.name), ["glusterfs", "csi-provisioner", "csi-resizer"]);
    assert.equal(container(dep, "glusterfs").image, IMAGE);
    assert.deepEqual(container(dep, "glusterfs").args, ["csi", "--endpoint=unix:///csi/csi.sock", "--mode=controller"]);
    assert.match(container(dep, "csi-provisioner").image, /^registry\.k8s\.io\/sig-storage\/csi-provisioner:v5\./);
    assert.deepEqual(container(dep, "csi-provisioner").args, ["--csi-address=/csi/csi.sock", "--leader-election", `--leader-election-namespace=${NS}`, "--extra-create-metadata", "--timeout=300s"]);
    assert.deepEqual(container(dep, "csi-resizer").args, ["--csi-address=/csi/csi.sock", "--leader-election", `--leader-election-namespace=${NS}`, "--handle-volume-inuse-error=false", "--timeout=300s"]);
    for (const c of dep.spec.template.spec.containers) assert.equal(mount(c, "socket-dir").mountPath, "/csi", c.name);
    assert.deepEqual(volume(dep, "socket-dir"), { name: "socket-dir", emptyDir: {} });

    const ds = kubeGet(kube, "daemonset", `${PREFIX}-node`, NS)!;
    assert.deepEqual(ds.spec.template.spec.containers.map((c: Any) => c.name), ["glusterfs", "node-driver-registrar"]);
    const node = container(ds, "glusterfs");
    assert.deepEqual(node.args, ["csi", "--endpoint=unix:///csi/csi.sock", "--mode=node", "--node-id=$(NODE_NAME)"]);
    assert.equal(node.env[0].valueFrom.fieldRef.fieldPath, "spec.nodeName");
    assert.equal(node.securityContext.privileged, true);
    assert.equal(mount(node, "kubelet-dir").mountPropagation, "Bidirectional");
    assert.deepEqual(volume(ds, "socket-dir").hostPath, { path: `/var/lib/kubelet/plugins/${DRIVER_NAME}/`, type: "DirectoryOrCreate" });
    assert.deepEqual(volume(ds, "registration-dir").hostPath, { path: "/var/lib/kubelet/plugins_registry/", type: "Directory" });
    assert.deepEqual(container(ds, "node-driver-registrar").args, ["--csi-address=/csi/csi.sock", `--kubelet-registration-path=/var/lib/kubelet/plugins/${DRIVER_NAME}/csi.sock`]);

    assert.ok(kubeGet(kube, "serviceaccount", `${PREFIX}-controller`, NS));
    assert.equal(kubeGet(kube, "serviceaccount", `${PREFIX}-node`, NS)!.automountServiceAccountToken, false);
    for (const r of ["provisioner", "resizer"]) {
      assert.ok(kubeGet(kube, "clusterrole", `${PREFIX}-${r}`), r);
      assert.equal(kubeGet(kube, "clusterrolebinding", `${PREFIX}-${r}`)!.subjects[0].name, `${PREFIX}-controller`, r);
    }
    assert.ok(kubeGet(kube, "role", `${PREFIX}-leader-election`, NS));
    assert.ok(kubeGet(kube, "rolebinding", `${PREFIX}-leader-election`, NS));

    const engine = kubeGet(kube, "storageclass", SC_ENGINE)!;
    assert.equal(engine.provisioner, DRIVER_NAME);
    assert.deepEqual(engine.parameters, { volumetype: "replicate:3", clusterid: "a".repeat(32), gidMin: "40000", gidMax: "50000", volumenameprefix: "k8s" });
    const rest = kubeGet(kube, "storageclass", SC_REST)!;
    assert.equal(rest.provisioner, DRIVER_NAME);
    assert.deepEqual(rest.parameters, {
      resturl: "http://10.77.0.1:8080", restauthenabled: "true", restuser: "user", volumetype: "replicate:3",
      "csi.storage.k8s.io/provisioner-secret-name": `${PREFIX}-rest-key`, "csi.storage.k8s.io/provisioner-secret-namespace": NS,
      "csi.storage.k8s.io/controller-expand-secret-name": `${PREFIX}-rest-key`, "csi.storage.k8s.io/controller-expand-secret-namespace": NS,
    });
    const secret = kubeGet(kube, "secret", `${PREFIX}-rest-key`, NS)!;
    assert.equal(Buffer.from(secret.data.key, "base64").toString("utf8"), "user-key");
  });

  it("the RBAC grants what the sidecars do, as their ServiceAccounts (kubectl auth can-i); the node's account gets nothing", function () {
    const sa = `${PREFIX}-controller`;
    for (const what of [["create", "persistentvolumes"], ["delete", "persistentvolumes"], ["patch", "persistentvolumeclaims/status"], ["get", "secrets"], ["watch", "storageclasses"], ["create", "events"], ["list", "csinodes"], ["update", "leases", "-n", NS]]) {
      assert.equal(canI(kube, sa, ...what), "yes", what.join(" "));
    }
    for (const what of [["list", "secrets"], ["update", "leases", "-n", "default"], ["create", "pods"]]) assert.equal(canI(kube, sa, ...what), "no", what.join(" "));
    assert.equal(canI(kube, `${PREFIX}-node`, "get", "persistentvolumes"), "no");
  });

  it("the controller's pod passes admission: its ReplicaSet makes a pod, which stays Pending (no scheduler, no kubelet)", async function () {
    let pods: Any[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      pods = JSON.parse(kubectl(kube, "get", "pods", "-n", NS, "-l", "app.kubernetes.io/component=controller", "-o", "json")).items;
      if (pods.length) break;
    }
    assert.equal(pods.length, 1, "one pod of the one replica");
    assert.equal(pods[0].status.phase, "Pending");
    assert.equal(pods[0].spec.nodeName, undefined, "never scheduled");
    assert.deepEqual(pods[0].spec.containers.map((c: Any) => c.image), [IMAGE, container(kubeGet(kube, "deployment", `${PREFIX}-controller`, NS), "csi-provisioner").image, container(kubeGet(kube, "deployment", `${PREFIX}-controller`, NS), "csi-resizer").image]);
    assert.equal(kubeGet(kube, "daemonset", `${PREFIX}-node`, NS)!.status.desiredNumberScheduled, 0, "no nodes, no node plugin pods");
  });

  it("a second preview plans no change", async function () {
    const events: EngineEvent[] = [];
    const t0 = Date.now();
    await stack.preview({ onEvent: (e) => events.push(e) });
    timings.preview = Date.now() - t0;
    assert.deepEqual(plannedSteps(events, "pulumi:"), []);
  });

  it("destroy removes every object (kubectl reads them back as absent)", async function () {
    const t0 = Date.now();
    await stack.destroy();
    timings.destroy = Date.now() - t0;
    assert.equal(kubeGet(kube, "csidriver", DRIVER_NAME), undefined);
    for (const sc of [SC_ENGINE, SC_REST]) assert.equal(kubeGet(kube, "storageclass", sc), undefined, sc);
    for (const r of ["provisioner", "resizer"]) {
      assert.equal(kubeGet(kube, "clusterrole", `${PREFIX}-${r}`), undefined, r);
      assert.equal(kubeGet(kube, "clusterrolebinding", `${PREFIX}-${r}`), undefined, r);
    }
    assert.equal(kubeGet(kube, "namespace", NS), undefined, "the namespace and everything in it");
  });
});
