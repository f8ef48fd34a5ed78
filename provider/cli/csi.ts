/**
 * `pulumi-glusterfs csi`: the CSI driver (provider/csi) on a unix socket. The controller provisions
 * through its own engine (the engine flags, as `serve` reads them) or, per StorageClass, through a
 * Heketi-compatible server (resturl); the node service mounts with mount(8). Logs go to stderr.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { EngineBackend } from "../csi/engine-backend";
import { CommandMounter, type Mounter } from "../csi/mounter";
import { DRIVER_NAME } from "../csi/identity";
import { startDriver } from "../csi/server";
import { loadTopology } from "../heketi/topology-json";
import { validate } from "../model/schemas";
import { loadServeConfig } from "../rest/config";
import { ENGINE_FLAGS, ENGINE_FLAGS_USAGE } from "./engine-flags";
import { engineFromServeConfig, executorFor } from "./serve";

export const CSI_USAGE = `  csi --endpoint unix:///path/csi.sock [--mode controller|node|all] [--node-id ID]
        [${ENGINE_FLAGS_USAGE}] [--sim-topology topology.json] [--mounter mount|fake-for-tests]
                          the CSI driver ${DRIVER_NAME}: Identity, Controller (engine from --ledger,
                          or the StorageClass's resturl), Node (mount -t glusterfs)
`;

const Flags = z.object({
  endpoint: z.string({ error: "--endpoint is required (unix:///path/csi.sock)" }).min(1),
  mode: z.enum(["controller", "node", "all"], "--mode must be controller, node or all").default("all"),
  "node-id": z.string().min(1).max(128, "--node-id must be at most 128 bytes (the CSI limit)").optional(),
  // fake-for-tests: a test double that records mounts and mounts nothing (csi-sanity on a host without gluster)
  mounter: z.enum(["mount", "fake-for-tests"], "--mounter must be mount or fake-for-tests").default("mount"),
  "sim-topology": z.string().optional(),
});

const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);

/** The test double lives with the developer tools; loaded only when asked for (as the simulator is). */
function mounterFor(kind: "mount" | "fake-for-tests"): Mounter {
  if (kind === "mount") return new CommandMounter();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { FakeMounter } = require("../../devtools/csi/fake-mounter") as typeof import("../../devtools/csi/fake-mounter");
  log("WARNING: --mounter fake-for-tests: NodePublishVolume records mounts and mounts nothing (a test double for csi-sanity)");
  return new FakeMounter();
}

export async function csiCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...ENGINE_FLAGS, endpoint: { type: "string" }, mode: { type: "string" }, "node-id": { type: "string" }, mounter: { type: "string" }, "sim-topology": { type: "string" } },
    strict: true,
  });
  const f = validate(Flags, values, "invalid csi flags");
  const controller = f.mode !== "node";
  const nodeId = f["node-id"] ?? os.hostname();

  let engine: EngineBackend | undefined;
  if (controller && (values.ledger || values.config || process.env.HEKETI_DB_PATH)) {
    const config = loadServeConfig({
      config: values.config, ledger: values.ledger, executor: values.executor, disableAuth: true,
      sshKey: values["ssh-key"], sshUser: values["ssh-user"], sshPort: values["ssh-port"], sshSudo: values["ssh-sudo"], knownHosts: values["known-hosts"],
    });
    const { executor, beforeNodeAdd } = executorFor(config);
    const e = engineFromServeConfig(config, executor, log);
    for (const r of await e.recover()) log(`recovered operation ${r.id} (${r.type}): ${r.action}${r.error ? `: ${r.error}` : ""}`);
    if (f["sim-topology"]) {
      if (config.executor !== "sim") throw new Error("--sim-topology is for --executor sim (simulated nodes start empty); load real nodes with `pulumi-glusterfs topology load`");
      const topo = JSON.parse(fs.readFileSync(f["sim-topology"], "utf8")) as { clusters?: Array<{ nodes?: Array<{ node?: { hostnames?: { manage?: string[]; storage?: string[] } } }> }> };
      for (const c of topo.clusters ?? []) for (const n of c.nodes ?? []) beforeNodeAdd?.(n.node?.hostnames?.manage?.[0] ?? "", n.node?.hostnames?.storage?.[0] ?? "");
      const r = await loadTopology(e, topo);
      if (r.errors.length) throw new Error(`--sim-topology: ${r.errors.join("; ")}`);
      log(`simulated nodes loaded from ${f["sim-topology"]}: ${e.ledger.listNodes().length} nodes, ${e.ledger.listDevices().length} devices`);
    }
    engine = new EngineBackend(e);
  } else if (f["sim-topology"]) {
    throw new Error("--sim-topology needs the controller's engine: give --ledger and --executor sim");
  }

  const driver = await startDriver({
    endpoint: f.endpoint, mode: f.mode, nodeId, engine,
    mounter: f.mode !== "controller" ? mounterFor(f.mounter) : undefined,
    log,
  });
  log(`${DRIVER_NAME} listening on unix://${driver.socketPath} (mode ${f.mode}, node ${nodeId}, ${engine ? "engine backend on its ledger" : "no engine: StorageClasses need resturl"})`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await driver.close();
  await engine?.close();
  return 0;
}
