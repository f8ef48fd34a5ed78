#!/usr/bin/env node
/**
 * The README's table "What each change does (the providers' `diff`)", rendered from the resources'
 * own rules and words (provider/resources), so that the table cannot say what the providers do not.
 * `node dist/devtools/readme-table.js` prints it; `--write` puts it into README.md in place of the
 * table there. test/unit/readme-table.test.ts fails while the two differ.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RESOURCES, type ResourceKind } from "../provider/resources";
import { HANDED_DOWN, type Resource } from "../provider/resources/resource";

const HEADER = "| resource | replaced (delete first, then create) | updated in place | refused at check/preview |";

/** The README's order: what an operator changes most often first. */
const ROWS: ResourceKind[] = ["volume", "node", "device", "cluster"];

function row(r: Resource): string {
  const replaced = [...Object.values(r.replace), ...(r.parent ? [r.parent.doc] : [])];
  // inputs that share one text (`file`/`block`) are one entry
  const updated = [...new Set(Object.values(r.update).filter((doc): doc is string => doc !== HANDED_DOWN))];
  return `| ${r.title} | ${replaced.join(", ")} | ${updated.join(", ")} | ${r.refuse.doc} |`;
}

export function changesTable(): string {
  return [HEADER, "|---|---|---|---|", ...ROWS.map((k) => row(RESOURCES[k]))].join("\n");
}

/** The table's lines in a README: from its header to the last line of the table. */
export function tableIn(readme: string): { start: number; end: number } {
  const lines = readme.split("\n");
  const start = lines.indexOf(HEADER);
  if (start < 0) throw new Error(`README.md has no line "${HEADER}": put the header back where the table belongs, then run this again`);
  let end = start;
  while (end + 1 < lines.length && lines[end + 1].startsWith("|")) end++;
  return { start, end };
}

export function withChangesTable(readme: string): string {
  const lines = readme.split("\n");
  const { start, end } = tableIn(readme);
  return [...lines.slice(0, start), changesTable(), ...lines.slice(end + 1)].join("\n");
}

export const README = path.resolve(__dirname, "..", "..", "README.md");

if (require.main === module) {
  if (process.argv.includes("--write")) fs.writeFileSync(README, withChangesTable(fs.readFileSync(README, "utf8")));
  else console.log(changesTable());
}
