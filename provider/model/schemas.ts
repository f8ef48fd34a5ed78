import { z } from "zod";
import { ValidationError } from "./errors";

/**
 * The engine's vocabulary, validated at every boundary. Anything that can reach a remote shell has a
 * narrow character set here (and is quoted again by provider/commands/shell.ts).
 */

export const Id = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hex id");

/**
 * `adopt`: the id of one that already runs (built by Heketi, or by this project from another state), taken
 * under management at create instead of making a new one; `create` checks that it is there and matches
 * the inputs, and changes nothing on the nodes. Pulumi's own `import` option does not work for dynamic
 * providers (pulumi/pulumi#3550), so this is an input. It only acts at create: a later change, or
 * removing it, is not a change of the resource.
 */
export const AdoptId = Id.optional();

/**
 * The longest volume name GlusterFS 10 takes with Heketi's brick paths: glusterd names each brick's
 * volfile `<volume>.<storage host>.<brick path>.vol` and refuses it past the file-name limit. Measured on
 * the lab with a Heketi brick path (`/var/lib/heketi/mounts/vg_<id>/brick_<id>/brick`) on a 10-character
 * address: 133 works, 134 fails ("Failed to create volume files"); the longest IPv4 address has 15.
 */
export const VOLUME_NAME_MAX = 128;

/** Gluster volume names: Heketi's rule (^[a-zA-Z0-9_-]+$), not starting with '-' nor `all`, at most VOLUME_NAME_MAX. */
export const VolumeName = z
  .string()
  .min(1, "must not be empty")
  .max(VOLUME_NAME_MAX, `must be at most ${VOLUME_NAME_MAX} characters (GlusterFS refuses longer names with Heketi's brick paths)`)
  .regex(/^[A-Za-z0-9_-]+$/, "may only contain letters, digits, '_' and '-'")
  .regex(/^[^-]/, "must not start with '-'")
  .refine((n) => n !== "all", "must not be 'all' (gluster's word for every volume)");

const label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/** A DNS name or IPv4 address: what SSH connects to. */
export const Hostname = z
  .string()
  .max(253, "must be at most 253 characters")
  .regex(new RegExp(`^${label}(\\.${label})*$`), "must be a hostname or an IPv4 address (letters, digits, '-' and '.')");

const octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
/** Storage hostnames are IPv4 addresses: Kubernetes Endpoints need IPs. */
export const StorageAddress = z.string().regex(new RegExp(`^${octet}(\\.${octet}){3}$`), "must be an IPv4 address (Kubernetes endpoints need IPs)");

/** A raw block device path such as /dev/vdb or /dev/disk/by-id/wwn-0x5000c500a1b2c3d4. */
export const DevicePath = z
  .string()
  .max(255, "must be at most 255 characters")
  .regex(/^\/dev\/[A-Za-z0-9_.:/-]+$/, "must be an absolute /dev path of letters, digits and _ . : / -")
  .refine((p) => !p.split("/").some((seg) => seg === ".." || seg === "."), "must not contain '.' or '..' segments")
  // one disk, one spelling: /dev//vdb or /dev/vdb/ would be a second ledger row for a disk already held
  .refine((p) => !p.includes("//") && !p.endsWith("/"), "must be written without '//' or a trailing '/' (e.g. /dev/vdb)");

export const Zone = z.number().int("must be a whole number").min(1, "must be 1 or more (0 means 'no zone', which Heketi refuses too)");

const tagKey = z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, "tag names are 1-32 of letters, digits, '_', '.', '-'");
const tagValue = z.string().max(64, "tag values are at most 64 characters").regex(/^[\x20-\x7e]*$/, "tag values must be printable ASCII");
export const Tags = z
  .record(tagKey, tagValue)
  .refine((t) => Object.keys(t).length <= 32, "at most 32 tags")
  .default({});

export const SizeGiB = z.number().int("must be a whole number of GiB").min(1, "must be at least 1 GiB").max(1024 * 1024, "must be at most 1 PiB");

export const Gid = z.number().int().min(0, "must not be negative").max(2147483646, "must be below 2^31-1");

export const SnapshotFactor = z.number().min(1, "must be between 1 and 100").max(100, "must be between 1 and 100");

