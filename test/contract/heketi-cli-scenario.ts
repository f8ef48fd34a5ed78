// Drives the unmodified heketi-cli (v10.3.0) through a full life cycle against any Heketi-compatible
// server. Every command must succeed (exit 0); the first failure throws a ScenarioError that carries the
// commands run so far. Nothing here talks HTTP itself: what the server must answer is whatever heketi-cli
// needs (see /work/shared/reference/heketi.md §7.5).
//
// Sequence (N = topo.nodes.length, at least 3 for a replica-3 volume):
//   cluster create → cluster info → cluster list → node add ×N → device add for each device
//   → node info ×N (device ids) → node list → device info → topology info (--json and text) → volume create (replica 3, --gid, --gluster-volume-options)
//   → volume list (--json and text) → volume info → volume expand (+1 GiB)
//   → [option removeDeviceWithBricks: device disable/remove/delete of a device holding a brick, bricks moved]
//   → volume delete → device disable/remove/delete of one device (now brick-less)
//   → [option removeNode (default on): node disable/remove → device delete ×its devices → node delete]
//   → cleanup: device disable/remove/delete for every remaining device, node delete ×remaining, cluster delete
//   → cluster list (the cluster is gone).
//
// Device removal: by default it runs after the volume is deleted, so the device holds no bricks. Heketi's
// mock executor cannot move bricks (its `gluster volume info` returns fixed fake bricks, so evicting a
// brick fails with "Id not found"); `removeDeviceWithBricks: true` exercises the real brick move
// (replace-brick) and needs a server with a real executor and a second device on the node.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface CliTopology {
  nodes: Array<{ manage: string; storage: string; zone: number; devices: string[] }>;
}

export interface CliScenarioOptions {
  /** heketi-cli binary (default $PGFS_HEKETI_ROOT/bin/heketi-cli, else `heketi-cli` on PATH). */
  cli?: string;
  /** Per-command timeout (default 15 min). */
  commandTimeoutMs?: number;
  /** Volume size in GiB (default 1; the expand adds 1). */
  volumeSizeGiB?: number;
  /** Move bricks off a device while the volume exists (see the header). Default false. */
  removeDeviceWithBricks?: boolean;
  /** Disable/remove/delete the last node on its own before the clean-up. Default true. */
  removeNode?: boolean;
}

export interface CliCommandRecord {
  step: string;
  /** Arguments after the global flags (the secret is never recorded). */
  args: string[];
  durationMs: number;
  stdout: string;
  /** Ids and values read from the output. */
  parsed?: Record<string, unknown>;
}

export interface CliScenarioResult {
  clusterId: string;
  nodeIds: string[];
  /** Per node (same order as topo.nodes): the device ids in the order of topo.nodes[i].devices. */
  deviceIds: string[][];
  volumeId: string;
  volumeName: string;
  /** The device removed while holding bricks (removeDeviceWithBricks), the brick-less one, the removed node. */
  removedDeviceWithBricks?: string;
  removedDevice: string;
  removedNode?: string;
  commands: CliCommandRecord[];
  totalMs: number;
}

export class ScenarioError extends Error {
  constructor(message: string, readonly commands: CliCommandRecord[]) {
    super(message);
  }
}

function defaultCli(): string {
  const p = path.join(process.env.PGFS_HEKETI_ROOT ?? "", "bin", "heketi-cli");
  return process.env.PGFS_HEKETI_ROOT && fs.existsSync(p) ? p : "heketi-cli";
}

const ID = /^[0-9a-f]{32}$/;

