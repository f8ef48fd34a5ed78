import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GlusterCluster } from "./cluster";
import type { DurabilityArgs } from "./volume";

export interface StorageClassArgs {
  /**
   * The kubeconfig (its YAML text) of the Kubernetes cluster the objects go to: an explicit provider is
   * made from it. Or pass a `k8s.Provider` as `provider` in the resource options. One of the two is
   * required: the Secret and StorageClass never land on whatever cluster the ambient kubeconfig names.
   */
  kubeconfig?: pulumi.Input<string>;
  /** The cluster PVCs are placed on (its id becomes `clusterid`); or give clusterIds. */
  cluster?: GlusterCluster;
  clusterIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** The Heketi-compatible REST endpoint, e.g. http://10.0.0.5:8080 (scheme required). */
  restUrl: pulumi.Input<string>;
  /**
   * JWT issuer, default `admin`. Against real Heketi it must be `admin` (Heketi's `user` cannot even poll
   * /queue); against `pulumi-glusterfs serve` use `user` with the user key: that role may do exactly what
   * the provisioner does (volumes, its queue entries, cluster and node reads) and the admin key stays out of Kubernetes.
   */
  restUser?: pulumi.Input<string>;
  /** The REST key of `restUser` (admin or user key); stored in a Secret of type kubernetes.io/glusterfs. Pass a Pulumi secret. */
  restKey?: pulumi.Input<string>;
  /** Default: true when restKey is given. */
  restAuthEnabled?: pulumi.Input<boolean>;
  secretNamespace?: pulumi.Input<string>;
  secretName?: pulumi.Input<string>;
  /** Name of the StorageClass object (default: the component name). */
  storageClassName?: pulumi.Input<string>;
  /**
   * Default `kubernetes.io/glusterfs`: the in-tree provisioner, removed in Kubernetes 1.26, with its parameter
   * contract (`secretNamespace`/`secretName`). Any other name (a CSI driver that speaks the Heketi API) gets
   * the CSI contract for the key instead: `csi.storage.k8s.io/provisioner-secret-{name,namespace}` and
   * `csi.storage.k8s.io/controller-expand-secret-{name,namespace}`, which the CSI sidecars resolve and hand to
   * the driver; every other parameter keeps its name.
   */
  provisioner?: pulumi.Input<string>;
  /** Becomes `volumetype` (replicate:N, disperse:D:R or none); default replicate:3. */
  durability?: DurabilityArgs;
  /** Becomes `volumeoptions` ("key value" items joined by commas). */
  volumeOptions?: Record<string, string>;
  gidMin?: number;
  gidMax?: number;
  /** Names PVC volumes `<prefix>_<namespace>_<pvc>_<uuid>` (no '_' in the prefix). */
  volumeNamePrefix?: string;
  snapFactor?: number;
  reclaimPolicy?: pulumi.Input<"Delete" | "Retain">;
  allowVolumeExpansion?: pulumi.Input<boolean>;
  /** Mark as the cluster's default StorageClass. */
  isDefault?: boolean;
  mountOptions?: pulumi.Input<pulumi.Input<string>[]>;
}

/** The in-tree provisioner's name: the parameter contract of Kubernetes ≤ 1.25 and of every Heketi StorageClass. */
export const IN_TREE_PROVISIONER = "kubernetes.io/glusterfs";

/** `volumetype` as the provisioner parses it. */
export function volumeType(d: DurabilityArgs | undefined): string {
  if (!d) return "replicate:3";
  switch (d.type) {
    case "none":
      return "none";
    case "replicate":
      return `replicate:${d.replica ?? 3}`;
    case "disperse":
      return `disperse:${d.data}:${d.redundancy}`;
  }
}

/**
 * A Kubernetes StorageClass (and its REST-key Secret) that provisions PVCs from a GlusterFS cluster
 * through a Heketi-compatible REST endpoint. Parameters follow the kubernetes.io/glusterfs contract.
 */
export class StorageClass extends pulumi.ComponentResource {
  declare public readonly storageClassName: pulumi.Output<string>;
  declare public readonly secretName: pulumi.Output<string | undefined>;
  readonly secret?: k8s.core.v1.Secret;
  readonly storageClass: k8s.storage.v1.StorageClass;

