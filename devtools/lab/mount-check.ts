/**
 * Proof that a volume works for a client: FUSE-mount it on one lab node, write a file, mount it on
 * another, read the file back there, unmount both. The lab's nodes are the only machines on its
 * storage network, so they stand in for the operator's clients (the host cannot reach that network).
 */
import { randomBytes } from "node:crypto";
import type { LabDescription } from "./description";
import { shellTarget } from "./lab";
import { NodeShell } from "./node-shell";
import { quote as shq } from "../../provider/commands/shell";

export interface MountCheck {
  writer: string;
  reader: string;
  file: string;
  ms: number;
}

export async function mountCheck(lab: LabDescription, o: { volume: string; server: string; backup?: string[] }): Promise<MountCheck> {
  if (lab.nodes.length < 2) throw new Error("the mount check needs two lab nodes (one writes, another reads)");
  const [a, b] = lab.nodes;
  const t0 = Date.now();
  const mnt = `/mnt/pgfs-mount-check-${randomBytes(4).toString("hex")}`;
  const file = `${mnt}/written-on-${a.name}`;
  const token = randomBytes(16).toString("hex");
  const backup = o.backup?.length ? `-o ${shq(`backup-volfile-servers=${o.backup.join(":")}`)} ` : "";
  const mount = `mkdir -p ${shq(mnt)} && mount -t glusterfs ${backup}${shq(`${o.server}:${o.volume}`)} ${shq(mnt)}`;
  const unmount = `umount ${shq(mnt)} 2>/dev/null; rmdir ${shq(mnt)} 2>/dev/null; true`;
  const [sa, sb] = await Promise.all([NodeShell.connect(shellTarget(a)), NodeShell.connect(shellTarget(b))]);
  try {
    await sa.check(`${mount} && printf %s ${shq(token)} > ${shq(file)} && sync`, 120_000);
    await sb.check(mount, 120_000);
    const read = await sb.check(`cat ${shq(file)}`, 60_000);
    if (read.trim() !== token) throw new Error(`${b.name} read '${read.trim()}' from ${file}, not what ${a.name} wrote`);
    await sa.check(`rm -f ${shq(file)}`, 60_000);
    return { writer: a.name, reader: b.name, file, ms: Date.now() - t0 };
  } finally {
    await Promise.all([sa.check(unmount).catch(() => ""), sb.check(unmount).catch(() => "")]);
    sa.close();
    sb.close();
  }
}
