/**
 * `serve` configuration: a heketi.json-like file (the keys Heketi operators know), HEKETI_* environment
 * overrides, then command-line flags; validated with zod so a bad value stops the server with the key
 * and the rule. Auth is on unless explicitly disabled, and the server binds to loopback unless told.
 */
import * as fs from "node:fs";
import { z } from "zod";
import { validate } from "../model/schemas";
import { GlusterCliTimeout, LimitsConfig, VolumeOptionList } from "./engine-settings";
import { ignoredKeyWarnings } from "./ignored-keys";
import { TlsConfig } from "./tls";

const Port = z.coerce.number().int().min(0, "must be 0 (any free port) to 65535").max(65535);

export const ServeConfig = z
  .object({
    /** Address to listen on; loopback unless told otherwise (0.0.0.0 for Kubernetes to reach it). */
    host: z.string().min(1).default("127.0.0.1"),
    port: Port.default(8080),
    ledgerPath: z.string().min(1),
    disableAuth: z.boolean().default(false),
    adminKey: z.string().default(""),
    userKey: z.string().default(""),
    /** Seconds a token's `iat` may lie in the future (Heketi: 120). */
    iatLeewaySec: z.number().int().min(0).default(120),
    /**
     * What a `user` token may do. `provisioner` (default): everything the Kubernetes provisioner needs
     * (volumes, its queue entries, cluster and node reads); `heketi`: Heketi's literal rule, exactly
     * `/volumes` and nothing else (which no provisioner can work with: it cannot poll /queue).
     */
    userRole: z.enum(["provisioner", "heketi"]).default("provisioner"),
    /** Heketi's max_inflight_operations: more concurrent throttled operations get 429 + Retry-After. */
    maxInflight: z.number().int().min(1).default(8),
    /** Seconds suggested in Retry-After on 429. */
    retryAfterSec: z.number().int().min(1).default(10),
    /**
     * `ssh`, or `sim`: simulated in-memory nodes (the project's node simulator) for demos and API tests.
     * `mock` is Heketi's name for the same thing, accepted so a heketi.json keeps working.
     */
    executor: z
      .enum(["ssh", "sim", "mock"], { error: "glusterfs.executor (HEKETI_EXECUTOR, --executor) must be ssh or sim (Heketi: mock): the kubernetes and inject executors are not supported" })
      .default("ssh")
      .transform((e) => (e === "mock" ? "sim" : e)),
    /** Simulated nodes' device size (HEKETI_MOCK_DEVICE_SIZE_GB). */
    mockDeviceSizeGiB: z.number().int().min(1).default(500),
    defaultState: z.enum(["normal", "read-only", "local-client"]).default("normal"),
    ssh: z
      .object({
        user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("root"),
        port: Port.default(22),
        sudo: z.boolean().default(false),
        keyFile: z.string().optional(),
        knownHostsPath: z.string().optional(),
      })
      .default({ user: "root", port: 22, sudo: false }),
    /** Brick sizes, bricks per volume, volumes per cluster, zone checking (glusterfs.*; heketi.md §3.5). */
    limits: LimitsConfig.prefault({}),
    /** Options set on every new volume before / after the request's own (heketi.md §5.6). */
    preRequestVolumeOptions: VolumeOptionList("glusterfs.pre_request_volume_options (HEKETI_PRE_REQUEST_VOLUME_OPTIONS)").prefault(""),
    postRequestVolumeOptions: VolumeOptionList("glusterfs.post_request_volume_options (HEKETI_POST_REQUEST_VOLUME_OPTIONS)").prefault(""),
    glusterTimeoutSec: GlusterCliTimeout,
    fstab: z.string().regex(/^\/\S*$/, "glusterfs.sshexec.fstab (HEKETI_FSTAB) must be an absolute path").default("/etc/fstab"),
    /** HTTPS certificate and key; absent: plain HTTP. */
    tls: TlsConfig.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.disableAuth && (!c.adminKey || !c.userKey)) {
      ctx.addIssue({
        code: "custom",
        path: ["jwt"],
        message: "Missing JWT information: give both an admin and a user key (jwt.admin.key / jwt.user.key, HEKETI_ADMIN_KEY / HEKETI_USER_KEY, --admin-key / --user-key), or start with --disable-auth",
      });
    }
    if (c.executor === "ssh" && !c.ssh.keyFile) {
      ctx.addIssue({ code: "custom", path: ["ssh", "keyFile"], message: "the ssh executor needs a private key file (sshexec.keyfile, HEKETI_SSH_KEYFILE or --ssh-key)" });
    }
  });
export type ServeConfig = z.output<typeof ServeConfig>;

