/**
 * Volume capabilities: GlusterFS volumes are shared file systems, mounted with FUSE. Every access mode
 * of a mount volume is served (one FUSE mount per publish; RWX is what gluster is for); block volumes
 * are refused: there is no block device to hand out.
 */
import { invalid } from "./errors";

/** The access modes a filesystem volume may ask for. */
export const ACCESS_MODES = [
  "SINGLE_NODE_WRITER",
  "SINGLE_NODE_READER_ONLY",
  "MULTI_NODE_READER_ONLY",
  "MULTI_NODE_SINGLE_WRITER",
  "MULTI_NODE_MULTI_WRITER",
  "SINGLE_NODE_SINGLE_WRITER",
  "SINGLE_NODE_MULTI_WRITER",
] as const;

/** The only file system type: mount -t glusterfs. An empty fs_type means the plugin's default. */
export const FS_TYPES = ["", "glusterfs"];

export interface VolumeCapability {
  mount?: { fs_type?: string; mount_flags?: string[]; volume_mount_group?: string } | null;
  block?: object | null;
  access_mode?: { mode?: string } | null;
  access_type?: string;
}

/** Why a capability cannot be served, or undefined when it can. */
export function unsupported(c: VolumeCapability): string | undefined {
  if (c.block || c.access_type === "block") return "block volumes are not supported: GlusterFS volumes are file systems (use volumeMode: Filesystem)";
  if (!c.mount) return "a capability needs an access type: mount (block is not supported)";
  const fs = c.mount.fs_type ?? "";
  if (!FS_TYPES.includes(fs)) return `fs_type '${fs}' is not supported: GlusterFS volumes are mounted as glusterfs (leave fsType empty)`;
  const mode = c.access_mode?.mode;
  if (!mode || mode === "UNKNOWN") return "a capability needs an access mode";
  if (!(ACCESS_MODES as readonly string[]).includes(mode)) return `access mode ${mode} is not supported`;
  return undefined;
}

/** Refuse (INVALID_ARGUMENT) a request whose capabilities are missing or cannot be served. */
export function requireSupported(caps: VolumeCapability[] | null | undefined, rpc: string): void {
  if (!caps?.length) throw invalid(`${rpc}: volume_capabilities must not be empty`);
  for (const c of caps) {
    const why = unsupported(c);
    if (why) throw invalid(`${rpc}: ${why}`);
  }
}
