import * as assert from "node:assert/strict";
import { DeviceAdd, NodeAdd, validate, ValidationError, VolumeCreate, parseOptionString, newId } from "../../provider/model";

const HOSTILE = ["x; rm -rf /", "$(reboot)", "`reboot`", "a\nb", "../etc", "a'b", "a b", "a|b", "x".repeat(300), "", "\u0000"];

function rejects(schema: Parameters<typeof validate>[0], value: unknown, field: string, rule?: RegExp) {
  assert.throws(
    () => validate(schema, value),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError, String(err));
      const issue = err.issues.find((i) => i.field === field);
      assert.ok(issue, `expected an issue on '${field}', got ${err.message}`);
      if (rule) assert.match(issue.rule, rule);
      return true;
    },
  );
}

describe("model: every boundary validates", function () {
  const clusterId = newId();
  const nodeId = newId();

  describe("volumes", function () {
    it("accepts a plain replica-3 request and fills Heketi's defaults", function () {
      const v = validate(VolumeCreate, { sizeGiB: 1 });
      assert.deepEqual(v.durability, { type: "replicate", replica: 3, arbiter: false });
      assert.equal(v.snapshotFactor, 1);
      assert.equal(v.gid, 0);
    });
    for (const name of HOSTILE) {
      it(`refuses the volume name ${JSON.stringify(name.slice(0, 20))} before any command is built`, function () {
        rejects(VolumeCreate, { sizeGiB: 1, name }, "name");
      });
    }
    it("refuses size 0 naming the field", () => rejects(VolumeCreate, { sizeGiB: 0 }, "sizeGiB", /at least 1 GiB/));
    it("refuses replica 5", () => rejects(VolumeCreate, { sizeGiB: 1, durability: { type: "replicate", replica: 5 } }, "durability.replica", /1, 2 or 3/));
    it("refuses disperse 3+1", () => rejects(VolumeCreate, { sizeGiB: 1, durability: { type: "disperse", data: 3, redundancy: 1 } }, "durability.data", /2\+1, 4\+2/));
    it("refuses an arbiter on replica 2", () => rejects(VolumeCreate, { sizeGiB: 1, durability: { type: "replicate", replica: 2, arbiter: true } }, "durability.arbiter"));
    it("refuses a snapshot factor above 100", () => rejects(VolumeCreate, { sizeGiB: 1, snapshotFactor: 101 }, "snapshotFactor"));
    it("refuses an option value with a space or a quote", function () {
      rejects(VolumeCreate, { sizeGiB: 1, options: [{ key: "performance.quick-read", value: "off; reboot" }] }, "options.0.value");
      rejects(VolumeCreate, { sizeGiB: 1, options: [{ key: "x'y", value: "on" }] }, "options.0.key");
    });
    it("reads Heketi's 'key value' option strings", function () {
      assert.deepEqual(parseOptionString("performance.rda-cache-limit 10MB"), { key: "performance.rda-cache-limit", value: "10MB" });
      assert.throws(() => parseOptionString("$(reboot)"), ValidationError);
    });
  });

  describe("nodes", function () {
    const ok = { clusterId, manageHostname: "gnode1.example.com", storageHostname: "10.77.0.11", zone: 1 };
    it("accepts a node with an IPv4 storage address", () => assert.equal(validate(NodeAdd, ok).zone, 1));
    it("refuses zone 0 naming the field", () => rejects(NodeAdd, { ...ok, zone: 0 }, "zone", /1 or more/));
    it("refuses a storage hostname that is not an IP (Kubernetes endpoints need IPs)", () => rejects(NodeAdd, { ...ok, storageHostname: "gnode1" }, "storageHostname", /IPv4/));
    for (const h of HOSTILE) it(`refuses the management hostname ${JSON.stringify(h.slice(0, 20))}`, () => rejects(NodeAdd, { ...ok, manageHostname: h }, "manageHostname"));
    it("refuses a malformed host key fingerprint", () => rejects(NodeAdd, { ...ok, ssh: { hostKeyFingerprint: "MD5:aa" } }, "ssh.hostKeyFingerprint"));
  });

  describe("devices", function () {
    it("accepts /dev/vdb and by-id paths", function () {
      validate(DeviceAdd, { nodeId, path: "/dev/vdb" });
      validate(DeviceAdd, { nodeId, path: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4" });
    });
    for (const path of ["/dev/vdb'", "/dev/../etc/passwd", "vdb", "/dev/vdb; reboot", "/dev/$(reboot)", "/dev/vd b", "/etc/passwd", "/dev//vdb", "/dev/vdb/", "/dev/./vdb"]) {
      it(`refuses the device path ${JSON.stringify(path)}`, () => rejects(DeviceAdd, { nodeId, path }, "path"));
    }
  });
});

describe("model: node SSH settings", function () {
  it("keeps only the overrides a node gives (the engine's defaults fill the rest)", function () {
    const n = validate(NodeAdd, { clusterId: newId(), manageHostname: "h", storageHostname: "10.0.0.1", zone: 1, ssh: {} });
    assert.deepEqual(n.ssh, {});
    const m = validate(NodeAdd, { clusterId: newId(), manageHostname: "h", storageHostname: "10.0.0.1", zone: 1, ssh: { port: 2222 } });
    assert.deepEqual(m.ssh, { port: 2222 });
  });
});
