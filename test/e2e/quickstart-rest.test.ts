import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { quickstart } from "../../examples/quickstart/program";
import type { Engine } from "../../provider/engine";
import type { LabDescription } from "../../devtools/lab/description";
import { ServeConfig } from "../../provider/rest/config";
import { createRestServer, RestServer } from "../../provider/rest/server";
import { HeketiClient } from "../../provider/rest-client";
import { labEngine, nodeLeftovers, onNode } from "../support/engine";
import { requireCleanLab } from "../support/lab";
import { repoRoot } from "../../devtools/lab/paths";
import { inlineStack, plannedSteps, stackFromFolder } from "../support/pulumi";

/**
 * The quickstart through the REST backend, end to end: the real Pulumi CLI drives a Heketi-compatible
 * server (ours, or Heketi itself) that manages the running lab's nodes over its own SSH.
 *
 * By default the server is ours (`serve`'s server, in this process, on its own ledger, managing the
 * lab's nodes over SSH). To hold another server to the same test, point it there:
 *
 *   PGFS_REST_URL=http://127.0.0.1:8080 PGFS_REST_KEY=<admin key> npx mocha dist/test/e2e/quickstart-rest.test.js
 *
 * (that server must manage the running lab's nodes). The test checks on the nodes over SSH what the server did.
 */
let REST_URL = process.env.PGFS_REST_URL;
let REST_KEY = process.env.PGFS_REST_KEY;

const collectSteps = plannedSteps;

