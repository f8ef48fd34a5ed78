import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { clusterProvider } from "../provider/dynamic/shims";

export interface SshDefaultsArgs {
  /** User the engine logs in as (default root). */
  user?: pulumi.Input<string>;
  /** SSH port of every node (default 22; a node may override it). */
  port?: pulumi.Input<number>;
  /** Run storage commands through `sudo -n` (for a non-root user with passwordless sudo). */
  sudo?: pulumi.Input<boolean>;
  /** The private key text. Pass a secret (`config.requireSecret(...)`); it never appears in plain text in the state. */
  privateKey?: pulumi.Input<string>;
  /** Or a path to the private key file on the machine that runs `pulumi up`. */
  privateKeyPath?: pulumi.Input<string>;
  /** A known_hosts file that pins the nodes' host keys (or pin each node with `hostKeyFingerprint`). */
  knownHostsPath?: pulumi.Input<string>;
}

export interface GlusterClusterArgs {
  /** How the engine reaches the nodes. */
  ssh: pulumi.Input<SshDefaultsArgs>;
  /**
   * The embedded ledger (SQLite) of this cluster. Default: stack config `glusterfs:ledgerPath`, else
   * `.pulumi-glusterfs/<project>-<stack>.db` beside the program, so each stack (one stack per cluster) has its own.
   */
  ledgerPath?: pulumi.Input<string>;
  /** Optional display name. */
  name?: pulumi.Input<string>;
  /** Allow file volumes (default true). */
  file?: pulumi.Input<boolean>;
  /** Allow block-hosting volumes (default false). */
  block?: pulumi.Input<boolean>;
}

/** A GlusterFS trusted storage pool, managed by the engine. Nodes, devices and volumes belong to it. */
export class GlusterCluster extends pulumi.dynamic.Resource {
  /** Heketi-format cluster id (32 hex), as StorageClass `clusterid` wants it. */
  declare public readonly clusterId: pulumi.Output<string>;
  /** Ledger location and SSH defaults, handed to the cluster's nodes, devices and volumes (secret). */
  declare public readonly connection: pulumi.Output<ClusterConnection>;
  declare public readonly ledgerPath: pulumi.Output<string>;

  constructor(name: string, args: GlusterClusterArgs, opts?: pulumi.CustomResourceOptions) {
    const ledgerPath =
      args.ledgerPath ?? new pulumi.Config("glusterfs").get("ledgerPath") ?? path.join(process.cwd(), ".pulumi-glusterfs", `${pulumi.getProject()}-${pulumi.getStack()}.db`);
    const ssh = pulumi.output(args.ssh).apply((s) => ({ ...s, privateKey: s.privateKey }));
    const connection = pulumi.secret(pulumi.all([ledgerPath, ssh]).apply(([l, s]) => ({ ledgerPath: l, ssh: s })));
    super(
      clusterProvider,
      name,
      { connection, name: args.name, file: args.file, block: args.block, clusterId: undefined, ledgerPath: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "glusterfs",
      "GlusterCluster",
    );
  }
}

export interface ClusterConnection {
  ledgerPath: string;
  ssh: { user?: string; port?: number; sudo?: boolean; privateKey?: string; privateKeyPath?: string; knownHostsPath?: string };
}
