import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { repoRoot } from "./paths";

/** The shape of a lab: how many nodes, their disks and VM sizes, and where they listen. */
export const LabOptionsSchema = z.object({
  nodes: z.number().int().min(1).max(9).default(3),
  disks: z.number().int().min(1).max(8).default(2),
  diskSizeGiB: z.number().int().min(1).max(1024).default(8),
  memMiB: z.number().int().min(384).max(8192).default(768),
  tbSizeMiB: z.number().int().min(32).max(2048).default(256),
  /** Every node's sshd is forwarded from its own loopback address (127.0.0.11, .12, ...) on this one port. */
  sshPort: z.number().int().min(1024).max(65535).default(2222),
  /** First octet after 127.0.0. for node 1's management address (node i gets base + i). */
  addressBase: z.number().int().min(2).max(240).default(10),
  /** The private storage LAN is a multicast socket carried on host loopback, joined only by the VMs. */
  mcastPort: z.number().int().min(1024).max(65535).default(23077),
  /** How long `up` waits for every node to answer `gluster pool list`. */
  readyTimeoutSec: z.number().int().min(10).max(3600).default(600),
  labDir: z.string().default(() => process.env.PGFS_LAB_DIR ?? path.join(repoRoot(), ".lab")),
  cacheDir: z.string().default(() => path.join(process.env.PGFS_CACHE ?? path.join(os.homedir(), ".cache", "pulumi-glusterfs"), "lab")),
});
export type LabOptions = z.output<typeof LabOptionsSchema>;
export type LabOptionsInput = z.input<typeof LabOptionsSchema>;

export function labOptions(input: LabOptionsInput = {}): LabOptions {
  return LabOptionsSchema.parse(input);
}

/** Static identity of lab node i (1-based): names and addresses, derived from the options. */
export interface NodePlan {
  index: number;
  name: string;
  managementAddress: string;
  storageAddress: string;
  zone: number;
  devices: string[];
  mgmtMac: string;
  lanMac: string;
}

export function planNodes(o: LabOptions): NodePlan[] {
  const devLetters = "bcdefghi";
  return Array.from({ length: o.nodes }, (_, k) => {
    const i = k + 1;
    return {
      index: i,
      name: `gnode${i}`,
      managementAddress: `127.0.0.${o.addressBase + i}`,
      storageAddress: `10.77.0.${10 + i}`,
      zone: i,
      devices: Array.from({ length: o.disks }, (_, d) => `/dev/vd${devLetters[d]}`),
      mgmtMac: `52:54:00:a0:00:${hex2(i)}`,
      lanMac: `52:54:00:77:00:${hex2(10 + i)}`,
    };
  });
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}
