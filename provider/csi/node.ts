/**
 * The CSI Node service: a GlusterFS volume is published by one FUSE mount at the target path
 * (`mount -t glusterfs <host>:/<volume> <target> -o backup-volfile-servers=<other hosts>`); no staging,
 * no block device. Every change to the machine goes through the mounter seam (mounter.ts).
 */
import { requireSupported, type VolumeCapability } from "./capabilities";
import { Code, CsiError, invalid, notFound } from "./errors";
import { type Mounter, samePath } from "./mounter";

export interface NodeOptions {
  nodeId: string;
  mounter: Mounter;
  log?: (m: string) => void;
}

/** The gluster volume a mount serves, from its source `host:/volume` (or `host:volume`). */
const volumeOfSource = (source: string) => source.slice(source.indexOf(":") + 1).replace(/^\//, "");

const READ_ONLY_MODES = ["SINGLE_NODE_READER_ONLY", "MULTI_NODE_READER_ONLY"];

export class NodeService {
  constructor(private readonly o: NodeOptions) {}

  capabilities(): string[] {
    return ["GET_VOLUME_STATS", "SINGLE_NODE_MULTI_WRITER"];
  }

  info() {
    return { node_id: this.o.nodeId, max_volumes_per_node: "0", accessible_topology: null };
  }

  async publish(req: { volume_id?: string; target_path?: string; volume_capability?: VolumeCapability | null; readonly?: boolean; volume_context?: Record<string, string> }) {
    if (!req.volume_id) throw invalid("NodePublishVolume: volume_id must not be empty");
    if (!req.target_path) throw invalid("NodePublishVolume: target_path must not be empty");
    if (!req.volume_capability) throw invalid("NodePublishVolume: volume_capability must be given");
    requireSupported([req.volume_capability], "NodePublishVolume");
    const ctx = req.volume_context ?? {};
    const hosts = (ctx.hosts ?? "").split(",").filter(Boolean);
    if (!ctx.volume || !hosts.length) {
      throw invalid(`NodePublishVolume: the volume context of ${req.volume_id} lacks 'volume' or 'hosts': its PersistentVolume was not made by this driver's CreateVolume (set volumeAttributes volume=<gluster volume>, hosts=<storage addresses, comma-separated>)`);
    }
    const target = req.target_path;
    const mode = req.volume_capability.access_mode?.mode ?? "";
    const flags = req.volume_capability.mount?.mount_flags ?? [];
    if (flags.some((f) => !f || /[\s\0]/.test(f))) throw invalid("NodePublishVolume: mount_flags must be non-empty and without white space");

    const mounts = await this.o.mounter.mounts();
    const here = mounts.find((m) => samePath(m.target, target));
    if (here) {
      if (volumeOfSource(here.source) === ctx.volume) return {};
      throw new CsiError(Code.ALREADY_EXISTS, `NodePublishVolume: ${target} already has ${here.source} (${here.fstype}) mounted, not volume ${ctx.volume}: unpublish it first`);
    }
    if (mode === "SINGLE_NODE_SINGLE_WRITER") {
      const other = mounts.find((m) => volumeOfSource(m.source) === ctx.volume && /glusterfs/.test(m.fstype));
      if (other) throw new CsiError(Code.FAILED_PRECONDITION, `NodePublishVolume: volume ${ctx.volume} is SINGLE_NODE_SINGLE_WRITER and already published at ${other.target}`);
    }
    const options = [
      ...(req.readonly || READ_ONLY_MODES.includes(mode) ? ["ro"] : []),
      // mount.glusterfs takes the backup servers colon-separated (as the in-tree plugin passed them)
      ...(hosts.length > 1 ? [`backup-volfile-servers=${hosts.slice(1).join(":")}`] : []),
      ...flags,
    ];
    await this.o.mounter.makeDir(target);
    try {
      await this.o.mounter.mount(`${hosts[0]}:/${ctx.volume}`, target, "glusterfs", options);
    } catch (e) {
      await this.o.mounter.removeDir(target).catch(() => undefined);
      throw new CsiError(Code.INTERNAL, `NodePublishVolume: mounting volume ${ctx.volume} from ${hosts.join(", ")} at ${target} failed: ${(e as Error).message} (check that glusterfs-fuse is installed and the storage addresses are reachable from this node)`);
    }
    this.o.log?.(`published ${ctx.volume} at ${target} (${options.join(",") || "no options"})`);
    return {};
  }

  async unpublish(req: { volume_id?: string; target_path?: string }) {
    if (!req.volume_id) throw invalid("NodeUnpublishVolume: volume_id must not be empty");
    if (!req.target_path) throw invalid("NodeUnpublishVolume: target_path must not be empty");
    const target = req.target_path;
    const mounted = (await this.o.mounter.mounts()).some((m) => samePath(m.target, target));
    if (mounted) await this.o.mounter.unmount(target);
    // the spec: the plugin removes the target path it made; an absent one is already done
    await this.o.mounter.removeDir(target);
    if (mounted) this.o.log?.(`unpublished ${req.volume_id} from ${target}`);
    return {};
  }

  async volumeStats(req: { volume_id?: string; volume_path?: string }) {
    if (!req.volume_id) throw invalid("NodeGetVolumeStats: volume_id must not be empty");
    if (!req.volume_path) throw invalid("NodeGetVolumeStats: volume_path must not be empty");
    const p = req.volume_path;
    if (!(await this.o.mounter.mounts()).some((m) => samePath(m.target, p))) throw notFound(`NodeGetVolumeStats: nothing is mounted at ${p}`);
    const s = await this.o.mounter.statfs(p);
    return {
      usage: [
        { unit: "BYTES", total: s.totalBytes.toString(), available: s.availableBytes.toString(), used: s.usedBytes.toString() },
        { unit: "INODES", total: s.totalInodes.toString(), available: s.freeInodes.toString(), used: s.usedInodes.toString() },
      ],
      volume_condition: null,
    };
  }
}
