import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine } from "../../provider/engine";
import { FakeExecutor, RecordedRun } from "./fake-executor";
import { repoRoot } from "../../devtools/lab/paths";

const LVM_FIXTURES = path.join(repoRoot(), "test", "fixtures", "lvm");
const PROBE_EMPTY = fs.readFileSync(path.join(LVM_FIXTURES, "probe-empty.txt"), "utf8");
const PROBE_MISSING = fs.readFileSync(path.join(LVM_FIXTURES, "probe-missing.txt"), "utf8");
export const DEVICE_KIB = 2047 * 4096;

/**
 * A FakeExecutor scripted as a small gluster pool: `peer probe` adds the peer, `pool list` shows every
 * node added so far as connected and in the cluster; devices are empty disks (except `missing`) whose
 * vgcreate leaves a fresh 8 GiB VG. Only what the engine's node and device adds ask.
 */
export function fakePool(opts: { missing?: string[] } = {}) {
  const fake = new FakeExecutor();
  const pool = new Set<string>();
  const poolXml = () =>
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><peerStatus>` +
    [...pool].map((h, i) => `<peer><uuid>00000000-0000-0000-0000-00000000000${i}</uuid><hostname>${h}</hostname><hostnames><hostname>${h}</hostname></hostnames><connected>1</connected><state>3</state><stateStr>Peer in Cluster</stateStr></peer>`).join("") +
    `<peer><uuid>ffffffff-0000-0000-0000-000000000000</uuid><hostname>localhost</hostname><connected>1</connected></peer></peerStatus></cliOutput>`;
  fake.on(/peer probe/, (run: RecordedRun) => {
    pool.add(/peer probe '([^']+)'/.exec(run.script)![1]);
    return { stdout: "peer probe: success" };
  });
  fake.on(/pool list/, () => ({ stdout: poolXml() }));
  fake.on(/wipefs --no-act/, (run: RecordedRun) => {
    const dev = /test -b '([^']+)'/.exec(run.script)![1];
    return { stdout: (opts.missing ?? []).some((m) => `${run.host}:${dev}` === m) ? PROBE_MISSING : PROBE_EMPTY.replace(/\/dev\/vdc/g, dev) };
  });
  fake.on(/vgcreate/, (run: RecordedRun) => {
    const vg = /vgcreate .* '?(vg_[0-9a-f]{32})'? /.exec(run.script)![1];
    const dev = /pvs --reportformat json .* '([^']+)'/.exec(run.script)?.[1] ?? "/dev/x";
    return {
      stdout:
        `=== pgfs:pvs\n{"report":[{"pv":[{"pv_name":"${dev}","pv_uuid":"uuid-${vg.slice(3, 9)}","vg_name":"${vg}"}]}]}\n=== pgfs:pvs rc=0\n` +
        `=== pgfs:vg\n  ${vg}:r/w:772:-1:0:0:0:-1:0:1:1:${DEVICE_KIB}:4096:2047:0:2047:u\n=== pgfs:vg rc=0\n`,
    };
  });
  return { fake, pool };
}

export function engineOn(fake: FakeExecutor): Engine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-topology-"));
  return new Engine({ ledgerPath: path.join(dir, "ledger.db"), executor: fake, ssh: { privateKey: "test-key" }, settings: { peerConnectTimeoutMs: 2000 } });
}

/** The first node joins the pool as the glusterd on it (the pool lists it from the start). */
export function seedFirstPeer(pool: Set<string>) {
  pool.add("10.0.0.1");
}