/** The subset of Heketi's heketi.json that means something here (unknown keys are ignored, as Heketi does). */
const HeketiJson = z.looseObject({
  port: z.union([z.string(), z.number()]).optional(),
  jwt: z.looseObject({ admin: z.looseObject({ key: z.string().optional() }).optional(), user: z.looseObject({ key: z.string().optional() }).optional() }).optional(),
  default_state: z.string().optional(),
  enable_tls: z.boolean().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  glusterfs: z
    .looseObject({
      executor: z.string().optional(),
      db: z.string().optional(),
      max_inflight_operations: z.number().optional(),
      zone_checking: z.string().optional(),
      brick_max_size_gb: z.number().optional(),
      brick_min_size_gb: z.number().optional(),
      max_bricks_per_volume: z.number().optional(),
      average_file_size_kb: z.number().optional(),
      max_volumes_per_cluster: z.number().optional(),
      pre_request_volume_options: z.string().optional(),
      post_request_volume_options: z.string().optional(),
      sshexec: z
        .looseObject({
          keyfile: z.string().optional(),
          user: z.string().optional(),
          port: z.union([z.string(), z.number()]).optional(),
          sudo: z.boolean().optional(),
          fstab: z.string().optional(),
          gluster_cli_timeout: z.number().optional(),
        })
        .optional(),
    })
    .optional(),
  // our own additions
  host: z.string().optional(),
  user_role: z.string().optional(),
  known_hosts: z.string().optional(),
});

export interface ServeFlags {
  config?: string;
  host?: string;
  port?: string;
  ledger?: string;
  disableAuth?: boolean;
  adminKey?: string;
  userKey?: string;
  userRole?: string;
  executor?: string;
  sshKey?: string;
  sshUser?: string;
  sshPort?: string;
  sshSudo?: boolean;
  knownHosts?: string;
  maxInflight?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Merge file < environment < flags, then validate. */
export function loadServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  return loadServe(flags, env).config;
}

/** loadServeConfig, plus one warning line per heketi.json key (or variable) that is set but not implemented. */
export function loadServe(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): { config: ServeConfig; warnings: string[] } {
  const json: unknown = flags.config ? JSON.parse(fs.readFileSync(flags.config, "utf8")) : {};
  const file = validate(HeketiJson, json, `config ${flags.config}`);
  const g = file.glusterfs ?? {};
  const pick = <T>(...xs: Array<T | undefined>) => xs.find((x) => x !== undefined && x !== "");
  const num = (s: string | number | undefined) => (s === undefined || s === "" ? undefined : Number(s));
  const executor = pick(flags.executor, env.HEKETI_EXECUTOR, g.executor);
  const tlsFromFlags = flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  const raw = {
    host: pick(flags.host, file.host),
    port: num(pick<string | number>(flags.port, env.HEKETI_HTTP_PORT, file.port)),
    ledgerPath: pick(flags.ledger, env.HEKETI_DB_PATH, g.db),
    disableAuth: flags.disableAuth ?? false,
    adminKey: pick(flags.adminKey, env.HEKETI_ADMIN_KEY, file.jwt?.admin?.key),
    userKey: pick(flags.userKey, env.HEKETI_USER_KEY, file.jwt?.user?.key),
    iatLeewaySec: num(env.HEKETI_JWT_IAT_LEEWAY_SECONDS),
    userRole: pick(flags.userRole, file.user_role),
    maxInflight: num(pick<string | number>(flags.maxInflight, env.HEKETI_MAX_INFLIGHT_OPERATIONS, g.max_inflight_operations)),
    executor: executor === "" ? "ssh" : executor,
    mockDeviceSizeGiB: num(env.HEKETI_MOCK_DEVICE_SIZE_GB),
    defaultState: pick(env.HEKETI_DEFAULT_STATE, file.default_state),
    ssh: {
      keyFile: pick(flags.sshKey, env.HEKETI_SSH_KEYFILE, g.sshexec?.keyfile),
      user: pick(flags.sshUser, env.HEKETI_SSH_USER, g.sshexec?.user),
      port: num(pick<string | number>(flags.sshPort, env.HEKETI_SSH_PORT, g.sshexec?.port)),
      sudo: flags.sshSudo ?? g.sshexec?.sudo,
      knownHostsPath: pick(flags.knownHosts, env.SSH_KNOWN_HOSTS, file.known_hosts),
    },
    limits: {
      zoneChecking: pick(env.HEKETI_ZONE_CHECKING, g.zone_checking),
      brickMaxSizeGiB: g.brick_max_size_gb,
      brickMinSizeGiB: g.brick_min_size_gb,
      maxBricksPerVolume: g.max_bricks_per_volume,
      averageFileSizeKiB: g.average_file_size_kb,
      maxVolumesPerCluster: num(pick<string | number>(env.HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER, g.max_volumes_per_cluster)),
    },
    preRequestVolumeOptions: pick(env.HEKETI_PRE_REQUEST_VOLUME_OPTIONS, g.pre_request_volume_options),
    postRequestVolumeOptions: pick(env.HEKETI_POST_REQUEST_VOLUME_OPTIONS, g.post_request_volume_options),
    glusterTimeoutSec: num(pick<string | number>(env.HEKETI_GLUSTER_CLI_TIMEOUT, g.sshexec?.gluster_cli_timeout)),
    fstab: pick(env.HEKETI_FSTAB, g.sshexec?.fstab),
    // flags give both files or neither; otherwise the file's pair when enable_tls is on
    tls: tlsFromFlags ? { certFile: flags.tlsCert, keyFile: flags.tlsKey } : file.enable_tls ? { certFile: file.cert_file, keyFile: file.key_file } : undefined,
  };
  const config = validate(ServeConfig, JSON.parse(JSON.stringify(raw)), "invalid serve configuration");
  return { config, warnings: ignoredKeyWarnings(json, env) };
}
