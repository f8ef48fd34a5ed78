import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as G from "../../provider/commands/gluster";
import { script, sh } from "../../provider/commands/shell";
import { commandOf, type RemoteCall } from "../../provider/exec/trace";
import { heketiMetrics } from "../../provider/rest/metrics";
import { simCluster, simEngine } from "../support/sim-cluster";

describe("trace: every remote command, with its host, duration, exit status and operation", function () {
  it("names a script by what it runs: its programs in order, each once, gluster and lvm with their subcommand", function () {
    assert.equal(commandOf(script([sh`lvcreate -L 1G vg/x`, sh`mkfs.xfs -i size=512 /dev/vg/x`, sh`lvcreate -L 2G vg/y`])), "lvcreate, mkfs.xfs");
    assert.equal(commandOf(script([G.poolList({ timeoutSeconds: 30 })])), "gluster pool list");
    assert.equal(commandOf(script([sh`lvm lvs --reportformat json`])), "lvm lvs");
  });

  it("a volume create on the engine reports each call under its operation and step; reads outside operations carry none", async function () {
    const c = await simCluster({ nodes: 3, devices: 1 });
    const calls: RemoteCall[] = [];
    c.engine.onRemoteCall((x) => calls.push(x));
    const v = await c.engine.createVolume({ name: "data", sizeGiB: 1, clusters: [c.cluster.id] });
    const op = c.engine.ledger.listOperations().find((o) => o.targetId === v.id)!;
    const mine = calls.filter((x) => x.operation?.id === op.id);
    assert.ok(mine.length >= 4, JSON.stringify(calls.map((x) => x.command)));
    for (const x of mine) {
      assert.equal(x.operation!.type, op.type);
      assert.ok(x.operation!.step, "the step is named");
      assert.ok(["mgmt1", "mgmt2", "mgmt3"].includes(x.host), x.host);
      assert.equal(x.exit, 0);
      assert.ok(x.ms >= 0 && !Number.isNaN(Date.parse(x.at)));
    }
    const commands = mine.map((x) => x.command).join(" | ");
    assert.match(commands, /lvcreate/);
    assert.match(commands, /gluster volume create/);
    calls.length = 0;
    await c.engine.inspectVolume(v.id);
    assert.ok(calls.length > 0 && calls.every((x) => x.operation === undefined), "a read is not part of an operation");
    await c.engine.close();
  });

  it("PGFS_TRACE=<file> appends one JSON line per call, from any engine", async function () {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-trace-")), "trace.jsonl");
    const c = await simCluster({ nodes: 1, devices: 1 });
    process.env.PGFS_TRACE = file;
    try {
      const e = simEngine(c.sim);
      await e.rebuildCluster({ clusterId: c.cluster.id, nodes: [{ nodeId: c.nodes[0].id, manageHostname: "mgmt1", storageHostname: "10.0.0.1", zone: 1, tags: {}, ssh: {} }] });
      await e.close();
    } finally {
      delete process.env.PGFS_TRACE;
    }
    const lines = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as RemoteCall);
    assert.ok(lines.length >= 1);
    assert.equal(lines[0].host, "mgmt1");
    assert.equal(lines[0].exit, 0);
    await c.engine.close();
  });

  it("serve's /metrics counts them in pgfs_remote_command_duration_seconds", async function () {
    const e = simEngine((await simCluster({ nodes: 1, devices: 0 })).sim);
    const m = heketiMetrics(e.ledger, () => ({ stale: 0, failed: 0, new: 0, total: 0, in_flight: 0 }));
    m.observe({ at: new Date().toISOString(), host: "mgmt1", command: "lvm lvcreate, mkfs.xfs", ms: 4400, exit: 0, operation: { id: "x".repeat(32), type: "volume-create", step: "bricks" } });
    const text = await m.metrics();
    assert.match(text, /pgfs_remote_command_duration_seconds_count\{host="mgmt1",command="lvm lvcreate, mkfs.xfs",exit="0",operation="volume-create"\} 1/);
    assert.match(text, /pgfs_remote_command_duration_seconds_bucket\{le="8",host="mgmt1",command="lvm lvcreate, mkfs.xfs",exit="0",operation="volume-create"\} 1/);
    await e.close();
  });
});

describe("trace summary: where the time went, per operation and step", function () {
  it("groups calls by operation and step with their wall time, and lists the slowest", async function () {
    const { summarize } = await import("../../devtools/trace-summary");
    const op = { id: "a".repeat(32), type: "create-volume" };
    const text = summarize([
      { at: "2026-12-07T10:00:00.000Z", host: "n1", command: "lvm lvcreate, mkfs.xfs", ms: 4400, exit: 0, operation: { ...op, step: "create bricks" } },
      { at: "2026-12-07T10:00:00.100Z", host: "n2", command: "lvm lvcreate, mkfs.xfs", ms: 4500, exit: 0, operation: { ...op, step: "create bricks" } },
      { at: "2026-12-07T10:00:05.000Z", host: "n1", command: "gluster volume create", ms: 1200, exit: 0, operation: { ...op, step: "gluster volume create and start" } },
      { at: "2026-12-07T10:00:07.000Z", host: "n1", command: "gluster volume info", ms: 270, exit: 0 },
    ]);
    assert.match(text, /create-volume a{32}: 3 remote command\(s\), 6\.20s wall/);
    assert.match(text, /  create bricks: 4\.60s wall\n    n1  4\.40s  exit 0  lvm lvcreate, mkfs.xfs/);
    assert.match(text, /\(outside operations: reads, rebuilds\): 1 remote command/);
    assert.match(text, /slowest commands:\n  4\.50s  n2  create-volume\/create bricks  lvm lvcreate, mkfs.xfs/);
  });
});
