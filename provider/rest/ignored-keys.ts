/**
 * heketi.json keys (and their HEKETI_* variables) that change Heketi's behaviour but are not implemented
 * here: set to anything but their default they get one warning line each at start, never silence. Pure.
 */

interface Ignored {
  /** Dotted path in heketi.json. */
  key: string;
  env?: string;
  /** Heketi's default; unset, "", 0 and false also count as default (Heketi reads them so). */
  def?: unknown;
  why?: string;
}

const IGNORED: readonly Ignored[] = [
  { key: "backup_db_to_kube_secret", env: "HEKETI_BACKUP_DB_TO_KUBE_SECRET", why: "the ledger is never copied to a Kubernetes secret" },
  { key: "profiling", env: "HEKETI_PROFILING", why: "there is no /debug/pprof" },
  { key: "glusterfs.db_read_only" },
  { key: "glusterfs.loglevel", env: "HEKETI_GLUSTERAPP_LOGLEVEL", def: "info" },
  { key: "glusterfs.sshexec.mountopts", env: "HEKETI_MOUNT_OPTS", def: "rw,inode64,noatime,nouuid", why: "bricks are mounted with rw,inode64,noatime,nouuid" },
  { key: "glusterfs.sshexec.lvm_wrapper", env: "HEKETI_LVM_WRAPPER", why: "LVM commands run directly" },
  { key: "glusterfs.sshexec.snapshot_limit", env: "HEKETI_SNAPSHOT_LIMIT" },
  { key: "glusterfs.sshexec.backup_lvm_metadata" },
  { key: "glusterfs.sshexec.pv_data_alignment", def: "256K" },
  { key: "glusterfs.sshexec.vg_physicalextentsize", def: "4M" },
  { key: "glusterfs.sshexec.lv_chunksize", def: "256K" },
  { key: "glusterfs.sshexec.xfs_sw" },
  { key: "glusterfs.sshexec.xfs_su" },
  { key: "glusterfs.sshexec.debug_umount_failures", env: "HEKETI_DEBUG_UMOUNT_FAILURES" },
  { key: "glusterfs.sshexec.block_prealloc", env: "HEKETI_BLOCK_VOLUME_DEFAULT_PREALLOC", def: "full" },
  { key: "glusterfs.auto_create_block_hosting_volume", env: "HEKETI_AUTO_CREATE_BLOCK_HOSTING_VOLUME", why: "block volumes are not supported" },
  { key: "glusterfs.disable_monitor_gluster_nodes", why: "there is no node health monitor" },
  { key: "glusterfs.refresh_time_monitor_gluster_nodes", def: 120, why: "there is no node health monitor" },
  { key: "glusterfs.start_time_monitor_gluster_nodes", def: 10, why: "there is no node health monitor" },
  { key: "glusterfs.disable_background_cleaner", why: "there is no background cleaner (POST /operations/pending/cleanup runs recovery)" },
  { key: "glusterfs.refresh_time_background_cleaner", def: 3600, why: "there is no background cleaner" },
  { key: "glusterfs.start_time_background_cleaner", def: 60, why: "there is no background cleaner" },
  { key: "glusterfs.operation_retry_limits.volume_create", def: 4, why: "a failed volume create is rolled back, not retried" },
];

function at(file: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), file);
}

const isDefault = (v: unknown, def: unknown) => v === undefined || v === null || v === "" || v === 0 || v === false || v === def;

/** One line per ignored key that is set to a non-default value in the file or the environment. */
export function ignoredKeyWarnings(file: unknown, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const k of IGNORED) {
    const fromEnv = k.env ? env[k.env] : undefined;
    const v = fromEnv || at(file, k.key);
    if (isDefault(v, k.def)) continue;
    const source = fromEnv ? `${k.env}=${fromEnv}` : `${k.key}: ${JSON.stringify(v)}`;
    out.push(`WARNING: ${source} is not supported and is ignored${k.why ? ` (${k.why})` : ""}`);
  }
  return out;
}
