import * as fs from "node:fs";
import type { Executor, NodeTarget } from "./exec/executor";
import { SshExecutor } from "./exec/ssh-executor";
import { jsonLinesSink, type RemoteCall, TracingExecutor } from "./exec/trace";
import { Ledger, NodeRow } from "./ledger/ledger";
import { ConflictError, EngineError, ValidationError } from "./model/errors";
import type { GlusterOption, SshSettings, VolumeCreateInput } from "./model/schemas";
import { defaultLimits } from "./placement";
import { EngineSettings, makeSerializer, OpContext } from "./operations/context";
import { checkCluster, CheckReport, ledgerPool } from "./operations/check";
import { evictBrick } from "./operations/evacuation";
import { assertLedgerEmpty, importLedger, LedgerImport } from "./operations/heketi-import";
import { recover, RecoveryResult } from "./operations/recovery";
import { repairNodes } from "./operations/repair";
import { discoverPools, HostAddress } from "./operations/discovery";
import * as adoption from "./operations/adoption";
import * as readback from "./operations/readback";
import { DeclaredPool, isRecordedLeftover, rebuildCluster, RebuildPlan } from "./operations/rebuild";
import * as states from "./operations/states";
import * as topo from "./operations/membership";
import * as vol from "./operations/volume";

export interface EngineOptions {
  /** SQLite ledger file (created if missing). */
  ledgerPath: string;
  /** Defaults: SshExecutor. Unit tests pass a FakeExecutor. */
  executor?: Executor;
  /** SSH defaults for every node; a node's own settings (from node add) override them. */
  ssh?: Partial<SshSettings> & { privateKey?: string };
  /** Per-node private key (e.g. a Pulumi secret), consulted before the defaults. */
  privateKeyFor?: (node: NodeRow) => string | undefined;
  settings?: Partial<EngineSettings>;
  log?: (msg: string) => void;
}

/**
 * The storage engine: the one place storage decisions are made. The Pulumi dynamic providers and the
 * REST server both call it; neither holds storage logic of its own.
 */
export class Engine {
  readonly ledger: Ledger;
  readonly executor: Executor;
  private readonly tracing: TracingExecutor;
  private readonly ctx: OpContext;

  /** Be told of every remote command this engine runs (host, what, how long, how it ended, for which operation). */
  onRemoteCall(sink: (c: RemoteCall) => void): void {
    this.tracing.subscribe(sink);
  }

  constructor(private readonly o: EngineOptions) {
    this.ledger = new Ledger(o.ledgerPath);
    const tracing = new TracingExecutor(o.executor ?? new SshExecutor());
    this.executor = tracing;
    this.tracing = tracing;
    if (process.env.PGFS_TRACE) tracing.subscribe(jsonLinesSink(process.env.PGFS_TRACE));
    const settings: EngineSettings = {
      limits: defaultLimits,
      glusterTimeoutSec: 600,
      fstab: "/etc/fstab",
      rebalanceOnExpand: true,
      peerConnectTimeoutMs: 60_000,
      preRequestVolumeOptions: [],
      postRequestVolumeOptions: [],
      ...o.settings,
    };
    this.ctx = {
      ledger: this.ledger,
      executor: this.executor,
      settings,
      target: (n) => this.target(n),
      log: o.log ?? (() => undefined),
      serialize: makeSerializer(),
    };
  }

  /** Resolve how to reach a node: its own SSH settings over the engine's defaults. */
  target(node: NodeRow): NodeTarget {
    const s = { ...this.o.ssh, ...node.ssh };
    let privateKey = this.o.privateKeyFor?.(node) ?? this.o.ssh?.privateKey;
    if (!privateKey && s.privateKeyPath) privateKey = fs.readFileSync(s.privateKeyPath, "utf8");
    if (!privateKey) {
      throw new ValidationError([{ field: "ssh.privateKey", rule: `no SSH private key for node ${node.manageHost}: give one (or privateKeyPath) in the node's or the engine's SSH settings` }]);
    }
    return {
      host: node.manageHost,
      port: s.port ?? 22,
      user: s.user ?? "root",
      sudo: s.sudo ?? false,
      privateKey,
      hostKeyFingerprint: s.hostKeyFingerprint,
      knownHostsPath: s.knownHostsPath,
    };
  }

