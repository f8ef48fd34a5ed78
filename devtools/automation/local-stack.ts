import * as fs from "node:fs";
import * as path from "node:path";
import { InlineProgramArgs, LocalWorkspace, ProjectSettings, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { repoRoot } from "../lab/paths";

/** The Pulumi CLI built from Go modules by scripts/build-pulumi.sh (PGFS_PULUMI_ROOT, from scripts/env.sh). */
export function pulumiRoot(): string {
  const root = process.env.PGFS_PULUMI_ROOT;
  if (!root || !fs.existsSync(path.join(root, "bin", "pulumi"))) {
    throw new Error("the Pulumi CLI is not built: run `bash scripts/build-pulumi.sh` (scripts/env.sh sets PGFS_PULUMI_ROOT)");
  }
  return root;
}

/**
 * The Pulumi Kubernetes provider plugin built by scripts/build-pulumi-kubernetes.sh, if it is built: given
 * to every stack as a project plugin, so the CLI uses it offline (never a download, never one on PATH).
 */
function kubernetesPlugin(): { name: string; path: string } | undefined {
  const version = process.env.PGFS_PULUMI_KUBERNETES_VERSION;
  const tools = process.env.PGFS_TOOLS;
  if (!version || !tools) return undefined;
  const dir = path.join(tools, `pulumi-kubernetes-v${version}`, "bin");
  return fs.existsSync(path.join(dir, "pulumi-resource-kubernetes")) ? { name: "kubernetes", path: dir } : undefined;
}

export interface LocalStackOptions {
  /** file:// backend directory (absolute). */
  stateDir: string;
  /** Passphrase of the stack's secrets provider (default: PULUMI_CONFIG_PASSPHRASE or a lab-only value). */
  passphrase?: string;
  config?: Record<string, { value: string; secret?: boolean }>;
  /** The program's folder (what the dynamic providers see as their working directory); default one per project, stack and state dir under .pulumi-work. */
  workDir?: string;
}

/**
 * An Automation API inline-program stack on a file:// backend, fully offline: the engine is the CLI
 * built from Go modules; the program runs in this process (no language host needed).
 */
export async function localInlineStack(args: InlineProgramArgs, o: LocalStackOptions): Promise<Stack> {
  fs.mkdirSync(o.stateDir, { recursive: true });
  const pulumiHome = path.join(o.stateDir, ".pulumi-home");
  // the dynamic-provider plugin runs with cwd = workDir and must resolve @pulumi/pulumi from there
  const workDir = o.workDir ?? path.join(repoRoot(), ".pulumi-work", `${args.projectName}-${args.stackName}-${path.basename(o.stateDir)}`);
  fs.mkdirSync(workDir, { recursive: true });
  const plugin = kubernetesPlugin();
  const envVars = {
    PULUMI_BACKEND_URL: `file://${o.stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: o.passphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE ?? "lab-only-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_CREDENTIAL_STORE: "plaintext",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
  const stack = await LocalWorkspace.createOrSelectStack(args, {
    workDir,
    pulumiCommand: await PulumiCommand.get({ root: pulumiRoot() }),
    pulumiHome,
    envVars,
    // `plugins` is a Pulumi.yaml key the Automation API's ProjectSettings type does not declare
    projectSettings: {
      name: args.projectName,
      runtime: "nodejs",
      backend: { url: `file://${o.stateDir}` },
      ...(plugin ? { plugins: { providers: [plugin] } } : {}),
    } as ProjectSettings,
  });
  if (o.config && Object.keys(o.config).length) await stack.setAllConfig(o.config);
  return stack;
}
