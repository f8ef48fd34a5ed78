import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../devtools/lab/paths";
import { csiClient } from "../support/csi";
import { MUST_PASS, runCsiSanity } from "../support/csi-sanity";

/** Three simulated nodes with one 500 GiB disk each (the simulator's default size). */
const TOPOLOGY = {
  clusters: [{ nodes: [1, 2, 3].map((i) => ({ node: { hostnames: { manage: [`node${i}.example.com`], storage: [`10.0.0.${i}`] }, zone: i }, devices: ["/dev/vdb"] })) }],
};

/**
 * csi-sanity against `pulumi-glusterfs csi --mode all` with the engine on simulated nodes (`--executor
 * sim`) and the node service on the `fake-for-tests` mounter: a TEST DOUBLE that records mounts and
 * mounts nothing, because this host has no GlusterFS. It proves the driver's gRPC behaviour against the
 * CSI conformance suite; real FUSE mounts are proven on the lab (not in this tier).
 * No test is skipped by --ginkgo.skip: those csi-sanity skips itself are for capabilities the driver
 * does not offer (snapshots, clones, ControllerPublish, staging, node expansion, health, group snapshots,
 * VolumeAttributesClass), each named with its reason in the report this test prints.
 */
describe("csi-sanity v5.6.0 against the CSI driver (engine on simulated nodes, fake-for-tests mounter)", function () {
  this.timeout(300_000);
  let dir: string;
  let driver: ChildProcess;
  let stderr = "";

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-csi-sanity-"));
    fs.writeFileSync(path.join(dir, "topology.json"), JSON.stringify(TOPOLOGY));
    driver = spawn(process.execPath, [
      path.join(repoRoot(), "dist", "provider", "cli", "main.js"), "csi", "--endpoint", `unix://${dir}/csi.sock`, "--mode", "all", "--node-id", "sanity-node",
      "--ledger", path.join(dir, "ledger.db"), "--executor", "sim", "--sim-topology", path.join(dir, "topology.json"), "--mounter", "fake-for-tests",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    driver.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/listening on unix:/.test(stderr)) {
      if (driver.exitCode !== null || Date.now() > deadline) throw new Error(`the driver did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async function () {
    if (driver && driver.exitCode === null) {
      const exited = new Promise((r) => driver.once("exit", r));
      driver.kill("SIGTERM");
      await exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("passes every test that applies, and leaves no volume behind", async function () {
    const run = await runCsiSanity(dir, [
      `--csi.endpoint=unix://${dir}/csi.sock`,
      // csi-sanity makes these itself (they must not exist) and removes them
      `--csi.mountdir=${dir}/mount`, `--csi.stagingdir=${dir}/staging`,
      // 1 GiB volumes (the default is 10 GiB): whole GiB sizes, and ExpandVolume "should work" checks 1 GiB + 1 GiB
      `--csi.testvolumesize=${1024 ** 3}`,
    ]);
    const { passed, failed } = run;
    assert.deepEqual(failed.map((c) => c.name), [], `csi-sanity failures:\n${run.out.slice(-8000)}`);
    assert.equal(run.code, 0, run.out.slice(-4000));
    for (const name of MUST_PASS) {
      assert.ok(passed.some((c) => c.name.includes(name)), `'${name}' passed (passed: ${passed.map((c) => c.name).join("; ")})`);
    }
    // csi-sanity deletes what it made: nothing is left in the engine
    const controller = csiClient(path.join(dir, "csi.sock"), "Controller");
    try {
      assert.deepEqual((await controller.call("ListVolumes", {})).entries, []);
    } finally {
      controller.close();
    }
  });
});
