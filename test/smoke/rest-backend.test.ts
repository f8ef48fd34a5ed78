import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { quickstart } from "../../examples/quickstart/program";
import { HeketiClient } from "../../provider/rest-client";
import { Device, GlusterCluster, Node, Volume } from "../../sdk";
import { freePort, startHeketi } from "../support/heketi-server";
import { inlineStack, plannedSteps } from "../support/pulumi";

/** A Heketi-compatible server for one suite: where it listens, its admin key, how to stop it. */
interface Target {
  url: string;
  key: string;
  log: string;
  stop(): Promise<void>;
}

/** Real Heketi v10.3.0 on its mock executor, fresh DB, free loopback port (test/support/heketi-server.ts). */
async function heketiTarget(): Promise<Target> {
  const h = await startHeketi();
  return { url: h.url, key: h.adminKey, log: h.logPath, stop: () => h.stop() };
}

/** This project's server: `pulumi-glusterfs serve --executor sim` (the simulated nodes), fresh ledger, free loopback port. */
async function ourServerTarget(): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-rest-serve-"));
  const port = await freePort();
  const key = "pgfs-rest-backend-admin";
  const log = path.join(dir, "serve.log");
  const fd = fs.openSync(log, "a");
  const main = path.join(__dirname, "..", "..", "provider", "cli", "main.js");
  const args = [main, "serve", "--host", "127.0.0.1", "--port", String(port), "--ledger", path.join(dir, "ledger.db"), "--admin-key", key, "--user-key", "pgfs-rest-backend-user", "--executor", "sim"];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/hello`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`pulumi-glusterfs serve did not answer /hello: ${fs.readFileSync(log, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(t);
  };
  return { url, key, log, stop };
}

const collectSteps = plannedSteps;

/** Cluster + 3 nodes (zones 1..3) + 2 devices each + a replica-3 volume, managed through the REST server. */
function program() {
  const cfg = new pulumi.Config("rb");
  // rb:adopt: the ids of a cluster that runs, for a program that adopts it instead of making one
  const adopt = cfg.getObject<{ cluster: string; nodes: string[]; devices: string[]; volume: string }>("adopt");
  const cluster = new GlusterCluster("heketi", { rest: { url: cfg.require("restUrl"), key: cfg.requireSecret("restKey"), pollIntervalMs: 100 }, adopt: adopt?.cluster });
  const devices: Device[] = [];
  const nodes = [1, 2, 3].map((i) => {
    const node = new Node(`node${i}`, {
      cluster,
      manageHostname: `node${i}.rest.test`,
      storageHostname: `10.250.0.${i}`,
      zone: i,
      adopt: adopt?.nodes[i - 1],
      // a program that (wrongly) pins a host key: the REST server owns SSH, so check refuses it
      ssh: i === 1 && cfg.getBoolean("nodeSsh") ? { hostKeyFingerprint: `SHA256:${"A".repeat(43)}` } : undefined,
    });
    for (const dev of ["/dev/vdb", "/dev/vdc"]) devices.push(new Device(`node${i}-${dev.slice(5)}`, { node, path: dev, adopt: adopt?.devices[devices.length] }));
    return node;
  });
  const volume = new Volume("data", { cluster, sizeGiB: cfg.getNumber("sizeGiB") ?? 1, durability: { type: "replicate", replica: 3 }, adopt: adopt?.volume }, { dependsOn: devices });
  return {
    clusterId: cluster.clusterId,
    nodeIds: nodes.map((n) => n.nodeId),
    deviceIds: devices.map((d) => d.deviceId),
    volumeId: volume.volumeId,
    sizeGiB: volume.sizeGiB,
    mountDevice: volume.mountDevice,
    backupVolfileServers: volume.backupVolfileServers,
    brickCount: volume.brickCount,
  };
}

