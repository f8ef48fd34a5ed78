#!/usr/bin/env node
import { exportCommand, HEKETI_USAGE, importCommand, topologyCommand } from "./heketi-commands";
import { checkCommand, CHECK_USAGE } from "./check";
import { recoverCommand, RECOVER_USAGE } from "./recover";
import { serve, SERVE_USAGE } from "./serve";
import { runCommandLine } from "./run";

const USAGE = `usage: pulumi-glusterfs <command>

${SERVE_USAGE}${CHECK_USAGE}${RECOVER_USAGE}${HEKETI_USAGE}`;

/** Each command, what runs it, and its usage lines (printed by `<command> --help`). */
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  serve: { run: serve, usage: SERVE_USAGE },
  check: { run: checkCommand, usage: CHECK_USAGE },
  recover: { run: recoverCommand, usage: RECOVER_USAGE },
  import: { run: importCommand, usage: usageLinesOf(HEKETI_USAGE, "import") },
  export: { run: exportCommand, usage: usageLinesOf(HEKETI_USAGE, "export") },
  topology: { run: topologyCommand, usage: usageLinesOf(HEKETI_USAGE, "topology") },
};

/** The lines of a usage block that belong to one command (its line and the indented ones after it). */
function usageLinesOf(usage: string, cmd: string): string {
  const lines = usage.split("\n");
  const i = lines.findIndex((l) => l.startsWith(`  ${cmd} `));
  let j = i + 1;
  while (j < lines.length && /^ {4,}/.test(lines[j])) j++;
  return lines.slice(i, j).join("\n") + "\n";
}

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
