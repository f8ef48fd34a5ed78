import { z } from "zod";
import { Durability, DevicePath, Gid, GlusterOption, Hostname, Id, SizeGiB, SnapshotFactor, SshOverrides, StorageAddress, Tags, VolumeName, Zone } from "../model/schemas";

/**
 * The inputs of each Pulumi resource, as the dynamic providers validate them in `check`.
 * Every resource carries its cluster's `connection` so that `delete` and `read` can work from the
 * state alone. The connection says which backend manages the cluster:
 *  - engine: `{ ledgerPath, ssh }` — the embedded engine, its SQLite ledger, SSH to the nodes;
 *  - REST:   `{ rest: { url, user, key } }` — a Heketi-compatible server that owns the nodes' SSH
 *            and its own database (shared with Kubernetes).
 */
export const EngineConnectionSchema = z.object({
  /** The embedded ledger (SQLite) of this stack's cluster. */
  ledgerPath: z.string().min(1, "must be a file path"),
  ssh: z.object({
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("root"),
    port: z.number().int().min(1).max(65535).default(22),
    sudo: z.boolean().default(false),
    /** The private key (pass it as a Pulumi secret); or privateKeyPath. */
    privateKey: z.string().optional(),
    privateKeyPath: z.string().optional(),
    knownHostsPath: z.string().optional(),
  }).refine((s) => !!s.privateKey || !!s.privateKeyPath, { message: "give the SSH private key (privateKey, as a secret) or privateKeyPath", path: ["privateKey"] }),
});
export type EngineConnection = z.output<typeof EngineConnectionSchema>;
/** The engine connection under its historical name. */
export const ConnectionSchema = EngineConnectionSchema;

const notWithRest = (what: string) => ({ error: `${what} does not apply to a rest cluster: the REST server reaches the nodes with its own SSH settings and keeps its own database (give ssh or rest, not both)` });

export const RestSettingsSchema = z.object({
  /** Base URL of the Heketi-compatible server, e.g. http://heketi.example.com:8080. */
  url: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be an http:// or https:// URL, e.g. http://heketi.example.com:8080")
    .refine((u) => !URL.canParse(u) || (!new URL(u).search && !new URL(u).hash), "must not have a query string or fragment"),
  /** JWT issuer. Only Heketi's administrator can manage clusters, nodes and devices. */
  user: z.literal("admin", { error: "must be admin: managing clusters, nodes and devices needs Heketi's administrator (the `user` role may only create volumes)" }).default("admin"),
  /** The server's admin key (jwt.admin.key). Pass it as a Pulumi secret. */
  key: z.string({ error: "give the REST key (the server's admin key), as a secret" }).min(1, "give the REST key (the server's admin key), as a secret"),
  /** How often an asynchronous operation is polled (GET /queue/<id>), default 400 ms. */
  pollIntervalMs: z.number().int().min(50, "must be at least 50 ms").max(60_000, "must be at most 60000 ms").default(400),
});

export const RestConnectionSchema = z.object({
  rest: RestSettingsSchema,
  ssh: z.undefined(notWithRest("ssh")).optional(),
  ledgerPath: z.undefined(notWithRest("ledgerPath")).optional(),
});
export type RestConnection = z.output<typeof RestConnectionSchema>;

export type Connection = EngineConnection | RestConnection;
export type Backend = "engine" | "rest";

/** Which backend a connection (from the program or the state) names. Unknown values count as engine. */
export function backendOf(connection: unknown): Backend {
  return connection && typeof connection === "object" && "rest" in connection && (connection as { rest?: unknown }).rest !== undefined ? "rest" : "engine";
}

export function isRest(c: Connection): c is RestConnection {
  return backendOf(c) === "rest";
}

const nodeSsh = SshOverrides.pick({ user: true, port: true, sudo: true, hostKeyFingerprint: true }).default({});

