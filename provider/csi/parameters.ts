/**
 * StorageClass parameters: exactly those of the in-tree `kubernetes.io/glusterfs` provisioner (removed in
 * Kubernetes 1.26), with the same meaning, so an existing Heketi StorageClass moves to this driver by
 * changing `provisioner:` and the secret keys. Names are matched case-insensitively, as the in-tree
 * plugin did. Differences, each because CSI works differently:
 * - the REST key comes from the CSI secret (csi.storage.k8s.io/provisioner-secret-name/-namespace and
 *   …/controller-expand-secret-…), so `secretName`/`secretNamespace` are refused with that advice: a CSI
 *   driver cannot read Secrets itself; `restuserkey` (a key in plain text) is refused too: DeleteVolume
 *   and ControllerExpandVolume are not given the StorageClass parameters, so a key there could create
 *   volumes but never delete or expand them;
 * - `restauthenabled` must be `true` or `false` (in-tree, anything but "true" meant false);
 * - without `resturl` the driver's own engine provisions (in-tree, resturl was required);
 * - `customepnameprefix` is accepted and has no effect: no Endpoints/Service are made, the mount
 *   servers travel in the volume context.
 */
import { z } from "zod";
import { Durability, GlusterOption, Id, parseOptionString, SnapshotFactor, validate } from "../model/schemas";
import { ValidationError } from "../model/errors";

/** The in-tree plugin's GID range (absoluteGidMin/Max, the defaults too). */
export const GID_MIN = 2000;
export const GID_MAX = 2147483647;
/** in-tree: an Endpoints name is `<prefix>-<pvc uid>`, at most 63 characters */
const MAX_EP_PREFIX = 26;

/** What csi-provisioner adds with --extra-create-metadata: the claim the volume is for. */
export const PVC_NAME = "csi.storage.k8s.io/pvc/name";
export const PVC_NAMESPACE = "csi.storage.k8s.io/pvc/namespace";
export const PV_NAME = "csi.storage.k8s.io/pv/name";

/** Every accepted parameter (lower case), in the order the README lists them. */
export const ACCEPTED = [
  "resturl", "restuser", "restauthenabled", "clusterid", "volumetype", "volumeoptions", "gidmin", "gidmax",
  "volumenameprefix", "snapfactor", "customepnameprefix", PVC_NAME, PVC_NAMESPACE, PV_NAME,
] as const;

const int = (field: string) => z.string().regex(/^\d+$/, `${field} must be a whole number`).transform(Number);

const Raw = z.object({
  resturl: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be an http:// or https:// URL (the Heketi-compatible server)")
    .refine((u) => !/[?#]/.test(u), "must not have a query or fragment")
    .optional(),
  // it travels in the volume id (see volume-id.ts): no ':'
  restuser: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, "must be 1-64 of letters, digits, '_', '.', '@', '-' (Heketi's users are admin and user)").optional(),
  restauthenabled: z.enum(["true", "false"], "must be true or false").optional(),
  clusterid: z.string().optional(),
  volumetype: z.string().optional(),
  volumeoptions: z.string().optional(),
  gidmin: int("gidMin").pipe(z.number().min(GID_MIN, `gidMin must be >= ${GID_MIN}`).max(GID_MAX, `gidMin must be <= ${GID_MAX}`)).optional(),
  gidmax: int("gidMax").pipe(z.number().min(GID_MIN, `gidMax must be >= ${GID_MIN}`).max(GID_MAX, `gidMax must be <= ${GID_MAX}`)).optional(),
  volumenameprefix: z
    .string()
    .regex(/^[A-Za-z0-9-]*$/, "may only contain letters, digits and '-' (no '_': the in-tree plugin joins the name's parts with '_')")
    .optional(),
  snapfactor: z.string().regex(/^\d+(\.\d+)?$/, "must be a number between 1 and 100").transform(Number).pipe(SnapshotFactor).optional(),
  customepnameprefix: z.string().max(MAX_EP_PREFIX, `must be at most ${MAX_EP_PREFIX} characters (in-tree limit; it has no effect here)`).optional(),
  [PVC_NAME]: z.string().optional(),
  [PVC_NAMESPACE]: z.string().optional(),
  [PV_NAME]: z.string().optional(),
});

export interface RestTarget {
  url: string;
  /** empty when authentication is off */
  user: string;
  authEnabled: boolean;
}

export interface ClassConfig {
  /** present: provision through this Heketi-compatible server; absent: through the driver's engine */
  rest?: RestTarget;
  clusters: string[];
  durability: Durability;
  options: GlusterOption[];
  gidMin: number;
  gidMax: number;
  volumeNamePrefix?: string;
  snapshotFactor: number;
  pvc?: { name: string; namespace: string };
}

/** in-tree: `replicate[:N]` (default 3), `disperse:D:R`, `none`; the engine's Durability schema then checks the numbers. */
function parseVolumeType(v: string | undefined): Durability {
  if (v === undefined || v === "") return validate(Durability, { type: "replicate", replica: 3 });
  const [kind, ...n] = v.split(":");
  const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);
  let d: unknown;
  if (kind === "replicate") d = { type: "replicate", replica: n.length ? num(n[0]) : 3 };
  else if (kind === "disperse" && n.length >= 2) d = { type: "disperse", data: num(n[0]), redundancy: num(n[1]) };
  else if (kind === "none") d = { type: "none" };
  else throw new ValidationError([{ field: "volumetype", rule: `'${v}' must be replicate[:N], disperse:DATA:REDUNDANCY or none` }], "invalid StorageClass parameters");
  return validate(Durability, d, `invalid StorageClass parameter volumetype '${v}'`);
}

