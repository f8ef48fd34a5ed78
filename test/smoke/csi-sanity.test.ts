import * as assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../devtools/lab/paths";
import { csiClient } from "../support/csi";
import { toolsDir } from "../support/heketi-server";

/** csi-sanity from scripts/build-csi-sanity.sh */
function csiSanityBin(): string {
  const p = path.join(toolsDir(), `csi-sanity-${process.env.PGFS_CSI_TEST_VERSION ?? "v5.6.0"}`, "bin", "csi-sanity");
  if (!fs.existsSync(p)) throw new Error("csi-sanity is not built: run `bash scripts/build-csi-sanity.sh`");
  return p;
}

/** Three simulated nodes with one 500 GiB disk each (the simulator's default size). */
const TOPOLOGY = {
  clusters: [{ nodes: [1, 2, 3].map((i) => ({ node: { hostnames: { manage: [`node${i}.example.com`], storage: [`10.0.0.${i}`] }, zone: i }, devices: ["/dev/vdb"] })) }],
};

interface Case { name: string; status: string; message: string }

/** The test cases of ginkgo's JUnit report: name, status (passed, skipped, failed, pending...), skip or failure message. */
function readJunit(file: string): Case[] {
  const xml = fs.readFileSync(file, "utf8");
  const unxml = (s: string) => s.replace(/&#34;|&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const out: Case[] = [];
  for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*status="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
    const msg = /<(?:skipped|failure|error) message="([^"]*)"/.exec(m[3]);
    out.push({ name: unxml(m[1]), status: m[2], message: msg ? unxml(msg[1]) : "" });
  }
  return out;
}

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
    const junit = path.join(dir, "junit.xml");
    const t0 = Date.now();
    const run = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(csiSanityBin(), [
        `--csi.endpoint=unix://${dir}/csi.sock`,
        // csi-sanity makes these itself (they must not exist) and removes them
        `--csi.mountdir=${dir}/mount`, `--csi.stagingdir=${dir}/staging`,
        // 1 GiB volumes (the default is 10 GiB): whole GiB sizes, and ExpandVolume "should work" checks 1 GiB + 1 GiB
        `--csi.testvolumesize=${1024 ** 3}`,
        `--ginkgo.junit-report=${junit}`, "--ginkgo.no-color",
      ], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderrOut) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderrOut}` }));
    });
    const cases = readJunit(junit);
    const by = (s: string) => cases.filter((c) => c.status === s);
    const passed = by("passed");
    const skipped = by("skipped");
    const failed = cases.filter((c) => !["passed", "skipped", "pending"].includes(c.status));
    const reasons = new Map<string, number>();
    for (const c of skipped) reasons.set(c.message, (reasons.get(c.message) ?? 0) + 1);
    console.log(`      csi-sanity: ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped, ${by("pending").length} pending (${Date.now() - t0} ms)`);
    for (const [why, n] of [...reasons].sort()) console.log(`        skipped ×${n}: ${why.replace(/^skipped - /, "")}`);
    for (const c of failed) console.log(`        FAILED: ${c.name}: ${c.message}`);
    assert.deepEqual(failed.map((c) => c.name), [], `csi-sanity failures:\n${run.out.slice(-8000)}`);
    assert.equal(run.code, 0, run.out.slice(-4000));
    // the tests the driver's features answer to
    for (const name of [
      "CreateVolume should fail when requesting to create a volume with already existing name and different capacity",
      "CreateVolume should not fail when creating volume with maximum-length name",
      "ExpandVolume [Controller Server] should work",
      "ListVolumes should fail when an invalid starting_token is passed",
      "GetCapacity should return capacity (no optional values added)",
      "NodeUnpublishVolume should remove target path",
      "NodeGetVolumeStats should fail when volume does not exist on the specified path",
      "with single node multi writer capability should fail when volume with single node single writer access mode is already mounted at a different target path",
      "Node Service should work",
    ]) {
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
