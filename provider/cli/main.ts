#!/usr/bin/env node
import { EXPORT_USAGE, exportCommand, IMPORT_USAGE, importCommand, TOPOLOGY_USAGE, topologyCommand } from "./heketi-commands";
import { adoptCommand, ADOPT_USAGE } from "./adopt";
import { checkCommand, CHECK_USAGE } from "./check";
import { csiCommand, CSI_USAGE } from "./csi";
import { recoverCommand, RECOVER_USAGE } from "./recover";
import { rebuildCommand, REBUILD_USAGE } from "./rebuild";
import { serve, SERVE_USAGE } from "./serve";
import { runCommandLine } from "./run";

/** Each command, what runs it, and its usage lines (printed by `<command> --help`). */
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  serve: { run: serve, usage: SERVE_USAGE },
  check: { run: checkCommand, usage: CHECK_USAGE },
  recover: { run: recoverCommand, usage: RECOVER_USAGE },
  rebuild: { run: rebuildCommand, usage: REBUILD_USAGE },
  import: { run: importCommand, usage: IMPORT_USAGE },
  export: { run: exportCommand, usage: EXPORT_USAGE },
  adopt: { run: adoptCommand, usage: ADOPT_USAGE },
  topology: { run: topologyCommand, usage: TOPOLOGY_USAGE },
  csi: { run: csiCommand, usage: CSI_USAGE },
};

const USAGE = `usage: pulumi-glusterfs <command>

${Object.values(COMMANDS).map((c) => c.usage).join("")}`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const c = cmd ? COMMANDS[cmd] : undefined;
  if (!c) {
    process.stderr.write(USAGE);
    return cmd ? 2 : 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`usage: pulumi-glusterfs\n${c.usage}`);
    return 0;
  }
  return c.run(rest);
}

runCommandLine(main);
