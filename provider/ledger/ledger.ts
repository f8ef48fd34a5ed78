import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import type { Durability, GlusterOption, SshSettings } from "../model/schemas";
import { ConflictError, NotFoundError } from "../model/errors";
import { newId } from "../model/ids";
import { MIGRATIONS } from "./schema";
import { HEARTBEAT_MS, processIdentity } from "./owner";

export type NodeState = "adding" | "online" | "offline" | "failed" | "removing";
export type DeviceState = "adding" | "online" | "offline" | "failed" | "removing";
export type VolumeState = "creating" | "online" | "expanding" | "deleting";
export type BrickState = "pending" | "ready" | "deleting";
export type OperationStatus = "running" | "committed" | "done" | "failed" | "rolled-back";

export interface ClusterRow { id: string; name: string | null; file: boolean; block: boolean; createdAt: string }
export interface NodeRow {
  id: string; clusterId: string; manageHost: string; storageHost: string; zone: number;
  tags: Record<string, string>; ssh: Partial<SshSettings>; state: NodeState; opId: string | null; createdAt: string;
}
export interface DeviceRow {
  id: string; nodeId: string; path: string; state: DeviceState; totalKiB: number; freeKiB: number; usedKiB: number;
  extentKiB: number; pvUuid: string | null; tags: Record<string, string>; opId: string | null; createdAt: string;
  /** The volume group when it is not `vg_<id>`: a disk an operator set up by hand and adopted (no new bricks go there). */
  vg?: string | null;
}
export interface VolumeRow {
  id: string; clusterId: string; name: string; sizeGiB: number; durability: Durability; gid: number;
  snapshotFactor: number; options: GlusterOption[]; state: VolumeState; opId: string | null; createdAt: string;
  /** Heketi's snapshot.enable as requested (thin pools are sized by the factor either way). */
  snapshotEnable: boolean;
}
export interface BrickRow {
  id: string; volumeId: string; deviceId: string; nodeId: string; path: string; sizeKiB: number; tpKiB: number;
  metaKiB: number; setIndex: number; position: number; subtype: "data" | "arbiter"; state: BrickState; opId: string | null;
  /** The brick's thin pool LV when it is not `tp_<id>` (bricks imported from Heketi); absent: `tp_<id>`. */
  thinPool?: string | null;
  /** The brick's thin LV when it is not `brick_<id>` (a brick built by hand and adopted). */
  lv?: string | null;
  /** The brick's mount point when it is not Heketi's (a brick built by hand and adopted). */
  mountPoint?: string | null;
}
export interface OperationRow {
  id: string; type: string; targetId: string; status: OperationStatus; plan: unknown; error: string | null;
  ownerPid: number; ownerBoot: string; createdAt: string; updatedAt: string;
  /** when the owner last said it is alive (see ledger/owner.ts) */
  heartbeatAt: string | null;
}
export interface StepRow { opId: string; seq: number; name: string; status: string; detail: string | null; at: string }

const now = () => new Date().toISOString();
const j = (v: unknown) => JSON.stringify(v);

/**
 * The SQLite ledger: clusters, nodes, devices, volumes, bricks and the operations journal.
 * All writes that reserve space run in IMMEDIATE transactions (see `immediate`), so two requests can
 * never both see the same free space.
 */
