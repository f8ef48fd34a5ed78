import { LabDescription } from "../../devtools/lab/description";
import { labUp } from "../../devtools/lab/lab";
import { nodeLeftovers } from "./engine";

let lab: Promise<LabDescription> | undefined;

/** The running lab (started once per test process; `lab up` is idempotent). */
export function ensureLab(): Promise<LabDescription> {
  lab ??= labUp({}, (s) => console.log(`      [lab] ${s}`));
  return lab;
}

/**
 * The running lab, with nodes that hold nothing of ours: no brick LVs or VGs, no brick mounts or fstab
 * lines, no gluster volumes or peers. Every lab suite that builds storage starts here, so it starts
 * from what an operator's fresh nodes look like, and a suite that left something behind fails the
 * next one loudly instead of having its leftovers cleaned (or counted) by someone else.
 */
export async function requireCleanLab(): Promise<LabDescription> {
  const d = await ensureLab();
  const dirty: string[] = [];
  for (const n of d.nodes) dirty.push(...(await nodeLeftovers(n)).map((l) => `${n.name} ${l}`));
  if (dirty.length) {
    throw new Error(`the lab nodes are not clean; an earlier run left:\n  ${dirty.join("\n  ")}\nreset them with \`node dist/devtools/cli.js lab down\` (the next lab up starts from the snapshot) and run again`);
  }
  return d;
}
