import * as assert from "node:assert/strict";
import { OWNER_LEASE_MS, ownerAlive, processIdentity } from "../../provider/ledger/owner";
import { seeded } from "../support/seeded";

/**
 * Whose operation is it, and is its owner alive? A `serve` in a container and a `pulumi up` on the host
 * (or two hosts) sharing one ledger cannot see each other's processes: neither may take the other's live
 * operation for abandoned and roll it back.
 */
describe("operation owners: /proc where the owner lives here, a heartbeat lease where it does not", function () {
  const elsewhere = "4242:123456@00000000-0000-0000-0000-000000000000/pid:[4026531836]";

  it("a process here is alive while its pid has the same start time; a dead or reused pid is not", function () {
    assert.equal(ownerAlive(processIdentity()), true);
    const [proc, place] = processIdentity().split("@");
    assert.equal(ownerAlive(`${proc.split(":")[0]}:1@${place}`), false, "same pid, another start time: a reused pid");
    assert.equal(ownerAlive(`999999999:0@${place}`), false);
    assert.equal(ownerAlive("999999999:0"), false, "an identity written by an older release is looked up in /proc");
  });

  it("an owner in another pid namespace or on another host is alive while its heartbeat is inside the lease", function () {
    const now = Date.parse("2026-12-03T12:00:00Z");
    assert.equal(ownerAlive(elsewhere, new Date(now - 5_000).toISOString(), now), true);
    assert.equal(ownerAlive(elsewhere, new Date(now - OWNER_LEASE_MS - 1).toISOString(), now), false);
    assert.equal(ownerAlive(elsewhere, null, now), false, "no heartbeat at all: dead");
  });

  it("recovery leaves a live remote owner's operation alone and takes it over once the heartbeat stops", async function () {
    const { engine } = seeded();
    const op = engine.ledger.beginOperation("create-volume", "v", { volumeId: "v" });
    const fresh = new Date().toISOString();
    engine.ledger.db.prepare("UPDATE operations SET owner_boot = ?, heartbeat_at = ? WHERE id = ?").run(elsewhere, fresh, op.id);
    assert.deepEqual(await engine.recover(), [], "its owner is alive elsewhere");
    assert.equal(engine.ledger.getOperation(op.id).status, "running");
    const stale = new Date(Date.now() - OWNER_LEASE_MS - 1000).toISOString();
    engine.ledger.db.prepare("UPDATE operations SET heartbeat_at = ? WHERE id = ?").run(stale, op.id);
    assert.deepEqual((await engine.recover()).map((r) => [r.id, r.action]), [[op.id, "rolled back"]]);
    await engine.close();
  });

  it("a process renews the heartbeat of the operations it owns, and only those", async function () {
    const { engine } = seeded();
    const mine = engine.ledger.beginOperation("create-volume", "a", {});
    const theirs = engine.ledger.beginOperation("create-volume", "b", {});
    engine.ledger.db.prepare("UPDATE operations SET owner_boot = ?, heartbeat_at = 'x' WHERE id = ?").run(elsewhere, theirs.id);
    engine.ledger.heartbeat("2030-01-01T00:00:00.000Z");
    assert.equal(engine.ledger.getOperation(mine.id).heartbeatAt, "2030-01-01T00:00:00.000Z");
    assert.equal(engine.ledger.getOperation(theirs.id).heartbeatAt, "x");
    await engine.close();
  });
});
