import * as pulumi from "@pulumi/pulumi";
import { deviceProvider } from "../provider/dynamic/shims";
import type { z } from "zod";
import type { device } from "../provider/resources/device";
import type { Args } from "./args";
import type { Node } from "./node";

/** A Device's inputs as the provider validates them, but for what it takes from its node (`node`). */
export interface DeviceArgs extends Args<Omit<z.input<typeof device.engine>, "connection" | "nodeId" | "pool">> {
  node: Node;
}

/**
 * A raw disk given to GlusterFS: PV + VG `vg_<id>` on create, removed (when brick-less) on delete.
 * With a REST cluster the server does that work: `POST /devices` on create; on delete the device is
 * disabled, removed (`failed`: Heketi moves any bricks it still holds to other devices) and deleted.
 */
export class Device extends pulumi.dynamic.Resource {
  declare public readonly deviceId: pulumi.Output<string>;
  declare public readonly totalKiB: pulumi.Output<number>;
  declare public readonly freeKiB: pulumi.Output<number>;
  declare public readonly usedKiB: pulumi.Output<number>;
  /** REST clusters: the server's device state (online | offline | failed). */
  declare public readonly state: pulumi.Output<string | undefined>;

  constructor(name: string, args: DeviceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      deviceProvider,
      name,
      {
        connection: args.node.cluster.connection,
        // ids, not outputs: a resource's id stays known while it is updated, so a preview never reads it as a change
        nodeId: args.node.id,
        path: args.path,
        destroyData: args.destroyData,
        tags: args.tags,
        adopt: args.adopt,
        pool: args.node.cluster.poolInput(false),
        deviceId: undefined,
        totalKiB: undefined,
        freeKiB: undefined,
        usedKiB: undefined,
        state: undefined,
      },
      { ...opts, additionalSecretOutputs: ["connection", "pool"] },
      "glusterfs",
      "Device",
    );
    args.node.cluster.declareDevice(args.node, this, args.path, args.tags);
  }
}
