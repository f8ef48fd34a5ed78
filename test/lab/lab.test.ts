import * as assert from "node:assert/strict";
import { LabDescription } from "../../devtools/lab/description";
import { labStatus, shellTarget } from "../../devtools/lab/lab";
import { NodeShell } from "../../devtools/lab/node-shell";
import { ensureLab } from "../support/lab";

describe("lab: real GlusterFS nodes in QEMU", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  const shells = new Map<string, NodeShell>();

  before(async function () {
    lab = await ensureLab();
    for (const n of lab.nodes) shells.set(n.name, await NodeShell.connect(shellTarget(n)));
  });
  after(() => shells.forEach((s) => s.close()));

  it("reports every node ready", async function () {
    const st = await labStatus();
    assert.deepEqual(st.map((s) => s.state), lab.nodes.map(() => "ready"));
  });

  it("gives every node its own management address on one shared SSH port", function () {
    assert.equal(new Set(lab.nodes.map((n) => n.managementAddress)).size, lab.nodes.length);
    assert.equal(new Set(lab.nodes.map((n) => n.sshPort)).size, 1);
    for (const n of lab.nodes) assert.match(n.managementAddress, /^127\./);
  });

  it("gives every node its own SSH host key and glusterd UUID", async function () {
    assert.equal(new Set(lab.nodes.map((n) => n.hostKeyFingerprint)).size, lab.nodes.length);
    const uuids = await Promise.all(lab.nodes.map((n) => shells.get(n.name)!.check("gluster --mode=script system:: uuid get")));
    assert.equal(new Set(uuids.map((u) => u.trim())).size, lab.nodes.length, uuids.join(""));
  });

  it("refuses a node whose host key is not the pinned one", async function () {
    const [a, b] = lab.nodes;
    const wrong = { ...shellTarget(a), hostKeyFingerprint: b.hostKeyFingerprint };
    await assert.rejects(NodeShell.connect(wrong), (err: Error) => err.message.includes(a.hostKeyFingerprint));
  });

  for (const check of [
    { what: "glusterd answers pool list", cmd: "gluster --mode=script pool list", expect: /localhost\s+Connected/ },
    { what: "dm_thin_pool is loaded", cmd: "grep -w ^dm_thin_pool /proc/modules", expect: /dm_thin_pool/ },
    { what: "xfs and fuse are available", cmd: "grep -wE '^(xfs|fuse)' /proc/modules; test -c /dev/fuse && echo fuse-dev", expect: /xfs[\s\S]*fuse-dev/ },
    { what: "LVM works", cmd: "lvm version", expect: /LVM version:\s+2\.03/ },
    { what: "GlusterFS is version 10", cmd: "gluster --version", expect: /glusterfs 10\./ },
    { what: "the storage LAN name resolves to the node's storage address", cmd: "hostname; getent hosts $(hostname)", expect: /^gnode\d\n10\.77\.0\.\d+/ },
  ]) {
    it(`on every node: ${check.what}`, async function () {
      for (const n of lab.nodes) assert.match(await shells.get(n.name)!.check(check.cmd), check.expect, n.name);
    });
  }

  it("gives every node empty data disks (block devices without any signature)", async function () {
    for (const n of lab.nodes) {
      for (const dev of n.devices) {
        const r = await shells.get(n.name)!.exec(`test -b ${dev} && blkid -p ${dev}; echo rc=$?; lsblk -bndo SIZE ${dev}`);
        assert.match(r.stdout, /rc=2\n/, `${n.name}:${dev} should carry no signature: ${r.stdout}`);
        assert.equal(Number(r.stdout.trim().split("\n").pop()), lab.diskSizeGiB * 1024 ** 3);
      }
    }
  });

  it("connects the nodes over the private storage network", async function () {
    const [a, ...others] = lab.nodes;
    for (const o of others) {
      const r = await shells.get(a.name)!.exec(`timeout 5 bash -c 'echo > /dev/tcp/${o.storageAddress}/24007' && echo reachable`);
      assert.match(r.stdout, /reachable/, `${a.name} -> ${o.name} (${o.storageAddress}:24007): ${r.stderr}`);
    }
  });

  it("lets the sudo user run root commands", async function () {
    const n = lab.nodes[0];
    const sh = await NodeShell.connect({ ...shellTarget(n), user: n.sudoUser });
    try {
      assert.equal((await sh.check("sudo -n id -u")).trim(), "0");
    } finally {
      sh.close();
    }
  });
});
