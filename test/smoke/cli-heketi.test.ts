import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../devtools/lab/paths";
import { seeded } from "../support/seeded";

const execFileP = promisify(execFile);
const cli = (...args: string[]) => execFileP(process.execPath, [path.join(repoRoot(), "dist", "provider", "cli", "main.js"), ...args]);

describe("cli: migrating from Heketi (import, export)", function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-cli-heketi-"));

  it("refuses an export whose brick sets it cannot know, names the volume and says what to give, and writes nothing", async function () {
    const ledger = path.join(dir, "refused.db");
    await assert.rejects(cli("import", "--heketi-json", path.join(repoRoot(), "test", "fixtures", "heketi", "export-v10.json"), "--ledger", ledger), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /volume grow has 2 brick sets of 3.*--gluster-volume-info/);
      return true;
    });
    const exported = JSON.parse((await cli("export", "--ledger", ledger)).stdout);
    assert.deepEqual(exported.volumeentries, {});
  });

  it("exports a ledger, imports it into a new one, and the second export is the same", async function () {
    const s = seeded();
    await s.engine.createVolume({ name: "r3", sizeGiB: 2 });
    await s.engine.createVolume({ name: "grown", sizeGiB: 1 });
    await s.engine.expandVolume(s.engine.ledger.findVolumeByName(s.cluster.id, "grown")!.id, 1);
    const file = path.join(dir, "ours.json");
    await cli("export", "--ledger", s.engine.ledger.file, "--brick-sets", "--out", file);
    await s.engine.close();
    const copy = path.join(dir, "copy.db");
    const { stdout } = await cli("import", "--heketi-json", file, "--ledger", copy);
    assert.match(stdout, /imported 1 cluster\(s\), 3 node\(s\), 6 device\(s\), 2 volume\(s\), 9 brick\(s\)/);
    const again = JSON.parse((await cli("export", "--ledger", copy, "--brick-sets")).stdout);
    assert.deepEqual(again.volumeentries, JSON.parse(fs.readFileSync(file, "utf8")).volumeentries);
  });
});
