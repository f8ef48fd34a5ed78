/**
 * `pulumi-glusterfs check`: the ledger set beside the nodes (LVM and gluster), every difference in
 * words an operator can act on. Reads only; exit 1 when anything differs or a node did not answer.
 * `--repair` fixes what is safe to fix (Engine.repairClusters: the ledger, and our own leftovers on the
 * nodes) and checks again.
 */
import { parseArgs } from "node:util";
import type { CheckReport } from "../operations/check";
import { ENGINE_FLAGS, ENGINE_FLAGS_USAGE, engineFromFlags } from "./engine-flags";

export const CHECK_USAGE = `  check ${ENGINE_FLAGS_USAGE} [--cluster ID ...] [--json] [--repair]
                          compare the ledger with the nodes (LVs, VGs, mounts, fstab lines, gluster volumes and bricks);
                          changes nothing, or with --repair: recovery, the ledger brought in line (accounting, rows gone
                          from the nodes), our own leftovers removed (bricks tagged by us that no volume has, fstab lines
                          of bricks that are nowhere) and our bricks' lost fstab lines added; never anything untagged
`;

export async function checkCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...ENGINE_FLAGS, cluster: { type: "string", multiple: true }, json: { type: "boolean" }, repair: { type: "boolean" } }, strict: true });
  if (!values.ledger && !values.config) throw new Error(`check needs the ledger: ${CHECK_USAGE.trim()}`);
  const engine = engineFromFlags(values);
  try {
    let reports = await engine.checkClusters(values.cluster);
    if (values.json && !values.repair) console.log(JSON.stringify(reports, null, 2));
    else if (!values.json) for (const r of reports) console.log(describe(r));
    if (values.repair && reports.some((r) => r.findings.length)) {
      const repaired = await engine.repairClusters(values.cluster);
      reports = repaired.reports;
      if (values.json) console.log(JSON.stringify(repaired, null, 2));
      else {
        for (const line of repaired.done) console.log(`repaired: ${line}`);
        for (const r of reports) console.log(`after repair: ${describe(r)}`);
      }
    }
    return reports.every((r) => r.complete && !r.findings.length) ? 0 : 1;
  } finally {
    await engine.close();
  }
}

function describe(r: CheckReport): string {
  const head = `cluster ${r.clusterId}: ${r.counts.nodes} node(s), ${r.counts.devices} device(s), ${r.counts.volumes} volume(s)`;
  if (!r.findings.length) return `${head}: the ledger and the nodes agree${r.complete ? "" : " (as far as the nodes answered)"}`;
  return [`${head}: ${r.findings.length} difference(s)`, ...r.findings.map((f) => `  ${f.kind}: ${f.message}`)].join("\n");
}
