import { spawn } from "node:child_process";
import * as fs from "node:fs";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a host command (no shell), collecting its output; rejects with stderr when it fails. */
export function run(cmd: string, args: string[], opts: { logFile?: string; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const log = opts.logFile ? fs.openSync(opts.logFile, "a") : undefined;
    const child = spawn(cmd, args, {
      stdio: ["ignore", log ?? "pipe", log ?? "pipe"],
      env: opts.env ?? process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => (stderr += d));
    child.on("error", (err) => {
      if (log !== undefined) fs.closeSync(log);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on("close", (code) => {
      if (log !== undefined) fs.closeSync(log);
      const r = { code: code ?? -1, stdout, stderr };
      if (r.code !== 0 && !opts.allowFail) {
        const where = opts.logFile ? ` (log: ${opts.logFile})` : "";
        reject(new Error(`${cmd} ${args.join(" ")} exited ${r.code}${where}: ${stderr.trim().slice(-2000)}`));
      } else resolve(r);
    });
  });
}

export async function which(cmd: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const p = `${dir}/${cmd}`;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True if pid is a live (not zombie) process whose command line contains every marker. */
export function processMatches(pid: number | undefined, markers: string[]): boolean {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    return markers.every((m) => cmdline.includes(m));
  } catch {
    return false;
  }
}
