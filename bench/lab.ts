/**
 * Lab benchmark: the same heketi-cli story, step by step, against the real Heketi v10.3.0 (its SSH
 * executor) and against `pulumi-glusterfs serve` (SSH executor), on the same 3 lab nodes, one after the
 * other in one run; the nodes are checked clean after each side. For our side, the trace
 * (PGFS_TRACE) says how much of each step was spent inside remote commands on the busiest node: the
 * step's critical path on the nodes, what no orchestration can go below without changing the commands.
 *
 *   node dist/bench/lab.js [--devices 1|2]      (needs a running, clean lab: node dist/devtools/cli.js lab up)
 *
 * Prints seconds per step, ours/Heketi, and ours/remote. A benchmark, not a test: nothing is asserted
 * about time.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { readLabDescription, type LabDescription } from "../devtools/lab/description";
import type { RemoteCall } from "../provider/exec/trace";
import { nodeLeftovers } from "../test/support/engine";
import { heketiBin, startHeketi } from "../test/support/heketi-server";
import { startServe } from "./serve-process";

const execFileP = promisify(execFile);
const ADMIN = "pgfs-test-admin-secret"; // test/fixtures/heketi-mock.json's admin key, for both servers

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

interface Side {
  name: string;
  url: string;
  stop(): Promise<void>;
  trace?: string;
}

async function startOurs(lab: LabDescription, dir: string): Promise<Side> {
  const first = lab.nodes[0];
  const trace = path.join(dir, "trace.jsonl");
  const flags = [
    "--ledger", path.join(dir, "ledger.db"), "--admin-key", ADMIN, "--user-key", "u",
    "--executor", "ssh", "--ssh-key", first.privateKeyPath, "--ssh-user", first.sshUser, "--ssh-port", String(first.sshPort), "--known-hosts", lab.knownHostsPath,
  ];
  return { ...(await startServe(flags, { ...process.env, PGFS_TRACE: trace })), trace };
}

async function startTheirs(lab: LabDescription, dir: string): Promise<Side> {
  const first = lab.nodes[0];
  const h = await startHeketi({
    dbPath: path.join(dir, "heketi.db"),
    glusterfs: { executor: "ssh", sshexec: { keyfile: first.privateKeyPath, user: first.sshUser, port: String(first.sshPort), fstab: "/etc/fstab" } },
  });
  return { name: "Heketi", url: h.url, stop: () => h.stop() };
}

/** The story: each step a list of heketi-cli calls (the same for both servers); ids flow through `ids`. */
function story(lab: LabDescription, devices: number) {
  const ids: { cluster?: string; nodes: string[]; devices: string[]; volume?: string } = { nodes: [], devices: [] };
  type Cli = (...args: string[]) => Promise<string>;
  const json = (s: string) => JSON.parse(s) as { id: string };
  const steps: Array<{ name: string; run: (cli: Cli) => Promise<void> }> = [
    { name: "cluster create", run: async (cli) => void (ids.cluster = json(await cli("cluster", "create", "--json")).id) },
    {
      name: `node add ×${lab.nodes.length}`,
      run: async (cli) => {
        for (const n of lab.nodes) {
          ids.nodes.push(json(await cli("node", "add", `--zone=${n.zone}`, `--cluster=${ids.cluster}`, `--management-host-name=${n.managementAddress}`, `--storage-host-name=${n.storageAddress}`, "--json")).id);
        }
      },
    },
    {
      name: `device add ×${lab.nodes.length * devices}`,
      run: async (cli) => {
        for (const [i, n] of lab.nodes.entries()) for (const d of n.devices.slice(0, devices)) await cli("device", "add", `--name=${d}`, `--node=${ids.nodes[i]}`);
        const topo = JSON.parse(await cli("topology", "info", "--json")) as { clusters: Array<{ nodes: Array<{ devices: Array<{ id: string }> }> }> };
        ids.devices = topo.clusters.flatMap((c) => c.nodes.flatMap((n) => n.devices.map((d) => d.id)));
      },
    },
    { name: "volume create (1 GiB, replica 3)", run: async (cli) => void (ids.volume = json(await cli("volume", "create", "--size=1", "--replica=3", "--json")).id) },
    { name: "volume expand (+1 GiB)", run: async (cli) => void (await cli("volume", "expand", `--volume=${ids.volume}`, "--expand-size=1")) },
    { name: "volume delete", run: async (cli) => void (await cli("volume", "delete", ids.volume!)) },
    {
      name: "teardown (devices, nodes, cluster)",
      run: async (cli) => {
        for (const d of ids.devices) for (const verb of ["disable", "remove", "delete"]) await cli("device", verb, d);
        for (const n of ids.nodes) for (const verb of ["disable", "remove", "delete"]) await cli("node", verb, n);
        await cli("cluster", "delete", ids.cluster!);
      },
    },
  ];
  return steps;
}

