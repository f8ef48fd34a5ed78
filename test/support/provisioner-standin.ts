// csi-provisioner-standin (tools/csi-provisioner-standin, built by scripts/build-csi-provisioner-standin.sh):
// TEST TOOLING standing in for Kubernetes' csi-provisioner and csi-resizer sidecars, which cannot be built
// here. It watches PVCs through an API server and calls the CSI driver's Controller service over its unix
// socket as csi-provisioner does. One log line per CSI call, e.g. `CreateVolume pvc-<uid>: OK (1234 ms)`,
// `CreateVolume pvc-<uid>: FAILED InvalidArgument (12 ms): <message>`, `ControllerExpandVolume pvc-<uid>: OK (56 ms)`.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { toolsDir } from "./heketi-server";

/** The binary from scripts/build-csi-provisioner-standin.sh. */
export function provisionerStandinBin(): string {
  const p = path.join(toolsDir(), "csi-provisioner-standin", "bin", "csi-provisioner-standin");
  if (!fs.existsSync(p)) throw new Error("csi-provisioner-standin is not built: run `bash scripts/build-csi-provisioner-standin.sh`");
  return p;
}

export interface ProvisionerStandinOptions {
  kubeconfig: string;
  /** the driver's unix socket (a path, or unix:///path) */
  csiAddress: string;
  /** --extra-create-metadata: CreateVolume's parameters get csi.storage.k8s.io/pvc/name, pvc/namespace, pv/name */
  extraCreateMetadata?: boolean;
  /** more flags, e.g. ["--timeout=30s", "--volume-name-prefix=test"] */
  args?: string[];
  /** how long to wait for it to reach the driver and start serving (default 60 s) */
  startTimeoutMs?: number;
}

export interface ProvisionerStandin {
  /** its stderr (klog), one entry per line, as it comes */
  logs: string[];
  /** resolves with the first line (present or future) matching `re`; rejects after `ms` or if it exits */
  waitForLog(re: RegExp, ms?: number): Promise<string>;
  /** SIGTERM (SIGKILL after 5 s) and wait for the exit */
  stop(): Promise<void>;
}

/**
 * Start the stand-in against an API server and a running driver; resolves once it has probed the driver
 * and started its controllers (the `serving provisioner` line). Throws with its log if it exits first.
 */
export async function startProvisionerStandin(o: ProvisionerStandinOptions): Promise<ProvisionerStandin> {
  const args = [`--kubeconfig=${o.kubeconfig}`, `--csi-address=${o.csiAddress}`, ...(o.extraCreateMetadata ? ["--extra-create-metadata"] : []), ...(o.args ?? [])];
  const child: ChildProcess = spawn(provisionerStandinBin(), args, { stdio: ["ignore", "ignore", "pipe"] });
  const logs: string[] = [];
  let partial = "";
  const listeners = new Set<() => void>();
  child.stderr!.on("data", (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop() ?? "";
    logs.push(...parts);
    for (const l of [...listeners]) l();
  });
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      if (partial) logs.push(partial);
      partial = "";
      exited = `exited with ${signal ?? code}`;
      for (const l of [...listeners]) l();
      resolve();
    }),
  );

  const waitForLog = (re: RegExp, ms = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = logs.find((l) => re.test(l));
        if (hit !== undefined) done(() => resolve(hit));
        else if (exited) done(() => reject(new Error(`csi-provisioner-standin ${exited} before logging ${re}:\n${logs.join("\n")}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`csi-provisioner-standin logged no ${re} in ${ms / 1000} s:\n${logs.slice(-50).join("\n")}`))), ms);
      const done = (f: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        f();
      };
      listeners.add(check);
      check();
    });

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exit;
      clearTimeout(t);
    }
  };

  try {
    await waitForLog(/serving provisioner /, o.startTimeoutMs ?? 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { logs, waitForLog, stop };
}
