import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, InlineProgramArgs, Stack } from "@pulumi/pulumi/automation";
import { localInlineStack } from "../../provider/automation/local-stack";

export { pulumiRoot } from "../../provider/automation/local-stack";

/** An inline-program stack on a fresh file:// backend, fully offline. */
export async function inlineStack(args: InlineProgramArgs, opts: { stateDir?: string; config?: Record<string, string> } = {}): Promise<{ stack: Stack; stateDir: string }> {
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-state-"));
  const config = Object.fromEntries(Object.entries(opts.config ?? {}).map(([k, v]) => [k, { value: v }]));
  const stack = await localInlineStack(args, { stateDir, passphrase: "test-only-passphrase", config });
  return { stack, stateDir };
}

/**
 * The steps the engine announced (resources whose type starts with `exclude` left out: by default the
 * providers and the stack), each with the inputs whose values change — what `pulumi preview --diff` shows.
 */
export function plannedSteps(events: EngineEvent[], exclude = "pulumi:"): Array<{ op: string; type: string; diffs: string[] }> {
  return events
    .map((e) => e.resourcePreEvent?.metadata)
    .filter((m): m is NonNullable<typeof m> => !!m && m.op !== "same" && !m.type.startsWith(exclude))
    .map((m) => {
      const olds = (m.old?.inputs ?? {}) as Record<string, unknown>;
      const news = (m.new?.inputs ?? {}) as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => k !== "__provider");
      return { op: m.op, type: m.type.split(":").pop()!, diffs: keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])).sort() };
    });
}
