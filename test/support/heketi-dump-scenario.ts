/**
 * One Heketi installation, built with heketi-cli against the real heketi (mock executor), exported with
 * `heketi db export`: test/fixtures/heketi/export-v10.json is that export (the smoke test rebuilds it
 * and compares). The unit test imports the fixture; both check the ledger with `checkImported`.
 */
import * as assert from "node:assert/strict";
import { brickPath } from "../../provider/commands/layout";
import type { Ledger } from "../../provider/ledger/ledger";
import type { HeketiDumpIn } from "../../provider/heketi/dump";

export const GiB = 1024 * 1024; // KiB

/** `heketi-cli topology load` input: 3 nodes in 3 zones, 2 devices each; a node tag and a device tag. */
export const TOPOLOGY = {
  clusters: [
    {
      nodes: [1, 2, 3].map((i) => ({
        node: { hostnames: { manage: [`node${i}.example.com`], storage: [`10.0.0.${i}`] }, zone: i, ...(i === 1 ? { tags: { rack: "r1" } } : {}) },
        devices: i === 1 ? ["/dev/sdb", { name: "/dev/sdc", destroydata: false, tags: { ssd: "yes" } }] : ["/dev/sdb", "/dev/sdc"],
      })),
    },
  ],
};

/** The heketi-cli commands after the topology load (each an argv). */
export const VOLUME_COMMANDS: string[][] = [
  ["volume", "create", "--size=10", "--name=data", "--replica=3", "--gid=2001", "--gluster-volume-options=performance.rda-cache-limit 10MB"],
  ["volume", "create", "--size=5", "--name=arb", "--replica=3", "--gluster-volume-options=user.heketi.arbiter true", "--snapshot-factor=1.5"],
  ["volume", "create", "--size=4", "--name=ec", "--durability=disperse", "--disperse-data=2", "--redundancy=1"],
  ["volume", "create", "--size=3", "--name=grow", "--replica=3"],
  // expand-by-name is not a heketi-cli feature: the smoke test resolves "grow" to its id
  ["volume", "expand", "--volume=<grow>", "--expand-size=3"],
];

/** What each volume should look like once imported (derived from the commands, heketi.md §4.3/§4.5). */
export const EXPECTED_VOLUMES = {
  // 10 GiB replica 3: one set of 10 GiB bricks; pool = brick (factor 1), metadata 0.5 % rounded up to 4 MiB extents
  data: { sizeGiB: 10, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 2001, snapshotFactor: 1, options: [{ key: "performance.rda-cache-limit", value: "10MB" }],
    sets: 1, bricks: [{ n: 3, sizeKiB: 10 * GiB, tpKiB: 10 * GiB, metaKiB: 53248, subtype: "data" }] },
  // arbiter: 2 data bricks of 5 GiB (pool ×1.5) + an arbiter of 5 GiB / 64 KiB average file size = 80 MiB
  arb: { sizeGiB: 5, durability: { type: "replicate", replica: 3, arbiter: true }, gid: 0, snapshotFactor: 1.5, options: [],
    sets: 1, bricks: [{ n: 2, sizeKiB: 5 * GiB, tpKiB: 7.5 * GiB, metaKiB: 40960, subtype: "data" }, { n: 1, sizeKiB: 81920, tpKiB: 122880, metaKiB: 4096, subtype: "arbiter" }] },
  // disperse 2+1: 4 GiB / 2 data bricks = 2 GiB bricks, 3 of them
  ec: { sizeGiB: 4, durability: { type: "disperse", data: 2, redundancy: 1 }, gid: 0, snapshotFactor: 1, options: [],
    sets: 1, bricks: [{ n: 3, sizeKiB: 2 * GiB, tpKiB: 2 * GiB, metaKiB: 12288, subtype: "data" }] },
  // 3 GiB replica 3, then +3 GiB: two sets of 3 GiB bricks
  grow: { sizeGiB: 6, durability: { type: "replicate", replica: 3, arbiter: false }, gid: 0, snapshotFactor: 1, options: [],
    sets: 2, bricks: [{ n: 6, sizeKiB: 3 * GiB, tpKiB: 3 * GiB, metaKiB: 16384, subtype: "data" }] },
} as const;

/** The mock executor's devices: 500 GiB each (HEKETI_MOCK_DEVICE_SIZE_GB default). */
export const MOCK_DEVICE_KIB = 500 * GiB;

/**
 * What `gluster volume info --xml` would print for the export's volumes (the mock executor runs no
 * gluster): each volume's bricks in an order gluster could have, sets on distinct nodes, arbiter last.
 */
