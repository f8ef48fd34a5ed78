// The raw-HTTP transcript run against the real Heketi v10.3.0 (mock executor), compared with the
// committed snapshot test/fixtures/heketi-transcript.json.
//
// Regenerate the snapshot (after a deliberate change to the script in transcript/steps-*.ts):
//   PGFS_UPDATE_TRANSCRIPT=1 npx mocha dist/test/contract/api-transcript.test.js
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { TRANSCRIPT_SNAPSHOT, apiTranscript, comparable, compareTranscripts, readTranscriptFile, TranscriptEntry, TranscriptFile } from "./api-transcript";
import { heketiBin, HeketiServer, startHeketi } from "../support/heketi-server";


describe("contract: raw-HTTP transcript of the real Heketi (mock executor)", function () {
  this.timeout(10 * 60_000);
  let heketi: HeketiServer;
  let first: TranscriptEntry[];

  before(async function () {
    heketiBin("heketi");
    heketi = await startHeketi();
  });
  after(async () => heketi?.stop());

  it("matches the snapshot test/fixtures/heketi-transcript.json", async function () {
    first = await apiTranscript({ url: heketi.url, adminKey: heketi.adminKey, userKey: heketi.userKey });
    if (process.env.PGFS_UPDATE_TRANSCRIPT === "1") {
      const file: TranscriptFile = {
        comment:
          "apiTranscript() against Heketi v10.3.0 with the mock executor (test/contract/api-transcript.test.ts). " +
          "Regenerate: PGFS_UPDATE_TRANSCRIPT=1 npx mocha dist/test/contract/api-transcript.test.js",
        server: "heketi v10.3.0 (mock executor)",
        entries: comparable(first),
      };
      fs.writeFileSync(TRANSCRIPT_SNAPSHOT, JSON.stringify(file, null, 2) + "\n");
    }
    const diffs = compareTranscripts(readTranscriptFile(TRANSCRIPT_SNAPSHOT), first, ["snapshot", "heketi"]);
    assert.deepEqual(diffs, [], `live Heketi differs from the snapshot:\n${diffs.join("\n")}`);
  });

  it("leaves the server empty and is repeatable: a second run agrees with the first", async function () {
    const second = await apiTranscript({ url: heketi.url, adminKey: heketi.adminKey, userKey: heketi.userKey });
    assert.deepEqual(compareTranscripts(first, second, ["first", "second"]), []);
    assert.deepEqual(comparable(first), comparable(second));
  });

  it("every poll's pending answers were well-formed, and the snapshot holds no timing data", function () {
    const snap = readTranscriptFile(TRANSCRIPT_SNAPSHOT);
    for (const e of snap) {
      assert.equal(e.observed, undefined, e.step);
      if (e.poll) assert.deepEqual(e.poll.pendingProblems, [], e.step);
    }
    assert.ok(snap.length > 100, `only ${snap.length} steps`);
  });

  it("compareTranscripts reports differences one readable line each", function () {
    const snap = readTranscriptFile(TRANSCRIPT_SNAPSHOT);
    const doctored: TranscriptEntry[] = JSON.parse(JSON.stringify(snap));
    const find = (name: string) => {
      const e = doctored.find((x) => x.step === name);
      assert.ok(e, name);
      return e;
    };
    find("volumes: create: replica 4").status = 422;
    const get = find("volumes: get");
    assert.equal(get.body.kind, "json");
    if (get.body.kind === "json") delete (get.body.shape as Record<string, unknown>).blockinfo;
    get.facts = { ...get.facts, size: 2 };
    find("auth: no token").headers["content-type"] = "application/json";
    doctored.splice(doctored.findIndex((e) => e.step === "hello"), 1);
    const diffs = compareTranscripts(snap, doctored, ["heketi", "ours"]);
    assert.deepEqual(diffs, [
      "[hello] missing in ours",
      '[auth: no token] header content-type: heketi "text/plain; charset=utf-8", ours "application/json"',
      '[volumes: create: replica 4] status: heketi 400 text "Invalid replica value\\n", ours 422 text "Invalid replica value\\n"',
      "[volumes: get] body json blockinfo: only in heketi (object)",
      "[volumes: get] fact size: heketi 1, ours 2",
    ]);
  });
});