  createCluster(input: { id?: string; name?: string; file?: boolean; block?: boolean } = {}) {
    return topo.createCluster(this.ctx, input);
  }
  /** Heketi's cluster flags: whether file (and block) volumes may be placed on it. */
  setClusterFlags(id: string, flags: { file: boolean; block: boolean }): void {
    this.ledger.immediate(() => {
      this.ledger.getCluster(id);
      this.ledger.setClusterFlags(id, flags.file, flags.block);
    });
  }
  deleteCluster(id: string) {
    return topo.deleteCluster(this.ctx, id);
  }
  addNode(input: unknown) {
    return topo.addNode(this.ctx, input);
  }
  /** What the ledger alone holds about a node: its tags and own SSH settings (nothing runs on it). */
  setNodeMetadata(id: string, patch: { tags?: Record<string, string>; ssh?: NodeRow["ssh"] }): void {
    this.ledger.immediate(() => {
      this.ledger.getNode(id);
      this.ledger.updateNode(id, { ...(patch.tags && { tags: patch.tags }), ...(patch.ssh && { ssh: patch.ssh }) });
    });
  }
  /** A node's zone: written on its VGs first (a ledger rebuilt from the nodes reads it there), then in the ledger. */
  setNodeZone(id: string, zone: number): Promise<void> {
    return this.ctx.serialize(`zone:${id}`, () => topo.setNodeZone(this.ctx, id, zone));
  }
  removeNode(id: string) {
    return topo.removeNode(this.ctx, id);
  }
  addDevice(input: unknown) {
    return topo.addDevice(this.ctx, input);
  }
  /** A device's tags (they steer placement; nothing runs on the node). */
  setDeviceTags(id: string, tags: Record<string, string>): void {
    this.ledger.immediate(() => {
      this.ledger.getDevice(id);
      this.ledger.updateDevice(id, { tags });
    });
  }
  /**
   * Heketi's device resync: the size from LVM (a grown disk), used = the bricks' reservations, so
   * free + used = total. Refused while an operation works on the device.
   */
  async resyncDevice(id: string): Promise<void> {
    const d = this.ledger.getDevice(id);
    const live = await this.inspectDevice(d.id);
    if (!live) throw new EngineError("REMOTE", `device ${d.path} [${d.id}]: its volume group vg_${d.id} was not found on the node`);
    this.ledger.immediate(() => {
      if (this.ledger.getDevice(d.id).opId) throw new ConflictError("The target exists, contains other items, or is in use.");
      const used = this.ledger.listBricksOnDevice(d.id).reduce((a, b) => a + b.tpKiB + b.metaKiB, 0);
      this.ledger.updateDevice(d.id, { totalKiB: live.vgTotalKiB, usedKiB: used, freeKiB: live.vgTotalKiB - used });
    });
  }
  /** Drop a device from the ledger whatever is on the node (Heketi's forceforget after a failed delete). */
  forgetDevice(id: string): void {
    this.ledger.immediate(() => {
      if (this.ledger.findDevice(id)) this.ledger.deleteDevice(id);
    });
  }
  /**
   * Remove a device. One that holds bricks is refused (ConflictError), unless `evacuate` is set: then
   * each brick is first moved to another device with replace-brick (Heketi's `device remove`), one at
   * a time, after a heal check (`healCheck: false` skips it).
   */
  removeDevice(id: string, opts: topo.RemoveDeviceOptions = {}) {
    return topo.removeDevice(this.ctx, id, opts);
  }
  /** Move one brick to another device (Heketi's `brick evict`): replace-brick after a heal check (`healCheck: false` skips it). */
  evictBrick(id: string, opts: { healCheck?: boolean } = {}) {
    return evictBrick(this.ctx, id, { healCheck: opts.healCheck ?? true });
  }
  /** Node state: online ↔ offline; offline → failed moves every brick off each of its devices first. */
  setNodeState(id: string, state: string, opts: { healCheck?: boolean } = {}) {
    return this.ctx.serialize(`state:${id}`, () => states.setNodeState(this.ctx, id, state, opts));
  }
  /** Device state: online ↔ offline; offline → failed moves its bricks elsewhere; failed → offline. */
  setDeviceState(id: string, state: string, opts: { healCheck?: boolean } = {}) {
    return this.ctx.serialize(`state:${id}`, () => states.setDeviceState(this.ctx, id, state, opts));
  }
  createVolume(input: VolumeCreateInput) {
    return vol.createVolume(this.ctx, input);
  }
  /** createVolume's two halves: throws at once for bad input / no space / name in use; `done` settles when built. */
  startCreateVolume(input: VolumeCreateInput) {
    return vol.startCreateVolume(this.ctx, input);
  }
  expandVolume(id: string, addGiB: number) {
    return vol.expandVolume(this.ctx, id, addGiB);
  }
  startExpandVolume(id: string, addGiB: number) {
    return vol.startExpandVolume(this.ctx, id, addGiB);
  }
  startDeleteVolume(id: string) {
    return vol.startDeleteVolume(this.ctx, id);
  }
  setVolumeOptions(id: string, options: GlusterOption[]) {
    return vol.setVolumeOptions(this.ctx, id, options);
  }
  deleteVolume(id: string) {
    return vol.deleteVolume(this.ctx, id);
  }
  /**
   * Finish or roll back operations a crashed process left behind (all of them, or only the ids given).
   * Recoveries run one at a time: one that is asked for while another runs starts after it, and so
   * never works on an operation the first is already cleaning.
   */
  recover(only?: readonly string[]): Promise<RecoveryResult[]> {
    const run = this.recovering.then(() => recover(this.ctx, only));
    this.recovering = run.catch(() => undefined);
    return run;
  }
  private recovering: Promise<unknown> = Promise.resolve();