  constructor(name: string, args: StorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glusterfs:index:StorageClass", name, {}, opts);
    if (args.volumeNamePrefix?.includes("_")) throw new Error(`volumeNamePrefix must not contain '_' (got '${args.volumeNamePrefix}')`);
    const given = opts?.provider ?? (Array.isArray(opts?.providers) ? opts!.providers.find((p) => (p as { package?: string }).package === "kubernetes") : (opts?.providers as Record<string, pulumi.ProviderResource> | undefined)?.kubernetes);
    if (args.kubeconfig === undefined && !given) {
      throw new Error(`StorageClass ${name}: give \`kubeconfig\` (or a k8s.Provider as \`provider\` in its options): the Secret and StorageClass never go to the ambient kubeconfig's cluster by accident`);
    }
    // enableSecretMutable: a new REST key updates the Secret in place. The provider's default replaces a
    // Secret on any change, and with a fixed name that means delete first: a provisioner reading it then
    // would find no key.
    const provider = args.kubeconfig !== undefined ? new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig, enableSecretMutable: true }, { parent: this }) : given;
    const secretNamespace = args.secretNamespace ?? "default";
    const secretName = args.secretName ?? `${name}-rest-key`;
    const authEnabled = pulumi.output(args.restAuthEnabled ?? args.restKey !== undefined);
    if (args.restKey !== undefined) {
      this.secret = new k8s.core.v1.Secret(
        `${name}-rest-key`,
        {
          metadata: { name: secretName, namespace: secretNamespace },
          type: "kubernetes.io/glusterfs",
          stringData: { key: pulumi.secret(args.restKey) },
        },
        { parent: this, provider },
      );
    }
    const clusterIds = args.cluster ? pulumi.output(args.cluster.clusterId).apply((c) => [c]) : pulumi.output(args.clusterIds ?? []);
    const provisioner = pulumi.output(args.provisioner ?? IN_TREE_PROVISIONER);
    const parameters = pulumi.all([args.restUrl, args.restUser ?? "admin", authEnabled, clusterIds, secretNamespace, secretName, provisioner]).apply(([restUrl, restUser, auth, ids, secretNs, secretNm, prov]) => {
      const p: Record<string, string> = { resturl: restUrl, restauthenabled: auth ? "true" : "false", volumetype: volumeType(args.durability) };
      if (auth) {
        p.restuser = restUser;
        if (args.restKey !== undefined && prov === IN_TREE_PROVISIONER) {
          p.secretNamespace = secretNs;
          p.secretName = secretNm;
        } else if (args.restKey !== undefined) {
          for (const use of ["provisioner", "controller-expand"]) {
            p[`csi.storage.k8s.io/${use}-secret-name`] = secretNm;
            p[`csi.storage.k8s.io/${use}-secret-namespace`] = secretNs;
          }
        }
      }
      if (ids.length) p.clusterid = ids.join(",");
      if (args.volumeOptions) p.volumeoptions = Object.entries(args.volumeOptions).map(([k, v]) => `${k} ${v}`).join(",");
      if (args.gidMin !== undefined) p.gidMin = String(args.gidMin);
      if (args.gidMax !== undefined) p.gidMax = String(args.gidMax);
      if (args.volumeNamePrefix) p.volumenameprefix = args.volumeNamePrefix;
      if (args.snapFactor !== undefined) p.snapfactor = String(args.snapFactor);
      return p;
    });
    this.storageClass = new k8s.storage.v1.StorageClass(
      name,
      {
        metadata: {
          name: args.storageClassName ?? name,
          annotations: args.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : undefined,
        },
        provisioner,
        parameters,
        reclaimPolicy: args.reclaimPolicy ?? "Delete",
        allowVolumeExpansion: args.allowVolumeExpansion ?? true,
        mountOptions: args.mountOptions,
      },
      { parent: this, provider, dependsOn: this.secret ? [this.secret] : [] },
    );
    this.storageClassName = this.storageClass.metadata.name;
    this.secretName = pulumi.output(args.restKey !== undefined ? secretName : undefined);
    this.registerOutputs({ storageClassName: this.storageClassName, secretName: this.secretName });
  }
}