/** Parse a StorageClass's parameters (CreateVolume's `parameters`, GetCapacity's). Unknown names are refused, naming the accepted ones. */
export function parseClassParameters(params: Record<string, string>): ClassConfig {
  const lower: Record<string, string> = {};
  const issues: Array<{ field: string; rule: string }> = [];
  for (const [k, v] of Object.entries(params)) {
    const key = k.toLowerCase();
    if (key === "restuserkey") {
      issues.push({ field: k, rule: "put the key in a Secret (key 'key') and name it with csi.storage.k8s.io/provisioner-secret-name/-namespace and csi.storage.k8s.io/controller-expand-secret-name/-namespace: DeleteVolume and ControllerExpandVolume only get the key from there" });
    } else if (key === "secretname" || key === "secretnamespace") {
      issues.push({ field: k, rule: "a CSI driver gets its secret from the CO: replace secretName/secretNamespace with csi.storage.k8s.io/provisioner-secret-name/-namespace and csi.storage.k8s.io/controller-expand-secret-name/-namespace (the secret keeps its key 'key')" });
    } else if (!(ACCEPTED as readonly string[]).includes(key)) {
      issues.push({ field: k, rule: `unknown StorageClass parameter; accepted are ${ACCEPTED.join(", ")}` });
    } else if (key in lower) {
      issues.push({ field: k, rule: "given twice (names are case-insensitive)" });
    } else lower[key] = v;
  }
  if (issues.length) throw new ValidationError(issues, "invalid StorageClass parameters");
  const raw = validate(Raw, lower, "invalid StorageClass parameters");

  const clusters = raw.clusterid ? raw.clusterid.split(",").map((s) => s.trim()).filter(Boolean) : [];
  validate(z.array(Id), clusters, "invalid StorageClass parameter clusterid (a comma-separated list of cluster ids)");
  const options = raw.volumeoptions ? raw.volumeoptions.split(",").map((s) => parseOptionString(s)) : [];
  const gidMin = raw.gidmin ?? GID_MIN;
  const gidMax = raw.gidmax ?? GID_MAX;
  if (gidMin > gidMax) throw new ValidationError([{ field: "gidMax", rule: `must be >= gidMin (${gidMin})` }], "invalid StorageClass parameters");

  const authEnabled = raw.restauthenabled !== "false";
  let rest: RestTarget | undefined;
  if (raw.resturl) {
    rest = { url: raw.resturl, user: authEnabled ? (raw.restuser ?? "") : "", authEnabled };
  } else {
    const restOnly = (["restuser", "restauthenabled"] as const).filter((k) => raw[k] !== undefined);
    if (restOnly.length) throw new ValidationError(restOnly.map((k) => ({ field: k, rule: "only means something with resturl (without it the driver's own engine provisions)" })), "invalid StorageClass parameters");
  }
  const pvcName = raw[PVC_NAME];
  const pvcNamespace = raw[PVC_NAMESPACE];
  return {
    rest,
    clusters,
    durability: parseVolumeType(raw.volumetype),
    options,
    gidMin,
    gidMax,
    volumeNamePrefix: raw.volumenameprefix || undefined,
    snapshotFactor: raw.snapfactor ?? 1,
    pvc: pvcName && pvcNamespace ? { name: pvcName, namespace: pvcNamespace } : undefined,
  };
}

/**
 * The gluster volume name of a CSI volume name. Deterministic, so a retried CreateVolume finds the volume
 * it made: the CSI name itself (csi-provisioner's `pvc-<claim uid>`), or with `volumenameprefix` the
 * in-tree form `<prefix>_<namespace>_<claim>_<CSI name>` (in-tree the last part was a random UUID;
 * namespace and claim need csi-provisioner's --extra-create-metadata, else `<prefix>_<CSI name>`).
 */
export function glusterVolumeName(csiName: string, cfg: Pick<ClassConfig, "volumeNamePrefix" | "pvc">): string {
  if (!cfg.volumeNamePrefix) return csiName;
  return cfg.pvc ? `${cfg.volumeNamePrefix}_${cfg.pvc.namespace}_${cfg.pvc.name}_${csiName}` : `${cfg.volumeNamePrefix}_${csiName}`;
}

/**
 * The REST key for a request: the secret's `key` (Heketi's secret type kubernetes.io/glusterfs), or its
 * only entry. A user without a key is refused before any request.
 */
export function restKey(target: Pick<RestTarget, "user" | "authEnabled">, secrets: Record<string, string>, rpc: string): string | undefined {
  if (!target.authEnabled) return undefined;
  const entries = Object.entries(secrets);
  let key = secrets.key;
  if (key === undefined && entries.length === 1) key = entries[0][1];
  if (key === undefined && entries.length > 1) {
    throw new ValidationError([{ field: "secrets", rule: `the secret has ${entries.length} keys (${entries.map(([k]) => k).join(", ")}) and none is named 'key': name the REST key 'key'` }], `${rpc}: no REST key`);
  }
  if (target.user && !key) {
    const which = rpc === "ControllerExpandVolume" ? "csi.storage.k8s.io/controller-expand-secret-name/-namespace" : "csi.storage.k8s.io/provisioner-secret-name/-namespace";
    throw new ValidationError([{ field: "secrets", rule: `restuser '${target.user}' is set but no key came with the request: give the StorageClass ${which} naming a secret with key 'key'` }], `${rpc}: no REST key`);
  }
  if (key && !target.user) throw new ValidationError([{ field: "restuser", rule: "a REST key was given but no restuser: set restuser (admin, or user for Heketi's user role)" }], `${rpc}: no REST user`);
  return key;
}
