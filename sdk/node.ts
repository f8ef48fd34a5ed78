import * as pulumi from "@pulumi/pulumi";
import { nodeProvider } from "../provider/dynamic/shims";
import type { z } from "zod";
import type { node } from "../provider/resources/node";
import type { Args } from "./args";
import type { GlusterCluster } from "./cluster";

/** A Node's inputs as the provider validates them, but for what it takes from its cluster (`cluster`). */
export interface NodeArgs extends Args<Omit<z.input<typeof node.engine>, "connection" | "clusterId" | "pool">> {
  cluster: GlusterCluster;
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
        adopt: args.adopt,
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
