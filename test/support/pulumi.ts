import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../provider/lab/paths";
import { LocalWorkspace, PulumiCommand, InlineProgramArgs, Stack } from "@pulumi/pulumi/automation";

/** The Pulumi CLI built from Go modules by scripts/build-pulumi.sh. */
export function pulumiRoot(): string {
  const root = process.env.PGFS_PULUMI_ROOT;
  if (!root || !fs.existsSync(path.join(root, "bin", "pulumi"))) {
    throw new Error("the Pulumi CLI is not built: run `bash scripts/build-pulumi.sh` (or use `bash scripts/test.sh`, which sources scripts/env.sh)");
  }
  return root;
}

/** An inline-program stack on a fresh file:// backend, fully offline. */
export async function inlineStack(args: InlineProgramArgs, opts: { stateDir?: string; config?: Record<string, string> } = {}): Promise<{ stack: Stack; stateDir: string }> {
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-state-"));
  const pulumiHome = path.join(stateDir, ".pulumi-home");
  const pulumiCommand = await PulumiCommand.get({ root: pulumiRoot() });
  const envVars = {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "test-only-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_CREDENTIAL_STORE: "plaintext",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
  // the dynamic-provider plugin runs with cwd = workDir and must resolve @pulumi/pulumi from there
  const workDir = path.join(repoRoot(), ".pulumi-work", `${args.projectName}-${args.stackName}-${path.basename(stateDir)}`);
  fs.mkdirSync(workDir, { recursive: true });
  const stack = await LocalWorkspace.createOrSelectStack(args, {
    workDir,
    pulumiCommand,
    pulumiHome,
    envVars,
    projectSettings: { name: args.projectName, runtime: "nodejs", backend: { url: `file://${stateDir}` } },
  });
  for (const [k, v] of Object.entries(opts.config ?? {})) await stack.setConfig(k, { value: v });
  return { stack, stateDir };
}
