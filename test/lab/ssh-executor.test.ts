import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { script, sh } from "../../provider/commands/shell";
import { NodeTarget } from "../../provider/exec/executor";
import { SshExecutor } from "../../provider/exec/ssh-executor";
import { LabDescription } from "../../devtools/lab/description";
import { ConnectionError } from "../../provider/model";
import { ensureLab } from "../support/lab";

/** A script of one line: `text` run by a nested bash (its `$$` and `$PPID` are that bash's). */
const bashText = (text: string) => script([sh`bash -c ${text}`]);

describe("SSH executor on the lab: pooled, pinned, bounded", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let exec: SshExecutor;
  let t: NodeTarget;

  before(async function () {
    lab = await ensureLab();
    const n = lab.nodes[0];
    t = { host: n.managementAddress, port: n.sshPort, user: n.sshUser, sudo: false, privateKey: fs.readFileSync(n.privateKeyPath, "utf8"), hostKeyFingerprint: n.hostKeyFingerprint };
    exec = new SshExecutor({ maxSessionsPerHost: 3 });
  });
  after(() => exec.close());

  it("runs a multi-line script as one session and returns its output and exit code", async function () {
    const r = await exec.run(t, script([sh`echo one`, sh`bash -c ${"echo two >&2"}`, sh`exit 3`]));
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, "one\n", "two\n"]);
  });

  it("reuses one connection for many commands (the handshake is paid once)", async function () {
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) assert.equal((await exec.run(t, bashText("echo $PPID"))).code, 0);
    const perCommand = (Date.now() - t0) / 10;
    const pids = new Set<string>();
    // $PPID is the session's bash; its parent is the sshd process of the connection
    for (let i = 0; i < 3; i++) pids.add((await exec.run(t, bashText("ps -o ppid= -p $PPID"))).stdout.trim());
    assert.equal(pids.size, 1, "all sessions hang off one sshd connection process");
    console.log(`      [measure] pooled command round trip: ${perCommand.toFixed(0)} ms`);
  });

  it("runs at most maxSessionsPerHost sessions at once, and does run them in parallel", async function () {
    const dir = `/tmp/pgfs-conc-${Date.now()}`;
    const counting = bashText(`mkdir -p ${dir}; touch ${dir}/$$; sleep 1.5; ls ${dir} | wc -l; rm ${dir}/$$`);
    const outs = await Promise.all(Array.from({ length: 6 }, () => exec.run(t, counting)));
    const inFlight = outs.map((o) => Number(o.stdout.trim()));
    assert.ok(Math.max(...inFlight) <= 3, `saw ${inFlight} sessions in flight, limit 3`);
    assert.ok(Math.max(...inFlight) >= 2, `sessions did not overlap: ${inFlight}`);
  });

  it("kills a command that outlives its timeout and keeps the connection usable", async function () {
    await assert.rejects(exec.run(t, script([sh`sleep 30`]), { timeoutMs: 1500 }), (e: Error) => e instanceof ConnectionError && /timed out/.test(e.message));
    assert.equal((await exec.run(t, script([sh`echo alive`]))).stdout, "alive\n");
  });

  it("refuses a host whose key is not pinned, printing the key it presented", async function () {
    const other = lab.nodes[1];
    const wrong = { ...t, host: other.managementAddress };
    await assert.rejects(exec.run(wrong, script([sh`true`])), (e: Error) => e instanceof ConnectionError && e.message.includes(other.hostKeyFingerprint) && /does not match/.test(e.message));
  });

  it("accepts a host listed in a known_hosts file", async function () {
    const n = lab.nodes[2];
    const r = await exec.run({ ...t, host: n.managementAddress, hostKeyFingerprint: undefined, knownHostsPath: lab.knownHostsPath }, script([sh`hostname`]));
    assert.equal(r.stdout.trim(), n.name);
  });

  it("runs as root through sudo for a non-root user", async function () {
    const n = lab.nodes[0];
    const r = await exec.run({ ...t, user: n.sudoUser, sudo: true }, script([sh`id -u`, sh`whoami`]));
    assert.deepEqual(r.stdout.trim().split("\n"), ["0", "root"]);
  });
});
