/**
 * The engine part of serve's configuration, for commands that work on a ledger and its nodes without
 * serving HTTP (`topology load`, `recover`): ledger, executor and SSH defaults; no keys, no port.
 */
import type { Engine } from "../engine";
import { loadServeConfig } from "../rest/config";
import { engineFromServeConfig, executorFor } from "./serve";

export const ENGINE_FLAGS_USAGE = "--ledger L [--config heketi.json] [--ssh-key K --ssh-user U --ssh-port N --ssh-sudo --known-hosts F] [--executor ssh|sim]";

/** parseArgs options for ENGINE_FLAGS_USAGE */
export const ENGINE_FLAGS = {
  ledger: { type: "string" },
  config: { type: "string" },
  executor: { type: "string" },
  "ssh-key": { type: "string" },
  "ssh-user": { type: "string" },
  "ssh-port": { type: "string" },
  "ssh-sudo": { type: "boolean" },
  "known-hosts": { type: "string" },
} as const;

export interface EngineFlagValues {
  ledger?: string;
  config?: string;
  executor?: string;
  "ssh-key"?: string;
  "ssh-user"?: string;
  "ssh-port"?: string;
  "ssh-sudo"?: boolean;
  "known-hosts"?: string;
}

/** An engine on the flags' ledger (heketi.json, HEKETI_* variables, then flags, as `serve` reads them); logs to stderr. */
export function engineFromFlags(values: EngineFlagValues): Engine {
  const config = loadServeConfig({
    config: values.config, ledger: values.ledger, executor: values.executor, disableAuth: true,
    sshKey: values["ssh-key"], sshUser: values["ssh-user"], sshPort: values["ssh-port"], sshSudo: values["ssh-sudo"], knownHosts: values["known-hosts"],
  });
  const { executor } = executorFor(config);
  return engineFromServeConfig(config, executor, (m) => process.stderr.write(`${m}\n`));
}
