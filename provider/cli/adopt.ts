/**
 * `pulumi-glusterfs adopt`: the Pulumi program for a cluster that already runs, from a Heketi export
 * (`heketi db export`) or from a ledger (`rebuild` writes one from the nodes alone, `serve` runs on one).
 * Nothing runs on the nodes and nothing is written to the ledger: this only reads rows and writes a program.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { adoptionProgram, type AdoptedCluster } from "../adoption/program";
import { parseVolumeInfoXml } from "../commands/parsers/gluster";
import { Engine } from "../engine";
import { importDump } from "../heketi/dump";
import { Ledger } from "../ledger/ledger";
import { engineFromFlags, type EngineFlagValues } from "./engine-flags";
import { parseHostAddress } from "./rebuild";

export const ADOPT_USAGE = `  adopt (--heketi-json F [--gluster-volume-info XML] | --ledger L | --node HOST[:SSH_PORT][=STORAGE_HOST] ... [--ssh-key K --ssh-user U --ssh-port N --ssh-sudo --known-hosts F]) [--cluster ID] [--out FILE]
                          write the Pulumi program (index.ts) that adopts a running cluster: its nodes, devices
                          and volumes by id, as they are (to FILE, default stdout); the ids go to stderr.
                          --node: a cluster built by hand with gluster and LVM, read over SSH (nothing is
                          written there); its resources get new ids, which the first pulumi up tags onto the nodes
`;

function clusterOf(ledger: Ledger, wanted: string | undefined): AdoptedCluster {
  const clusters = ledger.listClusters();
  if (!clusters.length) throw new Error(`${ledger.file} holds no cluster: nothing to adopt`);
  const c = wanted ? clusters.find((x) => x.id === wanted) : clusters.length === 1 ? clusters[0] : undefined;
  if (!c) {
    throw new Error(
      wanted
        ? `no cluster ${wanted} in ${ledger.file} (it has ${clusters.map((x) => x.id).join(", ")})`
        : `${ledger.file} holds ${clusters.length} clusters (${clusters.map((x) => x.id).join(", ")}): one stack per cluster, so name one with --cluster ID`,
    );
  }
  const busy = ledger.listVolumes(c.id).filter((v) => v.opId || v.state !== "online");
  if (busy.length) throw new Error(`volume(s) ${busy.map((v) => v.name).join(", ")} of cluster ${c.id} are under an operation (or not online): let it finish (\`pulumi-glusterfs recover\`), then adopt`);
  return {
    id: c.id,
    file: c.file,
    block: c.block,
    nodes: ledger.listNodes(c.id).map((node) => ({ node, devices: ledger.listDevices(node.id) })),
    volumes: ledger.listVolumes(c.id),
  };
}

export async function adoptCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "heketi-json": { type: "string" }, "gluster-volume-info": { type: "string" }, ledger: { type: "string" }, cluster: { type: "string" }, out: { type: "string" },
      node: { type: "string", multiple: true }, "ssh-key": { type: "string" }, "ssh-user": { type: "string" }, "ssh-port": { type: "string" }, "ssh-sudo": { type: "boolean" }, "known-hosts": { type: "string" },
    },
    strict: true,
  });
  if ([values["heketi-json"], values.ledger, values.node?.length].filter(Boolean).length !== 1) throw new Error(`adopt reads one source: ${ADOPT_USAGE.trim()}`);
  if (values.node?.length) return adoptHandBuilt(values as Parameters<typeof adoptHandBuilt>[0]);
  let tmp: string | undefined;
  let ledger: Ledger;
  let source: string;
  if (values["heketi-json"]) {
    const file = values["heketi-json"];
    if (!fs.existsSync(file)) throw new Error(`no Heketi export at ${file} (make one with \`heketi db export --dbfile heketi.db --jsonfile ${file}\`)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-adopt-"));
    const engine = new Engine({ ledgerPath: path.join(tmp, "ledger.db") });
    try {
      const report = importDump(engine, fs.readFileSync(file, "utf8"), {
        pending: "refuse",
        glusterVolumes: values["gluster-volume-info"] ? parseVolumeInfoXml(fs.readFileSync(values["gluster-volume-info"], "utf8")) : undefined,
      });
      for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
    } finally {
      await engine.close();
    }
    ledger = new Ledger(path.join(tmp, "ledger.db"));
    source = `the Heketi export ${path.basename(file)}`;
  } else {
    const file = values.ledger!;
    if (!fs.existsSync(file)) throw new Error(`no ledger at ${file} (\`pulumi-glusterfs rebuild --ledger ${file} --node HOST ...\` writes one from the nodes)`);
    ledger = new Ledger(file);
    source = `the ledger ${path.basename(file)}`;
  }
  try {
    writeProgram(adoptionProgram(clusterOf(ledger, values.cluster), source), values.out, "then: `pulumi up` records them (nothing changes on the nodes); `pulumi preview` shows no changes");
    return 0;
  } finally {
    ledger.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function writeProgram({ text, resources }: ReturnType<typeof adoptionProgram>, out: string | undefined, then: string): void {
  if (!out || out === "-") process.stdout.write(text);
  else {
    fs.writeFileSync(`${out}.tmp`, text);
    fs.renameSync(`${out}.tmp`, out);
  }
  const counts = ["Node", "Device", "Volume"].map((t) => `${resources.filter((r) => r.type === t).length} ${t.toLowerCase()}(s)`).join(", ");
  process.stderr.write(`cluster ${resources[0].id}: ${counts}${out && out !== "-" ? ` written to ${out}` : ""}; adopted by id:\n`);
  for (const r of resources) process.stderr.write(`  ${r.type.padEnd(14)} ${r.name.padEnd(28)} ${r.id}\n`);
  process.stderr.write(`${then}\n`);
}

/** `adopt --node ...`: a cluster built by hand, read over SSH; new ids. */
async function adoptHandBuilt(values: EngineFlagValues & { node: string[]; out?: string; cluster?: string }): Promise<number> {
  if (values.cluster) throw new Error("--cluster names a cluster of a Heketi export or a ledger; with --node, the nodes named are the cluster");
  const hosts = values.node.map(parseHostAddress);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-adopt-"));
  const engine = engineFromFlags({ ...values, ledger: path.join(tmp, "ledger.db") });
  try {
    const found = await engine.describeHandBuilt(hosts);
    for (const w of found.warnings) process.stderr.write(`warning: ${w}\n`);
    const cluster: AdoptedCluster = {
      id: found.clusterId, file: true, block: false,
      nodes: found.nodes.map((n) => ({ node: n.node, devices: n.devices.map((d) => ({ id: d.id, path: d.path, tags: {} })) })),
      volumes: found.volumes,
    };
    const source = `the nodes ${hosts.map((h) => h.manageHost).join(", ")}`;
    writeProgram(adoptionProgram(cluster, source, { handBuilt: true }), values.out, "then: `pulumi up` tags them on the nodes (no data moves, nothing is renamed); `pulumi preview` shows no changes");
    return 0;
  } finally {
    await engine.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
