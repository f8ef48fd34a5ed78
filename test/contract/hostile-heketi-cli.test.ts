// Hostile values through the unmodified heketi-cli (the door Heketi's users type into): each refused by
// our server with the field named, heketi-cli exits non-zero printing the reason, and no script reaches a
// node. The same values at the REST, Pulumi, topology-file and db-import doors: test/unit/hostile-inputs.test.ts.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { heketiBin } from "../support/heketi-server";
import { ADMIN_KEY, serveEngine, TestServer } from "../support/rest";
import { seeded } from "../support/seeded";

const execFileP = promisify(execFile);

describe("contract: hostile inputs through heketi-cli are refused, nothing runs on a node", function () {
  this.timeout(5 * 60_000);
  let s: ReturnType<typeof seeded>;
  let t: TestServer;

  before(async function () {
    heketiBin("heketi-cli");
    s = seeded();
    t = await serveEngine(s.engine);
  });
  after(async function () {
    await t?.close();
    await s?.engine.close();
  });

  /** heketi-cli's exit status and what it printed (it prints the server's message on stderr). */
  const cli = async (secret: string, ...args: string[]) => {
    try {
      const r = await execFileP(heketiBin("heketi-cli"), ["--server", t.url, "--user", "admin", "--secret", secret, ...args]);
      return { code: 0, out: r.stdout + r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout + x.stderr };
    }
  };

  it("volume names, gluster options, device paths and hostnames that a shell, gluster or LVM would misread", async function () {
    const refused: Array<[string[], RegExp]> = [
      [["volume", "create", "--size=1", "--name=x; rm -rf /"], /validation failed: name/],
      [["volume", "create", "--size=1", "--name=--force"], /validation failed: name/],
      [["volume", "create", "--size=1", "--name=$(reboot)"], /validation failed: name/],
      [["volume", "create", "--size=1", "--gluster-volume-options=performance.readdir-ahead --version"], /validation failed: glustervolumeoptions/],
      [["volume", "create", "--size=1", "--gluster-volume-options=performance.cache-size --log-file=/tmp/x"], /validation failed: glustervolumeoptions/],
      [["volume", "create", "--size=1", "--gluster-volume-options=--xml on"], /validation failed: glustervolumeoptions/],
      [["device", "add", "--node", s.nodes[0].id, "--name=/dev//vdb"], /validation failed: name/],
      [["device", "add", "--node", s.nodes[0].id, "--name=/dev/vdb; reboot"], /validation failed: name/],
      [["device", "add", "--node", s.nodes[0].id, "--name=/dev/../etc/passwd"], /validation failed: name/],
      [["node", "add", "--cluster", s.cluster.id, "--zone=1", "--management-host-name=-oProxyCommand=touch /tmp/x", "--storage-host-name=10.0.0.9"], /validation failed/],
      [["node", "add", "--cluster", s.cluster.id, "--zone=1", "--management-host-name=host;id", "--storage-host-name=10.0.0.9"], /validation failed/],
    ];
    for (const [args, said] of refused) {
      const r = await cli(ADMIN_KEY, ...args);
      assert.notEqual(r.code, 0, `heketi-cli ${args.join(" ")} should fail: ${r.out}`);
      assert.match(r.out, said, `heketi-cli ${args.join(" ")}`);
    }
    assert.equal(s.fake.runs.length, 0, "nothing reached a node");
    assert.equal(s.engine.ledger.listVolumes().length, 0);
    assert.equal(s.engine.ledger.listDevices(s.nodes[0].id).length, 2, "no device added");
  });

  it("a wrong secret is 401 to heketi-cli, and nothing changes", async function () {
    for (const secret of ["wrong", "", "!!!.eyJ.x"]) {
      const r = await cli(secret, "volume", "create", "--size=1");
      assert.notEqual(r.code, 0);
      assert.match(r.out, /Unauthorized|401|token/i, r.out);
    }
    assert.equal(s.engine.ledger.listVolumes().length, 0);
  });
});
