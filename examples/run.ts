#!/usr/bin/env node
/**
 * Run an example program through the real Pulumi engine (the CLI built from Go modules) as an
 * Automation API inline program, on a file:// backend beside the project:
 *   node dist/examples/run.js <quickstart|multi-cluster> <up|preview|refresh|destroy> [--stack NAME] [--config key=value ...]
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { localInlineStack } from "../devtools/automation/local-stack";
import { repoRoot } from "../devtools/lab/paths";
import { quickstart } from "./quickstart/program";
import { clusterStack } from "./multi-cluster/program";

const PROGRAMS: Record<string, { project: string; program: () => Record<string, unknown> }> = {
  quickstart: { project: "glusterfs-quickstart", program: quickstart },
  "multi-cluster": { project: "glusterfs-multi-cluster", program: clusterStack },
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { stack: { type: "string" }, config: { type: "string", multiple: true } } });
  const [name, action] = positionals;
  const p = PROGRAMS[name ?? ""];
  if (!p || !["up", "preview", "refresh", "destroy"].includes(action ?? "")) {
    process.stderr.write(`usage: run.js <${Object.keys(PROGRAMS).join("|")}> <up|preview|refresh|destroy> [--stack NAME] [--config key=value]\n`);
    return 2;
  }
  const config: Record<string, { value: string }> = {};
  for (const kv of values.config ?? []) {
    const i = kv.indexOf("=");
    if (i < 1) throw new Error(`--config wants key=value, got '${kv}'`);
    config[kv.slice(0, i)] = { value: kv.slice(i + 1) };
  }
  const stack = await localInlineStack(
    { projectName: p.project, stackName: values.stack ?? "lab", program: async () => p.program() },
    { stateDir: path.join(repoRoot(), ".pulumi-state"), config },
  );
  const onOutput = (s: string) => process.stdout.write(s);
  const t0 = Date.now();
  switch (action) {
    case "up": {
      const r = await stack.up({ onOutput });
      console.log(`\n${name} up: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      for (const [k, v] of Object.entries(r.outputs)) console.log(`${k}: ${v.secret ? "[secret]" : JSON.stringify(v.value)}`);
      break;
    }
    case "preview":
      await stack.preview({ onOutput, diff: true });
      break;
    case "refresh":
      await stack.refresh({ onOutput });
      break;
    case "destroy":
      await stack.destroy({ onOutput });
      console.log(`\n${name} destroy: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      break;
  }
  return 0;
}

main().then(
  (c) => process.exit(c),
  (e: Error) => {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  },
);