  /** Storage built by hand, taken over in place (operations/adoption.ts): a disk's VG becomes a device (tags only). */
  adoptHandBuiltDevice(id: string, nodeId: string, path: string): Promise<void> {
    return this.ctx.serialize(`rebuild:${this.ledger.getNode(nodeId).clusterId}`, () => adoption.adoptHandBuiltDevice(this.ctx, id, nodeId, path));
  }

  /** The rows a hand-built volume would have (nothing is written): compare them with the program before adopting. */
  planHandBuiltVolume(clusterId: string, id: string, name: string): Promise<adoption.HandBuiltVolumePlan> {
    return adoption.planHandBuiltVolumeOnNodes(this.ctx, clusterId, id, name);
  }

  /** A cluster built by hand, as rows with new ids, from its nodes (`adopt --node`; nothing is written). */
  describeHandBuilt(hosts: readonly HostAddress[]): Promise<adoption.HandBuiltCluster> {
    return adoption.describeHandBuilt(this.ctx, hosts);
  }

  /** Tag the planned volume's bricks and mark it in gluster; the next rebuild records it. */
  adoptHandBuiltVolume(plan: adoption.HandBuiltVolumePlan): Promise<void> {
    return this.ctx.serialize(`rebuild:${plan.volume.clusterId}`, () => adoption.adoptHandBuiltVolume(this.ctx, plan));
  }

  /**
   * Bring a cluster's rows in line with its nodes (the ledger is a cache of them): ask every declared
   * node what it holds, keep what a silent node had, leave rows under an operation alone. Runs after
   * any recovery in progress, one at a time.
   */
  rebuildCluster(pool: DeclaredPool): Promise<RebuildPlan> {
    return this.recovering.then(() => this.ctx.serialize(`rebuild:${pool.clusterId}`, () => rebuildCluster(this.ctx, pool)));
  }

  /**
   * What `check --repair` fixes: operations a dead process left (recovery); the cluster's rows brought
   * in line with the nodes (space accounting, rows gone from the nodes, Heketi-layout VGs adopted);
   * then, only from a complete look (every node answered, gluster's list read), our own leftovers on
   * the nodes: bricks tagged for a volume gluster does not have are deleted through the journaled
   * volume delete, a ledger brick's lost fstab line is added back, an fstab line for a brick that is
   * nowhere is dropped. Nothing untagged, and nothing of a device the ledger does not hold, is touched.
   * Returns the report of a check after the repair, and what was done.
   */
  async repairClusters(clusterIds: readonly string[] = this.ledger.listClusters().map((c) => c.id)): Promise<{ reports: CheckReport[]; done: string[] }> {
    const done: string[] = [];
    for (const r of await this.recover()) done.push(`operation ${r.id} (${r.type}): ${r.action}${r.error ? ` (${r.error})` : ""}`);
    for (const id of clusterIds) await this.rebuildCluster(ledgerPool(this.ledger, id));
    for (const report of await this.checkClusters(clusterIds)) {
      if (!report.complete) {
        done.push(`cluster ${report.clusterId}: not every node answered; nothing on the nodes was repaired`);
        continue;
      }
      const actions = report.findings.flatMap((f) => (f.repair ? [f.repair] : []));
      for (const a of actions) {
        if (a.kind !== "delete-leftover-volume") continue;
        await this.deleteVolume(a.volumeId);
        done.push(`leftover bricks of volume ${a.volumeId} removed`);
      }
      done.push(...(await repairNodes(this.ctx, actions)));
    }
    return { reports: await this.checkClusters(clusterIds), done };
  }

