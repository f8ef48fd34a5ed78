// A small starter for the real Heketi (mock executor) used by the contract tests in this folder.
// The real heketi binary is built by scripts/build-heketi.sh into $PGFS_HEKETI_ROOT/bin; the config is
// test/fixtures/heketi-mock.json (JWT keys below), the port and the db path come from the environment.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../provider/lab/paths";

export const HEKETI_ADMIN_KEY = "pgfs-test-admin-secret";
export const HEKETI_USER_KEY = "pgfs-test-user-secret";

export function heketiBin(name: "heketi" | "heketi-cli"): string {
  const p = path.join(process.env.PGFS_HEKETI_ROOT ?? "", "bin", name);
  if (!fs.existsSync(p)) throw new Error(`${name} is not built: run \`bash scripts/build-heketi.sh\` (and source scripts/env.sh)`);
  return p;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface LocalHeketi {
  url: string;
  adminKey: string;
  userKey: string;
  dir: string;
  logPath: string;
  stop(): Promise<void>;
}

/** Starts `heketi` on a free loopback port with a fresh, empty database; resolves once /hello answers. */
export async function startLocalHeketi(): Promise<LocalHeketi> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-contract-heketi-"));
  const logPath = path.join(dir, "heketi.log");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(logPath, "a");
  const child: ChildProcess = spawn(heketiBin("heketi"), [`--config=${path.join(repoRoot(), "test", "fixtures", "heketi-mock.json")}`], {
    env: { ...process.env, HEKETI_HTTP_PORT: String(port), HEKETI_DB_PATH: path.join(dir, "heketi.db") },
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => { exited = true; resolve(); }));
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) child.kill("SIGKILL");
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`heketi exited during start-up: ${fs.readFileSync(logPath, "utf8")}`);
    try {
      const r = await fetch(`${url}/hello`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`heketi did not answer /hello: ${fs.readFileSync(logPath, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, adminKey: HEKETI_ADMIN_KEY, userKey: HEKETI_USER_KEY, dir, logPath, stop };
}
