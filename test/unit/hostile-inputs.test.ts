import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import * as runtime from "../../provider/dynamic/runtime";
import { importDump } from "../../provider/heketi/dump";
import { loadTopology } from "../../provider/heketi/topology-json";
import { serveEngine } from "../support/rest";
import { seeded } from "../support/seeded";
import { simPool } from "../support/sim-cluster";

/**
 * Bad input changes nothing, at every door. The same hostile values — shell and gluster metacharacters,
 * values gluster or LVM would read as their own flags, a second spelling of a disk — go in through the
 * REST API, the Pulumi providers' check, a Heketi topology file and a Heketi db import: each is refused
 * naming the field, and no script reaches a node. (Tokens malformed in every part: rest-server.test.ts.)
 */
const HOSTILE = {
  volumeName: ["x; rm -rf /", "-xml", "--force", "$(reboot)", "`id`", "a b", "vol'"],
  option: [["--xml", "on"], ["-v", "x"], ["performance.readdir-ahead", "--version"], ["performance.cache-size", "--log-file=/tmp/x"], ["performance.x", "$(reboot)"], ["performance.x", "a b"]],
  devicePath: ["/dev/vdb; reboot", "/dev/$(id)", "/dev//vdb", "/dev/vdb/", "/dev/./vdb", "/dev/../etc/passwd", "-/dev/vdb", "vdb"],
  host: ["-oProxyCommand=touch /tmp/x", "host;id", "a b", "$(id)"],
} as const;

const connection = { ledgerPath: "/tmp/pgfs-never-created.db", ssh: { user: "root", port: 22, sudo: false, privateKey: "k" } };
const failures = async (p: pulumi.dynamic.ResourceProvider, inputs: Record<string, unknown>) => ((await p.check!({}, inputs)).failures ?? []).map((f) => f.property);

describe("hostile inputs at every door: refused, naming the field, nothing run on a node", function () {
  it("REST: volumes, devices and nodes", async function () {
    const s = seeded();
    const t = await serveEngine(s.engine);
    try {
      for (const name of HOSTILE.volumeName) {
        const r = await t.call("POST", "/volumes", { size: 1, name });
        assert.equal(r.status, 400, `name ${name}: ${r.text}`);
        assert.match(r.text, /^validation failed: name/, name);
      }
      for (const [k, v] of HOSTILE.option) {
        const r = await t.call("POST", "/volumes", { size: 1, glustervolumeoptions: [`${k} ${v}`] });
        assert.equal(r.status, 400, `option ${k} ${v}: ${r.text}`);
        assert.match(r.text, /^validation failed: glustervolumeoptions/);
      }
      for (const name of HOSTILE.devicePath) {
        const r = await t.call("POST", "/devices", { node: s.nodes[0].id, name });
        assert.equal(r.status, 400, `device ${name}: ${r.text}`);
        assert.match(r.text, /^validation failed: name/, name);
      }
      for (const host of HOSTILE.host) {
        const r = await t.call("POST", "/nodes", { cluster: s.cluster.id, zone: 1, hostnames: { manage: [host], storage: ["10.0.0.9"] } });
        assert.equal(r.status, 400, `host ${host}: ${r.text}`);
      }
      assert.equal(s.fake.runs.length, 0, "nothing reached a node");
      assert.equal(s.engine.ledger.listVolumes().length, 0);
    } finally {
      await t.close();
      await s.engine.close();
    }
  });

  it("Pulumi: the providers' check (what preview runs) refuses each value and names its input", async function () {
    const clusterId = "a".repeat(32);
    for (const name of HOSTILE.volumeName) assert.deepEqual(await failures(runtime.volume, { connection, clusterId, name, sizeGiB: 1 }), ["name"], name);
    for (const [key, value] of HOSTILE.option) {
      assert.deepEqual(await failures(runtime.volume, { connection, clusterId, name: "v", sizeGiB: 1, options: [{ key, value }] }), ["options"], `${key} ${value}`);
    }
    for (const p of HOSTILE.devicePath) assert.deepEqual(await failures(runtime.device, { connection, nodeId: "b".repeat(32), path: p }), ["path"], p);
    for (const h of HOSTILE.host) {
      assert.deepEqual(await failures(runtime.node, { connection, clusterId, manageHostname: h, storageHostname: "10.0.0.9", zone: 1 }), ["manageHostname"], h);
    }
  });

  it("a Heketi topology file: each bad node and device is refused with its reason, the rest is loaded, nothing bad runs", async function () {
    const { sim, engine } = simPool();
    const r = await loadTopology(engine, {
      clusters: [{
        nodes: [
          { node: { hostnames: { manage: ["node1.example.com"], storage: ["10.0.0.1"] }, zone: 1 }, devices: [...HOSTILE.devicePath] },
          ...HOSTILE.host.map((h) => ({ node: { hostnames: { manage: [h], storage: ["10.0.0.2"] }, zone: 2 }, devices: ["/dev/sdb"] })),
        ],
      }],
    });
    // like heketi-cli: each bad item is reported with its field and rule, and the load goes on
    assert.equal(r.errors.length, HOSTILE.devicePath.length + HOSTILE.host.length, r.errors.join("\n"));
    for (const e of r.errors) assert.match(e, /: invalid (device: path|node: manageHostname): /, e);
    for (const run of sim.runs) for (const v of [...HOSTILE.devicePath, ...HOSTILE.host]) assert.ok(!run.script.includes(`'${v}'`), `${v} reached ${run.host}`);
    assert.deepEqual(engine.ledger.listDevices(), []);
    await engine.close();
  });

  it("a Heketi db import: a hostile volume name, device path or hostname in the export is refused and the ledger stays empty", async function () {
    const fixture = () => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "test", "fixtures", "heketi", "export-v10.json"), "utf8"));
    const cases: Array<[string, (d: Record<string, Record<string, { Info: Record<string, unknown> }>>) => void]> = [
      ["volume name", (d) => void (Object.values(d.volumeentries)[0].Info.name = "x; rm -rf /")],
      ["device path", (d) => void (Object.values(d.deviceentries)[0].Info.name = "/dev//vdb")],
      ["hostname", (d) => void ((Object.values(d.nodeentries)[0].Info.hostnames as { manage: string[] }).manage = ["-oProxyCommand=x"])],
    ];
    for (const [what, spoil] of cases) {
      const s = seeded({ nodes: 0 });
      s.engine.deleteCluster(s.cluster.id);
      const dump = fixture();
      spoil(dump);
      assert.throws(() => importDump(s.engine, dump), (e: Error) => {
        assert.match(e.message, /^the Heketi export cannot be imported: /, what);
        assert.match(e.message, { "volume name": /Info\.name: may only contain/, "device path": /Info\.name: must be written without '\/\/'/, hostname: /Info\.hostnames\.manage/ }[what]!, what);
        return true;
      });
      assert.deepEqual([s.engine.ledger.listClusters(), s.engine.ledger.listVolumes()], [[], []], what);
      assert.equal(s.fake.runs.length, 0);
      await s.engine.close();
    }
  });
});
