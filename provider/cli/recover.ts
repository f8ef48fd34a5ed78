/**
 * `pulumi-glusterfs recover`: finish or roll back what a crashed process left in a ledger — the same
 * recovery `serve` and the Pulumi providers run when they start, on demand, with a report. Operations
 * still owned by a live process are left to it.
 */
import { parseArgs } from "node:util";
import { ENGINE_FLAGS, ENGINE_FLAGS_USAGE, engineFromFlags } from "./engine-flags";

export const RECOVER_USAGE = `  recover ${ENGINE_FLAGS_USAGE} [--operation ID ...]
                          finish or roll back the operations a crashed process left (all, or the ones named)
`;

export async function recoverCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...ENGINE_FLAGS, operation: { type: "string", multiple: true } }, strict: true });
  if (!values.ledger && !values.config) throw new Error(`recover needs the ledger: ${RECOVER_USAGE.trim()}`);
  const engine = engineFromFlags(values);
  try {
    const results = await engine.recover(values.operation ?? []);
    if (!results.length) console.log("nothing to recover: no operation was left unfinished by a process that is gone");
    for (const r of results) console.log(`${r.id}  ${r.type}  ${r.action}${r.error ? `: ${r.error}` : ""}`);
    const failing = results.filter((r) => r.action === "still failing");
    if (failing.length) {
      process.stderr.write(`${failing.length} operation(s) could not be finished or rolled back; fix the cause named above on the node, then run recover again\n`);
      return 1;
    }
    return 0;
  } finally {
    await engine.close();
  }
}
