import * as pulumi from "@pulumi/pulumi";
import { nodeProvider } from "../provider/dynamic/shims";
import type { GlusterCluster } from "./cluster";

export interface NodeArgs {
  cluster: GlusterCluster;
  /** What SSH connects to (hostname or address). Changing it replaces the node. */
  manageHostname: pulumi.Input<string>;
  /** The storage network IPv4 address gluster peers and clients use (Kubernetes needs an IP). Changing it replaces the node. */
  storageHostname: pulumi.Input<string>;
  /**
   * Failure domain (1 or more); replicas are spread across zones. Changing it updates in place (engine);
   * a REST cluster refuses the change at preview (Heketi's API cannot change a zone).
   */
  zone: pulumi.Input<number>;
  /** Free-form tags (e.g. `arbiter: required`); updated in place. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Per-node SSH overrides; `hostKeyFingerprint` pins this node's host key (SHA256:...). Engine clusters only:
   * with a REST cluster the server reaches the nodes with its own SSH settings, and `ssh` is refused.
   */
  ssh?: pulumi.Input<{ user?: pulumi.Input<string>; port?: pulumi.Input<number>; sudo?: pulumi.Input<boolean>; hostKeyFingerprint?: pulumi.Input<string> }>;
}

/**
 * A storage node: `gluster peer probe` on create, `peer detach` on delete. With a REST cluster:
 * `POST /nodes` on create; on delete (after its devices) the node is disabled, then deleted.
 */
export class Node extends pulumi.dynamic.Resource {
  declare public readonly nodeId: pulumi.Output<string>;
  declare public readonly clusterId: pulumi.Output<string>;
  declare public readonly connection: pulumi.Output<unknown>;
  /** Engine: online | unreachable | not-in-pool (refresh reads the node). REST: the server's online | offline | failed. */
  declare public readonly state: pulumi.Output<string>;
  declare public readonly storageHostname: pulumi.Output<string>;

  constructor(name: string, args: NodeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      nodeProvider,
      name,
      {
        connection: args.cluster.connection,
        clusterId: args.cluster.id, // known during a preview that updates the cluster (its outputs are not)
        manageHostname: args.manageHostname,
        storageHostname: args.storageHostname,
        zone: args.zone,
        tags: args.tags,
        ssh: args.ssh,
        pool: args.cluster.poolInput(false),
        nodeId: undefined,
        state: undefined,
      },
      { ...opts, additionalSecretOutputs: ["connection", "pool"] },
      "glusterfs",
      "Node",
    );
    this.cluster = args.cluster;
    args.cluster.declareNode(this, args);
  }

  /** @internal The cluster this node belongs to (its devices declare themselves to it). */
  readonly cluster: GlusterCluster;
}