/** One gluster volume option, e.g. {key: "performance.rda-cache-limit", value: "10MB"}. */
export const GlusterOption = z.object({
  key: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/, "option keys are letters, digits, '_', '.', '-'")
    .regex(/^[A-Za-z]/, "option keys start with a letter (gluster would read a leading '-' as one of its own flags)"),
  value: z
    .string()
    .regex(/^[A-Za-z0-9_.,:/=*+@%-]{1,512}$/, "option values are letters, digits and _ . , : / = * + @ % - (no spaces or quotes)")
    .regex(/^[^-]/, "option values must not start with '-' (gluster would read it as one of its own flags, e.g. --log-file)"),
});
export type GlusterOption = z.infer<typeof GlusterOption>;

/** "key value" (Heketi's glustervolumeoptions form) → {key, value}. */
export function parseOptionString(s: string): GlusterOption {
  const m = /^(\S+)\s+(\S+)$/.exec(s.trim());
  if (!m) throw new ValidationError([{ field: "options", rule: `'${s}' must be "<key> <value>"` }]);
  return validate(GlusterOption, { key: m[1], value: m[2] }, "invalid gluster option");
}

export const Durability = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none") }),
  z.object({
    type: z.literal("replicate"),
    replica: z.number().int().min(1, "replica must be 1, 2 or 3").max(3, "replica must be 1, 2 or 3 (Heketi's limit)").default(3),
    arbiter: z.boolean().default(false),
  }).refine((d) => !d.arbiter || d.replica === 3, { message: "an arbiter volume is replica 3 (2 data bricks + 1 arbiter)", path: ["arbiter"] }),
  z.object({
    type: z.literal("disperse"),
    data: z.number().int(),
    redundancy: z.number().int(),
  }).refine((d) => ["2+1", "4+2", "8+3", "8+4"].includes(`${d.data}+${d.redundancy}`), {
    message: "disperse must be 2+1, 4+2, 8+3 or 8+4 (data+redundancy)",
    path: ["data"],
  }),
]);
export type Durability = z.output<typeof Durability>;

export const ZoneChecking = z.enum(["none", "strict"]);

export const SshSettings = z.object({
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("root"),
  port: z.number().int().min(1).max(65535).default(22),
  sudo: z.boolean().default(false),
  /** SHA256:... fingerprint the node's host key must have (or use knownHostsPath). */
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must be an OpenSSH SHA256 fingerprint").optional(),
  knownHostsPath: z.string().optional(),
  privateKeyPath: z.string().optional(),
});
export type SshSettings = z.output<typeof SshSettings>;

/** A node's own SSH settings: only what differs from the engine's defaults (no defaults filled in here). */
export const SshOverrides = z.object({
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").optional(),
  port: z.number().int().min(1).max(65535).optional(),
  sudo: z.boolean().optional(),
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must be an OpenSSH SHA256 fingerprint").optional(),
  knownHostsPath: z.string().optional(),
  privateKeyPath: z.string().optional(),
});

export const ClusterCreate = z.object({
  id: Id.optional(),
  name: VolumeName.optional(),
  file: z.boolean().default(true),
  block: z.boolean().default(false),
});

export const NodeAdd = z.object({
  id: Id.optional(),
  clusterId: Id,
  manageHostname: Hostname,
  storageHostname: StorageAddress,
  zone: Zone,
  tags: Tags,
  ssh: SshOverrides.default({}),
});
export type NodeAdd = z.output<typeof NodeAdd>;

export const DeviceAdd = z.object({
  id: Id.optional(),
  nodeId: Id,
  path: DevicePath,
  destroyData: z.boolean().default(false),
  tags: Tags,
});
export type DeviceAdd = z.output<typeof DeviceAdd>;

export const VolumeCreate = z.object({
  id: Id.optional(),
  name: VolumeName.optional(),
  sizeGiB: SizeGiB,
  clusters: z.array(Id).default([]),
  durability: Durability.default({ type: "replicate", replica: 3, arbiter: false }),
  gid: Gid.default(0),
  snapshotFactor: SnapshotFactor.default(1),
  /** Heketi's snapshot.enable, recorded as requested (default: factor > 1). */
  snapshotEnable: z.boolean().optional(),
  options: z.array(GlusterOption).default([]),
  zoneChecking: ZoneChecking.optional(),
  deviceTagMatch: z.string().regex(/^[A-Za-z0-9_.-]{1,32}!?=[\x20-\x7e]{0,64}$/, "must be key=value or key!=value").optional(),
});
export type VolumeCreate = z.output<typeof VolumeCreate>;
export type VolumeCreateInput = z.input<typeof VolumeCreate>;

/** Parse with a schema; on failure throw a ValidationError naming each field and rule. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, context = "invalid input"): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ValidationError(
    r.error.issues.map((i) => ({ field: i.path.length ? i.path.join(".") : "(value)", rule: i.message })),
    context,
  );
}
