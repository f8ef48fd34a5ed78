import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parseClassParameters } from "../../provider/csi/parameters";
import { DRIVER_NAME } from "../../provider/csi/identity";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function unsecret(v: any) { // eslint-disable-line @typescript-eslint/no-explicit-any
  return v && v[SECRET_SIG] ? v.value : v;
}

describe("StorageClass component: the kubernetes.io/glusterfs contract", function () {
  const registered: Registered[] = [];
  let sdk: typeof import("../../sdk");

  before(async function () {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, name: args.name, inputs: args.inputs });
          const state = args.type.includes("GlusterCluster") ? { ...args.inputs, clusterId: "c".repeat(32) } : args.inputs;
          return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
      },
      "proj",
      "stack",
      false,
    );
    sdk = await import("../../sdk");
  });

  async function resolved<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((r) => o.apply((v) => r(v)));
  }

  it("creates a Secret of type kubernetes.io/glusterfs with the key under `key`, and a StorageClass wired to the cluster", async function () {
    const cluster = new sdk.GlusterCluster("c1", { ssh: { privateKey: pulumi.secret("PRIVATE") } });
    const sc = new sdk.StorageClass("gluster", {
      kubeconfig: "apiVersion: v1\nkind: Config\n",
      cluster,
      restUrl: "http://10.0.0.5:8080",
      restKey: pulumi.secret("adminkey"),
      durability: { type: "replicate", replica: 3 },
      volumeOptions: { "performance.quick-read": "off", "user.heketi.zone-checking": "strict" },
      gidMin: 40000,
      gidMax: 50000,
      volumeNamePrefix: "k8s",
      isDefault: true,
    });
    await resolved(sc.storageClassName);
    await new Promise((r) => setTimeout(r, 50));
    const secret = registered.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    assert.equal(secret.inputs.type, "kubernetes.io/glusterfs");
    assert.deepEqual(secret.inputs.metadata, { name: "gluster-rest-key", namespace: "default" });
    assert.deepEqual(unsecret(secret.inputs.stringData), { key: "adminkey" }, "the key is stored as a secret");
    assert.ok(secret.inputs.stringData[SECRET_SIG], "stringData is marked secret");
    const klass = registered.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass")!;
    assert.equal(klass.inputs.provisioner, "kubernetes.io/glusterfs");
    assert.equal(klass.inputs.reclaimPolicy, "Delete");
    assert.equal(klass.inputs.allowVolumeExpansion, true);
    assert.equal(klass.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.deepEqual(klass.inputs.parameters, {
      resturl: "http://10.0.0.5:8080",
      restauthenabled: "true",
      restuser: "admin",
      secretNamespace: "default",
      secretName: "gluster-rest-key",
      clusterid: "c".repeat(32),
      volumetype: "replicate:3",
      volumeoptions: "performance.quick-read off,user.heketi.zone-checking strict",
      gidMin: "40000",
      gidMax: "50000",
      volumenameprefix: "k8s",
    });
  });

  it("maps durability to volumetype", function () {
    assert.equal(sdk.volumeType({ type: "disperse", data: 4, redundancy: 2 }), "disperse:4:2");
    assert.equal(sdk.volumeType({ type: "none" }), "none");
    assert.equal(sdk.volumeType(undefined), "replicate:3");
  });

  it("accepts another provisioner name for Kubernetes 1.26+, and no auth", async function () {
    const sc = new sdk.StorageClass("csi", { kubeconfig: "k", clusterIds: ["d".repeat(32)], restUrl: "http://h:8080", provisioner: "org.example.glusterfs-heketi" });
    await resolved(sc.storageClassName);
    await new Promise((r) => setTimeout(r, 50));
    const klass = registered.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass").pop()!;
    assert.equal(klass.inputs.provisioner, "org.example.glusterfs-heketi");
    assert.equal(klass.inputs.parameters.restauthenabled, "false");
    assert.equal(klass.inputs.parameters.restuser, undefined);
  });

  it("gives a CSI provisioner the key through the CSI secret parameters, every other parameter unchanged", async function () {
    const sc = new sdk.StorageClass("csi-auth", {
      kubeconfig: "k", clusterIds: ["f".repeat(32)], restUrl: "http://h:8080", restUser: "user", restKey: pulumi.secret("userkey"), provisioner: "glusterfs.pulumi-glusterfs.io",
    });
    await resolved(sc.storageClassName);
    await new Promise((r) => setTimeout(r, 50));
    const klass = registered.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass").pop()!;
    assert.equal(klass.inputs.provisioner, "glusterfs.pulumi-glusterfs.io");
    assert.deepEqual(klass.inputs.parameters, {
      resturl: "http://h:8080", restauthenabled: "true", restuser: "user", clusterid: "f".repeat(32), volumetype: "replicate:3",
      "csi.storage.k8s.io/provisioner-secret-name": "csi-auth-rest-key", "csi.storage.k8s.io/provisioner-secret-namespace": "default",
      "csi.storage.k8s.io/controller-expand-secret-name": "csi-auth-rest-key", "csi.storage.k8s.io/controller-expand-secret-namespace": "default",
    });
  });

  it("refuses a volume name prefix with '_'", function () {
    assert.throws(() => new sdk.StorageClass("bad", { kubeconfig: "k", clusterIds: [], restUrl: "http://h", volumeNamePrefix: "a_b" }), /must not contain '_'/);
  });

  it("goes to the cluster its kubeconfig names through an explicit provider, and refuses to run without one", async function () {
    const sc = new sdk.StorageClass("explicit", { kubeconfig: "apiVersion: v1\nkind: Config\n", clusterIds: ["e".repeat(32)], restUrl: "http://h:8080" });
    await resolved(sc.storageClassName);
    await new Promise((r) => setTimeout(r, 50));
    const provider = registered.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "explicit-k8s")!;
    assert.equal(provider.inputs.kubeconfig, "apiVersion: v1\nkind: Config\n");
    assert.throws(() => new sdk.StorageClass("ambient", { clusterIds: [], restUrl: "http://h" }), /give `kubeconfig` \(or a k8s.Provider as `provider` in its options\): the Secret and StorageClass never go to the ambient kubeconfig's cluster/);
  });

  /** What the driver gets in CreateVolume: csi-provisioner strips the csi.storage.k8s.io/ keys (it resolves the secret from them) and adds --extra-create-metadata's. */
  const asCreateVolumeGetsThem = (params: Record<string, string>) => ({
    ...Object.fromEntries(Object.entries(params).filter(([k]) => !k.startsWith("csi.storage.k8s.io/"))),
    "csi.storage.k8s.io/pvc/name": "claim", "csi.storage.k8s.io/pvc/namespace": "ns", "csi.storage.k8s.io/pv/name": "pvc-1",
  });
  const lastClass = () => registered.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass").pop()!;
  const settle = async (sc: { storageClassName: pulumi.Output<string> }) => {
    await resolved(sc.storageClassName);
    await new Promise((r) => setTimeout(r, 50));
  };

  describe("CSI mode (provisioner glusterfs.csi.pulumi-glusterfs.dev, or a CsiDriver)", function () {
    it("exports the driver's own name", function () {
      assert.equal(sdk.CSI_DRIVER_NAME, "glusterfs.csi.pulumi-glusterfs.dev");
      assert.equal(sdk.CSI_DRIVER_NAME, DRIVER_NAME, "the same constant the driver reports in GetPluginInfo");
    });

    it("engine backend: no restUrl writes no REST parameter and no Secret, and the driver accepts what is written", async function () {
      const before = registered.filter((r) => r.type === "kubernetes:core/v1:Secret").length;
      const sc = new sdk.StorageClass("csi-engine", {
        kubeconfig: "k", clusterIds: ["a".repeat(32)], provisioner: sdk.CSI_DRIVER_NAME, durability: { type: "disperse", data: 4, redundancy: 2 },
        volumeOptions: { "performance.quick-read": "off" }, gidMin: 40000, gidMax: 50000, volumeNamePrefix: "k8s", snapFactor: 1.5,
      });
      await settle(sc);
      const klass = lastClass();
      assert.equal(klass.inputs.provisioner, "glusterfs.csi.pulumi-glusterfs.dev");
      assert.deepEqual(klass.inputs.parameters, {
        volumetype: "disperse:4:2", clusterid: "a".repeat(32), volumeoptions: "performance.quick-read off", gidMin: "40000", gidMax: "50000", volumenameprefix: "k8s", snapfactor: "1.5",
      });
      assert.equal(registered.filter((r) => r.type === "kubernetes:core/v1:Secret").length, before, "no Secret: the engine backend takes no key");
      const cfg = parseClassParameters(asCreateVolumeGetsThem(klass.inputs.parameters));
      assert.equal(cfg.rest, undefined, "the driver's engine provisions");
      assert.deepEqual([cfg.clusters, cfg.durability, cfg.gidMin, cfg.gidMax, cfg.volumeNamePrefix, cfg.snapshotFactor], [["a".repeat(32)], { type: "disperse", data: 4, redundancy: 2 }, 40000, 50000, "k8s", 1.5]);
    });

    it("REST backend with a key: the key through the CSI secret parameters (never secretName/secretNamespace/restuserkey), accepted by the driver", async function () {
      const sc = new sdk.StorageClass("csi-rest", {
        kubeconfig: "k", clusterIds: ["b".repeat(32)], restUrl: "http://10.0.0.5:8080", restUser: "user", restKey: pulumi.secret("userkey"), provisioner: sdk.CSI_DRIVER_NAME, secretNamespace: "storage",
      });
      await settle(sc);
      const klass = lastClass();
      assert.deepEqual(klass.inputs.parameters, {
        resturl: "http://10.0.0.5:8080", restauthenabled: "true", restuser: "user", volumetype: "replicate:3", clusterid: "b".repeat(32),
        "csi.storage.k8s.io/provisioner-secret-name": "csi-rest-rest-key", "csi.storage.k8s.io/provisioner-secret-namespace": "storage",
        "csi.storage.k8s.io/controller-expand-secret-name": "csi-rest-rest-key", "csi.storage.k8s.io/controller-expand-secret-namespace": "storage",
      });
      const secret = registered.filter((r) => r.type === "kubernetes:core/v1:Secret").pop()!;
      assert.deepEqual(secret.inputs.metadata, { name: "csi-rest-rest-key", namespace: "storage" });
      assert.deepEqual(unsecret(secret.inputs.stringData), { key: "userkey" });
      const cfg = parseClassParameters(asCreateVolumeGetsThem(klass.inputs.parameters));
      assert.deepEqual(cfg.rest, { url: "http://10.0.0.5:8080", user: "user", authEnabled: true });
    });

    it("REST backend without auth: restauthenabled false and nothing else of the key", async function () {
      const sc = new sdk.StorageClass("csi-noauth", { kubeconfig: "k", restUrl: "http://h:8080", provisioner: sdk.CSI_DRIVER_NAME });
      await settle(sc);
      assert.deepEqual(lastClass().inputs.parameters, { resturl: "http://h:8080", restauthenabled: "false", volumetype: "replicate:3" });
      assert.deepEqual(parseClassParameters(lastClass().inputs.parameters).rest, { url: "http://h:8080", user: "", authEnabled: false });
    });

    it("a CsiDriver as provisioner: its name, its provider, the key's Secret in its namespace, after its CSIDriver object", async function () {
      const driver = new sdk.CsiDriver("drv", { kubeconfig: "apiVersion: v1\nkind: Config\n", image: "example.invalid/pulumi-glusterfs:test", namespace: "gluster-csi" });
      const sc = new sdk.StorageClass("csi-drv", { provisioner: driver, restUrl: "http://h:8080", restKey: pulumi.secret("k1") });
      await settle(sc);
      assert.equal(await resolved(driver.driverName), "glusterfs.csi.pulumi-glusterfs.dev");
      assert.equal(await resolved(driver.namespace), "gluster-csi");
      const klass = lastClass();
      assert.equal(klass.inputs.provisioner, "glusterfs.csi.pulumi-glusterfs.dev");
      assert.equal(klass.inputs.parameters["csi.storage.k8s.io/provisioner-secret-namespace"], "gluster-csi");
      const secret = registered.filter((r) => r.type === "kubernetes:core/v1:Secret").pop()!;
      assert.deepEqual(secret.inputs.metadata, { name: "csi-drv-rest-key", namespace: "gluster-csi" });
      assert.equal(registered.filter((r) => r.type === "pulumi:providers:kubernetes" && r.name.startsWith("csi-drv")).length, 0, "no provider of its own: the driver's");
      assert.ok(registered.some((r) => r.type === "pulumi:providers:kubernetes" && r.name === "drv-k8s"));
      const types = registered.filter((r) => r.name.startsWith("drv-")).map((r) => r.type);
      for (const t of ["kubernetes:core/v1:Namespace", "kubernetes:storage.k8s.io/v1:CSIDriver", "kubernetes:core/v1:ServiceAccount", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet"]) assert.ok(types.includes(t), t);
      const deployment = registered.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "drv-controller")!;
      assert.deepEqual(deployment.inputs.spec.template.spec.containers[0].args, ["csi", "--endpoint=unix:///csi/csi.sock", "--mode=controller"]);
    });

    it("refuses what the driver would refuse later: a key or REST user without restUrl, auth without a key; the in-tree mode still needs restUrl", function () {
      assert.throws(() => new sdk.StorageClass("x1", { kubeconfig: "k", provisioner: sdk.CSI_DRIVER_NAME, restKey: "k" }), /restKey needs restUrl/);
      assert.throws(() => new sdk.StorageClass("x2", { kubeconfig: "k", provisioner: sdk.CSI_DRIVER_NAME, restUser: "admin" }), /only mean something with restUrl/);
      assert.throws(() => new sdk.StorageClass("x3", { kubeconfig: "k" }), /restUrl is required with the in-tree provisioner/);
      assert.throws(() => sdk.storageClassParameters({ provisioner: sdk.CSI_DRIVER_NAME, restUrl: "http://h", restUser: "admin", hasKey: false, authEnabled: true, secretNamespace: "d", secretName: "s", clusterIds: [] }), /restAuthEnabled without restKey/);
      assert.throws(() => new sdk.CsiDriver("nokube", { image: "i" }), /give `kubeconfig`/);
    });

    it("the in-tree mode is unchanged: the same parameters, in the same order", function () {
      const p = sdk.storageClassParameters({ provisioner: sdk.IN_TREE_PROVISIONER, restUrl: "http://h:8080", restUser: "admin", hasKey: true, authEnabled: true, secretNamespace: "default", secretName: "s", clusterIds: ["c".repeat(32)], gidMin: 2000 });
      assert.deepEqual(Object.entries(p), [
        ["resturl", "http://h:8080"], ["restauthenabled", "true"], ["volumetype", "replicate:3"], ["restuser", "admin"], ["secretNamespace", "default"], ["secretName", "s"],
        ["clusterid", "c".repeat(32)], ["gidMin", "2000"],
      ]);
    });
  });
});
