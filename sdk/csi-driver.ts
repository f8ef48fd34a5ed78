/**
 * `CsiDriver`: the CSI driver `glusterfs.csi.pulumi-glusterfs.dev` (`pulumi-glusterfs csi`, provider/csi)
 * deployed into a Kubernetes cluster: its CSIDriver object, a controller Deployment (the driver with
 * csi-provisioner and csi-resizer), a node DaemonSet (the driver with node-driver-registrar) and their
 * RBAC. The objects are built by a pure function, `csiDriverManifests`, which the component hands to
 * @pulumi/kubernetes resources one by one, so what goes to the API server can be checked without Pulumi.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DRIVER_NAME } from "../provider/csi/identity";

/** The driver's name: a CSI StorageClass's `provisioner:`, the CSIDriver object's name. */
export const CSI_DRIVER_NAME: typeof DRIVER_NAME = DRIVER_NAME;

/**
 * The kubernetes-csi sidecars' images by default: the latest stable releases listed on
 * kubernetes-csi.github.io (sig-storage's registry). Override them to pin a digest or use a mirror.
 */
export const DEFAULT_SIDECAR_IMAGES = {
  provisioner: "registry.k8s.io/sig-storage/csi-provisioner:v5.2.0",
  resizer: "registry.k8s.io/sig-storage/csi-resizer:v1.13.0",
  nodeDriverRegistrar: "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0",
} as const;

/** Where the driver's socket is inside every pod (a shared emptyDir in the controller, the plugin hostPath on nodes). */
export const CSI_SOCKET_DIR = "/csi";
export const CSI_SOCKET = `${CSI_SOCKET_DIR}/csi.sock`;
/** Where the controller finds its engine configuration and ledger (with `engine`). */
export const ENGINE_CONFIG_DIR = "/etc/pulumi-glusterfs";
export const ENGINE_LEDGER_DIR = "/var/lib/pulumi-glusterfs";

/** The controller's engine: the backend StorageClasses without `resturl` provision through. */
export interface CsiEngineArgs {
  /**
   * A Secret in the driver's namespace, mounted read-only at /etc/pulumi-glusterfs: `configFile`
   * (heketi.json, as `serve --config` reads it: executor, SSH user and port, `sshexec.keyfile` naming
   * the key's path under /etc/pulumi-glusterfs, …) and the SSH private key it names. Not created here:
   * it holds a private key, make it with a Pulumi secret (k8s.core.v1.Secret) or your secret store.
   */
  configSecretName: pulumi.Input<string>;
  /** The Secret's key passed as `--config` (default `heketi.json`). */
  configFile?: string;
  /**
   * A PersistentVolumeClaim (ReadWriteOnce, in the driver's namespace, not from this driver) for the
   * ledger, mounted at /var/lib/pulumi-glusterfs; the driver runs with `--ledger
   * /var/lib/pulumi-glusterfs/ledger.db`. Not created here: the ledger outlives any deployment.
   */
  ledgerClaimName: pulumi.Input<string>;
}

/** What the manifests are made from: everything but the Kubernetes provider. */
export interface CsiDriverManifestArgs {
  /** The driver's image (`pulumi-glusterfs` on its PATH, mount.glusterfs for the node plugin). Required: the project publishes none. */
  image: pulumi.Input<string>;
  /** The driver's command inside `image` (default `["pulumi-glusterfs"]`); `csi …` follows as args. */
  command?: pulumi.Input<string>[];
  provisionerImage?: pulumi.Input<string>;
  resizerImage?: pulumi.Input<string>;
  nodeDriverRegistrarImage?: pulumi.Input<string>;
  imagePullPolicy?: pulumi.Input<string>;
  /** Namespace of the driver's namespaced objects (default `glusterfs-csi`). */
  namespace?: string;
  /** Create that Namespace (default true); false: it must exist. */
  createNamespace?: boolean;
  /**
   * Prefix of every object's name (default `glusterfs-csi`): ServiceAccounts, Deployment, DaemonSet and,
   * cluster-wide, the ClusterRoles and their bindings. The CSIDriver object is always named after the driver.
   */
  namePrefix?: string;
  /** The controller's engine; without it every StorageClass of this driver needs `resturl`. */
  engine?: CsiEngineArgs;
  /** More arguments for the controller's driver container, after the ones made here (e.g. `--ssh-user=…`). */
  controllerArgs?: pulumi.Input<string>[];
  /**
   * Controller replicas (default 1). The sidecars elect a leader, so only one replica's driver is
   * called; with `engine` it must stay 1 (one engine, one writer on the ledger; its claim is ReadWriteOnce).
   */
  replicas?: number;
  /** The kubelet's root directory on the nodes (default /var/lib/kubelet; k0s and microk8s move it). */
  kubeletDir?: string;
  /** Tolerations of the node plugin (default: every taint, so any node whose pods mount a volume has it). */
  nodeTolerations?: k8s.types.input.core.v1.Toleration[];
  /**
   * Do not wait for the Deployment and DaemonSet to roll out (the `pulumi.com/skipAwait` annotation).
   * Default false: `up` waits until the pods are ready.
   */
  skipAwait?: boolean;
}