describe("Pulumi on the lab through a REST server: the quickstart with quickstart:backend=rest", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let server: RestServer | undefined;
  let engine: Engine | undefined;
  let api: HeketiClient;
  let stack: Stack;
  let stateDir: string;
  let clustersBefore: string[];
  const timings: Record<string, number> = {};

  before(async function () {
    lab = await requireCleanLab();
    if (!REST_URL || !REST_KEY) {
      engine = labEngine(lab);
      REST_KEY = "e2e-admin-key";
      server = createRestServer({
        engine,
        config: ServeConfig.parse({ ledgerPath: engine.ledger.file, port: 0, adminKey: REST_KEY, userKey: "e2e-user-key", executor: "ssh", ssh: { keyFile: lab.nodes[0].privateKeyPath } }),
      });
      await server.listen();
      REST_URL = server.url();
    }
    api = new HeketiClient({ url: REST_URL, key: REST_KEY });
    assert.equal(await api.hello(), "Hello from Heketi");
    clustersBefore = await api.listClusters();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-e2e-rest-"));
    ({ stack } = await inlineStack(
      { projectName: "glusterfs-quickstart", stackName: "e2e-rest", program: async () => quickstart() },
      { stateDir, config: { "quickstart:backend": "rest", "quickstart:restUrl": REST_URL, "quickstart:labDir": lab.labDir, "quickstart:storageClass": "false" } },
    ));
    await stack.setConfig("quickstart:restKey", { value: REST_KEY, secret: true });
  });

  after(async function () {
    await server?.close();
    await engine?.close();
    if (Object.keys(timings).length) console.log(`      [measure] ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
  });

  const setConfig = (k: string, v: string) => stack.setConfig(`quickstart:${k}`, { value: v });
  const volumeId = async () => (await stack.outputs()).volumeId.value as string;

  it("up creates the cluster, nodes, devices and a replica-3 volume through the server, for real on the nodes", async function () {
    const t0 = Date.now();
    const up = await stack.up();
    timings["pulumi up"] = Date.now() - t0;
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.summary.resourceChanges?.create, 12);
    const clusterId = up.outputs.clusterId.value as string;
    assert.deepEqual((await api.listClusters()).filter((c) => !clustersBefore.includes(c)), [clusterId]);
    const v = await api.volumeInfo(up.outputs.volumeId.value as string);
    assert.equal(v.cluster, clusterId);
    assert.equal(v.bricks.length, 3);
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info data");
    assert.match(info, /Type: Replicate/);
    assert.match(info, /Status: Started/);
    assert.match(info, /Number of Bricks: 1 x 3 = 3/);
    assert.match(info, new RegExp(`user\\.heketi\\.id: ${v.id}`));
    assert.match(up.outputs.mount.value, /^mount -t glusterfs -o backup-volfile-servers=10\.77\.0\.\d+:10\.77\.0\.\d+ 10\.77\.0\.\d+:data \/mnt\/data$/);
    const stateFile = path.join(stateDir, ".pulumi", "stacks", "glusterfs-quickstart", "e2e-rest.json");
    assert.ok(!fs.readFileSync(stateFile, "utf8").includes(REST_KEY!), "the REST key never appears in plain text in the state file");
  });

  it("a second preview shows no changes, and refresh finds no drift", async function () {
    const pre = await stack.preview();
    assert.deepEqual(Object.keys(pre.changeSummary), ["same"]);
    const ref = await stack.refresh();
    assert.deepEqual(Object.keys(ref.summary.resourceChanges ?? {}).filter((k) => k !== "same"), []);
  });

  it("a fresh clone at another path previews no changes", async function () {
    const program = { projectName: "glusterfs-quickstart", stackName: "e2e-rest", program: async () => quickstart() };
    stack = await stackFromFolder(stack, program, stateDir, path.join(repoRoot(), ".pulumi-work", "e2e-rest-clone"));
    assert.deepEqual(Object.keys((await stack.preview()).changeSummary), ["same"]);
  });

  it("preview after raising the size shows an update of sizeGiB only", async function () {
    await setConfig("volumeSizeGiB", "2");
    const events: EngineEvent[] = [];
    const pre = await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(collectSteps(events), [{ op: "update", type: "Volume", diffs: ["sizeGiB"] }]);
    assert.equal(pre.changeSummary.update, 1);
  });

  it("up expands in place through /volumes/{id}/expand: a new brick set on every node", async function () {
    const t0 = Date.now();
    const up = await stack.up();
    timings["pulumi up (expand)"] = Date.now() - t0;
    assert.equal(up.summary.resourceChanges?.update, 1);
    assert.equal(up.outputs.sizeGiB.value, 2);
    assert.equal((await api.volumeInfo(await volumeId())).size, 2);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume info data"), /Number of Bricks: 2 x 3 = 6/);
  });

  it("preview of a smaller size fails with the reason, and nothing changes", async function () {
    await setConfig("volumeSizeGiB", "1");
    await assert.rejects(stack.preview(), (e: Error) => /sizeGiB: a GlusterFS volume cannot shrink \(2 → 1 GiB\)/.test(e.message));
    await setConfig("volumeSizeGiB", "2");
  });

  it("refresh sees a volume deleted through the API, and the next up makes it again", async function () {
    const id = await volumeId();
    await api.deleteVolume(id);
    const ref = await stack.refresh();
    assert.equal(ref.summary.resourceChanges?.delete, 1, JSON.stringify(ref.summary.resourceChanges));
    const up = await stack.up();
    assert.equal(up.summary.resourceChanges?.create, 1);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script volume info data"), /Status: Started/);
  });

  it("destroy leaves the nodes clean and the server without the cluster", async function () {
    const t0 = Date.now();
    const r = await stack.destroy();
    timings["pulumi destroy"] = Date.now() - t0;
    assert.equal(r.summary.result, "succeeded");
    assert.deepEqual((await api.listClusters()).sort(), [...clustersBefore].sort());
    for (const n of lab.nodes) assert.deepEqual(await nodeLeftovers(n), [], n.name);
    assert.match(await onNode(lab.nodes[0], "gluster --mode=script pool list"), /^UUID[^\n]*\n[^\n]*localhost\s+Connected\s*$/);
    await stack.workspace.removeStack("e2e-rest");
  });
});
