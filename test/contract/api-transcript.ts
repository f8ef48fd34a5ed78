// A raw-HTTP contract transcript for Heketi-compatible REST servers.
//
// `apiTranscript(target)` sends a fixed, scripted sequence of requests (plain fetch, `redirect: "manual"`,
// JWTs signed with `jose`) to an EMPTY server and records, per step, only what is deterministic and
// server-independent: method, path template, status, selected headers, the body's kind plus its exact
// text (ids normalised) or its JSON shape, and a few "facts" (selected values and invariants computed from
// the body, e.g. `size`, `durability`, "every brick path is /var/lib/heketi/mounts/vg_<device>/brick_<brick>/brick").
// `compareTranscripts(reference, candidate)` lists the differences as readable lines.
//
// The script is in transcript/steps-*.ts, one phase each, run in this order; the HTTP and JWT side
// in transcript/runner.ts, normalisation and shapes in transcript/normalise.ts, the comparison in
// transcript/compare.ts.
//
// Normalisation: every 32-hex id becomes `{id}`; the topology's hostnames and device paths become
// `{manageN}`, `{storageN}`, `{deviceM}` (N = node index, M = device index on its node, from 1); a Go
// duration after "expired by " becomes `{duration}`.
//
// Timing: with Heketi's mock executor a job is usually finished before the first poll, on a real lab it
// is not, so whether a poll ever saw `X-Pending` is NOT compared. What is compared for every poll is
// (a) the terminal response (status, headers, body, facts) and (b) `poll.pendingProblems`: every
// non-terminal response must have been exactly `200` + `X-Pending: true` + empty body; each deviation is
// listed there, so a compatible server must produce `[]` (as Heketi does). The number of pending answers
// seen and the durations are kept in `observed`, which is neither compared nor written to the snapshot.
//
// CLI (after `npx tsc -p tsconfig.json`):
//   node dist/test/contract/api-transcript.js --url http://127.0.0.1:8080 --admin-key K --user-key K \
//        [--compare test/fixtures/heketi-transcript.json] [--out transcript.json] [--topology topo.json]
// prints the differences against the snapshot and exits 1 if there are any.
import * as fs from "node:fs";
import { compareTranscripts, readTranscriptFile } from "./transcript/compare";
import { newRun } from "./transcript/run";
import { authAndRouterSteps } from "./transcript/steps-auth";
import { clusterSteps } from "./transcript/steps-clusters";
import { deviceSteps } from "./transcript/steps-devices";
import { nodeSteps } from "./transcript/steps-nodes";
import { teardownSteps } from "./transcript/steps-teardown";
import { volumeLifecycleSteps } from "./transcript/steps-volume-lifecycle";
import { volumeValidationSteps } from "./transcript/steps-volumes";
import type { TranscriptEntry, TranscriptTarget, TranscriptTopology } from "./transcript/types";

export { comparable, compareTranscripts, readTranscriptFile, type TranscriptFile } from "./transcript/compare";
export { shapeOf } from "./transcript/normalise";
export { qshOf } from "./transcript/runner";
export * from "./transcript/types";

/** Run the whole script against an EMPTY server; the entries in step order. */
export async function apiTranscript(target: TranscriptTarget): Promise<TranscriptEntry[]> {
  const run = newRun(target);
  await authAndRouterSteps(run);
  run.cluster = await clusterSteps(run);
  run.nodes = await nodeSteps(run);
  Object.assign(run, await deviceSteps(run));
  await volumeValidationSteps(run);
  await volumeLifecycleSteps(run);
  await teardownSteps(run);
  return run.T.entries;
}

// ------------------------------------------------------------------------------------------------
// CLI

async function main(argv: string[]) {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const url = arg("url");
  if (!url) {
    console.error("usage: api-transcript --url URL --admin-key KEY --user-key KEY [--compare FILE] [--out FILE] [--topology FILE] [--quiet]");
    process.exit(2);
  }
  const topologyFile = arg("topology");
  const entries = await apiTranscript({
    url,
    adminKey: arg("admin-key") ?? process.env.HEKETI_ADMIN_KEY ?? "",
    userKey: arg("user-key") ?? process.env.HEKETI_USER_KEY ?? "",
    topology: topologyFile ? (JSON.parse(fs.readFileSync(topologyFile, "utf8")) as TranscriptTopology) : undefined,
    log: argv.includes("--quiet") ? undefined : (l) => console.error(l),
  });
  const out = arg("out");
  if (out) fs.writeFileSync(out, JSON.stringify({ comment: "apiTranscript output", server: url, entries }, null, 2) + "\n");
  const cmp = arg("compare");
  if (cmp) {
    const diffs = compareTranscripts(readTranscriptFile(cmp), entries, ["heketi", "server"]);
    for (const l of diffs) console.log(l);
    console.log(diffs.length === 0 ? "transcripts agree" : `${diffs.length} difference(s)`);
    process.exit(diffs.length === 0 ? 0 : 1);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
