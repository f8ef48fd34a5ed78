// The REST contract of the in-tree Kubernetes glusterfs provisioner, checked with Heketi's own Go client:
// tools/heketi-contract (built by scripts/build-contract.sh) makes the provisioner's calls in its order
// and prints one JSON line per step. provisionerContract() turns those steps into mocha tests against
// any server: test/contract/provisioner.test.ts runs it against real Heketi; call it with another
// getTarget to hold a different server to the same contract.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { toolsDir } from "../support/heketi-server";

export interface ContractTarget {
  url: string;
  adminKey: string;
  userKey: string;
  /** A cluster with at least 3 nodes (distinct zones, IP storage hostnames) and free devices. */
  clusterId: string;
}

export interface ContractStep {
  step: string;
  ok: boolean;
  /** What was checked, or the server's error text. */
  detail: string;
  data?: Record<string, unknown>;
}

export interface ContractRun {
  code: number | null;
  steps: ContractStep[];
  stdout: string;
  stderr: string;
}

/** The steps heketi-contract reports, in order, when it is given --user-key. */
export const CONTRACT_STEPS = [
  "volume-create", // POST /volumes (+ queue polls, 303 → GET /volumes/<id>)
  "cluster-info", // GET /clusters/<volume.cluster>
  "node-info", // GET /nodes/<id> for each node: hostnames.storage must be IPs
  "user-volume-list", // GET /volumes with iss "user"
  "volume-info", // GET /volumes/<id> (the expander's size check)
  "volume-expand", // POST /volumes/<id>/expand {"expand_size": delta}
  "volume-info-expanded", // GET /volumes/<id> shows the new size
  "volume-delete", // DELETE /volumes/<id> (+ polls, 204)
  "volume-info-deleted", // GET /volumes/<id> → 404 "Id not found"
] as const;

export function contractBin(): string {
  const p = path.join(toolsDir(), "heketi-contract", "bin", "heketi-contract");
  if (!fs.existsSync(p)) throw new Error(`heketi-contract is not built: run \`bash scripts/build-contract.sh\``);
  return p;
}

/** Run heketi-contract against a target; extra flags as in `heketi-contract --help`. */
export function runContract(target: ContractTarget, extra: string[] = []): Promise<ContractRun> {
  const args = ["--server", target.url, "--user", "admin", "--key", target.adminKey, "--user-key", target.userKey, "--poll-delay", "200ms", ...extra];
  return new Promise((resolve, reject) => {
    execFile(contractBin(), args, { timeout: 10 * 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      if (err && code === null) return reject(new Error(`heketi-contract ${args.join(" ")}: ${err.message}\n${stderr}`));
      let steps: ContractStep[];
      try {
        steps = stdout.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as ContractStep);
      } catch (e) {
        return reject(new Error(`heketi-contract printed something that is not JSON lines: ${String(e)}\n${stdout}\n${stderr}`));
      }
      resolve({ code, steps, stdout, stderr });
    });
  });
}

/**
 * Mocha suites: the provisioner's provision → expand → delete sequence, (a) as a StorageClass with
 * `clusterid` and `volumenameprefix` sends it, (b) with neither (no `clusters`, name "" ⇒ vol_<id>).
 */
export function provisionerContract(getTarget: () => Promise<ContractTarget>): void {
  const variants: { title: string; flags: (t: ContractTarget) => string[] }[] = [
    {
      title: "StorageClass with clusterid, volumenameprefix, volumeoptions, gid 2000, snapfactor 1",
      flags: (t) => ["--cluster", t.clusterId, "--name-prefix", "pgfs", "--namespace", "default", "--pvc", "claim1", "--gid", "2000"],
    },
    { title: "StorageClass without clusterid or volumenameprefix", flags: () => ["--name-prefix", "", "--gid", "2001"] },
  ];
  for (const v of variants) {
    describe(`in-tree provisioner contract (Heketi's Go client): ${v.title}`, function () {
      this.timeout(10 * 60_000);
      let run: ContractRun;

      before(async function () {
        const target = await getTarget();
        run = await runContract(target, v.flags(target));
      });

      for (const name of CONTRACT_STEPS) {
        it(name, function () {
          const s = run.steps.find((x) => x.step === name);
          assert.ok(s, `heketi-contract reported no step ${name}:\n${run.stdout}${run.stderr}`);
          assert.ok(s.ok, `${name}: ${s.detail}${s.data ? `\n${JSON.stringify(s.data)}` : ""}`);
        });
      }

      it("reports exactly these steps and exits 0", function () {
        assert.deepEqual(run.steps.map((s) => s.step), [...CONTRACT_STEPS], run.stdout);
        assert.equal(run.code, 0, run.stdout + run.stderr);
      });
    });
  }
}
