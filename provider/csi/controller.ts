/**
 * The CSI Controller service: volumes made, grown and removed on a backend (backend.ts). Idempotent by
 * name as the spec requires: the CSI name maps to one gluster name (parameters.ts glusterVolumeName), so
 * a retried CreateVolume finds the volume its first try made.
 */
import { VolumeName, validate } from "../model/schemas";
import { type Backend, type BackendVolume, usableFraction } from "./backend";
import { requireSupported, unsupported, type VolumeCapability } from "./capabilities";
import { bytesOf, type CapacityRange, DEFAULT_GIB, fitsRange, GIB, sizeGiBFor } from "./capacity";
import { Code, codeOf, CsiError, invalid, notFound } from "./errors";
import { type ClassConfig, glusterVolumeName, parseClassParameters, restKey, type RestTarget } from "./parameters";
import { formatVolumeId, parseVolumeId, type VolumeRef } from "./volume-id";

type Secrets = Record<string, string>;

export interface ControllerOptions {
  /** the driver's own engine (absent: only StorageClasses with resturl can be served) */
  engine?: Backend;
  /** a backend for a Heketi-compatible server (tests may hand in their own) */
  rest: (target: { url: string; user: string; key?: string }) => Backend;
  log?: (m: string) => void;
}

/** What a CSI Volume message carries for the node service: the gluster name, the servers, the GID. */
export function volumeContext(v: BackendVolume): Record<string, string> {
  return { volume: v.name, hosts: v.hosts.join(","), gid: String(v.gid) };
}

export class ControllerService {
  /** operations under way, by gluster name or volume id: a second call for the same answers ABORTED */
  private readonly busy = new Set<string>();
  /** GIDs given to creates that have not finished yet */
  private readonly pendingGids = new Set<number>();

  constructor(private readonly o: ControllerOptions) {}

  capabilities(): string[] {
    const caps = ["CREATE_DELETE_VOLUME", "EXPAND_VOLUME", "GET_CAPACITY", "SINGLE_NODE_MULTI_WRITER"];
    // only the engine's volumes can be listed: a REST server is known from a StorageClass, not to the driver
    if (this.o.engine) caps.push("LIST_VOLUMES");
    return caps;
  }

  private engine(): Backend {
    if (!this.o.engine) {
      throw new CsiError(Code.FAILED_PRECONDITION, "this driver has no engine (it was started without --ledger): give the StorageClass resturl, or start the driver with --ledger");
    }
    return this.o.engine;
  }

  private backendForClass(cfg: ClassConfig, secrets: Secrets, rpc: string): { backend: Backend; rest?: RestTarget } {
    if (!cfg.rest) return { backend: this.engine() };
    const key = restKey(cfg.rest, secrets, rpc);
    return { backend: this.o.rest({ url: cfg.rest.url, user: cfg.rest.user, key }), rest: cfg.rest };
  }

  private backendForRef(ref: VolumeRef, secrets: Secrets, rpc: string): Backend {
    if (ref.backend === "engine") return this.engine();
    const key = restKey({ user: ref.user, authEnabled: ref.user !== "" }, secrets, rpc);
    return this.o.rest({ url: ref.url, user: ref.user, key });
  }

  private refOf(v: BackendVolume, rest: RestTarget | undefined): VolumeRef {
    return rest ? { backend: "rest", id: v.id, user: rest.user, url: rest.url } : { backend: "engine", id: v.id };
  }

  private volumeMessage(v: BackendVolume, ref: VolumeRef) {
    return { volume_id: formatVolumeId(ref), capacity_bytes: bytesOf(v.sizeGiB), volume_context: volumeContext(v) };
  }

  private async exclusive<T>(key: string, what: string, f: () => Promise<T>): Promise<T> {
    if (this.busy.has(key)) throw new CsiError(Code.ABORTED, `${what} is already under way; the CO retries`);
    this.busy.add(key);
    try {
      return await f();
    } finally {
      this.busy.delete(key);
    }
  }