/**
 * Per step: seconds of remote commands on the busiest host (the calls of one host run one after another
 * within a step), and that host's slowest commands.
 */
function remoteSeconds(traceFile: string, windows: Array<[number, number]>): Array<{ seconds: number; slowest: string }> {
  const calls = fs.existsSync(traceFile)
    ? fs.readFileSync(traceFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as RemoteCall)
    : [];
  return windows.map(([from, to]) => {
    const perHost = new Map<string, RemoteCall[]>();
    for (const c of calls) {
      const start = Date.parse(c.at);
      if (start >= from && start < to) perHost.set(c.host, [...(perHost.get(c.host) ?? []), c]);
    }
    const total = (cs: RemoteCall[]) => cs.reduce((a, c) => a + c.ms, 0);
    const busiest = [...perHost.values()].sort((a, b) => total(b) - total(a))[0] ?? [];
    const slowest = [...busiest].sort((a, b) => b.ms - a.ms).slice(0, 3).map((c) => `${(c.ms / 1000).toFixed(1)} s ${c.command}`).join("; ");
    return { seconds: total(busiest) / 1000, slowest };
  });
}

async function runSide(lab: LabDescription, side: Side, devices: number): Promise<{ seconds: number[]; windows: Array<[number, number]>; names: string[] }> {
  const cli = async (...args: string[]) => (await execFileP(heketiBin("heketi-cli"), ["--server", side.url, "--user", "admin", "--secret", ADMIN, ...args], { timeout: 15 * 60_000 })).stdout;
  const seconds: number[] = [];
  const windows: Array<[number, number]> = [];
  const steps = story(lab, devices);
  for (const s of steps) {
    const t0 = Date.now();
    await s.run(cli);
    const t1 = Date.now();
    seconds.push((t1 - t0) / 1000);
    windows.push([t0, t1]);
    process.stderr.write(`  ${side.name}: ${s.name} ${((t1 - t0) / 1000).toFixed(1)} s\n`);
  }
  const dirty: string[] = [];
  for (const n of lab.nodes) dirty.push(...(await nodeLeftovers(n)).map((l) => `${n.name} ${l}`));
  if (dirty.length) throw new Error(`${side.name} left the nodes dirty:\n${dirty.join("\n")}`);
  return { seconds, windows, names: steps.map((s) => s.name) };
}

async function main(): Promise<void> {
  const devices = arg("devices", 1);
  const lab = readLabDescription();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-bench-lab-"));
  const results: Record<string, Awaited<ReturnType<typeof runSide>>> = {};
  for (const start of [startTheirs, startOurs]) {
    const side = await start(lab, dir);
    try {
      results[side.name] = await runSide(lab, side, devices);
      if (side.trace) (results[side.name] as { remote?: ReturnType<typeof remoteSeconds> }).remote = remoteSeconds(side.trace, results[side.name].windows);
    } finally {
      await side.stop();
    }
  }
  const h = results.Heketi;
  const o = results.ours as typeof h & { remote: ReturnType<typeof remoteSeconds> };
  const remote = o.remote.map((r) => r.seconds);
  const rows = h.names.map((name, i) => [name, h.seconds[i].toFixed(1), o.seconds[i].toFixed(1), (o.seconds[i] / h.seconds[i]).toFixed(2), remote[i].toFixed(1), remote[i] > 0 ? (o.seconds[i] / remote[i]).toFixed(2) : "-"]);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  rows.push(["whole story", sum(h.seconds).toFixed(1), sum(o.seconds).toFixed(1), (sum(o.seconds) / sum(h.seconds)).toFixed(2), sum(remote).toFixed(1), (sum(o.seconds) / sum(remote)).toFixed(2)]);
  const head = ["step", "Heketi s", "ours s", "ours/Heketi", "ours remote s", "ours/remote"];
  const widths = head.map((hd, c) => Math.max(hd.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join("  ");
  console.log(`lab benchmark: the heketi-cli story on ${lab.nodes.length} nodes, ${devices} device(s) each; nodes clean after each side`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  console.log("ours remote: seconds inside remote commands on the busiest node during the step (PGFS_TRACE), the floor of the commands as they are");
  console.log("where ours spends it (the busiest node's slowest calls):");
  for (const [i, name] of h.names.entries()) if (o.remote[i].slowest) console.log(`  ${name}: ${o.remote[i].slowest}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
