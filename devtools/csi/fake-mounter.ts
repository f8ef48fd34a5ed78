/**
 * A TEST DOUBLE of the CSI node service's mounter: it makes and removes the target directories for real
 * (csi-sanity checks them) but mounts nothing: mounts are only recorded in memory, and the statistics of
 * a "mounted" path are those of the directory's own file system. Selected by `csi --mounter
 * fake-for-tests` for csi-sanity on a host without GlusterFS; real mounts are proven in the lab.
 */
import * as fs from "node:fs";
import type { FsStats, MountEntry, Mounter } from "../../provider/csi/mounter";
import { samePath } from "../../provider/csi/mounter";

export class FakeMounter implements Mounter {
  readonly table: Array<MountEntry & { options: string[] }> = [];
  /** every call, in order (unit tests read it) */
  readonly calls: string[] = [];

  async mount(source: string, target: string, fstype: string, options: string[]): Promise<void> {
    this.calls.push(`mount -t ${fstype} -o ${options.join(",")} ${source} ${target}`);
    if (!fs.existsSync(target)) throw new Error(`mount point ${target} does not exist`);
    // mount(8) names FUSE file systems fuse.<type> in the mount table
    this.table.push({ source, target, fstype: `fuse.${fstype}`, options });
  }

  async unmount(target: string): Promise<void> {
    this.calls.push(`umount ${target}`);
    const i = this.table.findIndex((m) => samePath(m.target, target));
    if (i < 0) throw new Error(`umount: ${target}: not mounted`);
    this.table.splice(i, 1);
  }

  async mounts(): Promise<MountEntry[]> {
    return this.table.map(({ source, target, fstype }) => ({ source, target, fstype }));
  }

  async statfs(p: string): Promise<FsStats> {
    const s = fs.statfsSync(p, { bigint: true });
    return {
      totalBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize,
      totalInodes: s.files, freeInodes: s.ffree, usedInodes: s.files - s.ffree,
    };
  }

  async makeDir(p: string): Promise<void> {
    this.calls.push(`mkdir -p ${p}`);
    fs.mkdirSync(p, { recursive: true });
  }

  async removeDir(p: string): Promise<void> {
    this.calls.push(`rmdir ${p}`);
    if (fs.existsSync(p)) fs.rmdirSync(p);
  }
}
