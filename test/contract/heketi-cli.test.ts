// heketiCliScenario against the real Heketi v10.3.0 (mock executor): the unmodified heketi-cli must get
// through the whole life cycle. The lead runs the same scenario against our server on the QEMU lab.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CliTopology, heketiCliScenario, ScenarioError } from "./heketi-cli-scenario";
import { heketiBin, HeketiServer, startHeketi } from "../support/heketi-server";

const execFileP = promisify(execFile);

// Any hostnames work with the mock executor; these are the lab's (127.0.0.1x manage, 10.77.0.1x storage).
const TOPOLOGY: CliTopology = {
  nodes: [1, 2, 3].map((i) => ({ manage: `127.0.0.${10 + i}`, storage: `10.77.0.${10 + i}`, zone: i, devices: ["/dev/vdb", "/dev/vdc"] })),
};

describe("contract: heketi-cli scenario against the real Heketi (mock executor)", function () {
  this.timeout(10 * 60_000);
  let heketi: HeketiServer;

  before(async function () {
    heketiBin("heketi-cli");
    heketi = await startHeketi();
  });
  after(async () => heketi?.stop());

  it("runs every command successfully and leaves the server empty", async function () {
    const lines: string[] = [];
    let result;
    try {
      result = await heketiCliScenario({ url: heketi.url, adminKey: heketi.adminKey }, TOPOLOGY, (l) => lines.push(l));
    } catch (e) {
      if (e instanceof ScenarioError) e.message += `\n--- progress ---\n${lines.join("\n")}`;
      throw e;
    }
    assert.match(result.clusterId, /^[0-9a-f]{32}$/);
    assert.equal(result.nodeIds.length, 3);
    assert.deepEqual(result.deviceIds.map((d) => d.length), [2, 2, 2]);
    assert.match(result.volumeName, /^vol_[0-9a-f]{32}$/);
    assert.equal(result.removedNode, result.nodeIds[2]);
    assert.equal(result.removedDevice, result.deviceIds[0][0]);
    const steps = result.commands.map((c) => c.step);
    for (const s of ["cluster create", "node add 3", "topology info --json", "volume create", "volume expand", "volume delete", "one device: device remove", "node remove", "cleanup: cluster delete"])
      assert.ok(steps.includes(s), `${s} missing from ${steps.join(", ")}`);
    assert.ok(result.commands.every((c) => !c.args.includes(heketi.adminKey)), "the secret is not recorded");

    const cli = (...args: string[]) => execFileP(heketiBin("heketi-cli"), ["--server", heketi.url, "--user", "admin", "--secret", heketi.adminKey, ...args]);
    assert.deepEqual(JSON.parse((await cli("--json", "cluster", "list")).stdout), { clusters: [] });
    // `server operations info` prints text even with --json.
    const ops = (await cli("server", "operations", "info")).stdout;
    assert.match(ops, /Total: 0\n\s*In-Flight: 0\n\s*New: 0\n\s*Failed: 0\n\s*Stale: 0/);
  });

  it("fails loudly, naming the command and Heketi's message, when the server refuses", async function () {
    // Duplicate management hostnames: the second `node add` gets 409 from Heketi.
    const dup: CliTopology = { nodes: [TOPOLOGY.nodes[0], TOPOLOGY.nodes[0], TOPOLOGY.nodes[0]] };
    await assert.rejects(heketiCliScenario({ url: heketi.url, adminKey: heketi.adminKey }, dup), (e: unknown) => {
      assert.ok(e instanceof ScenarioError);
      assert.match(e.message, /^node add 2: `heketi-cli --json node add .*` failed \(exit 255\): Error: Hostname 127\.0\.0\.11 already used by node with id [0-9a-f]{32}/);
      assert.deepEqual(e.commands.map((c) => c.step), ["cluster create", "cluster info", "cluster list", "node add 1", "node add 2"]); // the failed one is recorded too
      return true;
    });
  });
});
