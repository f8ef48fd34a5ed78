#!/usr/bin/env node
/**
 * Where the time went, from a PGFS_TRACE file: per operation, its steps with their wall time and the
 * remote commands in them (host, what, seconds, exit); then the slowest commands overall.
 *   PGFS_TRACE=/tmp/t.jsonl pulumi up ...; node dist/devtools/trace-summary.js /tmp/t.jsonl
 */
import * as fs from "node:fs";
import type { RemoteCall } from "../provider/exec/trace";
import { runCommandLine } from "../provider/cli/run";

const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

export function summarize(calls: RemoteCall[]): string {
  const out: string[] = [];
  const ops = new Map<string, RemoteCall[]>();
  for (const c of calls) {
    const k = c.operation ? `${c.operation.type} ${c.operation.id}` : "(outside operations: reads, rebuilds)";
    ops.set(k, [...(ops.get(k) ?? []), c]);
  }
  for (const [k, cs] of ops) {
    const start = Math.min(...cs.map((c) => Date.parse(c.at)));
    const end = Math.max(...cs.map((c) => Date.parse(c.at) + c.ms));
    out.push(`${k}: ${cs.length} remote command(s), ${s(end - start)} wall`);
    const steps = new Map<string, RemoteCall[]>();
    for (const c of cs) steps.set(c.operation?.step ?? "-", [...(steps.get(c.operation?.step ?? "-") ?? []), c]);
    for (const [step, sc] of steps) {
      const wall = Math.max(...sc.map((c) => Date.parse(c.at) + c.ms)) - Math.min(...sc.map((c) => Date.parse(c.at)));
      out.push(`  ${step}: ${s(wall)} wall`);
      for (const c of sc) out.push(`    ${c.host}  ${s(c.ms)}  exit ${c.exit ?? "none"}  ${c.command}`);
    }
  }
  out.push("slowest commands:");
  for (const c of [...calls].sort((a, b) => b.ms - a.ms).slice(0, 10)) out.push(`  ${s(c.ms)}  ${c.host}  ${c.operation?.type ?? "-"}/${c.operation?.step ?? "-"}  ${c.command}`);
  return out.join("\n");
}

if (require.main === module) {
  runCommandLine(async ([file]) => {
    if (!file || !fs.existsSync(file)) throw new Error("usage: node dist/devtools/trace-summary.js <PGFS_TRACE file>");
    const calls = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as RemoteCall);
    console.log(summarize(calls));
    return 0;
  });
}