export interface CsiDriverArgs extends CsiDriverManifestArgs {
  /**
   * The kubeconfig (YAML text) of the cluster to deploy to: an explicit provider is made from it. Or pass a
   * `k8s.Provider` as `provider` in the resource options. One is required: nothing goes to the cluster the
   * ambient kubeconfig names.
   */
  kubeconfig?: pulumi.Input<string>;
}

type Obj<T> = T & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

/** The objects `CsiDriver` creates, in creation order (plain objects; Inputs only where the args had them). */
export interface CsiDriverManifests {
  namespace?: Obj<k8s.types.input.core.v1.Namespace>;
  csiDriver: Obj<k8s.types.input.storage.v1.CSIDriver>;
  controllerServiceAccount: Obj<k8s.types.input.core.v1.ServiceAccount>;
  nodeServiceAccount: Obj<k8s.types.input.core.v1.ServiceAccount>;
  clusterRoles: Array<Obj<k8s.types.input.rbac.v1.ClusterRole>>;
  clusterRoleBindings: Array<Obj<k8s.types.input.rbac.v1.ClusterRoleBinding>>;
  role: Obj<k8s.types.input.rbac.v1.Role>;
  roleBinding: Obj<k8s.types.input.rbac.v1.RoleBinding>;
  controller: Obj<k8s.types.input.apps.v1.Deployment> & { spec: k8s.types.input.apps.v1.DeploymentSpec & { template: { spec: PodSpec } } };
  node: Obj<k8s.types.input.apps.v1.DaemonSet> & { spec: k8s.types.input.apps.v1.DaemonSetSpec & { template: { spec: PodSpec } } };
}
type PodSpec = k8s.types.input.core.v1.PodSpec & { containers: Container[]; volumes: k8s.types.input.core.v1.Volume[] };
type Container = k8s.types.input.core.v1.Container & { name: string; args: pulumi.Input<string>[]; volumeMounts: k8s.types.input.core.v1.VolumeMount[] };

const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({ apiGroups, resources, verbs });

/**
 * csi-provisioner's rules: kubernetes-csi/external-provisioner deploy/kubernetes/rbac.yaml, less the
 * snapshot and capacity rules (the driver offers neither), plus `secrets get`: the StorageClass's
 * csi.storage.k8s.io/provisioner-secret-* name the REST key's Secret, which the sidecar reads.
 */
export const PROVISIONER_RULES = [
  rule([""], ["persistentvolumes"], ["get", "list", "watch", "create", "patch", "delete"]),
  rule([""], ["persistentvolumeclaims"], ["get", "list", "watch", "update", "patch"]),
  rule(["storage.k8s.io"], ["storageclasses"], ["get", "list", "watch"]),
  rule([""], ["events"], ["list", "watch", "create", "update", "patch"]),
  rule(["storage.k8s.io"], ["csinodes"], ["get", "list", "watch"]),
  rule([""], ["nodes"], ["get", "list", "watch"]),
  rule(["storage.k8s.io"], ["volumeattachments"], ["get", "list", "watch"]),
  rule([""], ["secrets"], ["get"]),
];

/**
 * csi-resizer's rules: kubernetes-csi/external-resizer deploy/kubernetes/rbac.yaml, less `pods` (it runs
 * with --handle-volume-inuse-error=false: gluster expands online, a volume in use is no error) and
 * with `secrets get` for csi.storage.k8s.io/controller-expand-secret-*.
 */
export const RESIZER_RULES = [
  rule([""], ["persistentvolumes"], ["get", "list", "watch", "patch"]),
  rule([""], ["persistentvolumeclaims"], ["get", "list", "watch"]),
  rule([""], ["persistentvolumeclaims/status"], ["patch", "update"]),
  rule([""], ["events"], ["list", "watch", "create", "update", "patch"]),
  rule(["storage.k8s.io"], ["volumeattributesclasses"], ["get", "list", "watch"]),
  rule([""], ["secrets"], ["get"]),
];

