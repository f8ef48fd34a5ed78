import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../devtools/lab/paths";

const execFileP = promisify(execFile);

/**
 * The benchmarks run, once, at a small size: they start both servers, do the work and print their table.
 * Nothing is asserted about time (numbers belong in the README, measured with the full sizes).
 * bench/lab.ts needs the lab and two full heketi-cli stories (minutes on TCG): it is run by hand.
 */
describe("benchmarks work (small size, no timing asserted)", function () {
  this.timeout(5 * 60_000);
  it("bench/rest-api: our serve and the real Heketi, reads and creates, with the ratio line", async function () {
    const { stdout } = await execFileP(process.execPath, [path.join(repoRoot(), "dist", "bench", "rest-api.js"), "--reads", "20", "--creates", "2", "--concurrency", "2", "--rounds", "1"], { timeout: 4 * 60_000 });
    assert.match(stdout, /^\s+ours\s+\d+/m, stdout);
    assert.match(stdout, /^\s+heketi\s+\d+/m, stdout);
    assert.match(stdout, /ratio ours\/heketi: reads\/s [\d.]+x, creates\/s [\d.]+x/, stdout);
  });
  it("bench/placement: our placer and Heketi's ring on one generated topology, with the ratio line", async function () {
    const { stdout } = await execFileP(process.execPath, [path.join(repoRoot(), "dist", "bench", "placement.js"), "--nodes", "20", "--devices", "2", "--volumes", "10", "--rounds", "1"], { timeout: 60_000 });
    assert.match(stdout, /^\s*balanced \(this module\)\s+\d+/m, stdout);
    assert.match(stdout, /^\s*heketi ring \(baseline\)\s+\d+/m, stdout);
    assert.match(stdout, /ratio balanced vs ring .*throughput [\d.]+x/, stdout);
  });
});
