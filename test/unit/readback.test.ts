import * as assert from "node:assert/strict";
import { seeded } from "../support/seeded";

/** What `section("vgs", vgsReport())` prints when LVM answers with the given VG names. */
const vgsSection = (names: string[]) =>
  `=== pgfs:vgs\n${JSON.stringify({ report: [{ vg: names.map((n) => ({ vg_name: n, vg_uuid: "u", vg_tags: "" })) }] })}\n\n=== pgfs:vgs rc=0\n`;

describe("read-back (refresh): unknown is not absent", function () {
  it("a device whose node cannot be read (sudo refused) is an error that says so, not a device gone", async function () {
    const { engine, fake } = seeded();
    const d = engine.ledger.listDevices()[0];
    fake.on(/vgs --reportformat json/, { code: 1, stderr: "sudo: a password is required" });
    const node = engine.ledger.getNode(d.nodeId).manageHost;
    await assert.rejects(engine.inspectDevice(d.id), new RegExp(`cannot read the VG list of device ${d.path} \\(${d.id}\\) on ${node} \\(exit 1: sudo: a password is required\\); check SSH and sudo on the node`));
    await engine.close();
  });

  it("a device is gone only when LVM on its node answered and lists no such VG", async function () {
    const { engine, fake } = seeded();
    const d = engine.ledger.listDevices()[0];
    fake.on(/vgs --reportformat json/, { stdout: vgsSection(["vg_other"]) });
    assert.equal(await engine.inspectDevice(d.id), undefined);
    await engine.close();
  });

  it("a VG that is listed but cannot be displayed is an error too", async function () {
    const { engine, fake } = seeded();
    const d = engine.ledger.listDevices()[0];
    fake.on(/vgs --reportformat json/, { code: 5, stdout: `${vgsSection([`vg_${d.id}`])}=== pgfs:vg\n\n=== pgfs:vg rc=5\n`, stderr: "Unable to acquire lock" });
    await assert.rejects(engine.inspectDevice(d.id), new RegExp(`cannot read VG vg_${d.id} of device`));
    await engine.close();
  });
});