export class Ledger {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per ledger (preparing costs more than most of our queries). */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }
  readonly owner = processIdentity();

  constructor(readonly file: string) {
    if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("foreign_keys = ON");
    // FULL: every commit is on disk before the engine runs the next remote step. With NORMAL a power
    // cut could lose the journal's last "step done" for a change the node has made, and recovery would
    // then act on a journal older than the node.
    this.db.pragma("synchronous = FULL");
    this.migrate();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  private readonly heartbeatTimer: NodeJS.Timeout;

  close(): void {
    clearInterval(this.heartbeatTimer);
    this.db.close();
  }

  /** Renew the heartbeat of the open operations this process owns (a busy ledger skips one beat). */
  heartbeat(at = now()): void {
    try {
      this.stmt("UPDATE operations SET heartbeat_at = ? WHERE owner_boot = ? AND status IN ('running', 'committed')").run(at, this.owner);
    } catch {
      /* SQLITE_BUSY past the timeout: the next beat comes well inside the lease */
    }
  }

  private migrate(): void {
    const hasMeta = this.stmt("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").get();
    let version = 0;
    if (hasMeta) version = Number((this.stmt("SELECT value FROM meta WHERE key='schema_version'").get() as { value: string } | undefined)?.value ?? 0);
    if (version > MIGRATIONS.length) {
      throw new Error(`ledger ${this.file} has schema version ${version}, newer than this release knows (${MIGRATIONS.length}): upgrade pulumi-glusterfs`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.stmt("INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(v + 1));
      }).immediate();
    }
  }

  /** Run fn in one BEGIN IMMEDIATE transaction (a write lock from the start). */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- meta (key/value notes, e.g. the Heketi generation id an imported ledger came from)
  getMeta(key: string): string | undefined {
    return (this.stmt("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }
  setMeta(key: string, value: string): void {
    this.stmt("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  // ---- clusters
  insertCluster(c: { id?: string; name?: string | null; file: boolean; block: boolean }): ClusterRow {
    const row: ClusterRow = { id: c.id ?? newId(), name: c.name ?? null, file: c.file, block: c.block, createdAt: now() };
    this.stmt("INSERT INTO clusters(id, name, file, block, created_at) VALUES (?, ?, ?, ?, ?)").run(row.id, row.name, row.file ? 1 : 0, row.block ? 1 : 0, row.createdAt);
    return row;
  }
  findCluster(id: string): ClusterRow | undefined {
    const r = this.stmt("SELECT * FROM clusters WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r && { id: r.id as string, name: r.name as string | null, file: !!r.file, block: !!r.block, createdAt: r.created_at as string };
  }
  getCluster(id: string): ClusterRow {
    return this.findCluster(id) ?? notFound("cluster", id);
  }
  listClusters(): ClusterRow[] {
    return (this.stmt("SELECT id FROM clusters ORDER BY id").all() as { id: string }[]).map((r) => this.getCluster(r.id));
  }
  setClusterFlags(id: string, file: boolean, block: boolean): void {
    this.stmt("UPDATE clusters SET file = ?, block = ? WHERE id = ?").run(file ? 1 : 0, block ? 1 : 0, id);
  }
  deleteCluster(id: string): void {
    this.stmt("DELETE FROM clusters WHERE id = ?").run(id);
  }

  // ---- nodes
  insertNode(n: Omit<NodeRow, "createdAt" | "opId"> & { opId?: string | null }): NodeRow {
    for (const [col, host] of [["manage_host", n.manageHost], ["storage_host", n.storageHost]] as const) {
      const other = this.stmt(`SELECT id FROM nodes WHERE ${col} = ?`).get(host) as { id: string } | undefined;
      if (other) throw new ConflictError(`Hostname ${host} already used by node with id ${other.id}`);
    }
    const row: NodeRow = { ...n, opId: n.opId ?? null, createdAt: now() };
    this.db
      .prepare("INSERT INTO nodes(id, cluster_id, manage_host, storage_host, zone, tags, ssh, state, op_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)")
      .run(row.id, row.clusterId, row.manageHost, row.storageHost, row.zone, j(row.tags), j(row.ssh), row.state, row.opId, row.createdAt);
    return row;
  }
  findNode(id: string): NodeRow | undefined {
    const r = this.stmt("SELECT * FROM nodes WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r && nodeRow(r);
  }
  getNode(id: string): NodeRow {
    return this.findNode(id) ?? notFound("node", id);
  }
  listNodes(clusterId?: string): NodeRow[] {
    const rows = (clusterId
      ? this.stmt("SELECT * FROM nodes WHERE cluster_id = ? ORDER BY id").all(clusterId)
      : this.stmt("SELECT * FROM nodes ORDER BY id").all()) as Record<string, unknown>[];
    return rows.map(nodeRow);
  }
  updateNode(id: string, patch: Partial<Pick<NodeRow, "state" | "zone" | "tags" | "ssh" | "opId">>): void {
    const cur = this.getNode(id);
    const n = { ...cur, ...patch };
    this.stmt("UPDATE nodes SET state = ?, zone = ?, tags = ?, ssh = ?, op_id = ? WHERE id = ?").run(n.state, n.zone, j(n.tags), j(n.ssh), n.opId, id);
  }
  /** Insert or overwrite a node row as given (rebuilding the ledger from the nodes). */
  putNode(n: NodeRow): void {
    this.stmt(
      "INSERT INTO nodes(id, cluster_id, manage_host, storage_host, zone, tags, ssh, state, op_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) " +
        "ON CONFLICT(id) DO UPDATE SET cluster_id=excluded.cluster_id, manage_host=excluded.manage_host, storage_host=excluded.storage_host, zone=excluded.zone, tags=excluded.tags, ssh=excluded.ssh, state=excluded.state, op_id=excluded.op_id",
    ).run(n.id, n.clusterId, n.manageHost, n.storageHost, n.zone, j(n.tags), j(n.ssh), n.state, n.opId, n.createdAt);
  }
  deleteNode(id: string): void {
    this.stmt("DELETE FROM nodes WHERE id = ?").run(id);
  }

  // ---- devices
  insertDevice(d: Omit<DeviceRow, "createdAt" | "opId"> & { opId?: string | null }): DeviceRow {
    const dup = this.stmt("SELECT id FROM devices WHERE node_id = ? AND path = ?").get(d.nodeId, d.path) as { id: string } | undefined;
    if (dup) throw new ConflictError(`Device ${d.path} is already in use on this node (ID: ${dup.id})`);
    const row: DeviceRow = { ...d, opId: d.opId ?? null, createdAt: now() };
    this.db
      .prepare("INSERT INTO devices(id, node_id, path, state, total_kib, free_kib, used_kib, extent_kib, pv_uuid, tags, op_id, created_at, vg_name) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .run(row.id, row.nodeId, row.path, row.state, row.totalKiB, row.freeKiB, row.usedKiB, row.extentKiB, row.pvUuid, j(row.tags), row.opId, row.createdAt, row.vg ?? null);
    return row;
  }
  findDevice(id: string): DeviceRow | undefined {
    const r = this.stmt("SELECT * FROM devices WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r && deviceRow(r);
  }
  getDevice(id: string): DeviceRow {
    return this.findDevice(id) ?? notFound("device", id);
  }
  listDevices(nodeId?: string): DeviceRow[] {
    const rows = (nodeId
      ? this.stmt("SELECT * FROM devices WHERE node_id = ? ORDER BY id").all(nodeId)
      : this.stmt("SELECT * FROM devices ORDER BY id").all()) as Record<string, unknown>[];
    return rows.map(deviceRow);
  }
  updateDevice(id: string, patch: Partial<Pick<DeviceRow, "state" | "totalKiB" | "freeKiB" | "usedKiB" | "extentKiB" | "pvUuid" | "tags" | "opId">>): void {
    const d = { ...this.getDevice(id), ...patch };
    this.db
      .prepare("UPDATE devices SET state=?, total_kib=?, free_kib=?, used_kib=?, extent_kib=?, pv_uuid=?, tags=?, op_id=? WHERE id=?")
      .run(d.state, d.totalKiB, d.freeKiB, d.usedKiB, d.extentKiB, d.pvUuid, j(d.tags), d.opId, id);
  }
  /** Insert or overwrite a device row as given (rebuilding the ledger from the nodes). */
  putDevice(d: DeviceRow): void {
    this.stmt(
      "INSERT INTO devices(id, node_id, path, state, total_kib, free_kib, used_kib, extent_kib, pv_uuid, tags, op_id, created_at, vg_name) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) " +
        "ON CONFLICT(id) DO UPDATE SET node_id=excluded.node_id, path=excluded.path, state=excluded.state, total_kib=excluded.total_kib, free_kib=excluded.free_kib, used_kib=excluded.used_kib, " +
        "extent_kib=excluded.extent_kib, pv_uuid=excluded.pv_uuid, tags=excluded.tags, op_id=excluded.op_id, vg_name=excluded.vg_name",
    ).run(d.id, d.nodeId, d.path, d.state, d.totalKiB, d.freeKiB, d.usedKiB, d.extentKiB, d.pvUuid, j(d.tags), d.opId, d.createdAt, d.vg ?? null);
  }
  /** Move `kib` from free to used (negative: give it back). */
  reserveOnDevice(id: string, kib: number): void {
    this.stmt("UPDATE devices SET free_kib = free_kib - ?, used_kib = used_kib + ? WHERE id = ?").run(kib, kib, id);
  }
  deleteDevice(id: string): void {
    this.stmt("DELETE FROM devices WHERE id = ?").run(id);
  }

  // ---- volumes
  insertVolume(v: Omit<VolumeRow, "createdAt" | "snapshotEnable"> & { snapshotEnable?: boolean }): VolumeRow {
    const dup = this.stmt("SELECT id FROM volumes WHERE cluster_id = ? AND name = ?").get(v.clusterId, v.name) as { id: string } | undefined;
    if (dup) throw new ConflictError(`Volume name '${v.name}' already in use`);
    const row: VolumeRow = { ...v, snapshotEnable: v.snapshotEnable ?? v.snapshotFactor > 1, createdAt: now() };
    this.db
      .prepare("INSERT INTO volumes(id, cluster_id, name, size_gib, durability, gid, snapshot_factor, snapshot_enable, options, state, op_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .run(row.id, row.clusterId, row.name, row.sizeGiB, j(row.durability), row.gid, row.snapshotFactor, row.snapshotEnable ? 1 : 0, j(row.options), row.state, row.opId, row.createdAt);
    return row;
  }
  /** Insert or overwrite a volume row as given (rebuilding the ledger from the nodes). */
  putVolume(v: VolumeRow): void {
    this.stmt(
      "INSERT INTO volumes(id, cluster_id, name, size_gib, durability, gid, snapshot_factor, snapshot_enable, options, state, op_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) " +
        "ON CONFLICT(id) DO UPDATE SET cluster_id=excluded.cluster_id, name=excluded.name, size_gib=excluded.size_gib, durability=excluded.durability, gid=excluded.gid, " +
        "snapshot_factor=excluded.snapshot_factor, snapshot_enable=excluded.snapshot_enable, options=excluded.options, state=excluded.state, op_id=excluded.op_id",
    ).run(v.id, v.clusterId, v.name, v.sizeGiB, j(v.durability), v.gid, v.snapshotFactor, v.snapshotEnable ? 1 : 0, j(v.options), v.state, v.opId, v.createdAt);
  }
  findVolume(id: string): VolumeRow | undefined {
    const r = this.stmt("SELECT * FROM volumes WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r && volumeRow(r);
  }
  getVolume(id: string): VolumeRow {
    return this.findVolume(id) ?? notFound("volume", id);
  }
  findVolumeByName(clusterId: string, name: string): VolumeRow | undefined {
    const r = this.stmt("SELECT * FROM volumes WHERE cluster_id = ? AND name = ?").get(clusterId, name) as Record<string, unknown> | undefined;
    return r && volumeRow(r);
  }
  listVolumes(clusterId?: string): VolumeRow[] {
    const rows = (clusterId
      ? this.stmt("SELECT * FROM volumes WHERE cluster_id = ? ORDER BY id").all(clusterId)
      : this.stmt("SELECT * FROM volumes ORDER BY id").all()) as Record<string, unknown>[];
    return rows.map(volumeRow);
  }
  updateVolume(id: string, patch: Partial<Pick<VolumeRow, "state" | "sizeGiB" | "options" | "opId">>): void {
    const v = { ...this.getVolume(id), ...patch };
    this.stmt("UPDATE volumes SET state=?, size_gib=?, options=?, op_id=? WHERE id=?").run(v.state, v.sizeGiB, j(v.options), v.opId, id);
  }
  renameVolume(id: string, name: string): void {
    this.stmt("UPDATE volumes SET name = ? WHERE id = ?").run(name, id);
  }
  deleteVolume(id: string): void {
    this.stmt("DELETE FROM volumes WHERE id = ?").run(id);
  }

  // ---- bricks
  insertBrick(b: BrickRow): void {
    this.db
      .prepare("INSERT INTO bricks(id, volume_id, device_id, node_id, path, size_kib, tp_kib, meta_kib, set_index, position, subtype, state, op_id, thin_pool, lv_name, mount_point) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .run(b.id, b.volumeId, b.deviceId, b.nodeId, b.path, b.sizeKiB, b.tpKiB, b.metaKiB, b.setIndex, b.position, b.subtype, b.state, b.opId, b.thinPool ?? null, b.lv ?? null, b.mountPoint ?? null);
  }
  findBrick(id: string): BrickRow | undefined {
    const r = this.stmt("SELECT * FROM bricks WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r && brickRow(r);
  }
  listBricks(volumeId: string): BrickRow[] {
    return (this.stmt("SELECT * FROM bricks WHERE volume_id = ? ORDER BY set_index, position").all(volumeId) as Record<string, unknown>[]).map(brickRow);
  }
  listBricksOnDevice(deviceId: string): BrickRow[] {
    return (this.stmt("SELECT * FROM bricks WHERE device_id = ? ORDER BY id").all(deviceId) as Record<string, unknown>[]).map(brickRow);
  }
  listBricksOfOperation(opId: string): BrickRow[] {
    return (this.stmt("SELECT * FROM bricks WHERE op_id = ? ORDER BY set_index, position").all(opId) as Record<string, unknown>[]).map(brickRow);
  }
  setBrickState(id: string, state: BrickState, opId: string | null): void {
    this.stmt("UPDATE bricks SET state = ?, op_id = ? WHERE id = ?").run(state, opId, id);
  }
  /** Whether a row was removed (false: it was already gone). */
  deleteBrick(id: string): boolean {
    return this.stmt("DELETE FROM bricks WHERE id = ?").run(id).changes > 0;
  }

  // ---- operations journal
  beginOperation(type: string, targetId: string, plan: unknown): OperationRow {
    const t = now();
    const row: OperationRow = { id: newId(), type, targetId, status: "running", plan, error: null, ownerPid: process.pid, ownerBoot: this.owner, createdAt: t, updatedAt: t, heartbeatAt: t };
    this.db
      .prepare("INSERT INTO operations(id, type, target_id, status, plan, error, owner_pid, owner_boot, created_at, updated_at, heartbeat_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
      .run(row.id, row.type, row.targetId, row.status, j(row.plan), null, row.ownerPid, row.ownerBoot, t, t, t);
    return row;
  }
  getOperation(id: string): OperationRow {
    const r = this.stmt("SELECT * FROM operations WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r ? opRow(r) : notFound("operation", id);
  }
  listOperations(statuses?: OperationStatus[]): OperationRow[] {
    const rows = this.stmt("SELECT * FROM operations ORDER BY created_at, id").all() as Record<string, unknown>[];
    return rows.map(opRow).filter((o) => !statuses || statuses.includes(o.status));
  }
  setOperationStatus(id: string, status: OperationStatus, error?: string | null, plan?: unknown): void {
    const cur = this.getOperation(id);
    this.db
      .prepare("UPDATE operations SET status = ?, error = ?, plan = ?, updated_at = ? WHERE id = ?")
      .run(status, error === undefined ? cur.error : error, j(plan === undefined ? cur.plan : plan), now(), id);
  }
  /** Take over an operation (recovery): this process becomes its owner. */
  adoptOperation(id: string): void {
    const t = now();
    this.stmt("UPDATE operations SET owner_pid = ?, owner_boot = ?, updated_at = ?, heartbeat_at = ? WHERE id = ?").run(process.pid, this.owner, t, t, id);
  }
  recordStep(opId: string, name: string, status: "done" | "failed" | "compensated", detail?: string): void {
    const seq = ((this.stmt("SELECT MAX(seq) AS m FROM operation_steps WHERE op_id = ?").get(opId) as { m: number | null }).m ?? 0) + 1;
    this.stmt("INSERT INTO operation_steps(op_id, seq, name, status, detail, at) VALUES (?,?,?,?,?,?)").run(opId, seq, name, status, detail ?? null, now());
  }
  listSteps(opId: string): StepRow[] {
    return (this.stmt("SELECT * FROM operation_steps WHERE op_id = ? ORDER BY seq").all(opId) as Record<string, unknown>[]).map((r) => ({
      opId: r.op_id as string, seq: r.seq as number, name: r.name as string, status: r.status as string, detail: r.detail as string | null, at: r.at as string,
    }));
  }
}

function notFound(kind: string, id: string): never {
  throw new NotFoundError(kind, id);
}

function nodeRow(r: Record<string, unknown>): NodeRow {
  return {
    id: r.id as string, clusterId: r.cluster_id as string, manageHost: r.manage_host as string, storageHost: r.storage_host as string,
    zone: r.zone as number, tags: JSON.parse(r.tags as string), ssh: JSON.parse(r.ssh as string), state: r.state as NodeState,
    opId: r.op_id as string | null, createdAt: r.created_at as string,
  };
}
function deviceRow(r: Record<string, unknown>): DeviceRow {
  return {
    id: r.id as string, nodeId: r.node_id as string, path: r.path as string, state: r.state as DeviceState,
    totalKiB: r.total_kib as number, freeKiB: r.free_kib as number, usedKiB: r.used_kib as number, extentKiB: r.extent_kib as number,
    pvUuid: r.pv_uuid as string | null, tags: JSON.parse(r.tags as string), opId: r.op_id as string | null, createdAt: r.created_at as string,
    ...(r.vg_name ? { vg: r.vg_name as string } : {}),
  };
}
function volumeRow(r: Record<string, unknown>): VolumeRow {
  return {
    id: r.id as string, clusterId: r.cluster_id as string, name: r.name as string, sizeGiB: r.size_gib as number,
    durability: JSON.parse(r.durability as string), gid: r.gid as number, snapshotFactor: r.snapshot_factor as number,
    options: JSON.parse(r.options as string), state: r.state as VolumeState, opId: r.op_id as string | null, createdAt: r.created_at as string,
    snapshotEnable: r.snapshot_enable === null || r.snapshot_enable === undefined ? (r.snapshot_factor as number) > 1 : r.snapshot_enable === 1,
  };
}
function brickRow(r: Record<string, unknown>): BrickRow {
  const b: BrickRow = {
    id: r.id as string, volumeId: r.volume_id as string, deviceId: r.device_id as string, nodeId: r.node_id as string, path: r.path as string,
    sizeKiB: r.size_kib as number, tpKiB: r.tp_kib as number, metaKiB: r.meta_kib as number, setIndex: r.set_index as number,
    position: r.position as number, subtype: r.subtype as "data" | "arbiter", state: r.state as BrickState, opId: r.op_id as string | null,
  };
  if (r.thin_pool) b.thinPool = r.thin_pool as string;
  if (r.lv_name) b.lv = r.lv_name as string;
  if (r.mount_point) b.mountPoint = r.mount_point as string;
  return b;
}
function opRow(r: Record<string, unknown>): OperationRow {
  return {
    id: r.id as string, type: r.type as string, targetId: r.target_id as string, status: r.status as OperationStatus,
    plan: JSON.parse(r.plan as string), error: r.error as string | null, ownerPid: r.owner_pid as number, ownerBoot: r.owner_boot as string,
    createdAt: r.created_at as string, updatedAt: r.updated_at as string, heartbeatAt: (r.heartbeat_at as string | null) ?? null,
  };
}
