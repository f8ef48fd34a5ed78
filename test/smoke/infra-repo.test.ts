// The infra-repo experience: this package installed from its `npm pack` tarball into a TypeScript Pulumi
// project in a folder outside the checkout, run by the real CLI (v3.259.0) through the Node.js language host
// (v3.68.0, scripts/build-pulumi-language-nodejs.sh): up, a change previewed with --diff, up, refresh, destroy,
// on a file:// backend. No VMs: the cluster goes through the REST backend to `pulumi-glusterfs serve
// --executor sim` (simulated nodes) started from the installed package, on loopback.
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HeketiClient } from "../../provider/rest-client";
import { freePort, heketiRequest } from "../support/heketi-server";
import { CHECKOUT, changedProperties, createInfraRepo, InfraRepo, mustSucceed, printedSteps, run } from "../support/infra-repo";

const ADMIN_KEY = "pgfs-infra-repo-admin";

/** The operator's program: a cluster behind a Heketi-compatible server, 3 nodes × 2 devices, one replica-3 volume. */
const INDEX_TS = `import * as pulumi from "@pulumi/pulumi";
import { Device, GlusterCluster, Node, Volume } from "pulumi-glusterfs";

const cfg = new pulumi.Config();
const cluster = new GlusterCluster("storage", { rest: { url: cfg.require("restUrl"), key: cfg.requireSecret("restKey"), pollIntervalMs: 100 } });
const devices: Device[] = [];
const nodes = [1, 2, 3].map((i) => {
  const node = new Node(\`node\${i}\`, { cluster, manageHostname: \`node\${i}.infra.test\`, storageHostname: \`10.251.0.\${i}\`, zone: i });
  for (const path of ["/dev/vdb", "/dev/vdc"]) devices.push(new Device(\`node\${i}-\${path.slice(5)}\`, { node, path }));
  return node;
});
const data = new Volume("data", { cluster, sizeGiB: cfg.getNumber("sizeGiB") ?? 1, durability: { type: "replicate", replica: 3 } }, { dependsOn: devices });

export const clusterId = cluster.clusterId;
export const nodeIds = nodes.map((n) => n.nodeId);
export const volumeId = data.volumeId;
export const sizeGiB = data.sizeGiB;
export const mount = data.mountDevice;
`;

