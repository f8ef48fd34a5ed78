import * as assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../provider/lab/paths";

const execFileP = promisify(execFile);
const ADMIN_KEY = "pgfs-test-admin-secret";

function heketiBin(name: string): string {
  const p = path.join(process.env.PGFS_HEKETI_ROOT ?? "", "bin", name);
  if (!fs.existsSync(p)) throw new Error(`${name} is not built: run \`bash scripts/build-heketi.sh\``);
  return p;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("heketi: the reference implementation, built from Go modules", function () {
  this.timeout(30 * 60_000);
  let server: ChildProcess;
  let url: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-heketi-"));

  before(async function () {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const log = fs.openSync(path.join(dir, "heketi.log"), "a");
    server = spawn(heketiBin("heketi"), [`--config=${path.join(repoRoot(), "test", "fixtures", "heketi-mock.json")}`], {
      env: { ...process.env, HEKETI_HTTP_PORT: String(port), HEKETI_DB_PATH: path.join(dir, "heketi.db") },
      stdio: ["ignore", log, log],
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`${url}/hello`);
        if (r.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`heketi did not answer /hello: ${fs.readFileSync(path.join(dir, "heketi.log"), "utf8")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  after(() => server?.kill());

  const cli = (...args: string[]) => execFileP(heketiBin("heketi-cli"), ["--server", url, "--user", "admin", "--secret", ADMIN_KEY, ...args]);

  it("answers /hello without auth", async function () {
    const r = await fetch(`${url}/hello`);
    assert.equal(await r.text(), "Hello from Heketi");
  });

  it("refuses a request without a token", async function () {
    const r = await fetch(`${url}/clusters`);
    assert.equal(r.status, 401);
  });

  it("creates a cluster with heketi-cli on the mock executor", async function () {
    const { stdout } = await cli("cluster", "create");
    const id = /Cluster id: ([0-9a-f]{32})/.exec(stdout)?.[1];
    assert.ok(id, stdout);
    const list = JSON.parse((await cli("--json", "cluster", "list")).stdout) as { clusters: string[] };
    assert.deepEqual(list.clusters, [id]);
  });
});
