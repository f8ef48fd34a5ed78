/**
 * SimExecutor: an Executor whose nodes are simulated GlusterFS storage nodes (Heketi's "mock
 * executor", but stateful). Every script the engine sends is walked as the typed tree the builders
 * made (sim/interpreter.ts: bash's semantics, no bash text parsed); each simple command changes an
 * in-memory model of the node (sim/host.ts: disks, LVM, XFS, mounts, fstab; sim/gluster.ts:
 * glusterd pools, peers, volumes) and prints what the real tool prints (sim/render.ts), so the
 * engine's parsers read it like the lab's output. A command or option the simulator does not know
 * fails the run with exit 127 and names the line.
 *
 * Nodes are keyed by management host (NodeTarget.host) and appear on first use. Peer probes and
 * bricks name nodes by storage address: declare it with `addHost(manageHost, { storageHost })`.
 */
import { type Script, scriptText } from "../../provider/commands/shell";
import type { Executor, ExecResult, NodeTarget, RunOptions } from "../../provider/exec/executor";
import { ConnectionError } from "../../provider/model/errors";
import { KIB_PER_GIB } from "../../provider/placement/sizing";
import { runScript, type CommandResult } from "./interpreter";
import { runCommand } from "./commands";
import { dmPath } from "./host";
import { SimModel } from "./model";
import { volumeType, STATUS_STR, setSize } from "./gluster";

export interface SimExecutorOptions {
  /** Size of every disk that has not been set otherwise, GiB (Heketi's HEKETI_MOCK_DEVICE_SIZE_GB: 500). */
  deviceSizeGiB?: number;
  /** Artificial delay per run, ms (default 0). */
  latencyMs?: number;
  /** management host → storage address, for nodes known up front (same as addHost). */
  hosts?: Record<string, string>;
  /** The disk holding `/` on every node (ext4, mounted, in fstab), as on the lab; null for none. Default /dev/vda. */
  rootDisk?: string | null;
}

export interface SimRun {
  host: string;
  script: string;
  code: number;
  stderr: string;
}

export interface SimFault {
  /** matched against each simple command, as written in the script (quotes included) */
  match: RegExp;
  host?: string;
  /** how many times it fires (default: once) */
  times?: number;
  code?: number;
  stderr?: string;
  stdout?: string;
  /**
   * Instead of failing, stop the run at this command and never answer: the caller waits forever,
   * as if its process died here (what ran before in the script stays done). For crash/recovery tests.
   */
  hang?: boolean;
}

class Hang {}

// ---- read-only views returned to tests (snapshots; changing them changes nothing)

export interface PeerView {
  uuid: string;
  /** the name this node knows the peer by */
  hostname: string;
  /** the peer's management host in the simulation */
  manageHost: string;
  connected: boolean;
  state: "Peer in Cluster";
}

export interface VolumeView {
  name: string;
  id: string;
  typeStr: string;
  status: "Created" | "Started" | "Stopped";
  /** bricks per set */
  setSize: number;
  bricks: Array<{ name: string; host: string; path: string; isArbiter: boolean; hostUuid: string }>;
  options: Record<string, string>;
}

export interface VgView {
  name: string;
  pv: string;
  tags: string[];
  extentKiB: number;
  totalKiB: number;
  freeKiB: number;
  lvCount: number;
}

export interface LvView {
  vg: string;
  name: string;
  kind: "thin-pool" | "thin" | "spare";
  /** space taken in the VG (pool data + metadata; the spare's size) */
  allocatedKiB: number;
  virtualKiB: number;
  pool: string | null;
  tags: string[];
  fs: "xfs" | null;
  dmPath: string;
}

export interface MountView {
  source: string;
  target: string;
  fstype: string;
  options: string;
}

