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

/** A Heketi-compatible REST server that manages the cluster (Heketi v10, or this project's server). */
export interface RestServerArgs {
  /** Base URL, e.g. `http://heketi.example.com:8080` (http or https, no query string). */
  url: pulumi.Input<string>;
  /** JWT issuer: `admin` (the default, and the only role that may manage clusters, nodes and devices). */
  user?: pulumi.Input<"admin">;
  /** The server's admin key (Heketi's `jwt.admin.key`). Pass a secret (`config.requireSecret(...)`); it never appears in plain text in the state. */
  key: pulumi.Input<string>;
  /** How often an asynchronous operation is polled, in ms (default 400, as Heketi's own client). */
  pollIntervalMs?: pulumi.Input<number>;
}

interface ClusterCommonArgs {
  /** Allow file volumes (default true). */
  file?: pulumi.Input<boolean>;
  /** Allow block-hosting volumes (default false). */
  block?: pulumi.Input<boolean>;
}

/** The embedded engine manages the cluster: its own SQLite ledger, SSH to every node. */
export interface EngineClusterArgs extends ClusterCommonArgs {
  /** How the engine reaches the nodes. */
  ssh: pulumi.Input<SshDefaultsArgs>;
  /**
   * The embedded ledger (SQLite) of this cluster. Default: stack config `glusterfs:ledgerPath`, else
   * `.pulumi-glusterfs/<project>-<stack>.db` beside the program, so each stack (one stack per cluster) has its own.
   */
  ledgerPath?: pulumi.Input<string>;
  /** Optional display name (kept in the ledger). */
  name?: pulumi.Input<string>;
  rest?: undefined;
}

/**
 * A Heketi-compatible REST server manages the cluster, its nodes, devices and volumes: Pulumi and
 * Kubernetes (StorageClass `resturl`) then share one source of truth, the server's database. The
 * server reaches the nodes with its own SSH settings, so neither the cluster nor its nodes take `ssh`.
 * What Heketi's API cannot do is refused at preview: changing a node's zone, changing a volume's options.
 */
export interface RestClusterArgs extends ClusterCommonArgs {
  rest: pulumi.Input<RestServerArgs>;
  ssh?: undefined;
  ledgerPath?: undefined;
  /** Heketi clusters have no name. */
  name?: undefined;
}

export type GlusterClusterArgs = EngineClusterArgs | RestClusterArgs;

/** Drop undefined members (they mean "not given", not a value). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A GlusterFS trusted storage pool. Nodes, devices and volumes belong to it and are managed the same
 * way it is: by the embedded engine (`ssh`, `ledgerPath`) or through a Heketi-compatible REST server
 * (`rest`). Another `ledgerPath` is another cluster (replace). A new REST URL or key, or a switch
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
      const ledgerPath =
        args.ledgerPath ?? new pulumi.Config("glusterfs").get("ledgerPath") ?? path.join(process.cwd(), ".pulumi-glusterfs", `${pulumi.getProject()}-${pulumi.getStack()}.db`);
      const ssh = pulumi.output(args.ssh).apply((s) => ({ ...s, privateKey: s?.privateKey }));
      connection = pulumi.secret(pulumi.all([ledgerPath, ssh]).apply(([l, s]) => ({ ledgerPath: l, ssh: s })));
    }
    super(
      clusterProvider,
      name,
      { connection, name: args.name, file: args.file, block: args.block, clusterId: undefined, ledgerPath: undefined, restUrl: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "glusterfs",
      "GlusterCluster",
    );
  }
}

export type ClusterConnection =
  | { ledgerPath: string; ssh: { user?: string; port?: number; sudo?: boolean; privateKey?: string; privateKeyPath?: string; knownHostsPath?: string } }
  | { rest: { url: string; user?: string; key: string; pollIntervalMs?: number } };
