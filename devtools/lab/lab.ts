import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { descriptionPath, knownHostsLines, LabDescription, LabDescriptionSchema, LabNode } from "./description";
import { ensureImage, Image, preflight, withLock } from "./image";
import { ensureKeyPair, KeyPair } from "./keys";
import { NodeShell } from "./node-shell";
import { processMatches, run, sleep } from "./proc";
import { hostsLine, qemuArgs, VmFiles } from "./qemu-args";
import { Qmp } from "./qmp";
import { LabOptions, labOptions, LabOptionsInput, NodePlan, planNodes } from "./settings";

type Log = (s: string) => void;
const QEMU = "qemu-system-x86_64";

interface Keys {
  client: KeyPair;
  hosts: KeyPair[];
}

interface Snapshot {
  key: string;
  dir: string;
}

/** Bring the lab up: build the image and the snapshot if needed, restore the VMs, wait until glusterd answers. */
export async function labUp(input: LabOptionsInput = {}, log: Log = console.log): Promise<LabDescription> {
  const o = labOptions(input);
  const t0 = Date.now();
  const current = await healthyLab(o);
  if (current) {
    log(`lab already running (${current.nodes.map((n) => n.name).join(", ")})`);
    return current;
  }
  await labDown(o, () => undefined); // remains of a crashed or different lab
  await preflight(log);
  const image = await ensureImage(o, log);
  const nodes = planNodes(o);
  const keys = await ensureKeys(o, nodes);
  const snap = await ensureSnapshot(o, image, nodes, keys, log);
  const tRestore = Date.now();
  fs.mkdirSync(o.labDir, { recursive: true });
  const desc = await withLock(path.join(o.labDir, "up.lock"), log, () => restore(o, image, snap, nodes, keys, log));
  log(`lab up: ${nodes.length} nodes ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (restore ${((Date.now() - tRestore) / 1000).toFixed(1)}s)`);
  return desc;
}

/** Stop the VMs this lab started (by recorded PID, checked against its command line) and remove their disks. */
export async function labDown(input: LabOptionsInput = {}, log: Log = console.log): Promise<void> {
  const o = labOptions(input);
  const vmsDir = path.join(o.labDir, "vms");
  if (fs.existsSync(vmsDir)) {
    await Promise.all(fs.readdirSync(vmsDir).map((name) => stopVm(path.join(vmsDir, name), name, log)));
    fs.rmSync(vmsDir, { recursive: true, force: true });
  }
  fs.rmSync(descriptionPath(o.labDir), { force: true });
  fs.rmSync(path.join(o.labDir, "known_hosts"), { force: true });
}

export interface NodeStatus {
  name: string;
  state: "ready" | "running" | "crashed" | "stopped";
  detail: string;
}

/** Per node: is its VM alive, and does glusterd answer over SSH? A dead VM of a started lab is "crashed". */
export async function labStatus(input: LabOptionsInput = {}): Promise<NodeStatus[]> {
  const o = labOptions(input);
  let desc: LabDescription;
  try {
    desc = LabDescriptionSchema.parse(JSON.parse(fs.readFileSync(descriptionPath(o.labDir), "utf8")));
  } catch {
    return [];
  }
  return Promise.all(
    desc.nodes.map(async (n): Promise<NodeStatus> => {
      const vmDir = path.join(o.labDir, "vms", n.name);
      if (!processMatches(n.pid, vmMarkers(n.name, vmDir))) {
        return { name: n.name, state: "crashed", detail: `QEMU pid ${n.pid} is gone (serial log: ${path.join(vmDir, "console.log")})` };
      }
      try {
        const sh = await NodeShell.connect(shellTarget(n), 5000);
        try {
          await sh.check("gluster --mode=script pool list", 15_000);
          return { name: n.name, state: "ready", detail: `pid ${n.pid}, ssh ${n.managementAddress}:${n.sshPort}, glusterd answers` };
        } finally {
          sh.close();
        }
      } catch (err) {
        return { name: n.name, state: "running", detail: `pid ${n.pid}, but: ${(err as Error).message}` };
      }
    }),
  );
}

export function shellTarget(n: LabNode) {
  return { host: n.managementAddress, port: n.sshPort, user: n.sshUser, privateKeyPath: n.privateKeyPath, hostKeyFingerprint: n.hostKeyFingerprint };
}

