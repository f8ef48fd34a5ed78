import type { LabOptions, NodePlan } from "./settings";

/** Everything on a node's kernel command line that gives it its identity (applied by node-identity.sh). */
export interface NodeIdentity {
  hostsLine: string; // gnode1:10.77.0.11,gnode2:10.77.0.12,...
  clientKeyBlob: string; // base64 blob of the operator's ssh-ed25519 public key
  hostKeyFileB64: string; // base64 of this node's OpenSSH private host key file
}

export interface VmFiles {
  kernel: string;
  initrd: string;
  root: string; // qcow2 overlay
  disks: string[]; // raw data disks, in device order (vdb, vdc, ...)
  qmpSocket: string;
  serialLog: string;
  incomingState?: string; // restore from this saved state
}

/**
 * The QEMU command line of one lab VM (pure). The device set must be identical between the boot
 * that saved a snapshot and every restore of it, so everything that shapes it is an input here.
 */
export function qemuArgs(o: LabOptions, node: NodePlan, id: NodeIdentity, f: VmFiles): string[] {
  const append = [
    "root=/dev/vda rw rootfstype=ext4 console=ttyS0 net.ifnames=0 fsck.mode=skip panic=-1 quiet",
    `pgfs.name=${node.name}`,
    `pgfs.ip=${node.storageAddress}/24`,
    `pgfs.hosts=${id.hostsLine}`,
    `pgfs.key=${id.clientKeyBlob}`,
    `pgfs.hostkey=${id.hostKeyFileB64}`,
  ].join(" ");
  const args = [
    "-name", node.name,
    "-accel", `tcg,tb-size=${o.tbSizeMiB}`,
    "-m", String(o.memMiB),
    "-smp", "1",
    "-nodefaults", "-display", "none", "-monitor", "none",
    "-serial", `file:${f.serialLog}`,
    "-qmp", `unix:${f.qmpSocket},server=on,wait=off`,
    "-no-reboot",
    "-kernel", f.kernel,
    "-initrd", f.initrd,
    "-append", append,
    "-drive", `file=${f.root},format=qcow2,if=virtio,cache=unsafe,discard=unmap`,
    ...f.disks.flatMap((d) => ["-drive", `file=${d},format=raw,if=virtio,cache=unsafe`]),
    // management NIC: user-mode net that cannot reach the host or the outside (restrict=on); only sshd is forwarded
    "-netdev", `user,id=mgmt,restrict=on,hostfwd=tcp:${node.managementAddress}:${o.sshPort}-:22`,
    "-device", `virtio-net-pci,netdev=mgmt,mac=${node.mgmtMac}`,
    // storage LAN: an L2 segment shared only by the lab's VMs, carried as multicast on host loopback
    "-netdev", `socket,id=lan,mcast=230.0.0.1:${o.mcastPort},localaddr=127.0.0.1`,
    "-device", `virtio-net-pci,netdev=lan,mac=${node.lanMac}`,
    "-device", "virtio-rng-pci",
  ];
  if (f.incomingState) args.push("-incoming", `exec:cat ${f.incomingState}`);
  return args;
}

export function hostsLine(nodes: NodePlan[]): string {
  return nodes.map((n) => `${n.name}:${n.storageAddress}`).join(",");
}