/** Both sidecars elect a leader through a Lease in the driver's namespace. */
export const LEADER_ELECTION_RULES = [rule(["coordination.k8s.io"], ["leases"], ["get", "watch", "list", "delete", "update", "create"])];

/** The Kubernetes objects of a driver deployment. Pure: no Pulumi resources, nothing read from anywhere. */
export function csiDriverManifests(args: CsiDriverManifestArgs): CsiDriverManifests {
  if (args.image === undefined || args.image === "") throw new Error("CsiDriver: `image` is required (the driver's image: the project publishes none, build one with pulumi-glusterfs and glusterfs-client in it)");
  const ns = args.namespace ?? "glusterfs-csi";
  const p = args.namePrefix ?? "glusterfs-csi";
  const replicas = args.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`CsiDriver: replicas must be a whole number >= 1 (got ${replicas})`);
  if (args.engine && replicas !== 1) throw new Error(`CsiDriver: with \`engine\` replicas must be 1 (got ${replicas}): one engine writes its ledger, and the ledger's claim is ReadWriteOnce`);
  const kubeletDir = (args.kubeletDir ?? "/var/lib/kubelet").replace(/\/+$/, "");
  if (!kubeletDir.startsWith("/")) throw new Error(`CsiDriver: kubeletDir must be an absolute path (got '${args.kubeletDir}')`);
  const pluginDir = `${kubeletDir}/plugins/${DRIVER_NAME}`;
  const registrationDir = `${kubeletDir}/plugins_registry`;
  const labels = (component: string) => ({ "app.kubernetes.io/name": "pulumi-glusterfs-csi", "app.kubernetes.io/instance": p, "app.kubernetes.io/component": component });
  const common = { "app.kubernetes.io/name": "pulumi-glusterfs-csi", "app.kubernetes.io/instance": p, "app.kubernetes.io/managed-by": "pulumi" };
  const meta = (name: string, namespaced: boolean, component?: string) => ({ name, ...(namespaced ? { namespace: ns } : {}), labels: component ? { ...common, "app.kubernetes.io/component": component } : { ...common } });
  const awaitAnnotations = args.skipAwait ? { annotations: { "pulumi.com/skipAwait": "true" } } : {};
  const pullPolicy = args.imagePullPolicy ?? "IfNotPresent";
  const command = args.command ?? ["pulumi-glusterfs"];
  const socketMount = { name: "socket-dir", mountPath: CSI_SOCKET_DIR };
  const endpoint = `--endpoint=unix://${CSI_SOCKET}`;
  const sidecar = (name: string, image: pulumi.Input<string>, extra: string[]): Container => ({
    name, image, imagePullPolicy: pullPolicy, args: [`--csi-address=${CSI_SOCKET}`, ...extra], volumeMounts: [socketMount],
  });

  const controllerSa = `${p}-controller`;
  const nodeSa = `${p}-node`;
  const subject = { kind: "ServiceAccount", name: controllerSa, namespace: ns };

  const engineArgs = args.engine ? [`--config=${ENGINE_CONFIG_DIR}/${args.engine.configFile ?? "heketi.json"}`, `--ledger=${ENGINE_LEDGER_DIR}/ledger.db`] : [];
  const controllerDriver: Container = {
    name: "glusterfs",
    image: args.image,
    imagePullPolicy: pullPolicy,
    command,
    args: ["csi", endpoint, "--mode=controller", ...engineArgs, ...(args.controllerArgs ?? [])],
    volumeMounts: [
      socketMount,
      ...(args.engine ? [{ name: "engine-config", mountPath: ENGINE_CONFIG_DIR, readOnly: true }, { name: "ledger", mountPath: ENGINE_LEDGER_DIR }] : []),
    ],
  };
  const controller: CsiDriverManifests["controller"] = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { ...meta(`${p}-controller`, true, "controller"), ...awaitAnnotations },
    spec: {
      replicas,
      // with the engine's ReadWriteOnce ledger, the old pod must let go of it before the new one starts
      strategy: args.engine ? { type: "Recreate" } : undefined,
      selector: { matchLabels: labels("controller") },
      template: {
        metadata: { labels: labels("controller") },
        spec: {
          serviceAccountName: controllerSa,
          priorityClassName: "system-cluster-critical",
          containers: [
            controllerDriver,
            // --extra-create-metadata: the claim's namespace and name in CreateVolume's parameters
            // (volumenameprefix names volumes <prefix>_<namespace>_<claim>_<name> with them); --timeout:
            // a gluster volume create over SSH takes far longer than the default 10 s (the driver answers
            // ABORTED to a retry while the first call still runs)
            sidecar("csi-provisioner", args.provisionerImage ?? DEFAULT_SIDECAR_IMAGES.provisioner, ["--leader-election", `--leader-election-namespace=${ns}`, "--extra-create-metadata", "--timeout=300s"]),
            // --handle-volume-inuse-error=false: the driver expands ONLINE, a mounted volume is no error
            sidecar("csi-resizer", args.resizerImage ?? DEFAULT_SIDECAR_IMAGES.resizer, ["--leader-election", `--leader-election-namespace=${ns}`, "--handle-volume-inuse-error=false", "--timeout=300s"]),
          ],
          volumes: [
            { name: "socket-dir", emptyDir: {} },
            ...(args.engine
              ? [
                  { name: "engine-config", secret: { secretName: args.engine.configSecretName, defaultMode: 0o400 } },
                  { name: "ledger", persistentVolumeClaim: { claimName: args.engine.ledgerClaimName } },
                ]
              : []),
          ],
        },
      },
    },
  };

  const kubeletMount = { name: "kubelet-dir", mountPath: kubeletDir, mountPropagation: "Bidirectional" };
  const nodeDriver: Container = {
    name: "glusterfs",
    image: args.image,
    imagePullPolicy: pullPolicy,
    command,
    args: ["csi", endpoint, "--mode=node", "--node-id=$(NODE_NAME)"],
    env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
    // mount(8) and the FUSE client need CAP_SYS_ADMIN and /dev/fuse; Bidirectional propagation (privileged
    // only) makes the mount it makes under the kubelet's directory visible to the kubelet and the pod
    securityContext: { privileged: true, allowPrivilegeEscalation: true, capabilities: { add: ["SYS_ADMIN"] } },
    volumeMounts: [socketMount, kubeletMount, { name: "dev", mountPath: "/dev" }],
  };
  const registrar: Container = {
    ...sidecar("node-driver-registrar", args.nodeDriverRegistrarImage ?? DEFAULT_SIDECAR_IMAGES.nodeDriverRegistrar, [`--kubelet-registration-path=${pluginDir}/csi.sock`]),
    volumeMounts: [socketMount, { name: "registration-dir", mountPath: "/registration" }],
  };
  const node: CsiDriverManifests["node"] = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { ...meta(`${p}-node`, true, "node"), ...awaitAnnotations },
    spec: {
      selector: { matchLabels: labels("node") },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: labels("node") },
        spec: {
          serviceAccountName: nodeSa,
          // neither container talks to the API server (the registrar talks to the kubelet's socket)
          automountServiceAccountToken: false,
          priorityClassName: "system-node-critical",
          // the FUSE client reaches the storage network from the node's network, as a host mount would
          hostNetwork: true,
          dnsPolicy: "ClusterFirstWithHostNet",
          tolerations: args.nodeTolerations ?? [{ operator: "Exists" }],
          containers: [nodeDriver, registrar],
          volumes: [
            { name: "socket-dir", hostPath: { path: `${pluginDir}/`, type: "DirectoryOrCreate" } },
            { name: "registration-dir", hostPath: { path: `${registrationDir}/`, type: "Directory" } },
            { name: "kubelet-dir", hostPath: { path: kubeletDir, type: "Directory" } },
            { name: "dev", hostPath: { path: "/dev", type: "Directory" } },
          ],
        },
      },
    },
  };

  return {
    namespace: args.createNamespace === false ? undefined : { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { ...common } } },
    csiDriver: {
      apiVersion: "storage.k8s.io/v1",
      kind: "CSIDriver",
      metadata: { name: DRIVER_NAME, labels: { ...common } },
      spec: {
        // no ControllerPublishVolume: a gluster volume is mounted over the network from any node
        attachRequired: false,
        podInfoOnMount: false,
        volumeLifecycleModes: ["Persistent"],
        // None: the kubelet neither chowns nor chmods the volume. File would walk every file of a shared
        // (RWX) network volume through FUSE at each mount and rewrite its ownership for every other
        // consumer; group access comes from the GID the driver gives each volume (gidMin..gidMax, in the
        // volume context as `gid`): give pods it as a supplemental group.
        fsGroupPolicy: "None",
      },
    },
    controllerServiceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(controllerSa, true, "controller") },
    nodeServiceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(nodeSa, true, "node"), automountServiceAccountToken: false },
    clusterRoles: [
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: meta(`${p}-provisioner`, false, "controller"), rules: PROVISIONER_RULES },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: meta(`${p}-resizer`, false, "controller"), rules: RESIZER_RULES },
    ],
    clusterRoleBindings: (["provisioner", "resizer"] as const).map((r) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta(`${p}-${r}`, false, "controller"),
      subjects: [subject],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${p}-${r}` },
    })),
    role: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta(`${p}-leader-election`, true, "controller"), rules: LEADER_ELECTION_RULES },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(`${p}-leader-election`, true, "controller"),
      subjects: [subject],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${p}-leader-election` },
    },
    controller,
    node,
  };
}

