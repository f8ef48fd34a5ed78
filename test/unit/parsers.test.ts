import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  GlusterCliError,
  GlusterXmlError,
  durabilityOf,
  parseDeviceProbe,
  parseDeviceProbeSections,
  parseGlusterEnvelope,
  parseHealInfoXml,
  parseKiB,
  parseLvsReport,
  parseOneVolumeInfoXml,
  parsePoolListXml,
  parsePvsReport,
  parseThinCount,
  parseVgDisplay,
  parseVgsReport,
  parseVolumeInfoXml,
  splitBrickName,
} from "../../provider/commands/parsers";
import { splitSections } from "../../provider/commands/shell";
import { parseBrickPath } from "../../provider/commands/layout";

const FIXTURES = path.resolve(__dirname, "../../../test/fixtures");
const fixture = (rel: string): string => fs.readFileSync(path.join(FIXTURES, rel), "utf8");

// ids of the lab capture (see test/fixtures/*/README.md)
const GNODE1 = "6c23a751-28f7-4f92-8f24-0926f4da71e8";
const DEV1 = "437946d8cce7408bc7bf16f6a41ca9cd";

describe("Reading gluster's XML: the envelope", () => {
  it("a successful reply has opRet 0", () => {
    assert.deepEqual(parseGlusterEnvelope(fixture("gluster/pool-list.xml")), { opRet: 0, opErrno: 0, opErrstr: "", ok: true });
  });

  it("volume info of a missing volume exits 0 but its envelope says opRet -1, errno 30806", () => {
    assert.deepEqual(parseGlusterEnvelope(fixture("gluster/volume-info-missing.xml")), { opRet: -1, opErrno: 30806, opErrstr: "Volume does not exist", ok: false });
  });

  it("parsers throw a GlusterCliError that knows the volume is missing", () => {
    assert.throws(
      () => parseVolumeInfoXml(fixture("gluster/volume-info-missing.xml")),
      (e: unknown) => e instanceof GlusterCliError && e.isVolumeMissing && e.opErrno === 30806 && /Volume does not exist/.test(e.message),
    );
    assert.throws(() => parseHealInfoXml(fixture("gluster/volume-heal-info-missing.xml")), (e: unknown) => e instanceof GlusterCliError && e.isVolumeMissing);
  });

  it("asking for one volume that does not exist gives null, not an exception", () => {
    assert.equal(parseOneVolumeInfoXml(fixture("gluster/volume-info-missing.xml")), null);
    assert.equal(parseOneVolumeInfoXml(fixture("gluster/volume-info-replicate.xml"))?.name, "vol_pgfs_rep3");
  });

  it("output that is not gluster XML is an error, not an empty answer", () => {
    assert.throws(() => parseGlusterEnvelope(""), GlusterXmlError);
    assert.throws(() => parseGlusterEnvelope("Connection failed. Please check if gluster daemon is operational."), GlusterXmlError);
    assert.throws(() => parseGlusterEnvelope("<cliOutput><opRet>0</opRet>"), GlusterXmlError);
    assert.throws(() => parseGlusterEnvelope("<other/>"), /no <cliOutput>/);
    assert.throws(() => parseGlusterEnvelope("<cliOutput><opRet>x</opRet></cliOutput>"), /opRet is not an integer/);
  });
});

describe("Reading gluster's XML: the pool", () => {
  it("pool list from gnode1 shows the two probed peers by storage address and itself as localhost, all connected", () => {
    const peers = parsePoolListXml(fixture("gluster/pool-list.xml"));
    assert.deepEqual(
      peers.map((p) => [p.hostname, p.connected, p.isLocal, p.state]),
      [
        ["10.77.0.12", true, false, 3],
        ["10.77.0.13", true, false, 3],
        ["localhost", true, true, null],
      ],
    );
    assert.equal(peers[2].uuid, GNODE1);
    assert.deepEqual(peers[0].hostnames, ["10.77.0.12"]);
    assert.equal(peers[0].stateStr, "Peer in Cluster");
  });

  it("after detaching everyone, the pool is just localhost", () => {
    const peers = parsePoolListXml(fixture("gluster/pool-list-single.xml"));
    assert.equal(peers.length, 1);
    assert.equal(peers[0].isLocal, true);
  });
});

