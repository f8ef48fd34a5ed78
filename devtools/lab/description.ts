import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { repoRoot } from "./paths";

/** One storage node of a running lab, as tests, benchmarks and examples see it. */
export const LabNodeSchema = z.object({
  name: z.string(),
  managementAddress: z.string(),
  sshPort: z.number().int(),
  sshUser: z.string(),
  sudoUser: z.string(),
  privateKeyPath: z.string(),
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
  hostPublicKey: z.string(),
  storageHostname: z.string(),
  storageAddress: z.string(),
  zone: z.number().int().min(1),
  devices: z.array(z.string()),
  pid: z.number().int(),
});
export type LabNode = z.infer<typeof LabNodeSchema>;

export const LabDescriptionSchema = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  imageKey: z.string(),
  snapshotKey: z.string(),
  labDir: z.string(),
  knownHostsPath: z.string(),
  diskSizeGiB: z.number().int(),
  nodes: z.array(LabNodeSchema).min(1),
});
export type LabDescription = z.infer<typeof LabDescriptionSchema>;

export function descriptionPath(labDir?: string): string {
  return path.join(labDir ?? process.env.PGFS_LAB_DIR ?? path.join(repoRoot(), ".lab"), "lab.json");
}

/** Read the running lab's description, or explain how to get one. */
export function readLabDescription(labDir?: string): LabDescription {
  const file = descriptionPath(labDir);
  if (!fs.existsSync(file)) throw new Error(`no lab is running (${file} is missing): start one with \`npm run lab:up\``);
  return LabDescriptionSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
}

export function knownHostsLines(nodes: Pick<LabNode, "managementAddress" | "sshPort" | "hostPublicKey">[]): string {
  return nodes.map((n) => `[${n.managementAddress}]:${n.sshPort} ${n.hostPublicKey}`).join("\n") + "\n";
}
