#!/usr/bin/env node
/**
 * The developers' command line: the local QEMU lab the tests, benchmarks and quickstart run on.
 * Not part of the product (`pulumi-glusterfs`, provider/cli/main.ts); run it as `node dist/devtools/cli.js`.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { readLabDescription } from "./lab/description";
import { controlPlaneDown, controlPlaneStatus, controlPlaneUp } from "./lab/kubernetes";
import { labDown, labStatus, labUp } from "./lab/lab";
import { mountCheck } from "./lab/mount-check";
import { labOptions, type LabOptionsInput } from "./lab/settings";
import { runCommandLine } from "../provider/cli/run";

const USAGE = `usage: node dist/devtools/cli.js lab <command>

  lab up [--nodes N] [--disks D] [--disk-size GiB] [--ssh-port P] [--kubernetes]
                          start the local QEMU lab (default 3 nodes, 2 data disks each); with --kubernetes
                          also a control plane on 127.0.0.1 (etcd, kube-apiserver, kube-controller-manager)
                          and its admin kubeconfig in <lab>/kubeconfig
  lab down                stop the lab's VMs and control plane, remove their disks and data
  lab status              per node and control-plane component: ready / running / crashed
  lab ssh <node> [cmd]    open a shell (or run cmd) on a lab node, host key pinned
  lab mount-check <volume>
                          FUSE-mount a gluster volume on the first lab node, write a file, mount it on the
                          second and read the file back there (the nodes stand in for clients)
`;

async function lab(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      nodes: { type: "string" },
      disks: { type: "string" },
      "disk-size": { type: "string" },
      "ssh-port": { type: "string" },
      kubernetes: { type: "boolean" },
    },
    strict: true,
  });
  const opts: LabOptionsInput = {};
  if (values.nodes) opts.nodes = intArg("--nodes", values.nodes);
  if (values.disks) opts.disks = intArg("--disks", values.disks);
  if (values["disk-size"]) opts.diskSizeGiB = intArg("--disk-size", values["disk-size"]);
  if (values["ssh-port"]) opts.sshPort = intArg("--ssh-port", values["ssh-port"]);
  const [sub, ...rest] = positionals;
  switch (sub) {
    case "up": {
      const d = await labUp(opts);
      for (const n of d.nodes) {
        console.log(`${n.name}  ssh ${n.sshUser}@${n.managementAddress}:${n.sshPort}  storage ${n.storageAddress}  zone ${n.zone}  devices ${n.devices.join(",")}  ${n.hostKeyFingerprint}`);
      }
      console.log(`lab description: ${d.labDir}/lab.json`);
      if (values.kubernetes) await controlPlaneUp(d.labDir);
      return 0;
    }
    case "down":
      await controlPlaneDown(labOptions(opts).labDir);
      await labDown(opts);
      return 0;
    case "status": {
      const st = [...(await labStatus(opts)), ...controlPlaneStatus(labOptions(opts).labDir)];
      if (!st.length) console.log("no lab is running");
      for (const s of st) console.log(`${s.name}  ${s.state}  ${s.detail}`);
      // non-zero unless a lab is running and all of it is ready: `lab status || lab up` does what it says
      return st.length > 0 && st.every((s) => s.state === "ready") ? 0 : 1;
    }
    case "ssh": {
      const [name, ...cmd] = rest;
      const d = readLabDescription();
      const n = d.nodes.find((x) => x.name === name || x.managementAddress === name || String(d.nodes.indexOf(x) + 1) === name);
      if (!n) throw new Error(`no lab node '${name ?? ""}'; nodes: ${d.nodes.map((x) => x.name).join(", ")}`);
      const r = spawnSync(
        "ssh",
        ["-i", n.privateKeyPath, "-o", `UserKnownHostsFile=${d.knownHostsPath}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
          "-p", String(n.sshPort), `${n.sshUser}@${n.managementAddress}`, ...cmd],
        { stdio: "inherit" },
      );
      return r.status ?? 1;
    }
    case "mount-check": {
      const [volume] = rest;
      if (!volume) throw new Error("lab mount-check needs the volume's name, e.g. `lab mount-check data`");
      const d = readLabDescription();
      const [first, ...others] = d.nodes;
      const r = await mountCheck(d, { volume, server: first.storageAddress, backup: others.map((n) => n.storageAddress) });
      console.log(`volume ${volume}: mounted through FUSE on ${r.writer} and ${r.reader}; a file written on ${r.writer} was read back on ${r.reader} (${(r.ms / 1000).toFixed(1)}s)`);
      return 0;
    }
    default:
      process.stderr.write(USAGE);
      return 2;
  }
}

function intArg(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`${flag} must be a whole number, got '${v}'`);
  return Number(v);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "lab" && !rest.includes("--help") && !rest.includes("-h")) return lab(rest);
  if (cmd === "lab" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(USAGE);
  return cmd ? 2 : 0;
}

runCommandLine(main);