export async function heketiCliScenario(
  target: { url: string; adminKey: string },
  topo: CliTopology,
  log?: (line: string) => void,
  options: CliScenarioOptions = {},
): Promise<CliScenarioResult> {
  if (topo.nodes.length < 3) throw new Error("the scenario creates a replica-3 volume: it needs at least 3 nodes");
  if (topo.nodes.some((n) => n.devices.length < 1)) throw new Error("every node needs at least one device");
  const cli = options.cli ?? defaultCli();
  const timeout = options.commandTimeoutMs ?? 15 * 60_000;
  const size = options.volumeSizeGiB ?? 1;
  const commands: CliCommandRecord[] = [];
  const started = Date.now();

  const fail = (message: string): never => {
    throw new ScenarioError(message, commands);
  };
  const run = (step: string, args: string[], parse?: (stdout: string) => Record<string, unknown>): Promise<CliCommandRecord> =>
    new Promise((resolve, reject) => {
      const t0 = Date.now();
      const argv = ["--server", target.url, "--user", "admin", "--secret", target.adminKey, ...args];
      execFile(cli, argv, { timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HEKETI_CLI_KEY: "" } }, (err, stdout, stderr) => {
        const rec: CliCommandRecord = { step, args, durationMs: Date.now() - t0, stdout: stdout.trim() };
        commands.push(rec);
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: unknown }).code;
          log?.(`FAIL ${step}: heketi-cli ${args.join(" ")} (exit ${code}, ${rec.durationMs} ms)`);
          reject(
            new ScenarioError(
              `${step}: \`heketi-cli ${args.join(" ")}\` failed (exit ${code}${err.killed ? ", killed after timeout" : ""}): ${(stderr || stdout || err.message).trim()}`,
              commands,
            ),
          );
          return;
        }
        try {
          if (parse) rec.parsed = parse(rec.stdout);
        } catch (e) {
          log?.(`FAIL ${step}: unexpected output`);
          reject(new ScenarioError(`${step}: \`heketi-cli ${args.join(" ")}\` printed unexpected output (${(e as Error).message}):\n${rec.stdout}`, commands));
          return;
        }
        log?.(`ok   ${step} (${rec.durationMs} ms)`);
        resolve(rec);
      });
    });
  const json = (stdout: string): any => {
    try {
      return JSON.parse(stdout);
    } catch {
      throw new Error("not JSON");
    }
  };
  const expectText = (re: RegExp) => (stdout: string) => {
    if (!re.test(stdout)) throw new Error(`expected ${re}`);
    return {};
  };
  const idOf = (v: unknown, what: string): string => {
    if (typeof v !== "string" || !ID.test(v)) throw new Error(`no ${what} id`);
    return v;
  };

  // ---- build up ------------------------------------------------------------------------------
  const c = await run("cluster create", ["--json", "cluster", "create"], (o) => {
    const j = json(o);
    if (j.file !== true || j.block !== true) throw new Error("heketi-cli creates clusters with file=true, block=true");
    return { clusterId: idOf(j.id, "cluster") };
  });
  const clusterId = c.parsed!.clusterId as string;
  await run("cluster info", ["--json", "cluster", "info", clusterId], (o) => {
    if (json(o).id !== clusterId) throw new Error("wrong cluster");
    return {};
  });
  await run("cluster list", ["--json", "cluster", "list"], (o) => {
    if (!(json(o).clusters ?? []).includes(clusterId)) throw new Error("cluster not listed");
    return {};
  });

  const nodeIds: string[] = [];
  for (const [i, n] of topo.nodes.entries()) {
    const r = await run(
      `node add ${i + 1}`,
      [
        "--json",
        "node",
        "add",
        `--zone=${n.zone}`,
        `--cluster=${clusterId}`,
        `--management-host-name=${n.manage}`,
        `--storage-host-name=${n.storage}`,
      ],
      (o) => {
        const j = json(o);
        if (j.cluster !== clusterId || j.zone !== n.zone || j.hostnames?.manage?.[0] !== n.manage || j.hostnames?.storage?.[0] !== n.storage)
          throw new Error("node info does not match the request");
        return { nodeId: idOf(j.id, "node"), state: j.state };
      },
    );
    nodeIds.push(r.parsed!.nodeId as string);
  }
  for (const [i, n] of topo.nodes.entries())
    for (const d of n.devices)
      await run(`device add ${i + 1} ${d}`, ["device", "add", `--name=${d}`, `--node=${nodeIds[i]}`], expectText(/Device added successfully/));

  const deviceIds: string[][] = [];
  const deviceNode = new Map<string, number>();
  for (const [i, n] of topo.nodes.entries()) {
    const r = await run(`node info ${i + 1}`, ["--json", "node", "info", nodeIds[i]], (o) => {
      const j = json(o);
      const byName = new Map<string, string>((j.devices ?? []).map((d: any) => [d.name, d.id]));
      const ids = n.devices.map((name) => idOf(byName.get(name), `device ${name}`));
      if ((j.devices ?? []).some((d: any) => d.state !== "online")) throw new Error("a new device is not online");
      return { deviceIds: ids };
    });
    deviceIds.push(r.parsed!.deviceIds as string[]);
    for (const d of deviceIds[i]) deviceNode.set(d, i);
  }
  await run("node list", ["node", "list"], (o) => {
    for (const id of nodeIds) if (!new RegExp(`Id:${id}\\s+Cluster:${clusterId}`).test(o)) throw new Error(`node ${id} not listed`);
    return {};
  });
  await run("device info", ["--json", "device", "info", deviceIds[0][0]], (o) => {
    const j = json(o);
    if (j.id !== deviceIds[0][0] || j.name !== topo.nodes[0].devices[0] || j.state !== "online") throw new Error("device info does not match");
    if (!(j.storage?.total > 0) || j.storage.total !== j.storage.free + j.storage.used) throw new Error("device storage does not add up");
    return { totalKiB: j.storage.total };
  });
  await run("topology info --json", ["--json", "topology", "info"], (o) => {
    const j = json(o);
    const cl = (j.clusters ?? []).find((x: any) => x.id === clusterId);
    if (!cl) throw new Error("cluster missing from the topology");
    const devs = (cl.nodes ?? []).reduce((s: number, x: any) => s + (x.devices?.length ?? 0), 0);
    if (cl.nodes?.length !== topo.nodes.length || devs !== topo.nodes.reduce((s, x) => s + x.devices.length, 0))
      throw new Error("topology does not list every node and device");
    return { nodes: cl.nodes.length, devices: devs };
  });
  await run("topology info", ["topology", "info"], expectText(new RegExp(`Cluster Id: ${clusterId}`)));

  // ---- volume --------------------------------------------------------------------------------
  const volOptions = ["performance.rda-cache-limit 10MB", "performance.nl-cache-positive-entry no"];
  const checkVolume = (j: any, want: { size: number; bricks: number }) => {
    if (j.size !== want.size) throw new Error(`size ${j.size}, expected ${want.size}`);
    if (j.durability?.type !== "replicate" || j.durability?.replicate?.replica !== 3) throw new Error("not replica 3");
    if (j.gid !== 2345) throw new Error(`gid ${j.gid}`);
    for (const opt of volOptions) if (!(j.glustervolumeoptions ?? []).includes(opt)) throw new Error(`option "${opt}" missing`);
    if (j.cluster !== clusterId) throw new Error("wrong cluster");
    if ((j.bricks ?? []).length !== want.bricks) throw new Error(`${j.bricks?.length} bricks, expected ${want.bricks}`);
    if (!j.mount?.glusterfs?.device?.endsWith(`:${j.name}`)) throw new Error("mount device is not <host>:<name>");
  };
  const v = await run(
    "volume create",
    [
      "--json",
      "volume",
      "create",
      `--size=${size}`,
      "--replica=3",
      "--gid=2345",
      `--gluster-volume-options=${volOptions.join(",")}`,
      `--clusters=${clusterId}`,
    ],
    (o) => {
      const j = json(o);
      checkVolume(j, { size, bricks: 3 });
      return { volumeId: idOf(j.id, "volume"), name: j.name };
    },
  );
  const volumeId = v.parsed!.volumeId as string;
  const volumeName = v.parsed!.name as string;
  await run("volume list --json", ["--json", "volume", "list"], (o) => {
    if (!(json(o).volumes ?? []).includes(volumeId)) throw new Error("volume not listed");
    return {};
  });
  await run("volume list", ["volume", "list"], expectText(new RegExp(`Id:${volumeId}\\s+Cluster:${clusterId}\\s+Name:${volumeName}`)));
  await run("volume info", ["--json", "volume", "info", volumeId], (o) => {
    checkVolume(json(o), { size, bricks: 3 });
    return {};
  });
  await run("volume info (text)", ["volume", "info", volumeId], expectText(new RegExp(`Volume Id: ${volumeId}`)));
  const ex = await run("volume expand", ["--json", "volume", "expand", `--volume=${volumeId}`, "--expand-size=1"], (o) => {
    const j = json(o);
    if (j.id !== volumeId) throw new Error("expand answered with another volume");
    checkVolume(j, { size: size + 1, bricks: 6 });
    return { bricks: j.bricks.length, size: j.size };
  });
  void ex;

  const removeDevice = async (label: string, id: string) => {
    await run(`${label}: device disable`, ["device", "disable", id], expectText(new RegExp(`Device ${id} is now offline`)));
    await run(`${label}: device remove`, ["device", "remove", id], expectText(new RegExp(`Device ${id} is now removed`)));
    await run(`${label}: device delete`, ["device", "delete", id], expectText(new RegExp(`Device ${id} deleted`)));
  };
  const nodeDevices = async (label: string, i: number): Promise<string[]> => {
    const r = await run(label, ["--json", "node", "info", nodeIds[i]], (o) => ({ deviceIds: (json(o).devices ?? []).map((d: any) => d.id) }));
    return r.parsed!.deviceIds as string[];
  };
  const gone = new Set<string>();

  let removedDeviceWithBricks: string | undefined;
  if (options.removeDeviceWithBricks) {
    const info = await run("volume info (bricks)", ["--json", "volume", "info", volumeId], (o) => ({ bricks: json(o).bricks }));
    const bricks = info.parsed!.bricks as Array<{ device: string; node: string }>;
    const candidate = bricks.map((b) => b.device).find((d) => deviceIds[deviceNode.get(d) ?? -1]?.length > 1);
    if (!candidate) fail("removeDeviceWithBricks: no brick sits on a node with a second device");
    removedDeviceWithBricks = candidate!;
    await removeDevice("device with bricks", removedDeviceWithBricks);
    gone.add(removedDeviceWithBricks);
    await run("volume info after the brick move", ["--json", "volume", "info", volumeId], (o) => {
      const j = json(o);
      checkVolume(j, { size: size + 1, bricks: 6 });
      if (j.bricks.some((b: any) => b.device === removedDeviceWithBricks)) throw new Error("a brick is still on the removed device");
      return {};
    });
  }

  await run("volume delete", ["volume", "delete", volumeId], expectText(new RegExp(`Volume ${volumeId} deleted`)));
  await run("volume list after delete", ["--json", "volume", "list"], (o) => {
    if ((json(o).volumes ?? []).includes(volumeId)) throw new Error("volume still listed");
    return {};
  });

  // ---- one brick-less device, then (optionally) one node -------------------------------------
  const removedDevice = deviceIds.flat().find((d) => !gone.has(d))!;
  await removeDevice("one device", removedDevice);
  gone.add(removedDevice);
  await nodeDevices("node info after the device delete", deviceNode.get(removedDevice)!).then((ids) => {
    if (ids.includes(removedDevice)) fail("the deleted device is still listed on its node");
  });

  let removedNode: string | undefined;
  const nodeGone = new Set<number>();
  if (options.removeNode ?? true) {
    const i = topo.nodes.length - 1;
    removedNode = nodeIds[i];
    await run("node disable", ["node", "disable", removedNode], expectText(new RegExp(`Node ${removedNode} is now offline`)));
    await run("node remove", ["node", "remove", removedNode], expectText(new RegExp(`Node ${removedNode} is now removed`)));
    await run("node info after remove", ["--json", "node", "info", removedNode], (o) => {
      const j = json(o);
      if (j.state !== "failed") throw new Error(`node state ${j.state}, expected failed`);
      if ((j.devices ?? []).some((d: any) => d.state !== "failed")) throw new Error("node remove left a device that is not failed");
      return {};
    });
    for (const d of await nodeDevices("node info (devices of the removed node)", i)) {
      await run(`removed node: device delete ${d}`, ["device", "delete", d], expectText(new RegExp(`Device ${d} deleted`)));
      gone.add(d);
    }
    await run("node delete (removed node)", ["node", "delete", removedNode], expectText(new RegExp(`Node ${removedNode} deleted`)));
    nodeGone.add(i);
  }

  // ---- clean-up --------------------------------------------------------------------------------
  for (const [i, devs] of deviceIds.entries()) {
    if (nodeGone.has(i)) continue;
    for (const d of devs) if (!gone.has(d)) await removeDevice(`cleanup node ${i + 1}`, d);
  }
  for (const [i, n] of nodeIds.entries())
    if (!nodeGone.has(i)) await run(`cleanup: node delete ${i + 1}`, ["node", "delete", n], expectText(new RegExp(`Node ${n} deleted`)));
  await run("cleanup: cluster delete", ["cluster", "delete", clusterId], expectText(new RegExp(`Cluster ${clusterId} deleted`)));
  await run("cluster list at the end", ["--json", "cluster", "list"], (o) => {
    if ((json(o).clusters ?? []).includes(clusterId)) throw new Error("cluster still listed");
    return {};
  });

  return {
    clusterId,
    nodeIds,
    deviceIds,
    volumeId,
    volumeName,
    removedDeviceWithBricks,
    removedDevice,
    removedNode,
    commands,
    totalMs: Date.now() - started,
  };
}

// CLI (after `npx tsc -p tsconfig.json`):
//   node dist/test/contract/heketi-cli-scenario.js --url http://127.0.0.1:8080 --admin-key K --topology topo.json \
//        [--remove-device-with-bricks] [--keep-node]
// topo.json = {"nodes":[{"manage","storage","zone","devices":[...]}, ...]}; prints progress, then the result as JSON.
if (require.main === module) {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const url = arg("url");
  const topoFile = arg("topology");
  if (!url || !topoFile) {
    console.error("usage: heketi-cli-scenario --url URL --admin-key KEY --topology FILE [--remove-device-with-bricks] [--keep-node]");
    process.exit(2);
  }
  heketiCliScenario(
    { url, adminKey: arg("admin-key") ?? process.env.HEKETI_ADMIN_KEY ?? "" },
    JSON.parse(fs.readFileSync(topoFile, "utf8")) as CliTopology,
    (l) => console.error(l),
    { removeDeviceWithBricks: argv.includes("--remove-device-with-bricks"), removeNode: !argv.includes("--keep-node") },
  ).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