export function glusterVolumeInfoXml(dump: HeketiDumpIn, setSizes: Record<string, number>): string {
  const vols = Object.values(dump.volumeentries).map((v) => {
    const setSize = setSizes[v.Info.name];
    if (!(setSize > 0)) throw new Error(`glusterVolumeInfoXml: no set size for volume ${v.Info.name}`);
    const bricks = v.Bricks.map((id) => dump.brickentries[id]);
    // deal bricks into sets: each set takes one brick per distinct node, arbiters last
    const pool = [...bricks].sort((a, b) => a.SubType - b.SubType || (a.Info.id < b.Info.id ? -1 : 1));
    const sets: (typeof bricks)[] = [];
    while (pool.length) {
      const set: typeof bricks = [];
      for (let i = 0; i < pool.length && set.length < setSize; ) {
        if (set.some((s) => s.Info.node === pool[i].Info.node)) i++;
        else set.push(...pool.splice(i, 1));
      }
      sets.push(set.sort((a, b) => a.SubType - b.SubType));
    }
    const host = (node: string) => dump.nodeentries[node].Info.hostnames.storage[0];
    const brickXml = sets.flat().map((b) => {
      const name = `${host(b.Info.node)}:${b.Info.path}`;
      return `<brick uuid="u">${name}<name>${name}</name><hostUuid>u</hostUuid><isArbiter>${b.SubType === 2 ? 1 : 0}</isArbiter></brick>`;
    });
    return `<volume><name>${v.Info.name}</name><id>x</id><status>1</status><statusStr>Started</statusStr><brickCount>${bricks.length}</brickCount>` +
      `<type>2</type><typeStr>Replicate</typeStr><bricks>${brickXml.join("")}</bricks><optCount>1</optCount>` +
      `<options><option><name>user.heketi.id</name><value>${v.Info.id}</value></option></options></volume>`;
  });
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/>` +
    `<volInfo><volumes>${vols.join("")}<count>${vols.length}</count></volumes></volInfo></cliOutput>`;
}

/** Check a ledger imported from this scenario's export: every count, size, state, tag and brick path. */
export function checkImported(ledger: Ledger, dump: HeketiDumpIn): void {
  const [cluster] = ledger.listClusters();
  assert.equal(ledger.listClusters().length, 1);
  assert.equal(cluster.id, Object.keys(dump.clusterentries)[0], "Heketi's ids are kept");
  assert.deepEqual([cluster.file, cluster.block], [true, true], "topology load creates clusters with file and block allowed");

  const nodes = ledger.listNodes();
  assert.equal(nodes.length, 3);
  for (const [i, n] of [...nodes].sort((a, b) => a.zone - b.zone).entries()) {
    assert.equal(n.manageHost, `node${i + 1}.example.com`);
    assert.equal(n.storageHost, `10.0.0.${i + 1}`);
    assert.equal(n.zone, i + 1);
    assert.equal(n.state, "online");
    assert.equal(n.clusterId, cluster.id);
    assert.deepEqual(n.tags, i === 0 ? { rack: "r1" } : {});
  }

  const devices = ledger.listDevices();
  assert.equal(devices.length, 6);
  for (const n of nodes) assert.deepEqual(devices.filter((d) => d.nodeId === n.id).map((d) => d.path).sort(), ["/dev/sdb", "/dev/sdc"]);
  for (const d of devices) {
    assert.equal(d.state, "online");
    assert.equal(d.totalKiB, MOCK_DEVICE_KIB);
    assert.equal(d.extentKiB, 4096);
    const onIt = ledger.listBricksOnDevice(d.id);
    assert.equal(d.usedKiB, onIt.reduce((a, b) => a + b.tpKiB + b.metaKiB, 0), `device ${d.id}: used = its bricks' pools + metadata`);
    assert.equal(d.freeKiB, d.totalKiB - d.usedKiB);
    const node = nodes.find((n) => n.id === d.nodeId)!;
    assert.deepEqual(d.tags, node.manageHost === "node1.example.com" && d.path === "/dev/sdc" ? { ssd: "yes" } : {});
  }

  const volumes = ledger.listVolumes();
  assert.deepEqual(volumes.map((v) => v.name).sort(), Object.keys(EXPECTED_VOLUMES).sort());
  let brickCount = 0;
  for (const v of volumes) {
    const want = EXPECTED_VOLUMES[v.name as keyof typeof EXPECTED_VOLUMES];
    assert.equal(v.state, "online");
    assert.equal(v.sizeGiB, want.sizeGiB, v.name);
    assert.deepEqual(v.durability, want.durability, v.name);
    assert.equal(v.gid, want.gid, v.name);
    assert.equal(v.snapshotFactor, want.snapshotFactor, v.name);
    assert.deepEqual(v.options, want.options, `${v.name}: Heketi's "" entries and user.heketi.arbiter are not options`);
    const bricks = ledger.listBricks(v.id);
    brickCount += bricks.length;
    assert.equal(new Set(bricks.map((b) => b.setIndex)).size, want.sets, `${v.name}: sets`);
    for (const shape of want.bricks) {
      const matching = bricks.filter((b) => b.sizeKiB === shape.sizeKiB && b.tpKiB === shape.tpKiB && b.metaKiB === shape.metaKiB && b.subtype === shape.subtype);
      assert.equal(matching.length, shape.n, `${v.name}: ${shape.n} brick(s) of ${shape.sizeKiB} KiB (${shape.subtype})`);
    }
    assert.equal(bricks.length, want.bricks.reduce((a, s) => a + s.n, 0), v.name);
    const setSize = v.durability.type === "replicate" ? v.durability.replica : v.durability.type === "disperse" ? v.durability.data + v.durability.redundancy : 1;
    for (let s = 0; s < want.sets; s++) {
      const set = bricks.filter((b) => b.setIndex === s);
      assert.deepEqual(set.map((b) => b.position), Array.from({ length: setSize }, (_, i) => i), `${v.name} set ${s}: positions`);
      assert.equal(new Set(set.map((b) => b.nodeId)).size, setSize, `${v.name} set ${s}: one brick per node`);
      if (v.durability.type === "replicate" && v.durability.arbiter) assert.equal(set[setSize - 1].subtype, "arbiter", "the arbiter is last in its set");
    }
    for (const b of bricks) {
      assert.equal(b.path, brickPath(b.deviceId, b.id), "the brick is where the engine would put it");
      assert.equal(b.path, dump.brickentries[b.id].Info.path);
      assert.equal(b.state, "ready");
      const heketiPool = dump.brickentries[b.id].LvmThinPool;
      assert.equal(b.thinPool ?? `tp_${b.id}`, heketiPool, "the thin pool Heketi created is the one the engine will remove");
    }
  }
  assert.equal(brickCount, Object.keys(dump.brickentries).length);
}