  async createVolume(req: {
    name?: string; capacity_range?: CapacityRange | null; volume_capabilities?: VolumeCapability[]; parameters?: Record<string, string>;
    secrets?: Secrets; volume_content_source?: unknown; mutable_parameters?: Record<string, string>;
  }) {
    if (!req.name) throw invalid("CreateVolume: name must not be empty");
    requireSupported(req.volume_capabilities, "CreateVolume");
    if (req.volume_content_source) throw invalid("CreateVolume: volumes from snapshots or clones are not supported (no CLONE_VOLUME or CREATE_DELETE_SNAPSHOT capability)");
    if (req.mutable_parameters && Object.keys(req.mutable_parameters).length) throw invalid("CreateVolume: mutable parameters (VolumeAttributesClass) are not supported");
    const cfg = parseClassParameters(req.parameters ?? {});
    const sizeGiB = sizeGiBFor(req.capacity_range);
    const name = glusterVolumeName(req.name, cfg);
    validate(VolumeName, name, `CreateVolume: '${name}' (from the CSI name${cfg.volumeNamePrefix ? " and volumenameprefix" : ""}) is not a valid GlusterFS volume name`);
    const { backend, rest } = this.backendForClass(cfg, req.secrets ?? {}, "CreateVolume");
    // the volume id must fit in the CSI limit before anything is made (a long resturl can break it)
    if (rest) formatVolumeId({ backend: "rest", id: "0".repeat(32), user: rest.user, url: rest.url });

    return this.exclusive(`${backend.label}|${name}`, `creating volume ${name}`, async () => {
      const existing = await backend.findByName(name, cfg.clusters);
      if (existing) {
        if (!existing.ready) throw new CsiError(Code.ABORTED, `volume ${name} [${existing.id}] is still being created or changed; the CO retries`);
        if (!fitsRange(existing.sizeGiB, req.capacity_range)) {
          throw new CsiError(Code.ALREADY_EXISTS, `volume ${name} already exists with ${existing.sizeGiB} GiB, which does not fit the requested capacity range: delete it or ask for a size it fits`);
        }
        if (JSON.stringify(existing.durability) !== JSON.stringify(cfg.durability)) {
          throw new CsiError(Code.ALREADY_EXISTS, `volume ${name} already exists with durability ${JSON.stringify(existing.durability)}, not the StorageClass's ${JSON.stringify(cfg.durability)}`);
        }
        return { volume: this.volumeMessage(existing, this.refOf(existing, rest)) };
      }
      const gid = await this.pickGid(backend, cfg);
      this.pendingGids.add(gid);
      try {
        const v = await backend.create({ name, sizeGiB, clusters: cfg.clusters, durability: cfg.durability, gid, snapshotFactor: cfg.snapshotFactor, options: cfg.options }).catch((e: unknown) => {
          // CreateVolume's NOT_FOUND means a missing content source; a missing cluster is the StorageClass's mistake
          if (codeOf(e) === Code.NOT_FOUND) throw invalid(`CreateVolume: ${(e as Error).message}: check the StorageClass's clusterid against ${backend.label}'s clusters`);
          throw e;
        });
        this.o.log?.(`created volume ${v.name} [${v.id}] on ${backend.label}: ${v.sizeGiB} GiB, gid ${gid}`);
        return { volume: this.volumeMessage(v, this.refOf(v, rest)) };
      } finally {
        this.pendingGids.delete(gid);
      }
    });
  }

  /** The in-tree GID allocator's choice: the lowest GID of [gidMin, gidMax] no volume has. */
  private async pickGid(backend: Backend, cfg: ClassConfig): Promise<number> {
    const used = await backend.usedGids();
    for (let g = cfg.gidMin; g <= cfg.gidMax; g++) if (!used.has(g) && !this.pendingGids.has(g)) return g;
    throw new CsiError(Code.RESOURCE_EXHAUSTED, `every GID in gidMin..gidMax (${cfg.gidMin}..${cfg.gidMax}) is taken: widen the StorageClass's range`);
  }

  async deleteVolume(req: { volume_id?: string; secrets?: Secrets }) {
    if (!req.volume_id) throw invalid("DeleteVolume: volume_id must not be empty");
    const ref = parseVolumeId(req.volume_id);
    // not an id this driver makes: no such volume, and deleting what does not exist succeeds
    if (!ref) return {};
    const backend = this.backendForRef(ref, req.secrets ?? {}, "DeleteVolume");
    return this.exclusive(req.volume_id, `an operation on volume ${req.volume_id}`, async () => {
      if (await backend.delete(ref.id)) this.o.log?.(`deleted volume ${ref.id} on ${backend.label}`);
      return {};
    });
  }

  private async find(volumeId: string | undefined, secrets: Secrets, rpc: string): Promise<{ ref: VolumeRef; backend: Backend; v: BackendVolume }> {
    if (!volumeId) throw invalid(`${rpc}: volume_id must not be empty`);
    const ref = parseVolumeId(volumeId);
    if (!ref) throw notFound(`${rpc}: volume ${volumeId} does not exist (not a volume id of this driver)`);
    const backend = this.backendForRef(ref, secrets, rpc);
    const v = await backend.get(ref.id);
    if (!v) throw notFound(`${rpc}: volume ${volumeId} does not exist on ${backend.label}`);
    return { ref, backend, v };
  }

