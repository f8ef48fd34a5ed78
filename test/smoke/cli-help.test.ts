import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../devtools/lab/paths";

const execFileP = promisify(execFile);
const run = (script: string, ...args: string[]) => execFileP(process.execPath, [path.join(repoRoot(), "dist", script), ...args], { env: { ...process.env, PGFS_LAB_DIR: path.join(repoRoot(), ".no-lab-here") } });

describe("command lines: --help everywhere, and exit codes scripts can trust", function () {
  for (const cmd of ["serve", "check", "recover", "rebuild", "import", "export", "adopt", "topology", "csi"]) {
    it(`pulumi-glusterfs ${cmd} --help prints its usage and exits 0, doing nothing else`, async function () {
      const { stdout } = await run("provider/cli/main.js", cmd, "--help");
      assert.match(stdout, new RegExp(`^usage: pulumi-glusterfs\\n  ${cmd} `));
    });
  }

  it("csi refuses bad flags and says which (no socket is made)", async function () {
    await assert.rejects(run("provider/cli/main.js", "csi", "--mode", "both", "--endpoint", "unix:///nonexistent/x.sock"), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /mode: --mode must be controller, node or all/);
      return true;
    });
    await assert.rejects(run("provider/cli/main.js", "csi", "--mode", "node"), (e: { stderr: string }) => /endpoint: --endpoint is required/.test(e.stderr));
    await assert.rejects(run("provider/cli/main.js", "csi", "--endpoint", "tcp://127.0.0.1:1", "--mode", "controller"), (e: { stderr: string }) => /must be unix:\/\/\/path\/to\/csi.sock/.test(e.stderr));
  });

  it("adopt refuses a missing or a doubled source, and a Heketi export that is not there, saying what to give", async function () {
    await assert.rejects(run("provider/cli/main.js", "adopt"), (e: { code: number; stderr: string }) => e.code === 1 && /adopt reads one source: adopt \(--heketi-json F/.test(e.stderr));
    await assert.rejects(run("provider/cli/main.js", "adopt", "--heketi-json", "a.json", "--ledger", "b.db"), (e: { stderr: string }) => /adopt reads one source/.test(e.stderr));
    await assert.rejects(run("provider/cli/main.js", "adopt", "--heketi-json", "/nonexistent/heketi.json"), (e: { stderr: string }) => /no Heketi export at \/nonexistent\/heketi.json \(make one with `heketi db export/.test(e.stderr));
    await assert.rejects(run("provider/cli/main.js", "adopt", "--ledger", "/nonexistent/l.db"), (e: { stderr: string }) => /no ledger at \/nonexistent\/l.db \(`pulumi-glusterfs rebuild/.test(e.stderr));
    await assert.rejects(run("provider/cli/main.js", "adopt", "--node", "h1", "--ledger", "b.db"), (e: { stderr: string }) => /adopt reads one source/.test(e.stderr));
    await assert.rejects(run("provider/cli/main.js", "adopt", "--node", "h1;reboot"), (e: { stderr: string }) => /--node h1;reboot: expected HOST\[:SSH_PORT\]\[=STORAGE_HOST\]/.test(e.stderr));
    await assert.rejects(run("provider/cli/main.js", "adopt", "--node", "h1", "--cluster", "c"), (e: { stderr: string }) => /with --node, the nodes named are the cluster/.test(e.stderr));
  });

  it("lab status exits non-zero when no lab is running, so `lab status || lab up` starts one", async function () {
    await assert.rejects(run("devtools/cli.js", "lab", "status"), (e: { code: number; stdout: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stdout, /no lab is running/);
      return true;
    });
    assert.match((await run("devtools/cli.js", "lab", "--help")).stdout, /lab up \[--nodes N\].*\[--kubernetes\]/);
  });
});
