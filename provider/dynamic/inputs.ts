import { z } from "zod";
import { Durability, DevicePath, Gid, GlusterOption, Hostname, Id, SizeGiB, SnapshotFactor, SshOverrides, StorageAddress, Tags, VolumeName, Zone } from "../model/schemas";

/**
 * The inputs of each Pulumi resource, as the dynamic providers validate them in `check`.
 * Every resource carries the cluster's `connection` (ledger location + SSH defaults) so that
 * `delete` and `read` can work from the state alone.
 */
export const ConnectionSchema = z.object({
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
export type Connection = z.output<typeof ConnectionSchema>;

export const ClusterInputs = z.object({
  connection: ConnectionSchema,
  name: VolumeName.optional(),
  file: z.boolean().default(true),
  block: z.boolean().default(false),
});
export type ClusterInputs = z.output<typeof ClusterInputs>;

export const NodeInputs = z.object({
  connection: ConnectionSchema,
  clusterId: Id,
  manageHostname: Hostname,
  storageHostname: StorageAddress,
  zone: Zone,
  tags: Tags,
  ssh: SshOverrides.pick({ user: true, port: true, sudo: true, hostKeyFingerprint: true }).default({}),
});
export type NodeInputs = z.output<typeof NodeInputs>;

export const DeviceInputs = z.object({
  connection: ConnectionSchema,
  nodeId: Id,
  path: DevicePath,
  destroyData: z.boolean().default(false),
  tags: Tags,
});
export type DeviceInputs = z.output<typeof DeviceInputs>;

export const VolumeInputs = z.object({
  connection: ConnectionSchema,
  clusterId: Id,
  name: VolumeName,
  sizeGiB: SizeGiB,
  durability: Durability.default({ type: "replicate", replica: 3, arbiter: false }),
  gid: Gid.default(0),
  snapshotFactor: SnapshotFactor.default(1),
  options: z.array(GlusterOption).default([]),
});
export type VolumeInputs = z.output<typeof VolumeInputs>;