describe("Reading gluster's XML: volume info", () => {
  it("a replica 3 volume: started, three bricks on three nodes, our options and the heketi id", () => {
    const [v] = parseVolumeInfoXml(fixture("gluster/volume-info-replicate.xml"));
    assert.equal(v.name, "vol_pgfs_rep3");
    assert.match(v.id, /^[0-9a-f-]{36}$/);
    assert.equal(v.started, true);
    assert.equal(v.statusStr, "Started");
    assert.equal(v.typeStr, "Replicate");
    assert.deepEqual([v.brickCount, v.distCount, v.replicaCount, v.arbiterCount, v.disperseCount, v.redundancyCount], [3, 1, 3, 0, 0, 0]);
    assert.deepEqual(v.bricks.map((b) => b.host), ["10.77.0.11", "10.77.0.12", "10.77.0.13"]);
    assert.ok(v.bricks.every((b) => !b.isArbiter));
    assert.deepEqual(parseBrickPath(v.bricks[0].path)?.deviceId, DEV1);
    assert.equal(v.bricks[0].hostUuid, GNODE1);
    assert.equal(v.heketiId, "a2c576b88c672f1e00600056217e13ef");
    assert.equal(v.optionMap["performance.client-io-threads"], "off");
    assert.deepEqual(durabilityOf(v), { type: "replicate", replica: 3, arbiter: false });
  });

  it("a replica 3 arbiter 1 volume: gluster 10 reports replicaCount 3, arbiterCount 1, the third brick isArbiter", () => {
    const [v] = parseVolumeInfoXml(fixture("gluster/volume-info-arbiter.xml"));
    assert.deepEqual([v.replicaCount, v.arbiterCount, v.typeStr], [3, 1, "Replicate"]);
    assert.deepEqual(v.bricks.map((b) => b.isArbiter), [false, false, true]);
    assert.equal(v.bricks[2].host, "10.77.0.13");
    assert.deepEqual(durabilityOf(v), { type: "replicate", replica: 3, arbiter: true });
  });

  it("a disperse 2+1 volume: disperseCount 3, redundancyCount 1", () => {
    const [v] = parseVolumeInfoXml(fixture("gluster/volume-info-disperse.xml"));
    assert.deepEqual([v.typeStr, v.brickCount, v.disperseCount, v.redundancyCount, v.replicaCount], ["Disperse", 3, 3, 1, 1]);
    assert.deepEqual(durabilityOf(v), { type: "disperse", data: 2, redundancy: 1 });
  });

  it("after add-brick the replica volume is Distributed-Replicate 2 x 3", () => {
    const [v] = parseVolumeInfoXml(fixture("gluster/volume-info-distributed-replicate.xml"));
    assert.deepEqual([v.typeStr, v.brickCount, v.distCount, v.replicaCount], ["Distributed-Replicate", 6, 2, 3]);
  });

  it("after replace-brick the arbiter volume lists the new brick in the old one's place", () => {
    const [before] = parseVolumeInfoXml(fixture("gluster/volume-info-arbiter.xml"));
    const [after] = parseVolumeInfoXml(fixture("gluster/volume-info-arbiter-replaced.xml"));
    assert.notEqual(after.bricks[0].path, before.bricks[0].path);
    assert.equal(after.bricks[0].host, "10.77.0.11");
    assert.deepEqual(after.bricks.slice(1), before.bricks.slice(1));
  });

  it("volume info of all volumes lists all three, and nothing at all when there are none", () => {
    assert.deepEqual(parseVolumeInfoXml(fixture("gluster/volume-info-all.xml")).map((v) => v.name).sort(), ["vol_pgfs_arb", "vol_pgfs_ec", "vol_pgfs_rep3"]);
    assert.deepEqual(parseVolumeInfoXml(fixture("gluster/volume-info-all-empty.xml")), []);
  });

  it("splits host:/path at the last ':/' so IPv6 hosts work", () => {
    assert.deepEqual(splitBrickName("fe80::1:/b/x"), { host: "fe80::1", path: "/b/x" });
    assert.throws(() => splitBrickName("nohostpath"), GlusterXmlError);
  });
});

