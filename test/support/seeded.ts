import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, EngineOptions } from "../../provider/engine";
import { FakeExecutor } from "./fake-executor";
import { newId } from "../../provider/model";

export const GiB = 1024 * 1024;

/** An engine on a fake executor with a cluster (node i in zone i, `devices` per node) seeded straight into the ledger. */
export function seeded(opts: { nodes?: number; devices?: number; deviceGiB?: number; settings?: EngineOptions["settings"] } = {}) {
  const fake = new FakeExecutor();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-seeded-"));
  const engine = new Engine({ ledgerPath: path.join(dir, "ledger.db"), executor: fake, ssh: { privateKey: "test-key", port: 22 }, settings: opts.settings });
  const cluster = engine.createCluster();
  const nodes = Array.from({ length: opts.nodes ?? 3 }, (_, i) =>
    engine.ledger.insertNode({ id: newId(), clusterId: cluster.id, manageHost: `mgmt${i + 1}`, storageHost: `10.0.0.${i + 1}`, zone: i + 1, tags: {}, ssh: {}, state: "online" }),
  );
  for (const n of nodes) {
    for (let d = 0; d < (opts.devices ?? 2); d++) {
      const kib = (opts.deviceGiB ?? 100) * GiB;
      engine.ledger.insertDevice({ id: newId(), nodeId: n.id, path: `/dev/vd${"bcd"[d]}`, state: "online", totalKiB: kib, freeKiB: kib, usedKiB: 0, extentKiB: 4096, pvUuid: null, tags: {} });
    }
  }
  return { engine, fake, cluster, nodes };
}

/**
 * A volume create whose process died mid-way: it hangs in `gluster volume create`, and its operation is
 * then owned by a process that is gone (what a SIGKILL leaves). `release` lets the hung call end.
 */
export async function abandonedCreate(s: ReturnType<typeof seeded>, name = "crashy") {
  let release!: () => void;
  s.fake.on(/volume create/, () => new Promise((r) => (release = () => r({ code: 1, stderr: "killed" }))));
  const pending = s.engine.createVolume({ name, sizeGiB: 1 }).catch(() => undefined);
  while (!release) await new Promise((r) => setTimeout(r, 5));
  const [op] = s.engine.ledger.listOperations(["running"]);
  s.engine.ledger.db.prepare("UPDATE operations SET owner_boot = '999999999:0' WHERE id = ?").run(op.id);
  return { op, done: async () => (release(), await pending) };
}
