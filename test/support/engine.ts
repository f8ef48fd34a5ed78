import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as assert from "node:assert/strict";
import { Engine } from "../../provider/engine";
import type { Executor } from "../../provider/exec/executor";
import { LabDescription, LabNode } from "../../devtools/lab/description";
import { NodeShell } from "../../devtools/lab/node-shell";
import { shellTarget } from "../../devtools/lab/lab";

/** An engine on a fresh ledger, reaching the lab's nodes over real SSH with pinned host keys. */
export function labEngine(lab: LabDescription, opts: { ledgerPath?: string; executor?: Executor } = {}): Engine {
  const ledgerPath = opts.ledgerPath ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-engine-")), "ledger.db");
  return new Engine({
    ledgerPath,
    executor: opts.executor,
    ssh: { user: lab.nodes[0].sshUser, port: lab.nodes[0].sshPort, privateKeyPath: lab.nodes[0].privateKeyPath, knownHostsPath: lab.knownHostsPath },
    log: (m) => console.log(`      [engine] ${m}`),
  });
}

/** Run a command on a lab node as root, outside the engine (to check what is really there). */
export async function onNode(n: LabNode, cmd: string): Promise<string> {
  const sh = await NodeShell.connect(shellTarget(n));
  try {
    return await sh.check(cmd, 120_000);
  } finally {
    sh.close();
  }
}

/** What a clean node looks like: no pgfs/heketi LVs, VGs, mounts, fstab lines, gluster volumes or gluster peers. */
export async function nodeLeftovers(n: LabNode): Promise<string[]> {
  const out = await onNode(
    n,
    [
      "echo LVS; lvs --noheadings -o lv_name 2>/dev/null | grep -E 'brick_|tp_' || true",
      "echo VGS; vgs --noheadings -o vg_name 2>/dev/null | grep -E 'vg_' || true",
      "echo MOUNTS; grep /var/lib/heketi/mounts /proc/mounts || true",
      "echo FSTAB; grep /var/lib/heketi/mounts /etc/fstab || true",
      "echo VOLUMES; gluster --mode=script volume list 2>/dev/null | grep -v 'No volumes present' || true",
      "echo PEERS; gluster --mode=script pool list 2>/dev/null | awk 'NR > 1 && $2 != \"localhost\" { print $1, $2, $3 }' || true",
    ].join("; "),
  );
  const found: string[] = [];
  let section = "";
  for (const line of out.split("\n").map((l) => l.trim()).filter(Boolean)) {
    if (/^(LVS|VGS|MOUNTS|FSTAB|VOLUMES|PEERS)$/.test(line)) section = line;
    else found.push(`${section}: ${line}`);
  }
  return found;
}

/**
 * `pulumi-glusterfs check` as a test's oracle: every node answered, and the ledger and the nodes agree
 * (LVs and tags, VGs, mounts, fstab lines, gluster volumes and bricks), and no operation is left open.
 */
export async function assertCheckClean(engine: Engine, what = "pulumi-glusterfs check"): Promise<void> {
  const reports = await engine.checkClusters();
  assert.deepEqual(reports.flatMap((r) => r.findings.map((f) => `${f.kind}: ${f.message}`)), [], what);
  assert.deepEqual(reports.filter((r) => !r.complete).map((r) => r.clusterId), [], `${what}: every node answered`);
  assert.deepEqual(engine.ledger.listOperations(["running", "committed", "failed"]).map((o) => `${o.type} ${o.status}`), [], `${what}: no operation left open`);
}
