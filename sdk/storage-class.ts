import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GlusterCluster } from "./cluster";
import { CSI_DRIVER_NAME, CsiDriver, givenKubernetesProvider } from "./csi-driver";
import type { DurabilityArgs } from "./volume";

export interface StorageClassArgs {
  /**
   * The kubeconfig (its YAML text) of the Kubernetes cluster the objects go to: an explicit provider is
   * made from it. Or pass a `k8s.Provider` as `provider` in the resource options. One of the two is
   * required (with a `CsiDriver` as `provisioner`, its provider is used when neither is given): the
   * Secret and StorageClass never land on whatever cluster the ambient kubeconfig names.
   */
  kubeconfig?: pulumi.Input<string>;
  /** The cluster PVCs are placed on (its id becomes `clusterid`); or give clusterIds. */
  cluster?: GlusterCluster;
  clusterIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The Heketi-compatible REST endpoint, e.g. http://10.0.0.5:8080 (scheme required). Required in the
   * in-tree mode; in the CSI mode optional: without it the driver's own engine (the controller's
   * `--ledger`/`--config`, `CsiDriver`'s `engine`) provisions, and no REST parameter or key is written.
   */
  restUrl?: pulumi.Input<string>;
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
  /** Namespace of the key's Secret: default `default`, or the driver's namespace with a `CsiDriver` as provisioner. */
  secretNamespace?: pulumi.Input<string>;
  secretName?: pulumi.Input<string>;
  /** Name of the StorageClass object (default: the component name). */
  storageClassName?: pulumi.Input<string>;
  /**
   * Default `kubernetes.io/glusterfs`: the in-tree provisioner, removed in Kubernetes 1.26, with its parameter
   * contract (`secretNamespace`/`secretName`). Any other name (a CSI driver that speaks the Heketi API) gets
   * the CSI contract for the key instead: `csi.storage.k8s.io/provisioner-secret-{name,namespace}` and
   * `csi.storage.k8s.io/controller-expand-secret-{name,namespace}`, which the CSI sidecars resolve and hand to
   * the driver; every other parameter keeps its name. This project's driver: `CSI_DRIVER_NAME`
   * (`glusterfs.csi.pulumi-glusterfs.dev`), or the `CsiDriver` component that deploys it (the StorageClass
   * then waits for its CSIDriver object, and reuses its Kubernetes provider if given no other).
   */
  provisioner?: pulumi.Input<string> | CsiDriver;
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
 * The StorageClass parameters for a provisioner. In-tree (`kubernetes.io/glusterfs`): resturl and the key
 * as `secretNamespace`/`secretName`. Any other provisioner (the CSI mode): the key through the CSI secret
 * parameters, and without `restUrl` no REST parameter at all (the driver's engine provisions; the driver
 * refuses `restuser`/`restauthenabled` without `resturl`). Never `restuserkey` (the driver refuses it).
 */
export function storageClassParameters(a: {
  provisioner: string;
  restUrl?: string;
  restUser: string;
  /** whether a key (in the Secret) is given */
  hasKey: boolean;
  authEnabled: boolean;
  secretNamespace: string;
  secretName: string;
  clusterIds: string[];
  durability?: DurabilityArgs;
  volumeOptions?: Record<string, string>;
  gidMin?: number;
  gidMax?: number;
  volumeNamePrefix?: string;
  snapFactor?: number;
}): Record<string, string> {
  const inTree = a.provisioner === IN_TREE_PROVISIONER;
  const p: Record<string, string> = {};
  if (a.restUrl === undefined || a.restUrl === "") {
    if (inTree) throw new Error(`StorageClass: restUrl is required with provisioner ${IN_TREE_PROVISIONER} (the in-tree provisioner only speaks the REST API)`);
    if (a.hasKey) throw new Error("StorageClass: restKey needs restUrl: without it the CSI driver's own engine provisions, and it takes no key");
  } else {
    p.resturl = a.restUrl;
    p.restauthenabled = a.authEnabled ? "true" : "false";
    p.volumetype = volumeType(a.durability);
    if (a.authEnabled) {
      if (!inTree && !a.hasKey) throw new Error("StorageClass: restAuthEnabled without restKey: a CSI driver gets the REST key only from the CSI secret, give restKey (or restAuthEnabled: false)");
      p.restuser = a.restUser;
      if (a.hasKey && inTree) {
        p.secretNamespace = a.secretNamespace;
        p.secretName = a.secretName;
      } else if (a.hasKey) {
        for (const use of ["provisioner", "controller-expand"]) {
          p[`csi.storage.k8s.io/${use}-secret-name`] = a.secretName;
          p[`csi.storage.k8s.io/${use}-secret-namespace`] = a.secretNamespace;
        }
      }
    }
  }
  p.volumetype ??= volumeType(a.durability);
  if (a.clusterIds.length) p.clusterid = a.clusterIds.join(",");
  if (a.volumeOptions) p.volumeoptions = Object.entries(a.volumeOptions).map(([k, v]) => `${k} ${v}`).join(",");
  if (a.gidMin !== undefined) p.gidMin = String(a.gidMin);
  if (a.gidMax !== undefined) p.gidMax = String(a.gidMax);
  if (a.volumeNamePrefix) p.volumenameprefix = a.volumeNamePrefix;
  if (a.snapFactor !== undefined) p.snapfactor = String(a.snapFactor);
  return p;
}

/**
 * A Kubernetes StorageClass (and its REST-key Secret) that provisions PVCs from a GlusterFS cluster.
 * In-tree mode (default): through a Heketi-compatible REST endpoint, parameters of the kubernetes.io/glusterfs
 * contract. CSI mode (`provisioner: CsiDriver` or `CSI_DRIVER_NAME`): the same parameters with the key through
 * the CSI secret parameters, and `restUrl` optional (without it the driver's engine provisions).
 */
export class StorageClass extends pulumi.ComponentResource {
  declare public readonly storageClassName: pulumi.Output<string>;
  declare public readonly secretName: pulumi.Output<string | undefined>;
  readonly secret?: k8s.core.v1.Secret;
  readonly storageClass: k8s.storage.v1.StorageClass;

