import * as assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { ENGINE_FLAGS } from "../../provider/cli/engine-flags";
import { DRIVER_NAME } from "../../provider/csi/identity";
import { csiDriverManifests, type CsiDriverManifests, DEFAULT_SIDECAR_IMAGES } from "../../sdk/csi-driver";

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const plain = (m: CsiDriverManifests): Any => JSON.parse(JSON.stringify(m));
const container = (pod: Any, name: string): Any => pod.spec.template.spec.containers.find((c: Any) => c.name === name);
const volume = (pod: Any, name: string): Any => pod.spec.template.spec.volumes.find((v: Any) => v.name === name);
/** Where a container sees a pod volume's path: the mount of that volume. */
const mountOf = (pod: Any, c: Any, volumeName: string): Any => c.volumeMounts.find((m: Any) => m.name === volumeName);
/** The value of `--flag=value` in args. */
const flag = (c: Any, name: string): string | undefined => (c.args as string[]).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** The driver's own flags as `pulumi-glusterfs csi` parses them (provider/cli/csi.ts): refused if unknown. */
const driverFlags = (args: string[]) => {
  assert.equal(args[0], "csi");
  return { ...parseArgs({ args: args.slice(1), options: { ...ENGINE_FLAGS, endpoint: { type: "string" }, mode: { type: "string" }, "node-id": { type: "string" }, mounter: { type: "string" }, "sim-topology": { type: "string" } }, strict: true }).values } as Record<string, unknown>;
};

