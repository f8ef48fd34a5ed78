import { execFile, execFileSync } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import type { LabDescription } from "../../devtools/lab/description";
import { controlPlaneUp, KubernetesDescription, kubernetesBin, runningControlPlane } from "../../devtools/lab/kubernetes";
import { repoRoot } from "../../devtools/lab/paths";

let running: Promise<KubernetesDescription> | undefined;

/** The lab's Kubernetes control plane (started once per test process; `lab up --kubernetes` is idempotent). */
export function ensureKubernetes(lab: LabDescription): Promise<KubernetesDescription> {
  running ??= controlPlaneUp(lab.labDir, (s) => console.log(`      [kubernetes] ${s}`));
  return running;
}

/** kubectl (built with the control plane) against it; stdout. */
export function kubectl(k: KubernetesDescription, ...args: string[]): string {
  return execFileSync(path.join(kubernetesBin().dir, "kubectl"), ["--kubeconfig", k.kubeconfig, ...args], { encoding: "utf8" });
}

/** An object as the API server has it, or undefined when it does not exist. */
export function kubeGet<T = Record<string, any>>(k: KubernetesDescription, kind: string, name: string, namespace?: string): T | undefined { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out = kubectl(k, "get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json", "--ignore-not-found");
  return out.trim() ? (JSON.parse(out) as T) : undefined;
}

/**
 * kubectl without blocking the event loop: for tests whose process also serves what Kubernetes calls
 * (a CSI driver answering a provisioner), which execFileSync would stall. `input` goes to its stdin.
 */
export async function kubectlAsync(k: KubernetesDescription, args: string[], input?: string): Promise<string> {
  const run = promisify(execFile)(path.join(kubernetesBin().dir, "kubectl"), ["--kubeconfig", k.kubeconfig, ...args], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (input !== undefined) run.child.stdin?.end(input);
  return (await run).stdout;
}

/** kubeGet without blocking the event loop. */
export async function kubeGetAsync<T = Record<string, any>>(k: KubernetesDescription, kind: string, name: string, namespace?: string): Promise<T | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out = await kubectlAsync(k, ["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json", "--ignore-not-found"]);
  return out.trim() ? (JSON.parse(out) as T) : undefined;
}

/** Poll `f` every half second until it returns a value that is not undefined; fail naming `what` (and the last state `describe` gives) after `ms`. */
export async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms: number, describe?: () => Promise<string>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${describe ? `:\n${await describe().catch((e) => String(e))}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The lab's Kubernetes control plane when it is already running, without the lab's VMs: for suites that
 * only need an API server. The lab folder is PGFS_LAB_DIR, else `<repo>/.lab` (as `lab up` writes it).
 * Never starts or restarts anything (others may be using it): not running is an error naming the command.
 */
export function runningKubernetes(): KubernetesDescription {
  const labDir = process.env.PGFS_LAB_DIR ?? path.join(repoRoot(), ".lab");
  const k = runningControlPlane(labDir);
  if (!k) throw new Error(`no Kubernetes control plane is running for the lab at ${labDir}: start it with \`bash scripts/lab.sh up --kubernetes\` (or point PGFS_LAB_DIR at a lab whose control plane runs)`);
  return k;
}
