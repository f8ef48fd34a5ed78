/**
 * The mounter seam: everything the node service does to the machine it serves goes through here, as
 * plain commands given as argv (no shell). The production mounter runs them locally; a later step runs
 * the same commands inside the lab's VMs (a CommandRunner over SSH), so nothing here assumes the host.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
}

export interface FsStats {
  totalBytes: bigint;
  availableBytes: bigint;
  usedBytes: bigint;
  totalInodes: bigint;
  freeInodes: bigint;
  usedInodes: bigint;
}

export interface Mounter {
  mount(source: string, target: string, fstype: string, options: string[]): Promise<void>;
  unmount(target: string): Promise<void>;
  /** what is mounted now (the mount table) */
  mounts(): Promise<MountEntry[]>;
  statfs(p: string): Promise<FsStats>;
  /** mkdir -p */
  makeDir(p: string): Promise<void>;
  /** rmdir: only an empty directory; one that is not there is not an error */
  removeDir(p: string): Promise<void>;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs one command, argv[0] with arguments argv[1..], and reports how it ended (it does not throw on exit codes). */
export type CommandRunner = (argv: string[]) => Promise<CommandResult>;

/** Commands on this machine. */
export const localRunner: CommandRunner = (argv) =>
  new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && code === 127 ? err.message : "")) });
    });
  });

/** /proc/self/mountinfo's octal escapes (\040 for a space...). */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parse /proc/self/mountinfo: `id parent maj:min root mountpoint opts [optional...] - fstype source superopts`. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(" ");
    const dash = f.indexOf("-");
    if (f.length < 10 || dash < 6) continue;
    out.push({ target: unescape(f[4]), fstype: f[dash + 1], source: unescape(f[dash + 2]) });
  }
  return out;
}

/** The production mounter: mount(8), umount(8), /proc/self/mountinfo, stat -f, mkdir, rmdir. */
export class CommandMounter implements Mounter {
  constructor(private readonly run: CommandRunner = localRunner) {}

  private async must(argv: string[]): Promise<CommandResult> {
    const r = await this.run(argv);
    if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
    return r;
  }

  async mount(source: string, target: string, fstype: string, options: string[]): Promise<void> {
    await this.must(["mount", "-t", fstype, ...(options.length ? ["-o", options.join(",")] : []), source, target]);
  }

  async unmount(target: string): Promise<void> {
    await this.must(["umount", target]);
  }

  async mounts(): Promise<MountEntry[]> {
    return parseMountinfo((await this.must(["cat", "/proc/self/mountinfo"])).stdout);
  }

  async statfs(p: string): Promise<FsStats> {
    // %S block size, %b blocks, %a blocks free for users, %f blocks free, %c inodes, %d inodes free
    const out = (await this.must(["stat", "-f", "-c", "%S %b %a %f %c %d", "--", p])).stdout.trim().split(/\s+/).map((x) => BigInt(x));
    const [bs, blocks, avail, free, files, ffree] = out;
    return { totalBytes: blocks * bs, availableBytes: avail * bs, usedBytes: (blocks - free) * bs, totalInodes: files, freeInodes: ffree, usedInodes: files - ffree };
  }

  async makeDir(p: string): Promise<void> {
    await this.must(["mkdir", "-p", "--", p]);
  }

  async removeDir(p: string): Promise<void> {
    const r = await this.run(["rmdir", "--", p]);
    if (r.code !== 0 && !/No such file or directory/.test(r.stderr)) throw new Error(`rmdir ${p} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
}

/** Two spellings of one path (trailing slash, `..`) are one mount point. */
export const samePath = (a: string, b: string) => path.posix.resolve(a) === path.posix.resolve(b);