describe("Reading gluster's XML: health", () => {
  it("heal info of a healthy replica volume: every brick connected, nothing to heal", () => {
    const h = parseHealInfoXml(fixture("gluster/volume-heal-info-replicate.xml"));
    assert.equal(h.bricks.length, 3);
    assert.equal(h.totalEntries, 0);
    assert.equal(h.healthy, true);
    assert.equal(h.bricks[0].hostUuid, GNODE1);
  });

  it("heal info works for arbiter and disperse volumes too", () => {
    assert.equal(parseHealInfoXml(fixture("gluster/volume-heal-info-arbiter.xml")).healthy, true);
    assert.equal(parseHealInfoXml(fixture("gluster/volume-heal-info-disperse.xml")).healthy, true);
  });

  it("a brick that is down or has pending entries makes the volume unhealthy", () => {
    const xml = `<?xml version="1.0"?><cliOutput><healInfo><bricks>
      <brick hostUuid="u1"><name>h1:/b</name><status>Connected</status><numberOfEntries>2</numberOfEntries><file gfid="g">/a</file><file gfid="g2">/b</file></brick>
      <brick hostUuid="u2"><name>h2:/b</name><status>Transport endpoint is not connected</status><numberOfEntries>-</numberOfEntries></brick>
    </bricks></healInfo><opRet>0</opRet><opErrno>0</opErrno><opErrstr/></cliOutput>`;
    const h = parseHealInfoXml(xml);
    assert.equal(h.healthy, false);
    assert.equal(h.totalEntries, 2);
    assert.deepEqual(h.bricks[0].files, ["/a", "/b"]);
    assert.deepEqual([h.bricks[1].connected, h.bricks[1].entries], [false, null]);
  });
});

describe("Reading LVM reports", () => {
  it("pvs: the PV, its VG and sizes in KiB", () => {
    assert.deepEqual(parsePvsReport(fixture("lvm/pvs.json")), [
      {
        pvName: "/dev/vdb",
        pvUuid: "R2SDfL-de10-fJRd-VMQP-nSIU-vbPL-WqL2z4",
        vgName: `vg_${DEV1}`,
        sizeKiB: 8253440,
        freeKiB: 5582848,
        devSizeKiB: 8388608,
        tags: [],
        vgTags: [],
        pgfs: {},
      },
    ]);
  });

  it("Heketi's pvs probe (three fields, no units) parses too", () => {
    const [pv] = parsePvsReport(fixture("lvm/pvs-of-device.json"));
    assert.deepEqual([pv.pvName, pv.vgName, pv.sizeKiB], ["/dev/vdc", "vg_aa8a24a3ca07fe0c3c66833d13f8f4fd", null]);
  });

  it("vgs: our VG carries the device tag, so the ledger can be rebuilt from the node", () => {
    const [vg] = parseVgsReport(fixture("lvm/vgs.json"));
    assert.equal(vg.vgName, `vg_${DEV1}`);
    assert.deepEqual(vg.pgfs, { device: DEV1 });
    assert.deepEqual([vg.sizeKiB, vg.freeKiB, vg.extentSizeKiB, vg.extentCount, vg.freeExtentCount, vg.lvCount], [8253440, 5582848, 4096, 2015, 1363, 10]);
  });

  it("lvs: every brick LV and its thin pool carry the brick and volume tags", () => {
    const lvs = parseLvsReport(fixture("lvm/lvs.json"));
    const thin = lvs.filter((l) => l.isThinVolume);
    const pools = lvs.filter((l) => l.isThinPool);
    assert.equal(thin.length, 5);
    assert.equal(pools.length, 5);
    for (const lv of thin) {
      const brickId = lv.lvName.slice("brick_".length);
      assert.equal(lv.pgfs.brick, brickId);
      assert.match(lv.pgfs.volume ?? "", /^[0-9a-f]{32}$/);
      assert.equal(lv.poolLv, `tp_${brickId}`);
      assert.equal(lv.dmPath, `/dev/mapper/vg_${DEV1}-brick_${brickId}`);
      assert.equal(lv.sizeKiB, 524288);
      assert.ok(lv.active && lv.open);
    }
    for (const p of pools) {
      assert.equal(p.thinCount, 1);
      assert.equal(p.metadataSizeKiB, 8192);
      assert.equal(p.pgfs.brick, p.lvName.slice("tp_".length));
    }
  });

  it("vgdisplay -c: total, allocated and free are extents times the 4 MiB extent, as Heketi computes them", () => {
    assert.deepEqual(parseVgDisplay(fixture("lvm/vgdisplay-c.txt")), {
      vgName: `vg_${DEV1}`,
      sizeKiB: 8253440,
      extentKiB: 4096,
      totalExtents: 2015,
      allocatedExtents: 652,
      freeExtents: 1363,
      totalKiB: 2015 * 4096,
      allocatedKiB: 652 * 4096,
      freeKiB: 1363 * 4096,
      vgUuid: "gXUcGh-74sN-3J27-13C1-YP1W-SCqz-f6uy3T",
    });
    const empty = parseVgDisplay(fixture("lvm/vgdisplay-c-empty.txt"));
    assert.deepEqual([empty.allocatedKiB, empty.freeKiB], [0, 2015 * 4096]);
  });

  it("vgdisplay output that is short or not numeric is refused", () => {
    assert.throws(() => parseVgDisplay(""), /printed nothing/);
    assert.throws(() => parseVgDisplay("vg:r/w:1"), /17/);
    assert.throws(() => parseVgDisplay("vg:r/w:772:-1:0:0:0:-1:0:1:1:x:4096:2015:0:2015:u"), /field 11/);
  });

  it("thin_count comes blank-padded", () => {
    assert.equal(parseThinCount(fixture("lvm/thin-count.txt")), 1);
    assert.throws(() => parseThinCount(""), /not a number/);
  });

  it("sizes are KiB with or without the k suffix; anything else is refused", () => {
    assert.equal(parseKiB("4096.00"), 4096);
    assert.equal(parseKiB("4096.00k"), 4096);
    assert.equal(parseKiB(""), null);
    assert.throws(() => parseKiB("4.00g"), /--units k/);
  });

  it("an LVM report that is not JSON, or not a report, is refused", () => {
    assert.throws(() => parseLvsReport("  No volume groups found"), /not JSON/);
    assert.throws(() => parseLvsReport('{"x":1}'), /unexpected shape/);
  });
});