describe("CsiDriver manifests (pure: what the component hands to @pulumi/kubernetes)", function () {
  const m = plain(csiDriverManifests({ image: "example.invalid/pulumi-glusterfs:test" }));

  it("a CSIDriver named after the driver: no attach, no pod info, persistent volumes, fsGroupPolicy None", function () {
    assert.equal(m.csiDriver.apiVersion, "storage.k8s.io/v1");
    assert.equal(m.csiDriver.metadata.name, DRIVER_NAME);
    assert.deepEqual(m.csiDriver.spec, { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ["Persistent"], fsGroupPolicy: "None" });
  });

  it("names: namespace glusterfs-csi (created), objects prefixed glusterfs-csi; both overridable", function () {
    assert.equal(m.namespace.metadata.name, "glusterfs-csi");
    assert.deepEqual(
      [m.controllerServiceAccount, m.nodeServiceAccount, m.role, m.roleBinding, m.controller, m.node].map((o: Any) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
      ["ServiceAccount glusterfs-csi/glusterfs-csi-controller", "ServiceAccount glusterfs-csi/glusterfs-csi-node", "Role glusterfs-csi/glusterfs-csi-leader-election",
        "RoleBinding glusterfs-csi/glusterfs-csi-leader-election", "Deployment glusterfs-csi/glusterfs-csi-controller", "DaemonSet glusterfs-csi/glusterfs-csi-node"],
    );
    assert.deepEqual([...m.clusterRoles, ...m.clusterRoleBindings].map((o: Any) => `${o.kind} ${o.metadata.name} ${o.metadata.namespace}`),
      ["ClusterRole glusterfs-csi-provisioner undefined", "ClusterRole glusterfs-csi-resizer undefined", "ClusterRoleBinding glusterfs-csi-provisioner undefined", "ClusterRoleBinding glusterfs-csi-resizer undefined"]);
    const o = plain(csiDriverManifests({ image: "i", namespace: "storage", namePrefix: "gfs", createNamespace: false }));
    assert.equal(o.namespace, undefined);
    assert.equal(o.controller.metadata.namespace, "storage");
    assert.equal(o.controller.metadata.name, "gfs-controller");
    assert.deepEqual(o.clusterRoleBindings[0].subjects, [{ kind: "ServiceAccount", name: "gfs-controller", namespace: "storage" }]);
    assert.equal(o.clusterRoleBindings[1].roleRef.name, "gfs-resizer");
  });

  it("RBAC: the provisioner's and resizer's verbs, secrets get only, leases in the namespace; the node plugin gets nothing", function () {
    const rules = (r: Any) => Object.fromEntries(r.rules.map((x: Any) => [`${x.apiGroups[0] || "core"}/${x.resources[0]}`, x.verbs.join(",")]));
    assert.deepEqual(rules(m.clusterRoles[0]), {
      "core/persistentvolumes": "get,list,watch,create,patch,delete",
      "core/persistentvolumeclaims": "get,list,watch,update,patch",
      "storage.k8s.io/storageclasses": "get,list,watch",
      "core/events": "list,watch,create,update,patch",
      "storage.k8s.io/csinodes": "get,list,watch",
      "core/nodes": "get,list,watch",
      "storage.k8s.io/volumeattachments": "get,list,watch",
      "core/secrets": "get",
    });
    assert.deepEqual(rules(m.clusterRoles[1]), {
      "core/persistentvolumes": "get,list,watch,patch",
      "core/persistentvolumeclaims": "get,list,watch",
      "core/persistentvolumeclaims/status": "patch,update",
      "core/events": "list,watch,create,update,patch",
      "storage.k8s.io/volumeattributesclasses": "get,list,watch",
      "core/secrets": "get",
    });
    assert.deepEqual(rules(m.role), { "coordination.k8s.io/leases": "get,watch,list,delete,update,create" });
    assert.deepEqual(m.clusterRoleBindings.map((b: Any) => [b.roleRef.kind, b.roleRef.name, b.subjects[0].name]), [
      ["ClusterRole", "glusterfs-csi-provisioner", "glusterfs-csi-controller"], ["ClusterRole", "glusterfs-csi-resizer", "glusterfs-csi-controller"],
    ]);
    assert.deepEqual([m.roleBinding.roleRef.name, m.roleBinding.subjects], ["glusterfs-csi-leader-election", [{ kind: "ServiceAccount", name: "glusterfs-csi-controller", namespace: "glusterfs-csi" }]]);
    assert.equal(m.node.spec.template.spec.serviceAccountName, "glusterfs-csi-node");
    assert.equal(m.node.spec.template.spec.automountServiceAccountToken, false, "no token: neither node container talks to the API server");
    assert.equal(m.controller.spec.template.spec.serviceAccountName, "glusterfs-csi-controller");
  });

  it("controller: the driver and both sidecars on one socket (a shared emptyDir), real sidecar flags, default images", function () {
    const pod = m.controller;
    assert.equal(pod.spec.replicas, 1);
    assert.deepEqual(pod.spec.selector.matchLabels, pod.spec.template.metadata.labels);
    assert.deepEqual(pod.spec.template.spec.containers.map((c: Any) => `${c.name} ${c.image}`), [
      "glusterfs example.invalid/pulumi-glusterfs:test", `csi-provisioner ${DEFAULT_SIDECAR_IMAGES.provisioner}`, `csi-resizer ${DEFAULT_SIDECAR_IMAGES.resizer}`,
    ]);
    assert.match(DEFAULT_SIDECAR_IMAGES.provisioner, /^registry\.k8s\.io\/sig-storage\/csi-provisioner:v5\./);
    assert.deepEqual(volume(pod, "socket-dir"), { name: "socket-dir", emptyDir: {} });
    const driver = container(pod, "glusterfs");
    assert.deepEqual(driver.command, ["pulumi-glusterfs"]);
    assert.deepEqual(driver.args, ["csi", "--endpoint=unix:///csi/csi.sock", "--mode=controller"]);
    assert.deepEqual(driverFlags(driver.args), { endpoint: "unix:///csi/csi.sock", mode: "controller" });
    for (const c of pod.spec.template.spec.containers) {
      const dir = mountOf(pod, c, "socket-dir").mountPath;
      const sock = c.name === "glusterfs" ? flag(c, "endpoint")!.replace("unix://", "") : flag(c, "csi-address");
      assert.equal(sock, `${dir}/csi.sock`, `${c.name} finds the socket in its socket-dir mount`);
    }
    assert.deepEqual(container(pod, "csi-provisioner").args, ["--csi-address=/csi/csi.sock", "--leader-election", "--leader-election-namespace=glusterfs-csi", "--extra-create-metadata", "--timeout=300s"]);
    assert.deepEqual(container(pod, "csi-resizer").args, ["--csi-address=/csi/csi.sock", "--leader-election", "--leader-election-namespace=glusterfs-csi", "--handle-volume-inuse-error=false", "--timeout=300s"]);
  });

  it("controller with an engine: --config from the Secret, --ledger on the claim, Recreate, replicas 1 only; controllerArgs last", function () {
    const o = plain(csiDriverManifests({ image: "i", engine: { configSecretName: "gfs-engine", ledgerClaimName: "gfs-ledger" }, controllerArgs: ["--ssh-user=pgfs", "--ssh-sudo"] }));
    const driver = container(o.controller, "glusterfs");
    assert.deepEqual(driver.args, ["csi", "--endpoint=unix:///csi/csi.sock", "--mode=controller", "--config=/etc/pulumi-glusterfs/heketi.json", "--ledger=/var/lib/pulumi-glusterfs/ledger.db", "--ssh-user=pgfs", "--ssh-sudo"]);
    assert.deepEqual(driverFlags(driver.args), { endpoint: "unix:///csi/csi.sock", mode: "controller", config: "/etc/pulumi-glusterfs/heketi.json", ledger: "/var/lib/pulumi-glusterfs/ledger.db", "ssh-user": "pgfs", "ssh-sudo": true });
    assert.deepEqual(mountOf(o.controller, driver, "engine-config"), { name: "engine-config", mountPath: "/etc/pulumi-glusterfs", readOnly: true });
    assert.deepEqual(mountOf(o.controller, driver, "ledger"), { name: "ledger", mountPath: "/var/lib/pulumi-glusterfs" });
    assert.deepEqual(volume(o.controller, "engine-config").secret, { secretName: "gfs-engine", defaultMode: 0o400 });
    assert.deepEqual(volume(o.controller, "ledger").persistentVolumeClaim, { claimName: "gfs-ledger" });
    assert.deepEqual(o.controller.spec.strategy, { type: "Recreate" });
    assert.throws(() => csiDriverManifests({ image: "i", engine: { configSecretName: "s", ledgerClaimName: "c" }, replicas: 2 }), /with `engine` replicas must be 1/);
    assert.equal(plain(csiDriverManifests({ image: "i", replicas: 3 })).controller.spec.replicas, 3);
  });

  it("node: privileged driver with --node-id from the downward API, kubelet dir Bidirectional, /dev; the registrar's paths match the driver's socket on the host", function () {
    const pod = m.node;
    const spec = pod.spec.template.spec;
    assert.deepEqual(spec.containers.map((c: Any) => `${c.name} ${c.image}`), ["glusterfs example.invalid/pulumi-glusterfs:test", `node-driver-registrar ${DEFAULT_SIDECAR_IMAGES.nodeDriverRegistrar}`]);
    const driver = container(pod, "glusterfs");
    assert.deepEqual(driver.args, ["csi", "--endpoint=unix:///csi/csi.sock", "--mode=node", "--node-id=$(NODE_NAME)"]);
    assert.deepEqual(driverFlags(driver.args), { endpoint: "unix:///csi/csi.sock", mode: "node", "node-id": "$(NODE_NAME)" });
    assert.deepEqual(driver.env, [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }]);
    assert.equal(driver.securityContext.privileged, true);
    assert.deepEqual(mountOf(pod, driver, "kubelet-dir"), { name: "kubelet-dir", mountPath: "/var/lib/kubelet", mountPropagation: "Bidirectional" });
    assert.deepEqual(volume(pod, "kubelet-dir").hostPath, { path: "/var/lib/kubelet", type: "Directory" });
    assert.deepEqual(mountOf(pod, driver, "dev"), { name: "dev", mountPath: "/dev" });
    assert.deepEqual(volume(pod, "dev").hostPath, { path: "/dev", type: "Directory" });
    // the plugin's socket: /csi/csi.sock in both containers is <kubelet>/plugins/<driver>/csi.sock on the host,
    // which is what the registrar tells the kubelet
    const plugin = volume(pod, "socket-dir").hostPath;
    assert.deepEqual(plugin, { path: `/var/lib/kubelet/plugins/${DRIVER_NAME}/`, type: "DirectoryOrCreate" });
    const registrar = container(pod, "node-driver-registrar");
    assert.equal(flag(registrar, "kubelet-registration-path"), `${plugin.path}csi.sock`);
    for (const c of [driver, registrar]) assert.equal(mountOf(pod, c, "socket-dir").mountPath, "/csi", c.name);
    assert.equal(flag(registrar, "csi-address"), "/csi/csi.sock");
    assert.deepEqual(mountOf(pod, registrar, "registration-dir"), { name: "registration-dir", mountPath: "/registration" });
    assert.deepEqual(volume(pod, "registration-dir").hostPath, { path: "/var/lib/kubelet/plugins_registry/", type: "Directory" });
    assert.deepEqual(spec.tolerations, [{ operator: "Exists" }]);
    assert.equal(spec.hostNetwork, true);
    const moved = plain(csiDriverManifests({ image: "i", kubeletDir: "/var/lib/k0s/kubelet/" }));
    assert.equal(flag(container(moved.node, "node-driver-registrar"), "kubelet-registration-path"), `/var/lib/k0s/kubelet/plugins/${DRIVER_NAME}/csi.sock`);
    assert.equal(mountOf(moved.node, container(moved.node, "glusterfs"), "kubelet-dir").mountPath, "/var/lib/k0s/kubelet");
  });

  it("images and the command are inputs; skipAwait annotates the Deployment and DaemonSet; the driver image is required", function () {
    const o = plain(csiDriverManifests({ image: "d", provisionerImage: "p", resizerImage: "r", nodeDriverRegistrarImage: "n", command: ["/usr/bin/pgfs"], imagePullPolicy: "Always", skipAwait: true }));
    assert.deepEqual([...o.controller.spec.template.spec.containers, ...o.node.spec.template.spec.containers].map((c: Any) => `${c.name}=${c.image}:${c.imagePullPolicy}`),
      ["glusterfs=d:Always", "csi-provisioner=p:Always", "csi-resizer=r:Always", "glusterfs=d:Always", "node-driver-registrar=n:Always"]);
    assert.deepEqual(container(o.node, "glusterfs").command, ["/usr/bin/pgfs"]);
    assert.deepEqual([o.controller.metadata.annotations, o.node.metadata.annotations], [{ "pulumi.com/skipAwait": "true" }, { "pulumi.com/skipAwait": "true" }]);
    assert.equal(m.controller.metadata.annotations, undefined, "by default up waits for the rollout");
    assert.throws(() => csiDriverManifests({ image: "" }), /`image` is required/);
  });
});