describe("infra repo: the packed package in a TypeScript Pulumi project, real CLI and Node.js language host", function () {
  this.timeout(10 * 60_000);
  let r: InfraRepo;
  let server: ChildProcess | undefined;
  let serverLog: string;
  let url: string;
  let api: HeketiClient;
  let failed = false;

  const cli = (name: string, args: string[]) => r.cli(name, args);
  const outputs = () => r.outputs();
  /** The server's volumes as name → size (GiB). */
  const serverVolumes = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const id of await api.listVolumes()) {
      const v = await api.volumeInfo(id);
      out[v.name] = v.size;
    }
    return out;
  };

  before(async function () {
    r = await createInfraRepo({ name: "glusterfs-infra", description: "GlusterFS volumes through a Heketi-compatible server", program: INDEX_TS });
    const { repo, env, tmp } = r;
    const loaded = mustSucceed(
      "require",
      await run(process.execPath, ["-e", 'const g = require("pulumi-glusterfs"); require("pulumi-glusterfs/dist/provider/dynamic/runtime"); console.log(Object.keys(g).sort().join(","))'], { cwd: repo, env }),
    );
    for (const name of ["Device", "GlusterCluster", "Node", "StorageClass", "Volume"]) assert.ok(loaded.stdout.trim().split(",").includes(name), loaded.out);

    // the server, from the installed package (its simulator is in the tarball)
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    serverLog = path.join(tmp, "serve.log");
    const fd = fs.openSync(serverLog, "a");
    const main = path.join(repo, "node_modules", "pulumi-glusterfs", "dist", "provider", "cli", "main.js");
    const args = [main, "serve", "--host", "127.0.0.1", "--port", String(port), "--ledger", path.join(tmp, "server-ledger.db"), "--admin-key", ADMIN_KEY, "--user-key", "pgfs-infra-repo-user", "--executor", "sim"];
    const child = spawn(process.execPath, args, { cwd: tmp, stdio: ["ignore", fd, fd] });
    server = child;
    fs.closeSync(fd);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${url}/hello`)).ok) break;
      } catch {
        /* not listening yet */
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pulumi-glusterfs serve did not answer /hello: ${fs.readFileSync(serverLog, "utf8")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    api = new HeketiClient({ url, key: ADMIN_KEY, pollIntervalMs: 100 });
    await cli("config", ["config", "set", "restUrl", url]);
    await cli("config", ["config", "set", "--secret", "restKey", ADMIN_KEY]);
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    if (r?.timings.length) console.log(`      [measure] ${r.timings.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      const t = setTimeout(() => server!.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
    }
    if (failed) {
      if (serverLog && fs.existsSync(serverLog)) console.log(`      server log (last 30 lines):\n${fs.readFileSync(serverLog, "utf8").trim().split("\n").slice(-30).join("\n")}`);
      console.log(`      kept for inspection: ${r?.tmp}`);
    } else if (r) fs.rmSync(r.tmp, { recursive: true, force: true });
  });

  it("pulumi up creates the cluster, 3 nodes, 6 devices and a 1 GiB replica-3 volume on the server", async function () {
    const up = await cli("up", ["up", "--yes"]);
    assert.match(up.out, /\+ 12 created/);
    assert.doesNotMatch(up.out, /from \$PATH/, "the language host is found next to the CLI: no warning");
    assert.doesNotMatch(up.out, /warning/i, up.out);
    const o = await outputs();
    assert.deepEqual(await api.listClusters(), [o.clusterId]);
    const cl = await api.clusterInfo(o.clusterId as string);
    assert.deepEqual([...cl.nodes].sort(), [...(o.nodeIds as string[])].sort());
    for (const id of cl.nodes) assert.equal((await api.nodeInfo(id)).devices.length, 2);
    assert.deepEqual(await serverVolumes(), { data: 1 });
    assert.equal(o.sizeGiB, 1);
    assert.deepEqual(await api.listVolumes(), [o.volumeId]);
    assert.match(o.mount as string, /^10\.251\.0\.[123]:data$/);
  });

  it("the state loads the providers by package name: no path of the checkout in it", async function () {
    const exported = (await cli("stack export", ["stack", "export"])).stdout;
    assert.ok(exported.includes("pulumi-glusterfs/dist/provider/dynamic/runtime"), "the serialized providers name the package");
    assert.ok(!exported.includes(CHECKOUT), `the state names the checkout ${CHECKOUT}`);
  });

  it("pulumi preview --diff after sizeGiB 1 → 2 shows exactly that update", async function () {
    await cli("config", ["config", "set", "sizeGiB", "2"]);
    const pre = await cli("preview --diff", ["preview", "--diff"]);
    assert.deepEqual(printedSteps(pre.out), ["~ pulumi-nodejs:dynamic/glusterfs:Volume: (update)"], pre.out);
    assert.deepEqual(changedProperties(pre.out), ["~ sizeGiB : 1 => 2"], pre.out);
    assert.match(pre.out, /~ 1 to update\s+11 unchanged/);
    assert.deepEqual(await serverVolumes(), { data: 1 }, "a preview changes nothing");
  });

  it("pulumi up expands the volume to 2 GiB on the server", async function () {
    const up = await cli("up (expand)", ["up", "--yes"]);
    assert.match(up.out, /~ 1 updated\s+11 unchanged/);
    assert.equal((await outputs()).sizeGiB, 2);
    assert.deepEqual(await serverVolumes(), { data: 2 });
  });

  it("pulumi refresh finds nothing changed", async function () {
    const r = await cli("refresh", ["refresh", "--yes", "--expect-no-changes"]);
    assert.match(r.out, /12 unchanged/);
    assert.deepEqual(await serverVolumes(), { data: 2 });
  });

  it("pulumi destroy leaves the server's ledger empty", async function () {
    const d = await cli("destroy", ["destroy", "--yes"]);
    assert.match(d.out, /- 12 deleted/);
    assert.deepEqual(await api.listClusters(), []);
    assert.deepEqual(await serverVolumes(), {});
    const dump = await heketiRequest(url, ADMIN_KEY, "GET", "/db/dump");
    assert.equal(dump.status, 200, dump.text);
    const db = JSON.parse(dump.text) as Record<string, unknown>;
    for (const k of ["clusterentries", "nodeentries", "deviceentries", "volumeentries", "brickentries", "pendingoperations"]) {
      assert.deepEqual(db[k], {}, `${k} after destroy: ${JSON.stringify(db[k])}`);
    }
  });
});
