import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, InlineProgramArgs, Stack } from "@pulumi/pulumi/automation";
import { localInlineStack } from "../../devtools/automation/local-stack";

export { pulumiRoot } from "../../devtools/automation/local-stack";

/** An inline-program stack on a fresh file:// backend, fully offline. */
export async function inlineStack(args: InlineProgramArgs, opts: { stateDir?: string; config?: Record<string, string>; workDir?: string } = {}): Promise<{ stack: Stack; stateDir: string }> {
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-state-"));
  const config = Object.fromEntries(Object.entries(opts.config ?? {}).map(([k, v]) => [k, { value: v }]));
  const stack = await localInlineStack(args, { stateDir, passphrase: "test-only-passphrase", config, workDir: opts.workDir });
  return { stack, stateDir };
}

/**
 * The same stack seen from another folder, as a teammate's clone or a CI runner sees it: the program
 * and the stack's config file (Pulumi.<stack>.yaml, committed in an infra repo) at `dir`, nothing else
 * of the first folder. With `move`, the first folder is moved there instead (everything in it comes along).
 */
export async function stackFromFolder(stack: Stack, args: InlineProgramArgs, stateDir: string, dir: string, o: { move?: boolean } = {}): Promise<Stack> {
  const from = stack.workspace.workDir;
  fs.rmSync(dir, { recursive: true, force: true });
  if (o.move) fs.renameSync(from, dir);
  else {
    fs.mkdirSync(dir, { recursive: true });
    const config = `Pulumi.${args.stackName}.yaml`;
    if (fs.existsSync(path.join(from, config))) fs.copyFileSync(path.join(from, config), path.join(dir, config));
  }
  return (await inlineStack(args, { stateDir, workDir: dir })).stack;
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
