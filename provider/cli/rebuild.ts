/**
 * `pulumi-glusterfs rebuild`: a new ledger from the nodes alone, for when the ledger file is lost —
 * which clusters and nodes the hosts are (their VGs' owner tags, gluster's pool), their devices, volumes
 * and bricks (LVM, gluster's volume info), then a check of the result. Every host of the cluster(s)
 * must be named and must answer: a host left out would be a node the new ledger does not know.
 */
import { parseArgs } from "node:util";
import type { HostAddress } from "../operations/discovery";
import { ENGINE_FLAGS, ENGINE_FLAGS_USAGE, engineFromFlags } from "./engine-flags";

export const REBUILD_USAGE = `  rebuild ${ENGINE_FLAGS_USAGE} --node HOST[:SSH_PORT][=STORAGE_HOST] ...
                          write a new ledger (an empty or missing file) from the nodes alone: every node of the
                          cluster(s), by its management address; then check it against the nodes
`;

/** `HOST[:PORT][=STORAGE]` */
export function parseHostAddress(text: string): HostAddress {
  const m = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:=([A-Za-z0-9.-]+))?$/.exec(text);
  const port = m?.[2] ? Number(m[2]) : undefined;
  if (!m || (port !== undefined && (port < 1 || port > 65535))) throw new Error(`--node ${text}: expected HOST[:SSH_PORT][=STORAGE_HOST] (a hostname or IPv4 address, a port from 1 to 65535)`);
  return { manageHost: m[1], port, storageHost: m[3] };
}

export async function rebuildCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...ENGINE_FLAGS, node: { type: "string", multiple: true } }, strict: true });
  if (!values.ledger && !values.config) throw new Error(`rebuild needs the new ledger's path: ${REBUILD_USAGE.trim()}`);
  if (!values.node?.length) throw new Error(`rebuild needs every node of the cluster: ${REBUILD_USAGE.trim()}`);
  const hosts = values.node.map(parseHostAddress);
  const engine = engineFromFlags(values);
  try {
    const { plans, warnings } = await engine.rebuildFromNodes(hosts);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    for (const p of plans) {
      const bricks = p.volumes.reduce((a, v) => a + v.bricks.length, 0);
      console.log(`cluster ${p.clusterId}: ${p.nodes.length} node(s), ${p.devices.length} device(s), ${p.volumes.length} volume(s), ${bricks} brick(s) written to ${engine.ledger.file}`);
    }
    const reports = await engine.checkClusters();
    for (const r of reports) {
      if (!r.findings.length) console.log(`cluster ${r.clusterId}: the new ledger and the nodes agree`);
      else console.log([`cluster ${r.clusterId}: ${r.findings.length} difference(s)`, ...r.findings.map((f) => `  ${f.kind}: ${f.message}`)].join("\n"));
    }
    return reports.every((r) => r.complete && !r.findings.length) ? 0 : 1;
  } finally {
    await engine.close();
  }
}