  async controllerExpandVolume(req: { volume_id?: string; capacity_range?: CapacityRange | null; secrets?: Secrets; volume_capability?: VolumeCapability | null }) {
    if (!req.volume_id) throw invalid("ControllerExpandVolume: volume_id must not be empty");
    if (!req.capacity_range) throw invalid("ControllerExpandVolume: capacity_range must be given");
    if (req.volume_capability) requireSupported([req.volume_capability], "ControllerExpandVolume");
    const want = sizeGiBFor(req.capacity_range);
    return this.exclusive(req.volume_id, `an operation on volume ${req.volume_id}`, async () => {
      const { backend, v } = await this.find(req.volume_id, req.secrets ?? {}, "ControllerExpandVolume");
      if (v.sizeGiB >= want) return { capacity_bytes: bytesOf(v.sizeGiB), node_expansion_required: false };
      if (!v.ready) throw new CsiError(Code.ABORTED, `volume ${v.name} is being changed by another operation; the CO retries`);
      const after = await backend.expand(v.id, want - v.sizeGiB);
      this.o.log?.(`expanded volume ${after.name} [${after.id}] on ${backend.label}: ${v.sizeGiB} → ${after.sizeGiB} GiB`);
      // a FUSE mount sees the new size at once: nothing to do on the nodes
      return { capacity_bytes: bytesOf(after.sizeGiB), node_expansion_required: false };
    });
  }

  async validateVolumeCapabilities(req: { volume_id?: string; volume_capabilities?: VolumeCapability[]; volume_context?: Record<string, string>; parameters?: Record<string, string>; secrets?: Secrets }) {
    if (!req.volume_id) throw invalid("ValidateVolumeCapabilities: volume_id must not be empty");
    if (!req.volume_capabilities?.length) throw invalid("ValidateVolumeCapabilities: volume_capabilities must not be empty");
    await this.find(req.volume_id, req.secrets ?? {}, "ValidateVolumeCapabilities");
    const why = req.volume_capabilities.map(unsupported).find((m) => m);
    if (why) return { confirmed: null, message: why };
    return { confirmed: { volume_context: req.volume_context ?? {}, volume_capabilities: req.volume_capabilities, parameters: req.parameters ?? {} }, message: "" };
  }

  /** The engine's volumes, by volume id; the token is the last id of the previous page (stable when volumes come and go). */
  async listVolumes(req: { max_entries?: number; starting_token?: string }) {
    const engine = this.engine();
    const max = req.max_entries ?? 0;
    if (max < 0) throw invalid("ListVolumes: max_entries must not be negative");
    let after = "";
    if (req.starting_token) {
      if (parseVolumeId(req.starting_token)?.backend !== "engine") throw new CsiError(Code.ABORTED, `ListVolumes: starting_token '${req.starting_token}' is not one this driver gave: start again without it`);
      after = req.starting_token;
    }
    const all = (await engine.list())
      .map((v) => ({ v, id: formatVolumeId({ backend: "engine", id: v.id }) }))
      .filter((x) => x.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = max ? all.slice(0, max) : all;
    return {
      entries: page.map(({ v, id }) => ({ volume: { volume_id: id, capacity_bytes: bytesOf(v.sizeGiB), volume_context: volumeContext(v) } })),
      next_token: max && all.length > max ? page[page.length - 1].id : "",
    };
  }

  /**
   * What one new volume of the StorageClass's durability could take: the largest free space of one
   * eligible cluster (a volume lives in one), divided by the copies it keeps. An estimate: LVM metadata
   * and snapshot reserve (snapfactor) are not subtracted.
   */
  async getCapacity(req: { volume_capabilities?: VolumeCapability[]; parameters?: Record<string, string> }) {
    if (req.volume_capabilities?.some((c) => unsupported(c))) return { available_capacity: "0" };
    const cfg = parseClassParameters(req.parameters ?? {});
    if (cfg.rest?.user) {
      throw new CsiError(Code.FAILED_PRECONDITION, "GetCapacity is not given secrets, so it cannot authenticate to a REST server with restuser: disable storage capacity tracking for this StorageClass's driver, or use the engine backend");
    }
    const { backend } = this.backendForClass(cfg, {}, "GetCapacity");
    const free = await backend.freeBytesByCluster(cfg.clusters);
    const f = usableFraction(cfg.durability);
    let best = 0n;
    for (const b of free.values()) if ((b * f.num) / f.den > best) best = (b * f.num) / f.den;
    return { available_capacity: best.toString(), minimum_volume_size: { value: (BigInt(DEFAULT_GIB) * GIB).toString() } };
  }
}