/** The operator's story through the REST backend, against one server. */
function restBackendSuite(title: string, startTarget: () => Promise<Target>) {
  describe(`Pulumi with the REST backend: the real engine against ${title}`, function () {
    this.timeout(10 * 60_000);
    let server: Target | undefined;
    let api: HeketiClient;
    let stack: Stack;
    let stateDir: string;
    const timings: Record<string, number> = {};
    let failed = false;

    before(async function () {
      server = await startTarget();
      api = new HeketiClient({ url: server.url, key: server.key, pollIntervalMs: 100 });
      ({ stack, stateDir } = await inlineStack({ projectName: "glusterfs-rest", stackName: "smoke", program: async () => program() }, { config: { "rb:restUrl": server.url } }));
      await stack.setConfig("rb:restKey", { value: server.key, secret: true });
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed") failed = true;
    });
    after(async function () {
      if (Object.keys(timings).length) console.log(`      [measure] ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
      if (failed && server && fs.existsSync(server.log)) console.log(`      server log (last 40 lines):\n${fs.readFileSync(server.log, "utf8").trim().split("\n").slice(-40).join("\n")}`);
      await server?.stop();
    });

    const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
      const t0 = Date.now();
      try {
        return await f();
      } finally {
        timings[name] = Date.now() - t0;
      }
    };

    it("up creates the cluster, 3 nodes, 6 devices and a replica-3 volume in the server's DB", async function () {
      const up = await timed("up", () => stack.up());
      assert.equal(up.summary.result, "succeeded");
      assert.equal(up.summary.resourceChanges?.create, 12, JSON.stringify(up.summary.resourceChanges)); // 11 + the stack
      const clusterId = up.outputs.clusterId.value as string;
      assert.deepEqual(await api.listClusters(), [clusterId]);
      const cl = await api.clusterInfo(clusterId);
      assert.deepEqual([...cl.nodes].sort(), [...(up.outputs.nodeIds.value as string[])].sort());
      for (const id of cl.nodes) {
        const n = await api.nodeInfo(id);
        assert.equal(n.devices.length, 2);
        assert.deepEqual(n.devices.map((d) => d.name).sort(), ["/dev/vdb", "/dev/vdc"]);
      }
      const v = await api.volumeInfo(up.outputs.volumeId.value as string);
      assert.equal(v.size, 1);
      assert.equal(v.durability.replicate.replica, 3);
      assert.equal(v.bricks.length, 3);
      assert.equal(new Set(v.bricks.map((b) => b.node)).size, 3, "one brick per node");
      assert.equal(up.outputs.mountDevice.value, v.mount.glusterfs.device);
      assert.match(up.outputs.mountDevice.value, /^10\.250\.0\.\d:data$/);
      assert.equal(up.outputs.brickCount.value, 3);
      const state = fs.readFileSync(path.join(stateDir, ".pulumi", "stacks", "glusterfs-rest", "smoke.json"), "utf8");
      assert.ok(!state.includes(server!.key), "the REST key never appears in plain text in the state file");
    });

    it("a second preview shows no changes, and refresh finds no drift", async function () {
      const pre = await stack.preview();
      assert.deepEqual(Object.keys(pre.changeSummary), ["same"]);
      const ref = await stack.refresh();
      assert.deepEqual(Object.keys(ref.summary.resourceChanges ?? {}).filter((k) => k !== "same"), [], JSON.stringify(ref.summary.resourceChanges));
    });

    it("preview refuses per-node SSH settings on a REST cluster's node, naming the field", async function () {
      await stack.setConfig("rb:nodeSsh", { value: "true" });
      try {
        await assert.rejects(stack.preview(), (e: Error) => /ssh: per-node SSH settings do not apply to a rest cluster/.test(e.message) || assert.fail(e.message));
      } finally {
        await stack.removeConfig("rb:nodeSsh");
      }
    });

    it("preview after raising the size shows an in-place update of sizeGiB only", async function () {
      await stack.setConfig("rb:sizeGiB", { value: "2" });
      const events: EngineEvent[] = [];
      const pre = await stack.preview({ onEvent: (e) => events.push(e) });
      assert.deepEqual(collectSteps(events), [{ op: "update", type: "Volume", diffs: ["sizeGiB"] }]);
      assert.equal(pre.changeSummary.update, 1);
    });

    it("up expands the volume through /volumes/{id}/expand", async function () {
      const up = await timed("up (expand)", () => stack.up());
      assert.equal(up.summary.resourceChanges?.update, 1, JSON.stringify(up.summary.resourceChanges));
      assert.equal(up.outputs.sizeGiB.value, 2);
      const v = await api.volumeInfo(up.outputs.volumeId.value as string);
      assert.equal(v.size, 2);
      assert.equal(up.outputs.brickCount.value, v.bricks.length);
      assert.ok(v.bricks.length >= 3 && v.bricks.length % 3 === 0, `${v.bricks.length} bricks`);
    });

    it("preview of a smaller size fails with the reason", async function () {
      await stack.setConfig("rb:sizeGiB", { value: "1" });
      try {
        await assert.rejects(stack.preview(), (e: Error) => /sizeGiB: a GlusterFS volume cannot shrink \(2 → 1 GiB\)/.test(e.message) || assert.fail(e.message));
      } finally {
        await stack.setConfig("rb:sizeGiB", { value: "2" });
      }
    });

    it("refresh reports a volume expanded through the API behind Pulumi's back", async function () {
      const id = (await stack.outputs()).volumeId.value as string;
      await api.expandVolume(id, 1);
      const ref = await stack.refresh();
      assert.equal(ref.summary.resourceChanges?.update, 1, JSON.stringify(ref.summary.resourceChanges));
      await stack.setConfig("rb:sizeGiB", { value: "3" });
      const pre = await stack.preview();
      assert.deepEqual(Object.keys(pre.changeSummary), ["same"], "the program now says what the server has");
    });

    it("refresh notices a volume deleted through the API, and the next up creates it again", async function () {
      const id = (await stack.outputs()).volumeId.value as string;
      await api.deleteVolume(id);
      const ref = await stack.refresh();
      assert.equal(ref.summary.resourceChanges?.delete, 1, JSON.stringify(ref.summary.resourceChanges));
      const up = await stack.up();
      assert.equal(up.summary.resourceChanges?.create, 1, JSON.stringify(up.summary.resourceChanges));
      assert.notEqual(up.outputs.volumeId.value, id);
      assert.deepEqual(await api.listVolumes(), [up.outputs.volumeId.value]);
    });

    it("another stack adopts all of it by id: a program that says another size is refused, then up records all 11 and changes nothing on the server", async function () {
      const o = await stack.outputs();
      const ids = { cluster: o.clusterId.value, nodes: o.nodeIds.value, devices: o.deviceIds.value, volume: o.volumeId.value };
      const before = JSON.stringify(await Promise.all((await api.listVolumes()).map((id) => api.volumeInfo(id))));
      const { stack: adopter } = await inlineStack({ projectName: "glusterfs-rest", stackName: "adopter", program: async () => program() }, { config: { "rb:restUrl": server!.url, "rb:adopt": JSON.stringify(ids), "rb:sizeGiB": "5" } });
      await adopter.setConfig("rb:restKey", { value: server!.key, secret: true });
      await assert.rejects(adopter.up(), /cannot adopt volume [0-9a-f]{32}: the program does not declare it as it is \(sizeGiB: live 3, declared 5\)/);
      await adopter.setConfig("rb:sizeGiB", { value: "3" });
      const up = await adopter.up();
      assert.equal(up.outputs.volumeId.value, ids.volume);
      assert.deepEqual(up.outputs.nodeIds.value, ids.nodes);
      assert.equal(JSON.stringify(await Promise.all((await api.listVolumes()).map((id) => api.volumeInfo(id)))), before, "adopting changes nothing on the server");
      assert.deepEqual(Object.keys((await adopter.preview()).changeSummary), ["same"]);
      await adopter.workspace.removeStack("adopter", { force: true }); // forgotten, not destroyed: the first stack still owns it
    });

    it("destroy leaves the server's DB with no clusters, nodes, devices or volumes", async function () {
      const r = await timed("destroy", () => stack.destroy());
      assert.equal(r.summary.result, "succeeded");
      assert.deepEqual(await api.listClusters(), []);
      assert.deepEqual(await api.listVolumes(), []);
      await stack.workspace.removeStack("smoke");
    });
  });

  describe(`the quickstart program with quickstart:backend=rest, against ${title}`, function () {
    this.timeout(10 * 60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-rest-quickstart-"));
    let server: Target | undefined;
    let stack: Stack;

    before(async function () {
      server = await startTarget();
      // a lab description for 3 nodes that do not exist: the server's mock executor never reaches them
      const labDir = path.join(dir, "lab");
      fs.mkdirSync(labDir);
      const nodes = [1, 2, 3].map((i) => ({
        name: `gnode${i}`,
        managementAddress: `127.0.0.${10 + i}`,
        sshPort: 2222,
        sshUser: "root",
        sudoUser: "pgfs",
        privateKeyPath: path.join(labDir, "no-such-key"),
        hostKeyFingerprint: `SHA256:${"B".repeat(43)}`,
        hostPublicKey: "ssh-ed25519 AAAA",
        storageHostname: `gnode${i}`,
        storageAddress: `10.77.0.${10 + i}`,
        zone: i,
        devices: ["/dev/vdb", "/dev/vdc"],
        pid: 0,
      }));
      fs.writeFileSync(
        path.join(labDir, "lab.json"),
        JSON.stringify({ version: 1, startedAt: new Date().toISOString(), imageKey: "x", snapshotKey: "x", labDir, knownHostsPath: path.join(labDir, "known_hosts"), diskSizeGiB: 8, nodes }),
      );
      ({ stack } = await inlineStack(
        { projectName: "glusterfs-quickstart", stackName: "rest-smoke", program: async () => quickstart() },
        { config: { "quickstart:backend": "rest", "quickstart:restUrl": server.url, "quickstart:labDir": labDir, "quickstart:storageClass": "false" } },
      ));
      await stack.setConfig("quickstart:restKey", { value: server.key, secret: true });
    });
    after(async () => server?.stop());

    it("up makes the quickstart's 11 resources on the server, without reading an SSH key; destroy removes them", async function () {
      const up = await stack.up();
      assert.equal(up.summary.resourceChanges?.create, 12);
      assert.match(up.outputs.mount.value, /^mount -t glusterfs -o backup-volfile-servers=10\.77\.0\.\d+:10\.77\.0\.\d+ 10\.77\.0\.\d+:data \/mnt\/data$/);
      const api = new HeketiClient({ url: server!.url, key: server!.key });
      assert.deepEqual(await api.listClusters(), [up.outputs.clusterId.value]);
      const down = await stack.destroy();
      assert.equal(down.summary.result, "succeeded");
      assert.deepEqual(await api.listClusters(), []);
      await stack.workspace.removeStack("rest-smoke");
    });
  });
}

restBackendSuite("real Heketi v10.3.0 (mock executor)", heketiTarget);
restBackendSuite("this project's REST server (`serve --executor sim`)", ourServerTarget);
