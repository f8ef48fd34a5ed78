import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../devtools/lab/paths";
import { Ledger } from "../../provider/ledger/ledger";
import { seeded } from "../support/seeded";

const execFileP = promisify(execFile);
const cli = (...args: string[]) => execFileP(process.execPath, [path.join(repoRoot(), "dist", "provider", "cli", "main.js"), ...args]);

describe("cli: recover what a crashed process left", function () {
  it("rolls back a volume create whose process died mid-way, gives its space back, and then has nothing to do", async function () {
    const { engine, fake } = seeded();
    // the create hangs in `gluster volume create`; then its process is taken for dead
    let release!: () => void;
    fake.on(/volume create/, () => new Promise((r) => (release = () => r({ code: 1, stderr: "killed" }))));
    const pending = engine.createVolume({ name: "crashy", sizeGiB: 1 }).catch(() => undefined);
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const [op] = engine.ledger.listOperations(["running"]);
    engine.ledger.db.prepare("UPDATE operations SET owner_boot = '999999999:0' WHERE id = ?").run(op.id);

    const first = await cli("recover", "--ledger", engine.ledger.file, "--executor", "sim");
    assert.equal(first.stdout, `${op.id}  create-volume  rolled back\n`);
    const after = new Ledger(engine.ledger.file);
    try {
      assert.deepEqual(after.listVolumes(), []);
      for (const d of after.listDevices()) assert.equal(d.usedKiB, 0, `${d.path} got its space back`);
      assert.equal(after.getOperation(op.id).status, "rolled-back");
    } finally {
      after.close();
    }
    const second = await cli("recover", "--ledger", engine.ledger.file, "--executor", "sim");
    assert.match(second.stdout, /^nothing to recover/);
    release();
    await pending;
    await engine.close();
  });

  it("refuses to run without a ledger, and says how to give one", async function () {
    await assert.rejects(cli("recover"), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /recover needs the ledger: recover --ledger L/);
      return true;
    });
  });
});