  constructor(name: string, args: StorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glusterfs:index:StorageClass", name, {}, opts);
    if (args.volumeNamePrefix?.includes("_")) throw new Error(`volumeNamePrefix must not contain '_' (got '${args.volumeNamePrefix}')`);
    const driver = args.provisioner instanceof CsiDriver ? args.provisioner : undefined;
    const given = givenKubernetesProvider(opts) ?? driver?.provider;
    if (args.kubeconfig === undefined && !given) {
      throw new Error(`StorageClass ${name}: give \`kubeconfig\` (or a k8s.Provider as \`provider\` in its options): the Secret and StorageClass never go to the ambient kubeconfig's cluster by accident`);
    }
    const provisioner = driver ? pulumi.output(CSI_DRIVER_NAME) : pulumi.output((args.provisioner as pulumi.Input<string> | undefined) ?? IN_TREE_PROVISIONER);
    if (args.provisioner === undefined && args.restUrl === undefined) {
      throw new Error(`StorageClass ${name}: restUrl is required with the in-tree provisioner ${IN_TREE_PROVISIONER} (give provisioner: a CsiDriver or "${CSI_DRIVER_NAME}" for the CSI mode, where it is optional)`);
    }
    if (args.restUrl === undefined && args.restKey !== undefined) {
      throw new Error(`StorageClass ${name}: restKey needs restUrl: without it the CSI driver's own engine provisions, and it takes no key`);
    }
    if (args.restUrl === undefined && (args.restUser !== undefined || args.restAuthEnabled !== undefined)) {
      throw new Error(`StorageClass ${name}: restUser and restAuthEnabled only mean something with restUrl (the driver refuses restuser/restauthenabled without resturl)`);
    }
    // enableSecretMutable: a new REST key updates the Secret in place. The provider's default replaces a
    // Secret on any change, and with a fixed name that means delete first: a provisioner reading it then
    // would find no key.
    const provider = args.kubeconfig !== undefined ? new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig, enableSecretMutable: true }, { parent: this }) : given;
    const secretNamespace = args.secretNamespace ?? driver?.namespaceName ?? "default";
    const secretName = args.secretName ?? `${name}-rest-key`;
    const authEnabled = pulumi.output(args.restAuthEnabled ?? args.restKey !== undefined);
    // with a CsiDriver: after its CSIDriver object and (the Secret may go there) its namespace
    const driverDeps: pulumi.Resource[] = driver ? [driver.csiDriverObject, ...(driver.namespaceObject ? [driver.namespaceObject] : [])] : [];
    if (args.restKey !== undefined) {
      this.secret = new k8s.core.v1.Secret(
        `${name}-rest-key`,
        {
          metadata: { name: secretName, namespace: secretNamespace },
          type: "kubernetes.io/glusterfs",
          stringData: { key: pulumi.secret(args.restKey) },
        },
        { parent: this, provider, dependsOn: driverDeps },
      );
    }
    const clusterIds = args.cluster ? pulumi.output(args.cluster.clusterId).apply((c) => [c]) : pulumi.output(args.clusterIds ?? []);
    const parameters = pulumi.all([args.restUrl, args.restUser ?? "admin", authEnabled, clusterIds, secretNamespace, secretName, provisioner]).apply(([restUrl, restUser, auth, ids, secretNs, secretNm, prov]) =>
      storageClassParameters({
        provisioner: prov, restUrl, restUser, hasKey: args.restKey !== undefined, authEnabled: auth, secretNamespace: secretNs, secretName: secretNm, clusterIds: ids,
        durability: args.durability, volumeOptions: args.volumeOptions, gidMin: args.gidMin, gidMax: args.gidMax, volumeNamePrefix: args.volumeNamePrefix, snapFactor: args.snapFactor,
      }),
    );
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
      { parent: this, provider, dependsOn: [...driverDeps, ...(this.secret ? [this.secret] : [])] },
    );
    this.storageClassName = this.storageClass.metadata.name;
    this.secretName = pulumi.output(args.restKey !== undefined ? secretName : undefined);
    this.registerOutputs({ storageClassName: this.storageClassName, secretName: this.secretName });
  }
}
