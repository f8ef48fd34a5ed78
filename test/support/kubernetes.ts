import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { LabDescription } from "../../devtools/lab/description";
import { controlPlaneUp, KubernetesDescription, kubernetesBin } from "../../devtools/lab/kubernetes";

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
