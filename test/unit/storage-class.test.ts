import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

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
});