describe("Probing a device before taking it", () => {
  it("a fresh disk is empty", () => {
    const p = parseDeviceProbe(fixture("lvm/probe-empty.txt"));
    assert.deepEqual([p.state, p.reason, p.detail], ["empty", "empty", "empty"]);
    assert.deepEqual(p.device, { name: "/dev/vdc", sizeBytes: 8589934592, readOnly: false, fstype: null });
    assert.equal(p.pv, null);
  });

  it("a disk with an ext4 filesystem has data: the signature is named", () => {
    const p = parseDeviceProbe(fixture("lvm/probe-ext4.txt"));
    assert.deepEqual([p.state, p.reason], ["has-data", "signatures"]);
    assert.equal(p.detail, "has signatures: ext4 (label pgfsprobe) at 0x438");
    assert.deepEqual(p.signatures.map((s) => s.type), ["ext4"]);
  });

  it("a mounted disk is in use and must never be wiped", () => {
    const p = parseDeviceProbe(fixture("lvm/probe-mounted.txt"));
    assert.deepEqual([p.state, p.reason], ["in-use", "mounted"]);
    assert.equal(p.detail, "in use: /dev/vdc is mounted on /mnt/pgfs-probe");
  });

  it("a disk that is already a PV says of which VG, and that the VG is ours", () => {
    const p = parseDeviceProbe(fixture("lvm/probe-pv.txt"));
    assert.deepEqual([p.state, p.reason], ["has-data", "lvm-pv"]);
    assert.equal(p.detail, "is already an LVM physical volume of VG vg_aa8a24a3ca07fe0c3c66833d13f8f4fd");
    assert.deepEqual(p.pv, {
      pvUuid: "Q63RsE-HpHW-KxVP-ZKHO-pXTO-qjOI-Ljc28K",
      vgName: "vg_aa8a24a3ca07fe0c3c66833d13f8f4fd",
      vgTags: ["pgfs.device=aa8a24a3ca07fe0c3c66833d13f8f4fd"],
      deviceId: "aa8a24a3ca07fe0c3c66833d13f8f4fd",
      heketiLayout: true,
    });
  });

  it("a PV carrying mounted bricks is in use; the bricks and the PV are still reported", () => {
    const p = parseDeviceProbe(fixture("lvm/probe-pv-in-use.txt"));
    assert.deepEqual([p.state, p.reason], ["in-use", "mounted"]);
    assert.equal(p.mounts.length, 5);
    assert.ok(p.mounts.every((m) => parseBrickPath(m.mountpoint)?.deviceId === DEV1));
    assert.equal(p.pv?.vgName, `vg_${DEV1}`);
    assert.ok(p.holders.some((h) => h.name.endsWith("_tmeta")));
  });

  it("a device that does not exist is missing; after teardown the disk is empty again", () => {
    assert.deepEqual(parseDeviceProbe(fixture("lvm/probe-missing.txt")).state, "missing");
    assert.deepEqual(parseDeviceProbe(fixture("lvm/probe-after-teardown.txt")).state, "empty");
  });

  it("output that is not a probe is not taken for an empty disk", () => {
    assert.equal(parseDeviceProbe("").state, "has-data");
    assert.equal(parseDeviceProbeSections(splitSections("=== pgfs:exists\n\n=== pgfs:exists rc=0\n")).reason, "unknown");
  });
});
