#!/usr/bin/env node
import { exportCommand, HEKETI_USAGE, importCommand, topologyCommand } from "./heketi-commands";
import { checkCommand, CHECK_USAGE } from "./check";
import { recoverCommand, RECOVER_USAGE } from "./recover";
import { serve, SERVE_USAGE } from "./serve";
import { runCommandLine } from "./run";

const USAGE = `usage: pulumi-glusterfs <command>

${SERVE_USAGE}${CHECK_USAGE}${RECOVER_USAGE}${HEKETI_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "serve":
      return serve(rest);
    case "check":
      return checkCommand(rest);
    case "recover":
      return recoverCommand(rest);
    case "import":
      return importCommand(rest);
    case "export":
      return exportCommand(rest);
    case "topology":
      return topologyCommand(rest);
    default:
      process.stderr.write(USAGE);
      return cmd ? 2 : 0;
  }
}

runCommandLine(main);
