import * as assert from "node:assert/strict";
import ts from "typescript";
import { adoptionProgram, type AdoptedCluster } from "../../provider/adoption/program";
import { assertAdoptable } from "../../provider/resources/adoption";
import { volumeProvider } from "../../provider/dynamic/shims";
import type { DeviceRow, NodeRow, VolumeRow } from "../../provider/ledger/ledger";

const id = (c: string) => c.repeat(32);
const node = (i: number): NodeRow => ({ id: id(String(i)), clusterId: id("c"), manageHost: `storage${i}.example.com`, storageHost: `10.0.0.${i}`, zone: i, tags: i === 1 ? { arbiter: "supported" } : {}, ssh: {}, state: "online", opId: null, createdAt: "" });
const device = (i: number, path: string): DeviceRow => ({ id: id(String(i + 3)), nodeId: id(String(i)), path, state: "online", totalKiB: 1, freeKiB: 1, usedKiB: 0, extentKiB: 4096, pvUuid: null, tags: {}, opId: null, createdAt: "" });
const volume = (name: string, v: Partial<VolumeRow> = {}): VolumeRow => ({ id: id("e"), clusterId: id("c"), name, sizeGiB: 3, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [], state: "online", opId: null, createdAt: "", snapshotEnable: false, ...v });

describe("adopt: the program that takes a running cluster under code", function () {
  const cluster: AdoptedCluster = {
    id: id("c"),
    file: true,
    block: false,
    nodes: [1, 2, 3].map((i) => ({ node: node(i), devices: [device(i, "/dev/vdb")] })),
    volumes: [volume("data", { gid: 2000, options: [{ key: "performance.quick-read", value: "off" }] }), volume(id("a"), { id: id("a") })],
  };

  it("declares every node, device and volume as it is, each adopting its id; a leftover row is not a volume", function () {
    const { text, resources } = adoptionProgram(cluster, "the Heketi export db.json");
    assert.deepEqual(resources.map((r) => r.type), ["GlusterCluster", "Node", "Device", "Node", "Device", "Node", "Device", "Volume"]);
    assert.match(text, /new GlusterCluster\("storage", \{\n  adopt: "c{32}",/);
    assert.match(text, /new Node\("storage1-example-com", \{ cluster, adopt: "1{32}", manageHostname: "storage1.example.com", storageHostname: "10.0.0.1", zone: 1, tags: \{ arbiter: "supported" \} \}\);/);
    assert.match(text, /devices\.push\(new Device\("storage2-example-com-vdb", \{ node: node_2, adopt: "5{32}", path: "\/dev\/vdb" \}\)\);/);
    assert.match(text, /new Volume\("data", \{ cluster, adopt: "e{32}", name: "data", sizeGiB: 3, durability: \{ type: "replicate", replica: 3, arbiter: false \}, gid: 2000, options: \{ "performance.quick-read": "off" \} \}, \{ dependsOn: devices \}\);/);
    assert.doesNotMatch(text, /a{32}/);
  });

  it("is TypeScript that parses", function () {
    const out = ts.transpileModule(adoptionProgram(cluster, "x").text, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.CommonJS } });
    assert.deepEqual(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
  });

  it("an adoption whose inputs are not what runs fails naming the input and both values", function () {
    assert.throws(
      () => assertAdoptable("volume", id("e"), [{ input: "sizeGiB", live: 1, declared: 2 }, { input: "name", live: "data", declared: "data" }]),
      /cannot adopt volume e{32}: the program does not declare it as it is \(sizeGiB: live 1, declared 2\)\. Declare the live values .*nothing was changed/,
    );
    assertAdoptable("volume", id("e"), [{ input: "tags", live: { b: "1", a: "2" }, declared: { a: "2", b: "1" } }]);
  });

  it("adopt only acts at create: changing or removing it is not a change", async function () {
    const base = { clusterId: id("c"), name: "data", sizeGiB: 2, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [], adopt: id("e") };
    const { adopt: _a, ...without } = base;
    assert.deepEqual(await volumeProvider.diff!("id", base, without), { changes: false, replaces: [], deleteBeforeReplace: true });
    assert.deepEqual(await volumeProvider.diff!("id", base, { ...base, adopt: id("d") }), { changes: false, replaces: [], deleteBeforeReplace: true });
  });
});