export class SimExecutor implements Executor {
  private readonly model: SimModel;
  private readonly latencyMs: number;
  private readonly trips: Record<string, number> = {};
  private readonly faults: Array<SimFault & { left: number }> = [];
  private closed = false;
  /** Every run, in order (host, the script's text, exit code, stderr). */
  readonly runs: SimRun[] = [];

  constructor(o: SimExecutorOptions = {}) {
    const size = o.deviceSizeGiB ?? 500;
    if (!(size > 0)) throw new Error(`deviceSizeGiB must be positive, got ${size}`);
    this.model = new SimModel({ deviceSizeGiB: size, rootDisk: o.rootDisk === undefined ? "/dev/vda" : o.rootDisk });
    this.latencyMs = o.latencyMs ?? 0;
    for (const [m, s] of Object.entries(o.hosts ?? {})) this.addHost(m, { storageHost: s });
  }

  // -------------------------------------------------------------------------------------------
  // Executor

  async run(t: NodeTarget, script: Script, _opts?: RunOptions): Promise<ExecResult> {
    if (this.closed) throw new Error("SimExecutor is closed");
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const node = this.model.node(t.host);
    if (!node.reachable) throw new ConnectionError(`${t.host}:${t.port}`, "connect ECONNREFUSED (simulated: host unreachable)");
    this.trips[t.host] = (this.trips[t.host] ?? 0) + 1;
    // each script runs to completion before the next starts: scripts are atomic in the simulation
    let r: CommandResult;
    try {
      r = runScript(script, {
        run: (argv, ctx) => {
          const fault = this.fault(t.host, ctx.text);
          if (fault === "hang") throw new Hang();
          if (fault) return fault;
          return runCommand(argv, { model: this.model, node, stdin: ctx.stdin, env: ctx.env });
        },
        readFile: (path) => node.host.readFile(path),
        writeFile: (path, data, append) => node.host.writeFile(path, data, append),
      });
    } catch (e) {
      if (!(e instanceof Hang)) throw e;
      this.runs.push({ host: t.host, script: scriptText(script), code: -1, stderr: "sim: hung (injected)" });
      return new Promise<never>(() => undefined);
    }
    this.runs.push({ host: t.host, script: scriptText(script), code: r.code, stderr: r.stderr });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  roundTrips(): Record<string, number> {
    return { ...this.trips };
  }

  // -------------------------------------------------------------------------------------------
  // Setting the scene

  /** Declare a node and the storage address its peers and bricks use. */
  addHost(manageHost: string, o: { storageHost?: string } = {}): this {
    this.model.node(manageHost);
    if (o.storageHost) this.model.setStorageHost(manageHost, o.storageHost);
    return this;
  }

  /** Change a disk: its size, read-only, a signature (e.g. ext4), or make the path not exist. */
  setDisk(host: string, path: string, o: { sizeGiB?: number; readOnly?: boolean; signature?: { type: string; label?: string }; missing?: boolean }): this {
    this.model.node(host).host.setDisk(path, { ...o, sizeKiB: o.sizeGiB === undefined ? undefined : Math.round(o.sizeGiB * KIB_PER_GIB) });
    return this;
  }

  /** Stop or start glusterd on a node (its gluster commands fail; peers see it Disconnected). */
  setGlusterd(host: string, up: boolean): this {
    this.model.node(host).glusterd.up = up;
    return this;
  }

  /** Make a node unreachable over SSH (runs reject with ConnectionError), or reachable again. */
  setReachable(host: string, reachable: boolean): this {
    this.model.node(host).reachable = reachable;
    return this;
  }

  /** Make a command fail: the next `times` (default 1) simple commands matching `match` return `code` (1) and `stderr`. */
  failCommand(f: SimFault): this {
    this.faults.push({ ...f, left: f.times ?? 1 });
    return this;
  }

  private fault(host: string, command: string): CommandResult | "hang" | undefined {
    for (const f of this.faults) {
      if (f.left <= 0 || (f.host && f.host !== host) || !f.match.test(command)) continue;
      f.left--;
      if (f.hang) return "hang";
      return { code: f.code ?? 1, stdout: f.stdout ?? "", stderr: f.stderr ?? `sim: injected failure of: ${command}\n` };
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Read-only views for tests

  /** Management hosts of every node the simulation knows. */
  hosts(): string[] {
    return [...this.model.nodes.keys()];
  }

  /** A node's glusterd UUID (random, stable for the node's life). */
  glusterdUuid(host: string): string {
    return this.model.node(host).glusterd.uuid;
  }

  /** The other members of a node's pool, as `gluster pool list` shows them on it. */
  peers(host: string): PeerView[] {
    const n = this.model.node(host);
    return this.model.gluster.peersOf(n.glusterd).map((p) => ({ uuid: p.peer.uuid, hostname: p.name, manageHost: p.peer.host.manageHost, connected: p.connected, state: "Peer in Cluster" }));
  }

  /** The volumes of a node's pool. */
  volumes(host: string): VolumeView[] {
    const g = this.model.node(host).glusterd;
    return [...g.pool.volumes.values()].map((v) => ({
      name: v.name,
      id: v.id,
      typeStr: volumeType(v).typeStr,
      status: STATUS_STR[v.status],
      setSize: setSize(v.layout),
      bricks: v.bricks.map((b) => ({ name: `${b.host}:${b.path}`, host: b.host, path: b.path, isArbiter: b.isArbiter, hostUuid: b.hostUuid })),
      options: Object.fromEntries(v.options),
    }));
  }

  vgs(host: string): VgView[] {
    const h = this.model.node(host).host;
    return [...h.vgs.values()].map((vg) => ({
      name: vg.name, pv: vg.pv, tags: [...vg.tags], extentKiB: vg.extentKiB, totalKiB: vg.extentCount * vg.extentKiB,
      freeKiB: (vg.extentCount - h.usedExtents(vg)) * vg.extentKiB, lvCount: h.visibleLvs(vg).length,
    }));
  }

  /** Every LV, the hidden pool-metadata spare included (kind "spare"). */
  lvs(host: string): LvView[] {
    const h = this.model.node(host).host;
    return [...h.vgs.values()].flatMap((vg) =>
      [...vg.lvs.values()].map((lv) => ({
        vg: vg.name, name: lv.name, kind: lv.kind, allocatedKiB: (lv.dataExtents + lv.metaExtents) * vg.extentKiB, virtualKiB: lv.virtualKiB,
        pool: lv.pool, tags: [...lv.tags], fs: lv.fs?.type ?? null, dmPath: dmPath(vg.name, lv.name),
      })),
    );
  }

  mounts(host: string): MountView[] {
    return this.model.node(host).host.mounts.map((m) => ({ source: m.source, target: m.target, fstype: m.fstype, options: m.options }));
  }

  /** A file's content on a node (undefined when absent); `/etc/fstab` by default. */
  file(host: string, path = "/etc/fstab"): string | undefined {
    return this.model.node(host).host.readFile(path);
  }

  /** The non-empty, non-comment lines of a node's fstab. */
  fstab(host: string, path = "/etc/fstab"): string[] {
    return (this.file(host, path) ?? "").split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  }

  /** Whether a directory exists on a node (on whatever file system is mounted there). */
  isDir(host: string, path: string): boolean {
    return this.model.node(host).host.isDir(path);
  }

  /** A disk as the node sees it; undefined when the path is no disk. */
  disk(host: string, path: string): { path: string; sizeKiB: number; readOnly: boolean; signatures: string[]; pv: { uuid: string; vg: string | null } | null } | undefined {
    const h = this.model.node(host).host;
    const d = h.disk(path);
    return d && { path: d.path, sizeKiB: d.sizeKiB, readOnly: d.readOnly, signatures: h.signaturesOf(d).map((s) => s.type), pv: d.pv && { uuid: d.pv.uuid, vg: d.pv.vg } };
  }
}
