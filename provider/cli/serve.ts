/**
 * `pulumi-glusterfs serve`: the Heketi-compatible REST server over the engine and its ledger.
 * Configuration: a heketi.json-style file (--config), HEKETI_* environment variables, then flags.
 */
import { parseArgs } from "node:util";
import { Engine } from "../engine";
import type { Executor } from "../exec/executor";
import { exportDump } from "../heketi/dump";
import { loadServe, ServeConfig } from "../rest/config";
import { engineSettingsFor } from "../rest/engine-settings";
import { createRestServer } from "../rest/server";
import { readTlsFiles } from "../rest/tls";
import { ENGINE_FLAGS } from "./engine-flags";

export const SERVE_USAGE = `  serve [--config heketi.json] [--host ADDR] [--port N] [--ledger FILE]
        [--admin-key K --user-key K | --disable-auth] [--user-role provisioner|heketi]
        [--executor ssh|sim] [--ssh-key FILE] [--ssh-user U] [--ssh-port N] [--ssh-sudo]
        [--known-hosts FILE] [--max-inflight N] [--tls-cert FILE --tls-key FILE]
                          the Heketi-compatible REST API (heketi-cli, Kubernetes) on the engine
`;

/**
 * The executor: SSH, or (`sim`) simulated nodes that learn their storage address when added. The
 * simulator is a developer tool (devtools/sim), loaded only when asked for.
 */
export function executorFor(c: ServeConfig): { executor?: Executor; beforeNodeAdd?: (manage: string, storage: string) => void } {
  if (c.executor === "ssh") return {}; // the engine's default SshExecutor
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SimExecutor } = require("../../devtools/sim/sim-executor") as typeof import("../../devtools/sim/sim-executor");
  const sim = new SimExecutor({ deviceSizeGiB: c.mockDeviceSizeGiB, rootDisk: null });
  return { executor: sim, beforeNodeAdd: (manage, storage) => sim.hosts().includes(manage) || sim.addHost(manage, { storageHost: storage }) };
}

export function engineFromServeConfig(c: ServeConfig, executor: Executor | undefined, log: (m: string) => void): Engine {
  return new Engine({
    ledgerPath: c.ledgerPath,
    executor,
    ssh: {
      user: c.ssh.user,
      port: c.ssh.port,
      sudo: c.ssh.sudo,
      privateKeyPath: c.ssh.keyFile,
      knownHostsPath: c.ssh.knownHostsPath,
      privateKey: c.executor === "sim" ? "simulated-nodes" : undefined,
    },
    settings: engineSettingsFor(c),
    log,
  });
}

export async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...ENGINE_FLAGS,
      host: { type: "string" },
      port: { type: "string" },
      "disable-auth": { type: "boolean" },
      "admin-key": { type: "string" },
      "user-key": { type: "string" },
      "user-role": { type: "string" },
      "max-inflight": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
    },
    strict: true,
  });
  const { config, warnings } = loadServe({
    config: values.config, host: values.host, port: values.port, ledger: values.ledger, disableAuth: values["disable-auth"],
    adminKey: values["admin-key"], userKey: values["user-key"], userRole: values["user-role"], executor: values.executor,
    sshKey: values["ssh-key"], sshUser: values["ssh-user"], sshPort: values["ssh-port"], sshSudo: values["ssh-sudo"],
    knownHosts: values["known-hosts"], maxInflight: values["max-inflight"], tlsCert: values["tls-cert"], tlsKey: values["tls-key"],
  });
  const tls = config.tls && readTlsFiles(config.tls);
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  for (const w of warnings) log(w);
  if (config.disableAuth) log("WARNING: started with --disable-auth: every request is admin");
  const { executor, beforeNodeAdd } = executorFor(config);
  const engine = engineFromServeConfig(config, executor, log);
  for (const r of await engine.recover()) log(`recovered operation ${r.id} (${r.type}): ${r.action}${r.error ? `: ${r.error}` : ""}`);
  const server = createRestServer({ engine, config, log, dump: () => exportDump(engine.ledger), beforeNodeAdd, tls });
  const addr = await server.listen();
  log(`serving the Heketi API on ${server.url()} (ledger ${config.ledgerPath}, executor ${config.executor}, auth ${config.disableAuth ? "off" : `on, user role: ${config.userRole}`})`);
  void addr;
  process.on("SIGUSR2", () => {
    server.setAdminState("normal");
    log("admin state reset to normal (SIGUSR2)");
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  await engine.close();
  return 0;
}