/** The Kubernetes provider a component's options name, if any. */
export function givenKubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): pulumi.ProviderResource | undefined {
  if (opts?.provider) return opts.provider;
  if (Array.isArray(opts?.providers)) return opts!.providers.find((p) => (p as { package?: string }).package === "kubernetes");
  return (opts?.providers as Record<string, pulumi.ProviderResource> | undefined)?.kubernetes;
}

/**
 * The CSI driver deployed into a cluster. Pods run only where the images can be pulled: `image` is yours
 * to build (the project publishes none). A StorageClass uses it with `provisioner: driver`.
 */
export class CsiDriver extends pulumi.ComponentResource {
  /** `glusterfs.csi.pulumi-glusterfs.dev` */
  declare public readonly driverName: pulumi.Output<string>;
  declare public readonly namespace: pulumi.Output<string>;
  /** The namespace's name, known when the program runs (a StorageClass puts its Secret there by default). */
  readonly namespaceName: string;
  /** The Kubernetes provider the objects went through (a StorageClass with this driver reuses it). */
  readonly provider: pulumi.ProviderResource;
  readonly manifests: CsiDriverManifests;
  readonly namespaceObject?: k8s.core.v1.Namespace;
  readonly csiDriverObject: k8s.storage.v1.CSIDriver;
  readonly controller: k8s.apps.v1.Deployment;
  readonly nodePlugin: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: CsiDriverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glusterfs:index:CsiDriver", name, {}, opts);
    const given = givenKubernetesProvider(opts);
    if (args.kubeconfig === undefined && !given) {
      throw new Error(`CsiDriver ${name}: give \`kubeconfig\` (or a k8s.Provider as \`provider\` in its options): the driver never goes to the ambient kubeconfig's cluster by accident`);
    }
    // enableSecretMutable: a StorageClass reusing this provider updates its REST-key Secret in place
    this.provider = args.kubeconfig !== undefined ? new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig, enableSecretMutable: true }, { parent: this }) : given!;
    const m = (this.manifests = csiDriverManifests(args));
    this.namespaceName = args.namespace ?? "glusterfs-csi";
    const o = (deps: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider: this.provider, dependsOn: deps });
    const ns = m.namespace ? new k8s.core.v1.Namespace(`${name}-namespace`, m.namespace, o()) : undefined;
    this.namespaceObject = ns;
    const inNs = ns ? [ns] : [];
    this.csiDriverObject = new k8s.storage.v1.CSIDriver(`${name}-csidriver`, m.csiDriver, o());
    const controllerSa = new k8s.core.v1.ServiceAccount(`${name}-controller-sa`, m.controllerServiceAccount, o(inNs));
    const nodeSa = new k8s.core.v1.ServiceAccount(`${name}-node-sa`, m.nodeServiceAccount, o(inNs));
    const sidecars = ["provisioner", "resizer"]; // the order of m.clusterRoles and m.clusterRoleBindings
    const roles = m.clusterRoles.map((r, i) => new k8s.rbac.v1.ClusterRole(`${name}-${sidecars[i]}`, r, o()));
    const bindings = m.clusterRoleBindings.map((b, i) => new k8s.rbac.v1.ClusterRoleBinding(`${name}-${sidecars[i]}-binding`, b, o([roles[i], controllerSa])));
    const role = new k8s.rbac.v1.Role(`${name}-leader-election`, m.role, o(inNs));
    const roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-leader-election-binding`, m.roleBinding, o([role, controllerSa]));
    // the pods start with their permissions and their driver registered
    this.controller = new k8s.apps.v1.Deployment(`${name}-controller`, m.controller, o([this.csiDriverObject, ...bindings, roleBinding]));
    this.nodePlugin = new k8s.apps.v1.DaemonSet(`${name}-node`, m.node, o([this.csiDriverObject, nodeSa]));
    this.driverName = this.csiDriverObject.metadata.name;
    this.namespace = ns ? ns.metadata.name : pulumi.output(this.namespaceName);
    this.registerOutputs({ driverName: this.driverName, namespace: this.namespace });
  }
}
