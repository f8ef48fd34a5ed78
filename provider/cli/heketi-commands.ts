/**
 * Migration from Heketi: `import` a `heketi db export` JSON into an empty ledger, `export` the ledger in
 * that format, and `topology load` a Heketi topology.json through the engine (real node and device adds).
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { parseVolumeInfoXml } from "../commands/parsers/gluster";
import { Engine } from "../engine";
import { Ledger } from "../ledger/ledger";
import { exportDump, importDump } from "../heketi/dump";
import { loadTopology } from "../heketi/topology-json";
import { ENGINE_FLAGS, ENGINE_FLAGS_USAGE, engineFromFlags } from "./engine-flags";

export const IMPORT_USAGE = `  import --heketi-json F --ledger L [--gluster-volume-info XML] [--skip-pending]
                          load a \`heketi db export\` file into an empty ledger (nodes use the engine's SSH defaults)
`;
export const EXPORT_USAGE = `  export --ledger L [--out F] [--brick-sets]
                          the ledger in Heketi's db export / GET /db/dump format
`;
export const TOPOLOGY_USAGE = `  topology load --json F ${ENGINE_FLAGS_USAGE}
                          heketi-cli topology load: add the file's clusters, nodes and devices for real
`;

export async function importCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { "heketi-json": { type: "string" }, ledger: { type: "string" }, "gluster-volume-info": { type: "string" }, "skip-pending": { type: "boolean" } },
    strict: true,
  });
  if (!values["heketi-json"] || !values.ledger) throw new Error("import needs --heketi-json <heketi db export file> and --ledger <ledger file>");
  // nothing runs on the nodes: the engine only writes the ledger, so its executor is never used
  const engine = new Engine({ ledgerPath: values.ledger });
  try {
    const report = importDump(engine, fs.readFileSync(values["heketi-json"], "utf8"), {
      pending: values["skip-pending"] ? "skip" : "refuse",
      glusterVolumes: values["gluster-volume-info"] ? parseVolumeInfoXml(fs.readFileSync(values["gluster-volume-info"], "utf8")) : undefined,
    });
    console.log(`imported ${report.clusters} cluster(s), ${report.nodes} node(s), ${report.devices} device(s), ${report.volumes} volume(s), ${report.bricks} brick(s) into ${values.ledger}`);
    for (const s of report.skipped) console.log(`skipped ${s.kind} ${s.name ?? ""} ${s.id}: ${s.reason}`);
    for (const w of report.warnings) console.log(`warning: ${w}`);
    return 0;
  } finally {
    await engine.close();
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ledger: { type: "string" }, out: { type: "string" }, "brick-sets": { type: "boolean" } }, strict: true });
  if (!values.ledger) throw new Error("export needs --ledger <ledger file>");
  if (!fs.existsSync(values.ledger)) throw new Error(`no ledger at ${values.ledger}`);
  const ledger = new Ledger(values.ledger);
  try {
    const text = `${JSON.stringify(exportDump(ledger, { brickSets: values["brick-sets"] ?? false }), null, 4)}\n`;
    if (!values.out || values.out === "-") process.stdout.write(text);
    else fs.writeFileSync(values.out, text);
    return 0;
  } finally {
    ledger.close();
  }
}

export async function topologyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "load") throw new Error("usage: topology load --json F --ledger L [ssh flags]");
  const { values } = parseArgs({ args: rest, options: { json: { type: "string" }, ...ENGINE_FLAGS }, strict: true });
  if (!values.json) throw new Error("topology load needs --json <topology file>");
  const engine = engineFromFlags(values);
  try {
    await loadTopology(engine, JSON.parse(fs.readFileSync(values.json, "utf8")), { onLine: (l) => console.log(l) });
    return 0; // like heketi-cli: per-item errors are printed, the load goes on
  } finally {
    await engine.close();
  }
}