/**
 * The trusted storage pool as the program declares it (the SDK collects it from the cluster's Node
 * and Device resources): where the engine finds the nodes to rebuild its ledger from, in any checkout.
 * It is recorded in each resource's state, so `destroy` (which does not run the program) has it too.
 * Not part of any resource's identity: the diff never looks at it.
 */
export const PoolSchema = z.object({
  clusterId: Id,
  nodes: z.array(
    z.object({
      nodeId: Id,
      manageHostname: Hostname,
      storageHostname: StorageAddress,
      zone: Zone,
      tags: Tags,
      ssh: nodeSsh,
      /** Only on volumes: the devices (their tags steer placement). */
      devices: z.array(z.object({ deviceId: Id, path: DevicePath, tags: Tags })).optional(),
    }),
  ),
});
export type Pool = z.output<typeof PoolSchema>;

function inputSchemas<C extends z.ZodType>(connection: C) {
  return {
    cluster: z.object({
      connection,
      name: VolumeName.optional(),
      file: z.boolean().default(true),
      block: z.boolean().default(false),
    }),
    node: z.object({
      connection,
      clusterId: Id,
      manageHostname: Hostname,
      storageHostname: StorageAddress,
      zone: Zone,
      tags: Tags,
      ssh: nodeSsh,
      pool: PoolSchema.optional(),
    }),
    device: z.object({
      connection,
      nodeId: Id,
      path: DevicePath,
      destroyData: z.boolean().default(false),
      tags: Tags,
      pool: PoolSchema.optional(),
    }),
    volume: z.object({
      connection,
      clusterId: Id,
      name: VolumeName,
      sizeGiB: SizeGiB,
      durability: Durability.default({ type: "replicate", replica: 3, arbiter: false }),
      gid: Gid.default(0),
      snapshotFactor: SnapshotFactor.default(1),
      options: z.array(GlusterOption).default([]),
      pool: PoolSchema.optional(),
    }),
  };
}

/** Inputs of resources of an engine cluster (ledger + SSH). */
export const EngineInputs = inputSchemas(EngineConnectionSchema);

const engineShaped = inputSchemas(RestConnectionSchema);
/** Inputs of resources of a REST cluster: the same, minus what only the engine can honour. */
export const RestInputs = {
  ...engineShaped,
  cluster: engineShaped.cluster.extend({
    name: z.undefined({ error: "a Heketi cluster has no name: leave name unset for a rest cluster (the cluster is known by its id)" }).optional(),
  }),
  node: engineShaped.node.extend({
    ssh: nodeSsh.refine((s) => Object.keys(s).length === 0, {
      message: "per-node SSH settings do not apply to a rest cluster: the REST server connects to the nodes with its own SSH settings (remove ssh from this node)",
    }),
  }),
};

export type InputKind = keyof typeof EngineInputs;

/** The schema of a resource kind for the backend its connection names. */
export function inputSchema(kind: InputKind, connection: unknown): z.ZodObject {
  return (backendOf(connection) === "rest" ? RestInputs : EngineInputs)[kind] as unknown as z.ZodObject;
}

export type EngineClusterInputs = z.output<typeof EngineInputs.cluster>;
export type EngineNodeInputs = z.output<typeof EngineInputs.node>;
export type EngineDeviceInputs = z.output<typeof EngineInputs.device>;
export type EngineVolumeInputs = z.output<typeof EngineInputs.volume>;
export type RestClusterInputs = z.output<typeof RestInputs.cluster>;
export type RestNodeInputs = z.output<typeof RestInputs.node>;
export type RestDeviceInputs = z.output<typeof RestInputs.device>;
export type RestVolumeInputs = z.output<typeof RestInputs.volume>;

/** Engine-form schemas under their historical names. */
export const ClusterInputs = EngineInputs.cluster;
export type ClusterInputs = EngineClusterInputs;
export const NodeInputs = EngineInputs.node;
export type NodeInputs = EngineNodeInputs;
export const DeviceInputs = EngineInputs.device;
export type DeviceInputs = EngineDeviceInputs;
export const VolumeInputs = EngineInputs.volume;
export type VolumeInputs = EngineVolumeInputs;
