import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../devtools/lab/paths";
import { Ledger } from "../../provider/ledger/ledger";
import { abandonedCreate, seeded } from "../support/seeded";

const execFileP = promisify(execFile);
const cli = (...args: string[]) => execFileP(process.execPath, [path.join(repoRoot(), "dist", "provider", "cli", "main.js"), ...args]);

describe("cli: recover what a crashed process left", function () {
  it("rolls back a volume create whose process died mid-way, gives its space back, and then has nothing to do", async function () {
    const s = seeded();
    const { engine } = s;
    const { op, done } = await abandonedCreate(s);

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
    await done();
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
