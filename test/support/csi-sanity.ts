import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { toolsDir } from "./heketi-server";

/** csi-sanity from scripts/build-csi-sanity.sh */
export function csiSanityBin(): string {
  const p = path.join(toolsDir(), `csi-sanity-${process.env.PGFS_CSI_TEST_VERSION ?? "v5.6.0"}`, "bin", "csi-sanity");
  if (!fs.existsSync(p)) throw new Error("csi-sanity is not built: run `bash scripts/build-csi-sanity.sh`");
  return p;
}

export interface SanityCase { name: string; status: string; message: string }

/** The test cases of ginkgo's JUnit report: name, status (passed, skipped, failed, pending...), skip or failure message. */
function readJunit(file: string): SanityCase[] {
  const xml = fs.readFileSync(file, "utf8");
  const unxml = (s: string) => s.replace(/&#34;|&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const out: SanityCase[] = [];
  for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*status="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
    const msg = /<(?:skipped|failure|error) message="([^"]*)"/.exec(m[3]);
    out.push({ name: unxml(m[1]), status: m[2], message: msg ? unxml(msg[1]) : "" });
  }
  return out;
}

export interface SanityRun {
  code: number;
  out: string;
  ms: number;
  passed: SanityCase[];
  skipped: SanityCase[];
  pending: SanityCase[];
  failed: SanityCase[];
}

/** Run csi-sanity with these flags (plus a JUnit report in `dir`), print its tally and skip reasons, and return the cases. */
export async function runCsiSanity(dir: string, flags: string[]): Promise<SanityRun> {
  const junit = path.join(dir, "junit.xml");
  const t0 = Date.now();
  const run = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(csiSanityBin(), [...flags, `--ginkgo.junit-report=${junit}`, "--ginkgo.no-color"], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderrOut) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderrOut}` }),
    );
  });
  const ms = Date.now() - t0;
  const cases = fs.existsSync(junit) ? readJunit(junit) : [];
  const by = (s: string) => cases.filter((c) => c.status === s);
  const r: SanityRun = { ...run, ms, passed: by("passed"), skipped: by("skipped"), pending: by("pending"), failed: cases.filter((c) => !["passed", "skipped", "pending"].includes(c.status)) };
  const reasons = new Map<string, number>();
  for (const c of r.skipped) reasons.set(c.message, (reasons.get(c.message) ?? 0) + 1);
  console.log(`      csi-sanity: ${r.passed.length} passed, ${r.failed.length} failed, ${r.skipped.length} skipped, ${r.pending.length} pending (${(ms / 1000).toFixed(1)} s)`);
  for (const [why, n] of [...reasons].sort()) console.log(`        skipped ×${n}: ${why.replace(/^skipped - /, "")}`);
  for (const c of r.failed) console.log(`        FAILED: ${c.name}: ${c.message}`);
  return r;
}

/** The tests the driver's features answer to: each must pass wherever csi-sanity runs against it. */
export const MUST_PASS = [
  "CreateVolume should fail when requesting to create a volume with already existing name and different capacity",
  "CreateVolume should not fail when creating volume with maximum-length name",
  "ExpandVolume [Controller Server] should work",
  "ListVolumes should fail when an invalid starting_token is passed",
  "GetCapacity should return capacity (no optional values added)",
  "NodeUnpublishVolume should remove target path",
  "NodeGetVolumeStats should fail when volume does not exist on the specified path",
  "with single node multi writer capability should fail when volume with single node single writer access mode is already mounted at a different target path",
  "Node Service should work",
];
