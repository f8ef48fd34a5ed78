import * as pulumi from "@pulumi/pulumi";
import { volumeProvider } from "../provider/dynamic/shims";
import type { z } from "zod";
import type { Durability, GlusterOption } from "../provider/model/schemas";
import type { volume } from "../provider/resources/volume";
import type { Args } from "./args";
import type { GlusterCluster } from "./cluster";

export type DurabilityArgs = z.input<typeof Durability>;

/**
 * A Volume's inputs as the provider validates them, but for what it takes from its cluster (`cluster`)
 * and the two it takes in a program's terms (`name`, `options`).
 */
export interface VolumeArgs extends Args<Omit<z.input<typeof volume.engine>, "connection" | "clusterId" | "pool" | "name" | "options">> {
  cluster: GlusterCluster;
  /** Gluster volume name (letters, digits, '_' and '-'); default: the resource name. Changing it replaces the volume. */
  name?: pulumi.Input<string>;
  /**
   * `gluster volume set` options, e.g. { "performance.quick-read": "off" }; updated in place (engine). A REST
   * cluster passes them at create (`glustervolumeoptions`) and refuses a later change at preview (no Heketi API for it).
   */
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A GlusterFS volume: bricks placed across zones on thin LVs, created, started, expanded and deleted,
 * by the engine or (REST cluster) by the server. `pulumi refresh` drops a volume that is gone (from
 * gluster, or from the server's database) and reports its size as it is.
 */
export class Volume extends pulumi.dynamic.Resource {
  declare public readonly volumeId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly sizeGiB: pulumi.Output<number>;
  /** What clients mount: `<storage host>:<volume>`. */
  declare public readonly mountDevice: pulumi.Output<string>;
  declare public readonly hosts: pulumi.Output<string[]>;
  declare public readonly backupVolfileServers: pulumi.Output<string>;
  declare public readonly brickCount: pulumi.Output<number>;
  declare public readonly status: pulumi.Output<string>;

  constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
    const options = pulumi.output(args.options ?? {}).apply((o) => Object.entries(o).map(([key, value]): GlusterOption => ({ key, value })));
    super(
      volumeProvider,
      name,
      {
        connection: args.cluster.connection,
        clusterId: args.cluster.id, // known during a preview that updates the cluster (its outputs are not)
        name: args.name ?? name,
        sizeGiB: args.sizeGiB,
        durability: args.durability,
        gid: args.gid,
        snapshotFactor: args.snapshotFactor,
        options,
        adopt: args.adopt,
        pool: args.cluster.poolInput(true),
        volumeId: undefined,
        mountDevice: undefined,
        hosts: undefined,
        backupVolfileServers: undefined,
        brickCount: undefined,
        status: undefined,
      },
      { ...opts, additionalSecretOutputs: ["connection", "pool"] },
      "glusterfs",
      "Volume",
    );
  }
}
