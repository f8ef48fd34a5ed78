// The real Heketi server (v10.3.0, built by scripts/build-heketi.sh) on its mock executor, for tests that
// need the reference implementation, and a small signed REST client for any Heketi-compatible server.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../devtools/lab/paths";
import { token } from "./rest";

export interface HeketiServer {
  url: string;
  adminKey: string;
  userKey: string;
  /** Temp folder holding heketi.db and heketi.log (removed by stop()). */
  dir: string;
  logPath: string;
  stop(): Promise<void>;
}

/** A binary from scripts/build-heketi.sh ("heketi", "heketi-cli"). */
export function heketiBin(name: string): string {
  const p = path.join(process.env.PGFS_HEKETI_ROOT ?? path.join(toolsDir(), "heketi"), "bin", name);
  if (!fs.existsSync(p)) throw new Error(`${name} is not built: run \`bash scripts/build-heketi.sh\``);
  return p;
}

/** $PGFS_TOOLS as scripts/env.sh sets it, also when the tests run without sourcing it. */
export function toolsDir(): string {
  return process.env.PGFS_TOOLS ?? path.join(process.env.PGFS_CACHE ?? path.join(os.homedir(), ".cache", "pulumi-glusterfs"), "tools");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().on("error", reject).listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Start `heketi` with test/fixtures/heketi-mock.json (mock executor, JWT auth; `glusterfs` overrides its
 * executor settings) on a free port with a fresh database (or `dbPath`); resolves once GET /hello answers.
 */
export async function startHeketi(o: { glusterfs?: Record<string, unknown>; dbPath?: string } = {}): Promise<HeketiServer> {
  const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot(), "test", "fixtures", "heketi-mock.json"), "utf8")) as { jwt: { admin: { key: string }; user: { key: string } }; glusterfs: Record<string, unknown> };
  const jwt = fixture.jwt;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-heketi-"));
  // the fixture, or the fixture with other glusterfs settings (e.g. the ssh executor on the lab)
  const config = path.join(dir, "heketi.json");
  fs.writeFileSync(config, JSON.stringify({ ...fixture, glusterfs: { ...fixture.glusterfs, ...(o.glusterfs ?? {}) } }, null, 2));
  const logPath = path.join(dir, "heketi.log");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, HEKETI_HTTP_PORT: String(port), HEKETI_DB_PATH: o.dbPath ?? path.join(dir, "heketi.db") };
  delete env.HEKETI_ADMIN_KEY; // the keys are the fixture's
  delete env.HEKETI_USER_KEY;
  const log = fs.openSync(logPath, "a");
  const child: ChildProcess = spawn(heketiBin("heketi"), [`--config=${config}`], { env, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exit;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/hello`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (exited || Date.now() > deadline) {
      const text = fs.readFileSync(logPath, "utf8");
      await stop();
      throw new Error(`heketi ${exited ?? "did not answer /hello within 30 s"}:\n${text}`);
    }
    await sleep(200);
  }
  return { url, adminKey: jwt.admin.key, userKey: jwt.user.key, dir, logPath, stop };
}

/** The token Heketi's Go client sends: HS256, iss, iat, exp = now + 5 min, qsh = sha256(METHOD&path). */
export function heketiToken(user: string, key: string, method: string, urlPath: string): Promise<string> {
  return token(method, urlPath, { iss: user, key });
}

export interface HeketiReply {
  status: number;
  headers: Headers;
  text: string;
}

/** One signed request (urlPath may carry a query; the token covers the path only), redirects not followed. */
export async function heketiRequest(url: string, key: string, method: string, urlPath: string, body?: unknown, user = "admin"): Promise<HeketiReply> {
  const r = await fetch(url + urlPath, {
    method,
    redirect: "manual",
    headers: {
      Authorization: `bearer ${await heketiToken(user, key, method, urlPath.split("?")[0])}`, // qsh: path only
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/**
 * An asynchronous call as the Go client makes it: expect 202 + Location, poll it while X-Pending, and
 * return the final reply (303 with the resource's Location, or 204). Anything else throws with the body.
 */
export async function heketiAsync(url: string, key: string, method: string, urlPath: string, body?: unknown): Promise<HeketiReply> {
  const what = `${method} ${urlPath}`;
  const first = await heketiRequest(url, key, method, urlPath, body);
  const location = first.headers.get("location");
  if (first.status !== 202 || !location) throw new Error(`${what}: ${first.status} ${first.text.trim()}`);
  for (;;) {
    const r = await heketiRequest(url, key, "GET", location);
    if (r.headers.get("x-pending") === "true") {
      await sleep(100);
      continue;
    }
    if (r.status === 303 || r.status === 204) return r;
    throw new Error(`${what}: ${location} answered ${r.status} ${r.text.trim()}`);
  }
}

export interface Topology {
  clusterId: string;
  nodeIds: string[];
  /** Device ids per node, in nodeIds order. */
  deviceIds: string[][];
}

/**
 * Through the REST API (admin key): a cluster (file + block, as heketi-cli creates it), 3 nodes in zones
 * 1, 2, 3 with storage IPs 10.0.0.11–13, and 2 devices (/dev/sdb, /dev/sdc) on each.
 */
export async function topologyOn(url: string, key: string): Promise<Topology> {
  const c = await heketiRequest(url, key, "POST", "/clusters", { file: true, block: true });
  if (c.status !== 201) throw new Error(`POST /clusters: ${c.status} ${c.text.trim()}`);
  const clusterId = (JSON.parse(c.text) as { id: string }).id;
  const topo: Topology = { clusterId, nodeIds: [], deviceIds: [] };
  for (const i of [1, 2, 3]) {
    const added = await heketiAsync(url, key, "POST", "/nodes", {
      zone: i,
      hostnames: { manage: [`storage${i}.example.com`], storage: [`10.0.0.${10 + i}`] },
      cluster: clusterId,
    });
    const nodeId = /^\/nodes\/([0-9a-f]{32})$/.exec(added.headers.get("location") ?? "")?.[1];
    if (added.status !== 303 || !nodeId) throw new Error(`POST /nodes ended with ${added.status} ${added.headers.get("location")}`);
    for (const name of ["/dev/sdb", "/dev/sdc"]) {
      const d = await heketiAsync(url, key, "POST", "/devices", { name, node: nodeId });
      if (d.status !== 204) throw new Error(`POST /devices ended with ${d.status}`);
    }
    const info = await heketiRequest(url, key, "GET", `/nodes/${nodeId}`);
    if (info.status !== 200) throw new Error(`GET /nodes/${nodeId}: ${info.status} ${info.text.trim()}`);
    topo.nodeIds.push(nodeId);
    topo.deviceIds.push((JSON.parse(info.text) as { devices: { id: string }[] }).devices.map((d) => d.id));
  }
  return topo;
}
