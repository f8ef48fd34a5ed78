import * as pulumi from "@pulumi/pulumi";
import { clusterProvider } from "../provider/dynamic/shims";
import type { z } from "zod";
import type { cluster } from "../provider/resources/cluster";
import type { EngineConnectionSchema, RestConnectionSchema, RestSettingsSchema } from "../provider/resources/connection";
import type { Args } from "./args";
import type { Device, DeviceArgs } from "./device";
import type { Node, NodeArgs } from "./node";

/** The SSH settings every node of an engine cluster shares (a node may override some). */
export type SshDefaultsArgs = Args<z.input<typeof EngineConnectionSchema>["ssh"]>;

/** A Heketi-compatible REST server that manages the cluster (Heketi v10, or this project's server). */
export type RestServerArgs = Args<z.input<typeof RestSettingsSchema>>;

/** The embedded engine manages the cluster: its own SQLite ledger, SSH to every node. */
export interface EngineClusterArgs extends Args<Omit<z.input<typeof cluster.engine>, "connection"> & Omit<z.input<typeof EngineConnectionSchema>, "ledgerPath">> {
  /**
   * Where the engine keeps its ledger (SQLite): a cache of what the nodes hold and the journal of
   * operations under way, rebuilt from the nodes when missing or stale. A relative path is taken from
   * the directory Pulumi runs the program in. Default: stack config `glusterfs:ledgerPath`, else
   * `.pulumi-glusterfs/<project>-<stack>.db`. Changing it never changes a resource.
   */
  ledgerPath?: pulumi.Input<string>;
  rest?: undefined;
}

/**
 * A Heketi-compatible REST server manages the cluster, its nodes, devices and volumes: Pulumi and
 * Kubernetes (StorageClass `resturl`) then share one source of truth, the server's database. The
 * server reaches the nodes with its own SSH settings, so neither the cluster nor its nodes take `ssh`.
 * What Heketi's API cannot do is refused at preview: changing a node's zone, changing a volume's options.
 */
export type RestClusterArgs = Args<Omit<z.input<typeof cluster.rest>, "connection"> & z.input<typeof RestConnectionSchema>>;

export type GlusterClusterArgs = EngineClusterArgs | RestClusterArgs;

/** Drop undefined members (they mean "not given", not a value). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A GlusterFS trusted storage pool. Nodes, devices and volumes belong to it and are managed the same
 * way it is: by the embedded engine (`ssh`, `ledgerPath`) or through a Heketi-compatible REST server
 * (`rest`). The ledger's location is not part of any identity: moving the program, a fresh clone
 * or a CI runner plan exactly what the original folder plans. A new REST URL or key, or a switch
 * between the engine and a REST server that holds the same ids (e.g. `pulumi-glusterfs serve` on this
 * stack's ledger), updates in place: each resource is looked up on the other side, and the update
 * fails, deleting nothing, when it is not there.
 */
export class GlusterCluster extends pulumi.dynamic.Resource {
  /** Heketi-format cluster id (32 hex), as StorageClass `clusterid` wants it. */
  declare public readonly clusterId: pulumi.Output<string>;
  /** How the cluster is managed (ledger + SSH defaults, or REST server + key), handed to its nodes, devices and volumes (secret). */
  declare public readonly connection: pulumi.Output<ClusterConnection>;
  /** Engine clusters: the ledger file. */
  declare public readonly ledgerPath: pulumi.Output<string | undefined>;
  /** REST clusters: the server's URL (e.g. for a StorageClass's `restUrl`). */
  declare public readonly restUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: GlusterClusterArgs, opts?: pulumi.CustomResourceOptions) {
    let connection: pulumi.Output<ClusterConnection>;
    if (args.rest !== undefined) {
      const rest = pulumi.output(args.rest).apply((r) => defined({ url: r.url, user: r.user, key: r.key, pollIntervalMs: r.pollIntervalMs }));
      // ssh/ledgerPath are passed on only so that the provider can refuse them with a reason (plain JS callers)
      const loose = args as unknown as { ssh?: pulumi.Input<SshDefaultsArgs>; ledgerPath?: pulumi.Input<string> };
      connection = pulumi.secret(pulumi.all([rest, loose.ssh, loose.ledgerPath]).apply(([r, s, l]) => defined({ rest: r, ssh: s, ledgerPath: l }) as ClusterConnection));
    } else {
      // relative on purpose: the state must not hold a path of the machine that ran the program
      const ledgerPath = args.ledgerPath ?? new pulumi.Config("glusterfs").get("ledgerPath") ?? `.pulumi-glusterfs/${pulumi.getProject()}-${pulumi.getStack()}.db`;
      const ssh = pulumi.output(args.ssh).apply((s) => ({ ...s, privateKey: s?.privateKey }));
      connection = pulumi.secret(pulumi.all([ledgerPath, ssh]).apply(([l, s]) => ({ ledgerPath: l, ssh: s })));
    }
    super(
      clusterProvider,
      name,
      { connection, name: args.name, file: args.file, block: args.block, adopt: args.adopt, clusterId: undefined, ledgerPath: undefined, restUrl: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "glusterfs",
      "GlusterCluster",
    );
    this.managedByRest = args.rest !== undefined;
  }

  private readonly managedByRest: boolean;
  private readonly declared: Array<{ node: Node; args: PoolNodeArgs; devices: Array<{ device: Device; path: DeviceArgs["path"]; tags?: DeviceArgs["tags"] }> }> = [];

  /** @internal Node's constructor declares itself here, so resources declared after it know where the nodes are. */
  declareNode(node: Node, args: PoolNodeArgs): void {
    this.declared.push({ node, args, devices: [] });
  }

  /** @internal Device's constructor declares itself here. */
  declareDevice(node: Node, device: Device, path: DeviceArgs["path"], tags?: DeviceArgs["tags"]): void {
    this.declared.find((d) => d.node === node)?.devices.push({ device, path, tags });
  }

  /**
   * @internal The pool as declared so far (nodes, and with `withDevices` their devices): the engine
   * rebuilds its ledger from these nodes in a checkout that has none. Undefined for REST clusters,
   * whose server keeps the truth.
   */
  poolInput(withDevices: boolean): pulumi.Output<unknown> | undefined {
    if (this.managedByRest) return undefined;
    const nodes = this.declared.map(({ node, args, devices }) =>
      pulumi.all([node.id, args.manageHostname, args.storageHostname, args.zone, args.tags ?? {}, args.ssh ?? {}]).apply(([nodeId, manageHostname, storageHostname, zone, tags, ssh]) =>
        withDevices
          ? pulumi.all(devices.map((d) => pulumi.all([d.device.id, d.path, d.tags ?? {}]).apply(([deviceId, path, t]) => ({ deviceId, path, tags: t }))))
              .apply((devs) => ({ nodeId, manageHostname, storageHostname, zone, tags, ssh, devices: devs }))
          : pulumi.output({ nodeId, manageHostname, storageHostname, zone, tags, ssh }),
      ),
    );
    // kept as a secret only so that `preview --diff` prints one line for it, not the whole pool
    return pulumi.secret(pulumi.all([this.id, pulumi.all(nodes)]).apply(([clusterId, ns]) => ({ clusterId, nodes: ns })));
  }
}

/** What the pool needs to know of a node (the Node resource's own inputs). */
type PoolNodeArgs = Pick<NodeArgs, "manageHostname" | "storageHostname" | "zone" | "tags" | "ssh">;

/** How the cluster is managed, as the program gave it: what its nodes, devices and volumes are handed. */
export type ClusterConnection = z.input<typeof EngineConnectionSchema> | z.input<typeof RestConnectionSchema>;
