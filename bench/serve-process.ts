/**
 * `pulumi-glusterfs serve` as a separate process on a free loopback port, for benchmarks that compare it
 * with the real Heketi (which also runs as its own process).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../devtools/lab/paths";
import { freePort } from "../test/support/heketi-server";

export interface ServeProcess {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** Start serve with these flags (besides --port) and environment; resolves once GET /hello answers. */
export async function startServe(flags: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot(), "dist", "provider", "cli", "main.js"), "serve", "--port", String(port), ...flags], {
    stdio: ["ignore", "ignore", "pipe"],
    env,
  });
  // its request log would drown the benchmark's table: keep the last of it for a failure to start
  let log = "";
  child.stderr!.on("data", (d: Buffer) => void (log = (log + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/hello`)).ok) break;
    } catch {
      /* starting */
    }
    if (i > 300 || child.exitCode !== null) throw new Error(`our server did not start (serve ${flags.join(" ")}):\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name: "ours", url, stop: async () => void child.kill("SIGTERM") };
}