  /**
   * A lost ledger rebuilt from the nodes alone (`pulumi-glusterfs rebuild`): the hosts say which
   * cluster and node they are (their VGs' owner tags, gluster's pool), then each cluster is rebuilt as
   * every pulumi command rebuilds it. Into an empty ledger only: an existing one is never merged into.
   */
  async rebuildFromNodes(hosts: readonly HostAddress[]): Promise<{ plans: RebuildPlan[]; warnings: string[] }> {
    assertLedgerEmpty(this.ledger, "a ledger is rebuilt from the nodes into a new file only (an existing ledger is never merged into)");
    const found = await discoverPools(this.ctx, hosts);
    const plans: RebuildPlan[] = [];
    for (const pool of found.pools) plans.push(await this.rebuildCluster(pool));
    return { plans, warnings: [...found.warnings, ...plans.flatMap((p) => p.warnings)] };
  }

  /** The ledger set beside the nodes: every difference, in words (reads only; see operations/check.ts). */
  checkClusters(clusterIds: readonly string[] = this.ledger.listClusters().map((c) => c.id)): Promise<CheckReport[]> {
    for (const id of clusterIds) this.ledger.getCluster(id); // an unknown id is a NotFoundError before any node is asked
    return Promise.all(clusterIds.map((id) => checkCluster(this.ctx, id)));
  }

  /**
   * A migration from Heketi: rows planned from its export (heketi/dump planImport) written into this
   * ledger, which must be empty, in one transaction journaled as one operation. Returns its id.
   */
  importLedger(rows: LedgerImport): string {
    return importLedger(this.ledger, rows);
  }
  /** Refuse a ledger that holds anything, before planning an import into it (importLedger checks again). */
  assertLedgerEmpty(): void {
    assertLedgerEmpty(this.ledger);
  }

  inspectNode(id: string) {
    return readback.inspectNode(this.ctx, id);
  }
  inspectDevice(id: string) {
    return readback.inspectDevice(this.ctx, id);
  }
  inspectVolume(id: string) {
    return readback.inspectVolume(this.ctx, id);
  }

  /**
   * A volume the ledger has but gluster no longer knows (deleted by hand): clean its remains
   * (bricks, space, rows) so the name can be used again. Does nothing if gluster still has it.
   */
  async forgetVanishedVolume(clusterId: string, name: string): Promise<boolean> {
    const v = this.ledger.findVolumeByName(clusterId, name);
    if (!v || v.state !== "online") return false;
    const live = await this.inspectVolume(v.id);
    if (!live || live.existsInGluster) return false;
    this.ctx.log(`volume ${name} (${v.id}) is gone from gluster: cleaning up its bricks`);
    await vol.deleteVolume(this.ctx, v.id);
    return true;
  }

  /**
   * A rebuilt ledger records a volume gluster no longer has, but whose bricks are still on the nodes,
   * under its id: give it back the name its resource knows, so the next create of that name cleans it.
   */
  nameVanishedVolume(id: string, name: string): void {
    this.ledger.immediate(() => {
      const v = this.ledger.findVolume(id);
      if (v && isRecordedLeftover(v) && name !== id && !this.ledger.findVolumeByName(v.clusterId, name)) this.ledger.renameVolume(id, name);
    });
  }

  /** How a client mounts a volume: `<first storage host>:<name>` plus backup volfile servers. */
  mountInfo(volumeId: string) {
    const v = this.ledger.getVolume(volumeId);
    const hosts = this.ledger.listNodes(v.clusterId).map((n) => n.storageHost);
    return { hosts, device: `${hosts[0]}:${v.name}`, options: { "backup-volfile-servers": hosts.slice(1).join(",") } };
  }

  async close(): Promise<void> {
    await this.executor.close();
    this.ledger.close();
  }
}