async function healthyLab(o: LabOptions): Promise<LabDescription | undefined> {
  const file = descriptionPath(o.labDir);
  if (!fs.existsSync(file)) return undefined;
  let desc: LabDescription;
  try {
    desc = LabDescriptionSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
  const sameShape =
    desc.nodes.length === o.nodes && desc.nodes.every((n) => n.devices.length === o.disks && n.sshPort === o.sshPort) && desc.diskSizeGiB === o.diskSizeGiB;
  if (!sameShape) return undefined;
  const st = await labStatus(o);
  return st.length === desc.nodes.length && st.every((s) => s.state === "ready") ? desc : undefined;
}

async function ensureKeys(o: LabOptions, nodes: NodePlan[]): Promise<Keys> {
  const dir = path.join(o.cacheDir, "keys");
  const client = await ensureKeyPair(path.join(dir, "id_ed25519"), "pulumi-glusterfs-lab");
  // every node has its own host key, so that host-key pinning tests mean something
  const hosts = await Promise.all(nodes.map((n) => ensureKeyPair(path.join(dir, `host-${n.name}`), n.name)));
  return { client, hosts };
}

function snapshotKey(o: LabOptions, image: Image, nodes: NodePlan[], keys: Keys, qemuVersion: string): string {
  const h = createHash("sha256");
  h.update(image.key).update(qemuVersion);
  // the device set and identity are part of the saved state: the argv with run paths masked is the key
  const masked: VmFiles = {
    kernel: "K",
    initrd: "I",
    root: "R",
    disks: Array.from({ length: o.disks }, (_, i) => `D${i}`),
    qmpSocket: "Q",
    serialLog: "S",
    incomingState: "X",
  };
  nodes.forEach((n, i) => h.update(JSON.stringify(qemuArgs(o, n, identity(nodes, keys, i), masked))));
  h.update(String(o.diskSizeGiB));
  return h.digest("hex").slice(0, 16);
}

function identity(nodes: NodePlan[], keys: Keys, i: number) {
  return {
    hostsLine: hostsLine(nodes),
    clientKeyBlob: keys.client.blob,
    hostKeyFileB64: fs.readFileSync(keys.hosts[i].privateKeyPath).toString("base64"),
  };
}

async function ensureSnapshot(o: LabOptions, image: Image, nodes: NodePlan[], keys: Keys, log: Log): Promise<Snapshot> {
  const qemuVersion = (await run(QEMU, ["--version"])).stdout.split("\n")[0];
  const key = snapshotKey(o, image, nodes, keys, qemuVersion);
  const snapsDir = path.join(o.cacheDir, "snapshots");
  const dir = path.join(snapsDir, key);
  if (fs.existsSync(path.join(dir, "READY"))) return { key, dir };
  fs.mkdirSync(snapsDir, { recursive: true });
  await withLock(path.join(snapsDir, "snapshot.lock"), log, async () => {
    if (fs.existsSync(path.join(dir, "READY"))) return;
    const t0 = Date.now();
    log(`creating lab snapshot ${key}: cold boot of ${nodes.length} VMs, then save (about a minute)`);
    const tmp = `${dir}.tmp`;
    const runDir = path.join(tmp, "boot");
    if (fs.existsSync(runDir)) {
      // VMs of an interrupted earlier attempt: stop them before their files go
      for (const name of fs.readdirSync(runDir)) await stopVm(path.join(runDir, name), name, log);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const vms = await Promise.all(nodes.map((n, i) => startVm(o, image, n, identity(nodes, keys, i), runDir, undefined)));
    try {
      await waitReady(o, nodes, keys, vms, log, false);
      for (const vm of vms) {
        const qmp = await Qmp.connect(vm.files.qmpSocket);
        await qmp.saveState(path.join(tmp, `${vm.node.name}.state`));
        await qmp.quit();
      }
      for (const vm of vms) {
        await waitExit(vm.pid, vmMarkers(vm.node.name, vm.dir), 20_000);
        const golden = path.join(tmp, `${vm.node.name}-root.qcow2`);
        fs.renameSync(vm.files.root, golden);
        fs.chmodSync(golden, 0o444);
      }
    } catch (err) {
      for (const vm of vms) await stopVm(vm.dir, vm.node.name, () => undefined);
      throw err;
    }
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.writeFileSync(path.join(tmp, "READY"), new Date().toISOString() + "\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    log(`snapshot ${key} saved in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  });
  return { key, dir };
}

interface StartedVm {
  node: NodePlan;
  dir: string;
  pid: number;
  files: VmFiles;
}

function vmMarkers(name: string, vmDir: string): string[] {
  return [QEMU, `-name ${name} `, vmDir];
}

async function assertPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(`${host}:${port} is already in use (${err.code}): another lab or sshd holds it; run \`lab down\` or choose --ssh-port`)),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

async function startVm(o: LabOptions, image: Image, node: NodePlan, id: ReturnType<typeof identity>, runDir: string, snap: Snapshot | undefined): Promise<StartedVm> {
  const dir = path.join(runDir, node.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await assertPortFree(node.managementAddress, o.sshPort);
  const files: VmFiles = {
    kernel: image.kernel,
    initrd: image.initrd,
    root: path.join(dir, "root.qcow2"),
    disks: node.devices.map((d) => path.join(dir, `${path.basename(d)}.img`)),
    qmpSocket: path.join(dir, "qmp.sock"),
    serialLog: path.join(dir, "console.log"),
    incomingState: snap ? path.join(snap.dir, `${node.name}.state`) : undefined,
  };
  const backing = snap ? path.join(snap.dir, `${node.name}-root.qcow2`) : image.baseImg;
  await run("qemu-img", ["create", "-q", "-f", "qcow2", "-b", backing, "-F", snap ? "qcow2" : "raw", files.root]);
  for (const d of files.disks) {
    const fd = fs.openSync(d, "w");
    fs.ftruncateSync(fd, o.diskSizeGiB * 1024 ** 3); // sparse, all zeros: an empty block device in the guest
    fs.closeSync(fd);
  }
  const out = fs.openSync(path.join(dir, "qemu.log"), "a");
  const child = spawn(QEMU, qemuArgs(o, node, id, files), { detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`${QEMU} did not start for ${node.name} (see ${path.join(dir, "qemu.log")})`);
  fs.writeFileSync(path.join(dir, "vm.pid"), String(child.pid));
  return { node, dir, pid: child.pid, files };
}

async function restore(o: LabOptions, image: Image, snap: Snapshot, nodes: NodePlan[], keys: Keys, log: Log): Promise<LabDescription> {
  const runDir = path.join(o.labDir, "vms");
  fs.mkdirSync(runDir, { recursive: true });
  const vms = await Promise.all(nodes.map((n, i) => startVm(o, image, n, identity(nodes, keys, i), runDir, snap)));
  try {
    await Promise.all(
      vms.map(async (vm) => {
        const qmp = await Qmp.connect(vm.files.qmpSocket);
        try {
          await qmp.resumeAfterRestore();
        } finally {
          qmp.close();
        }
      }),
    );
    await waitReady(o, nodes, keys, vms, log, true);
  } catch (err) {
    await labDown(o, () => undefined);
    throw err;
  }
  const desc: LabDescription = {
    version: 1,
    startedAt: new Date().toISOString(),
    imageKey: image.key,
    snapshotKey: snap.key,
    labDir: o.labDir,
    knownHostsPath: path.join(o.labDir, "known_hosts"),
    diskSizeGiB: o.diskSizeGiB,
    nodes: vms.map((vm, i) => ({
      name: vm.node.name,
      managementAddress: vm.node.managementAddress,
      sshPort: o.sshPort,
      sshUser: "root",
      sudoUser: "pgfs",
      privateKeyPath: keys.client.privateKeyPath,
      hostKeyFingerprint: keys.hosts[i].fingerprint,
      hostPublicKey: keys.hosts[i].publicKeyLine.split(/\s+/).slice(0, 2).join(" "),
      storageHostname: vm.node.storageAddress,
      storageAddress: vm.node.storageAddress,
      zone: vm.node.zone,
      devices: vm.node.devices,
      pid: vm.pid,
    })),
  };
  fs.writeFileSync(desc.knownHostsPath, knownHostsLines(desc.nodes));
  fs.writeFileSync(descriptionPath(o.labDir), JSON.stringify(desc, null, 2) + "\n");
  return desc;
}

/** Wait until every node answers SSH (pinned host key) and `gluster pool list`; after a restore, set the clock. */
async function waitReady(o: LabOptions, nodes: NodePlan[], keys: Keys, vms: StartedVm[], log: Log, restored: boolean): Promise<void> {
  const deadline = Date.now() + o.readyTimeoutSec * 1000;
  await Promise.all(
    nodes.map(async (n, i) => {
      const target = { host: n.managementAddress, port: o.sshPort, user: "root", privateKeyPath: keys.client.privateKeyPath, hostKeyFingerprint: keys.hosts[i].fingerprint };
      let lastErr = "";
      for (;;) {
        if (!processMatches(vms[i].pid, vmMarkers(n.name, vms[i].dir))) {
          throw new Error(`${n.name}: QEMU exited (see ${path.join(vms[i].dir, "qemu.log")} and console.log)`);
        }
        if (Date.now() > deadline) throw new Error(`${n.name}: not ready after ${o.readyTimeoutSec}s: ${lastErr} (serial log: ${vms[i].files.serialLog})`);
        try {
          const sh = await NodeShell.connect(target, 10_000);
          try {
            if (restored) await sh.check(`date -s @${Math.floor(Date.now() / 1000)} >/dev/null`);
            await sh.check("gluster --mode=script pool list >/dev/null", 30_000);
            if (!restored) await sh.check("sync; echo 3 > /proc/sys/vm/drop_caches");
            return;
          } finally {
            sh.close();
          }
        } catch (err) {
          lastErr = (err as Error).message;
          await sleep(1000);
        }
      }
    }),
  );
  log(`${nodes.length} nodes answer glusterd over SSH`);
}

async function waitExit(pid: number, markers: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processMatches(pid, markers)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

async function stopVm(vmDir: string, name: string, log: Log): Promise<void> {
  const pidFile = path.join(vmDir, "vm.pid");
  const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) : 0;
  const markers = vmMarkers(name, vmDir);
  if (processMatches(pid, markers)) {
    try {
      const qmp = await Qmp.connect(path.join(vmDir, "qmp.sock"), 2000);
      await qmp.quit(); // the overlays are thrown away: no need for a clean guest poweroff
    } catch {
      /* fall through to signals */
    }
    if (!(await waitExit(pid, markers, 5000))) {
      process.kill(pid, "SIGTERM");
      if (!(await waitExit(pid, markers, 3000))) process.kill(pid, "SIGKILL");
    }
    log(`${name} stopped (pid ${pid})`);
  }
  fs.rmSync(vmDir, { recursive: true, force: true });
}
