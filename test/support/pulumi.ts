import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { InlineProgramArgs, Stack } from "@pulumi/pulumi/automation";
import { localInlineStack } from "../../provider/automation/local-stack";

export { pulumiRoot } from "../../provider/automation/local-stack";

/** An inline-program stack on a fresh file:// backend, fully offline. */
export async function inlineStack(args: InlineProgramArgs, opts: { stateDir?: string; config?: Record<string, string> } = {}): Promise<{ stack: Stack; stateDir: string }> {
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-state-"));
  const config = Object.fromEntries(Object.entries(opts.config ?? {}).map(([k, v]) => [k, { value: v }]));
  const stack = await localInlineStack(args, { stateDir, passphrase: "test-only-passphrase", config });
  return { stack, stateDir };
}
