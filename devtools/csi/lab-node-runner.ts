/**
 * LAB TOOLING: the CSI node service's commands run inside one lab VM. The host cannot reach the lab's
 * storage network, so in the lab the node service's process stays on the host while every command its
 * mounter runs (mount -t glusterfs, umount, cat /proc/self/mountinfo, stat -f, mkdir, rmdir) runs on the
 * VM over one kept SSH connection: the mounts, the FUSE client and the storage network are the VM's, as
 * they are a kubelet node's when the node plugin runs in the DaemonSet. The product's mounter is
 * unchanged (provider/csi/mounter.ts CommandMounter); only its CommandRunner is this one.
 */
import { quote } from "../../provider/commands/shell";
import type { CommandResult, CommandRunner } from "../../provider/csi/mounter";
import type { LabNode } from "../lab/description";
import { shellTarget } from "../lab/lab";
import { NodeShell } from "../lab/node-shell";

export interface LabNodeRunner {
  run: CommandRunner;
  /** every command run, in order, with its exit code and duration */
  readonly calls: Array<{ argv: string[]; code: number; ms: number }>;
  close(): void;
}

export async function labNodeRunner(node: LabNode): Promise<LabNodeRunner> {
  const shell = await NodeShell.connect(shellTarget(node));
  const calls: LabNodeRunner["calls"] = [];
  const run: CommandRunner = async (argv): Promise<CommandResult> => {
    const t0 = Date.now();
    const r = await shell.exec(argv.map(quote).join(" "), 120_000);
    calls.push({ argv, code: r.code, ms: Date.now() - t0 });
    return r;
  };
  return { run, calls, close: () => shell.close() };
}
