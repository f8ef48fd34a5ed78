/**
 * Our server held to the same contracts as the real Heketi, on the mock executor (SimExecutor: simulated
 * glusterd, LVM, XFS and mounts): the raw-HTTP transcript compared with Heketi's snapshot, the Kubernetes
 * provisioner replayed by Heketi's Go client, and the heketi-cli scenario. (The same clients against our
 * server on the lab's real nodes: test/lab/rest-server.test.ts.)
 */
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { engineFromServeConfig, executorFor } from "../../provider/cli/serve";
import type { Engine } from "../../provider/engine";
import { exportDump } from "../../provider/heketi/dump";
import { ServeConfig } from "../../provider/rest/config";
import { createRestServer, RestServer } from "../../provider/rest/server";
import { heketiBin, topologyOn } from "../support/heketi-server";
import { apiTranscript, compareTranscripts, readTranscriptFile, TRANSCRIPT_SNAPSHOT } from "./api-transcript";
import { heketiCliScenario } from "./heketi-cli-scenario";
import { provisionerContract } from "./provisioner";

const execFileP = promisify(execFile);
const ADMIN = "ours-admin-key";
const USER = "ours-user-key";

/**
 * Differences from Heketi we keep on purpose. Every other difference fails the test.
 */
export const ACCEPTED_DIFFERENCES: Array<{ match: RegExp; why: string }> = [
  {
    match: /\] body json (devices\[0\]\.)?(paths|pv_uuid): only in server/,
    why: "our devices report their path and PV UUID; Heketi does too on real nodes, its mock executor has none",
  },
  {
    match: /\] body text: heketi "Failed to allocate new volume: No space\\n", server "Failed to allocate new volume: No space for /,
    why: "'No space' is followed by which limit stopped the placement (the message starts with Heketi's text)",
  },
  {
    match: /\] body text: heketi "Failed to allocate volume expansion: Maximum number of bricks reached.\\n", server "Failed to allocate volume expansion: No space to expand .* limit of 32 bricks per volume/,
    why: "the expansion refusal says how many bricks it would need against the limit",
  },
  {
    match: /\] fact glustervolumeoptions: heketi \["",(.*),""\], server \[(.*)\]$/,
    why: "Heketi pads the option list with its empty pre/post-request options; we list only real options",
  },
];

export function unexplained(diffs: string[]): string[] {
  return diffs.filter((d) => !ACCEPTED_DIFFERENCES.some((a) => a.match.test(d)));
}

async function startOurs(userRole: "heketi" | "provisioner", tls?: { certFile: string; keyFile: string }): Promise<{ server: RestServer; engine: Engine; url: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-ours-"));
  const config = ServeConfig.parse({ ledgerPath: path.join(dir, "ledger.db"), port: 0, adminKey: ADMIN, userKey: USER, executor: "sim", userRole, tls });
  const { executor, beforeNodeAdd } = executorFor(config);
  const engine = engineFromServeConfig(config, executor, () => undefined);
  const server = createRestServer({ engine, config, beforeNodeAdd, dump: () => exportDump(engine.ledger) });
  await server.listen();
  return { server, engine, url: server.url() };
}

describe("contract: our server (mock executor) against Heketi's contracts", function () {
  this.timeout(10 * 60_000);

  describe("raw-HTTP transcript, compared with the real Heketi's snapshot", function () {
    let ours: Awaited<ReturnType<typeof startOurs>>;
    before(async () => (ours = await startOurs("heketi")));
    after(async () => {
      await ours?.server.close();
      await ours?.engine.close();
    });

    it("agrees with Heketi: same steps, statuses, headers and JSON shapes, except the documented differences", async function () {
      const mine = await apiTranscript({ url: ours.url, adminKey: ADMIN, userKey: USER });
      const diffs = compareTranscripts(readTranscriptFile(TRANSCRIPT_SNAPSHOT), mine, ["heketi", "server"]);
      const left = unexplained(diffs);
      assert.deepEqual(left, [], `differences from Heketi that are not accepted on purpose:\n${left.join("\n")}`);
      console.log(`      [contract] ${mine.length} steps; ${diffs.length} accepted differences`);
    });
  });

  describe("Heketi's Go client replaying the Kubernetes provisioner (auth on, provisioner user role)", function () {
    let ours: Awaited<ReturnType<typeof startOurs>> | undefined;
    let target: Promise<{ url: string; adminKey: string; userKey: string; clusterId: string }> | undefined;
    const getTarget = () =>
      (target ??= (async () => {
        ours = await startOurs("provisioner");
        const topo = await topologyOn(ours.url, ADMIN);
        return { url: ours.url, adminKey: ADMIN, userKey: USER, clusterId: topo.clusterId };
      })());
    after(async () => {
      await ours?.server.close();
      await ours?.engine.close();
    });
    provisionerContract(getTarget);
  });

  describe("heketi-cli scenario", function () {
    let ours: Awaited<ReturnType<typeof startOurs>>;
    before(async () => (ours = await startOurs("provisioner")));
    after(async () => {
      await ours?.server.close();
      await ours?.engine.close();
    });

    it("runs every heketi-cli command successfully, including moving bricks off a device in use", async function () {
      const topo = { nodes: [1, 2, 3, 4].map((i) => ({ manage: `node${i}.example`, storage: `10.1.0.${i}`, zone: i, devices: ["/dev/sdb", "/dev/sdc"] })) };
      const r = await heketiCliScenario({ url: ours.url, adminKey: ADMIN }, topo, undefined, { removeDeviceWithBricks: true });
      assert.equal(r.nodeIds.length, 4);
      assert.deepEqual(ours.engine.ledger.listClusters(), []);
    });
  });

  describe("heketi-cli over HTTPS (enable_tls / --tls-cert, --tls-key)", function () {
    let ours: Awaited<ReturnType<typeof startOurs>>;
    before(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-tls-"));
      const [certFile, keyFile] = [path.join(dir, "cert.pem"), path.join(dir, "key.pem")];
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
      ours = await startOurs("provisioner", { certFile, keyFile });
    });
    after(async () => {
      await ours?.server.close();
      await ours?.engine.close();
    });

    it("creates and lists a cluster with heketi-cli --insecure-tls against https://", async function () {
      assert.match(ours.url, /^https:\/\//);
      // the server runs in this process: the client must not block its event loop
      const run = async (...args: string[]) => (await execFileP(heketiBin("heketi-cli"), ["--server", ours.url, "--user", "admin", "--secret", ADMIN, ...args], { timeout: 60_000 })).stdout;
      const id = /Cluster id: ([0-9a-f]{32})/.exec(await run("--insecure-tls", "cluster", "create"))![1];
      assert.match(await run("--insecure-tls", "cluster", "list"), new RegExp(id));
      await assert.rejects(run("cluster", "list"), /certificate/, "without --insecure-tls the self-signed certificate is refused");
    });
  });
});
