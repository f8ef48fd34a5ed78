/**
 * Heketi's synchronous checks of a volume create request (heketi.md §1.5, in Heketi's order and with
 * its texts, which clients print), translated into the engine's VolumeCreate input. Pure.
 */
import type { Ledger } from "../ledger/ledger";
import { EngineError } from "../model/errors";
import { GlusterOption, VOLUME_NAME_MAX, VolumeCreateInput, VolumeName } from "../model/schemas";
import { KIB_PER_GIB } from "../model/units";
import type { VolumeCreateRequest } from "../heketi/api";

/** A request Heketi answers with 400 and this text. */
export class BadRequest extends EngineError {
  constructor(message: string) {
    super("BAD_REQUEST", message);
  }
}

const MIN_BRICK_GIB = 1;

export function volumeCreateInput(req: VolumeCreateRequest, ledger: Ledger): VolumeCreateInput {
  // field validation first (Heketi's ozzo rules), then its checks in order
  const fields: string[] = [];
  if (req.name && req.name.length > VOLUME_NAME_MAX) fields.push(`name: the length must be no more than ${VOLUME_NAME_MAX} (GlusterFS refuses longer names with Heketi's brick paths)`);
  else if (req.name && !VolumeName.safeParse(req.name).success) fields.push("name: must be in a valid format");
  if (!req.size) fields.push("size: cannot be blank");
  else if (req.size < 1) fields.push("size: must be no less than 1");
  if (fields.length) throw new BadRequest(`validation failed: ${fields.join("; ")}.`);
  const gid = req.gid ?? 0;
  if (gid < 0) throw new BadRequest("Bad group id less than zero");
  if (gid >= 2147483647) throw new BadRequest("Bad group id equal or greater than 2**32");
  const type = req.durability?.type || "none";
  if (!["none", "replicate", "disperse"].includes(type)) throw new BadRequest("Unknown durability type");
  const size = req.size ?? 0;
  if (size < 1) throw new BadRequest("Invalid volume size");
  let factor = 1;
  if (req.snapshot?.enable) {
    factor = req.snapshot.factor ?? 0;
    if (factor === 0) factor = 1.5;
    if (factor < 1 || factor > 100) throw new BadRequest("Invalid snapshot factor");
  }
  const replica = req.durability?.replicate?.replica || 2; // Heketi's server-side default
  if (type === "replicate" && replica > 3) throw new BadRequest("Invalid replica value");
  const data = req.durability?.disperse?.data || 4;
  const redundancy = req.durability?.disperse?.redundancy || 2;
  if (type === "disperse" && !["2+1", "4+2", "8+3", "8+4"].includes(`${data}+${redundancy}`)) {
    throw new BadRequest(`Invalid dispersion combination: ${data}+${redundancy}`);
  }
  if (req.block) throw new BadRequest("Block-hosting volumes are not supported by this server (file volumes only)");
  if (!ledger.listClusters().length) throw new BadRequest("No clusters configured");
  for (const c of req.clusters ?? []) if (!ledger.findCluster(c)) throw new BadRequest(`Cluster id ${c} not found`);
  const minSize = type === "disperse" ? MIN_BRICK_GIB * data : MIN_BRICK_GIB;
  if (size < minSize) throw new BadRequest(`Requested volume size (${size} GB) is smaller than the minimum supported volume size (${minSize * KIB_PER_GIB})`);

  let arbiter = false;
  let zoneChecking: "none" | "strict" | undefined;
  let deviceTagMatch: string | undefined;
  const options: GlusterOption[] = [];
  for (const raw of req.glustervolumeoptions ?? []) {
    const s = raw.trim();
    if (!s) continue; // Heketi's unconfigured pre/post options show up as ""; skip them as its executor does
    const m = /^(\S+)\s+(\S+)$/.exec(s);
    if (!m) throw new BadRequest(`validation failed: glustervolumeoptions: '${raw}' must be "<key> <value>"`);
    const [, key, value] = m;
    if (key === "user.heketi.arbiter") {
      arbiter = value.toLowerCase() === "true";
      continue;
    }
    if (key === "user.heketi.zone-checking") zoneChecking = value === "strict" ? "strict" : "none";
    if (key === "user.heketi.device-tag-match") deviceTagMatch = value;
    const opt = GlusterOption.safeParse({ key, value });
    if (!opt.success) throw new BadRequest(`validation failed: glustervolumeoptions: '${raw}': ${opt.error.issues.map((i) => i.message).join("; ")}`);
    options.push(opt.data);
  }
  if (arbiter && !(type === "replicate" && replica === 3)) throw new BadRequest("Arbiter volumes must be replica 3");

  return {
    name: req.name || undefined,
    sizeGiB: size,
    clusters: req.clusters ?? [],
    durability:
      type === "replicate"
        ? { type: "replicate", replica, arbiter }
        : type === "disperse"
          ? { type: "disperse", data, redundancy }
          : { type: "none" },
    gid,
    snapshotFactor: factor,
    snapshotEnable: req.snapshot?.enable ?? false,
    options,
    zoneChecking,
    deviceTagMatch,
  };
}
