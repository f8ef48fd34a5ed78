import { z } from "zod";
import { SshOverrides } from "../model/schemas";

/**
 * Every resource carries its cluster's `connection` so that `delete` and `read` can work from the
 * state alone. The connection says which backend manages the cluster:
 *  - engine: `{ ledgerPath, ssh }` — the embedded engine, its SQLite ledger, SSH to the nodes;
 *  - REST:   `{ rest: { url, user, key } }` — a Heketi-compatible server that owns the nodes' SSH
 *            and its own database (shared with Kubernetes).
 */
export const EngineConnectionSchema = z.object({
  /** The embedded ledger (SQLite) of this stack's cluster. */
  ledgerPath: z.string().min(1, "must be a file path"),
  /** How the engine reaches the nodes. */
  ssh: z.object({
    /** User the engine logs in as (default root). */
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("root"),
    /** SSH port of every node (default 22; a node may override it). */
    port: z.number().int().min(1).max(65535).default(22),
    /** Run storage commands through `sudo -n` (for a non-root user with passwordless sudo). */
    sudo: z.boolean().default(false),
    /** The private key text. Pass a secret (`config.requireSecret(...)`); it never appears in plain text in the state. */
    privateKey: z.string().optional(),
    /** Or a path to the private key file on the machine that runs `pulumi up`. */
    privateKeyPath: z.string().optional(),
    /** A known_hosts file that pins the nodes' host keys (or pin each node with `hostKeyFingerprint`). */
    knownHostsPath: z.string().optional(),
  }).refine((s) => !!s.privateKey || !!s.privateKeyPath, { message: "give the SSH private key (privateKey, as a secret) or privateKeyPath", path: ["privateKey"] }),
});
export type EngineConnection = z.output<typeof EngineConnectionSchema>;

const notWithRest = (what: string) => ({ error: `${what} does not apply to a rest cluster: the REST server reaches the nodes with its own SSH settings and keeps its own database (give ssh or rest, not both)` });

/** A Heketi-compatible REST server that manages the cluster (Heketi v10, or this project's server). */
export const RestSettingsSchema = z.object({
  /** Base URL, e.g. `http://heketi.example.com:8080` (http or https, no query string). */
  url: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be an http:// or https:// URL, e.g. http://heketi.example.com:8080")
    .refine((u) => !URL.canParse(u) || (!new URL(u).search && !new URL(u).hash), "must not have a query string or fragment"),
  /** JWT issuer: `admin` (the default, and the only role that may manage clusters, nodes and devices). */
  user: z.literal("admin", { error: "must be admin: managing clusters, nodes and devices needs Heketi's administrator (the `user` role may only create volumes)" }).default("admin"),
  /** The server's admin key (Heketi's `jwt.admin.key`). Pass a secret (`config.requireSecret(...)`); it never appears in plain text in the state. */
  key: z.string({ error: "give the REST key (the server's admin key), as a secret" }).min(1, "give the REST key (the server's admin key), as a secret"),
  /** How often an asynchronous operation is polled, in ms (default 400, as Heketi's own client). */
  pollIntervalMs: z.number().int().min(50, "must be at least 50 ms").max(60_000, "must be at most 60000 ms").default(400),
});

export const RestConnectionSchema = z.object({
  /** The server that manages the cluster, and how to log in to it. */
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

/** A node's own SSH settings (only what differs from the cluster's defaults); `hostKeyFingerprint` pins its host key. */
export const NodeSshSchema = SshOverrides.pick({ user: true, port: true, sudo: true, hostKeyFingerprint: true }).default({});
