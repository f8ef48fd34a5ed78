import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { quickstart } from "../../examples/quickstart/program";
import { LabDescription } from "../../devtools/lab/description";
import { nodeLeftovers, onNode } from "../support/engine";
import { requireCleanLab } from "../support/lab";
import { repoRoot } from "../../devtools/lab/paths";
import { inlineStack, plannedSteps, stackFromFolder } from "../support/pulumi";

const collectSteps = (events: EngineEvent[]) => plannedSteps(events, "pulumi:providers:");

/**
 * The operator's story through the real Pulumi CLI (built from Go modules) on the lab: up, preview a
 * resize, a durability change and a shrink, apply the expand, drift by hand and refresh, destroy.
 * The stack is the unit, not the folder: after `up` the infra repo is moved, the expand runs from a
 * fresh clone (no ledger), the moved folder (stale ledger) then sees no drift, and `destroy` runs from
 * a clone whose ledger was deleted. Each leg must plan what the first folder would have planned.
 */
describe("Pulumi on the lab: the quickstart, end to end", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let stack: Stack;
  let clone: Stack;
  let stateDir: string;
  const timings: Record<string, number> = {};
  const program = { projectName: "glusterfs-quickstart", stackName: "e2e", program: async () => quickstart() };
  const folder = (name: string) => path.join(repoRoot(), ".pulumi-work", `e2e-${name}`);
  const ledgerIn = (dir: string) => path.join(dir, ".pulumi-glusterfs", "glusterfs-quickstart-e2e.db");

  before(async function () {
    lab = await requireCleanLab();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-e2e-"));
    for (const f of ["first", "moved", "clone"]) fs.rmSync(folder(f), { recursive: true, force: true });
    // the default ledger location: .pulumi-glusterfs/<project>-<stack>.db in the program's folder
    ({ stack } = await inlineStack(program, { stateDir, workDir: folder("first"), config: { "quickstart:labDir": lab.labDir, "quickstart:storageClass": "false" } }));
  });

  after(function () {
    console.log(`      [measure] ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
  });

  const setConfig = (k: string, v: string) => stack.setConfig(`quickstart:${k}`, { value: v });

  it("up creates the cluster, nodes, devices and a replica-3 volume, for real on the nodes", async function () {
    const t0 = Date.now();
    const up = await stack.up();
    timings["pulumi up"] = Date.now() - t0;
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.summary.resourceChanges?.create, 12);
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info data");
    assert.match(info, /Type: Replicate/);
    assert.match(info, /Status: Started/);
    assert.match(info, /Number of Bricks: 1 x 3 = 3/);
    assert.match(up.outputs.mount.value, /^mount -t glusterfs -o backup-volfile-servers=10\.77\.0\.\d+:10\.77\.0\.\d+ 10\.77\.0\.\d+:data \/mnt\/data$/);
    assert.match(up.outputs.clusterId.value, /^[0-9a-f]{32}$/);
    const stateFile = path.join(stateDir, ".pulumi", "stacks", "glusterfs-quickstart", "e2e.json");
    const state = fs.readFileSync(stateFile, "utf8");
    assert.doesNotMatch(state, /PRIVATE KEY/, "the SSH key never appears in plain text in the state file");
    assert.ok(fs.existsSync(ledgerIn(folder("first"))), "the ledger sits beside the program");
    assert.ok(!state.includes(folder("first")), "the state holds no path of the program's folder");
  });

  it("after moving the folder, a second preview shows no changes, and refresh finds no drift", async function () {
    stack = await stackFromFolder(stack, program, stateDir, folder("moved"), { move: true });
    await stack.setConfig("quickstart:labDir", { value: lab.labDir });
    const pre = await stack.preview();
    assert.deepEqual(Object.keys(pre.changeSummary), ["same"]);
    const ref = await stack.refresh();
    assert.equal(ref.summary.result, "succeeded");
    assert.deepEqual(Object.keys(ref.summary.resourceChanges ?? {}).filter((k) => k !== "same"), []);
  });

  it("preview after raising the size shows an update of sizeGiB only", async function () {
    await setConfig("volumeSizeGiB", "2");
    const events: EngineEvent[] = [];
    const pre = await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(collectSteps(events), [{ op: "update", type: "Volume", diffs: ["sizeGiB"] }]);
    assert.equal(pre.changeSummary.update, 1);
  });

  it("preview after changing the durability shows a replace", async function () {
    await setConfig("durability", JSON.stringify({ type: "disperse", data: 2, redundancy: 1 }));
    const events: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => events.push(e) });
    const steps = collectSteps(events);
    assert.ok(steps.some((s) => s.type === "Volume" && /replace/.test(s.op)), JSON.stringify(steps));
    await stack.removeConfig("quickstart:durability");
  });

  it("a fresh clone (no ledger) previews no changes, then applies the expand in place: a new brick set on every node", async function () {
    const moved = stack;
    await moved.removeConfig("quickstart:volumeSizeGiB"); // the committed config: the size the stack has
    stack = clone = await stackFromFolder(moved, program, stateDir, folder("clone"));
    assert.ok(!fs.existsSync(ledgerIn(folder("clone"))));
    const pre = await stack.preview();
    assert.deepEqual(Object.keys(pre.changeSummary), ["same"]);
    await setConfig("volumeSizeGiB", "2");
    const t0 = Date.now();
    const up = await stack.up();
    timings["pulumi up (expand, fresh clone)"] = Date.now() - t0;
    assert.equal(up.summary.resourceChanges?.update, 1, JSON.stringify(up.summary.resourceChanges));
    assert.equal(up.outputs.sizeGiB.value, 2);
    const bricks = (await onNode(lab.nodes[0], "gluster --mode=script volume info data")).match(/^Brick\d+: /gm) ?? [];
    assert.equal(bricks.length, 6);
    for (const n of lab.nodes) {
      const lvs = await onNode(n, "lvs --noheadings -o lv_name | grep -c brick_ || true");
      assert.equal(lvs.trim(), "2", `${n.name} holds two bricks`);
    }
    // the moved folder's ledger predates the expand: it sees the nodes as they are, no drift, no change
    await moved.setConfig("quickstart:volumeSizeGiB", { value: "2" });
    assert.deepEqual(Object.keys((await moved.preview()).changeSummary), ["same"]);
    const ref = await moved.refresh();
    assert.deepEqual(Object.keys(ref.summary.resourceChanges ?? {}).filter((k) => k !== "same"), []);
    stack = moved; // the story goes on in the moved folder
  });

  it("preview of a smaller size fails with the reason, and nothing changes", async function () {
    await setConfig("volumeSizeGiB", "1");
    await assert.rejects(stack.preview(), (e: Error) => /sizeGiB: a GlusterFS volume cannot shrink \(2 → 1 GiB\)/.test(e.message));
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume info data"), /Number of Bricks: 2 x 3 = 6/);
    await setConfig("volumeSizeGiB", "2");
  });

  it("in the moved folder, refresh sees a volume deleted by hand, and the next up makes it again", async function () {
    await onNode(lab.nodes[1], "gluster --mode=script volume stop data force && gluster --mode=script volume delete data");
    const ref = await stack.refresh();
    assert.equal(ref.summary.resourceChanges?.delete, 1, JSON.stringify(ref.summary.resourceChanges));
    const up = await stack.up();
    assert.equal(up.summary.resourceChanges?.create, 1);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume info data"), /Status: Started/);
  });

  it("a state written before the pool was recorded upgrades by in-place updates that change nothing, never a replace", async function () {
    const dep = await stack.exportStack();
    const resources = (dep.deployment as { resources: Array<{ type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }> }).resources;
    let stripped = 0;
    for (const r of resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/glusterfs:"))) {
      if (r.inputs?.pool || r.outputs?.pool) stripped++;
      delete r.inputs?.pool;
      delete r.outputs?.pool;
    }
    assert.equal(stripped, 10, "nodes, devices and the volume carry the pool");
    await stack.importStack(dep);
    const events: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => events.push(e) });
    const steps = collectSteps(events);
    assert.equal(steps.length, 10, JSON.stringify(steps));
    assert.ok(steps.every((s) => s.op === "update"), JSON.stringify(steps));
    const bricks = await onNode(lab.nodes[0], "gluster --mode=script volume info data");
    const up = await stack.up();
    assert.equal(up.summary.resourceChanges?.update, 10, JSON.stringify(up.summary.resourceChanges));
    assert.equal(await onNode(lab.nodes[0], "gluster --mode=script volume info data"), bricks, "nothing changed on the nodes");
    assert.deepEqual(Object.keys((await stack.preview()).changeSummary), ["same"]);
  });

  it("destroy from a clone whose ledger was deleted leaves the nodes clean", async function () {
    stack = clone;
    fs.rmSync(path.join(folder("clone"), ".pulumi-glusterfs"), { recursive: true, force: true });
    const t0 = Date.now();
    const r = await stack.destroy();
    timings["pulumi destroy"] = Date.now() - t0;
    assert.equal(r.summary.result, "succeeded");
    for (const n of lab.nodes) assert.deepEqual(await nodeLeftovers(n), [], n.name);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script pool list"), /^UUID[^\n]*\n[^\n]*localhost\s+Connected\s*$/);
    await stack.workspace.removeStack("e2e");
  });
});
