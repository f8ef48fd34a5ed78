/**
 * Planning an import of a Heketi export, and applying the plan through the engine. Planning is pure:
 * it validates the whole export against itself and our model, collects every problem, then refuses or
 * returns the rows. Clusters, nodes, devices, volumes and bricks keep their Heketi ids, so the bricks'
 * LVs, mounts and fstab lines on the nodes are exactly where the engine looks for them
 * (provider/commands/layout.ts).
 */
import type { Engine } from "../../engine";
import type { DeviceState, NodeState } from "../../ledger/ledger";
import { ValidationError } from "../../model/errors";
import { DevicePath, Hostname, SshOverrides, StorageAddress, Tags, Zone } from "../../model/schemas";
import { lvName, thinPoolName } from "../../commands/layout";
import { GENERATION_META_KEY, HEKETI_CHANGE } from "./constants";
import { planVolumes, type LeftOut } from "./import-volumes";
import { parseHeketiDump, type HeketiDumpIn } from "./parse";
import { describeHeketiOperation } from "./pending";
import { ImportOptions, ImportPlan, Planning, Problems, SkippedEntry } from "./planning";

export interface ImportReport {
  clusters: number;
  nodes: number;
  devices: number;
  volumes: number;
  bricks: number;
  /** Entries left out (pending: "skip"), with why. */
  skipped: SkippedEntry[];
  /** Things the import kept as exported but an operator should know. */
  warnings: string[];
  /** DB_GENERATION_ID of the imported Heketi db (kept in the ledger's meta), if it had one. */
  generationId: string | null;
  /** The journal entry recording the import. */
  operationId: string;
}

/**
 * Load a Heketi export into the engine's empty ledger, in one transaction. A non-empty ledger is
 * refused (like `heketi db import` refuses an existing db file); so is an export that is malformed,
 * holds block volumes, pending operations (unless opts.pending is "skip"), bricks outside Heketi's
 * layout (clones), or multi-set volumes whose brick order is unknown (see opts.glusterVolumes).
 * Nothing is written then.
 */
export function importDump(engine: Pick<Engine, "assertLedgerEmpty" | "importLedger">, input: unknown, opts: ImportOptions = {}): ImportReport {
  engine.assertLedgerEmpty();
  const dump = parseHeketiDump(input);
  const plan = planImport(dump, opts);
  const generation = dump.dbattributeentries.DB_GENERATION_ID?.Value || null;
  const counts = { clusters: plan.clusters.length, nodes: plan.nodes.length, devices: plan.devices.length, volumes: plan.volumes.length, bricks: plan.bricks.length };
  const operationId = engine.importLedger({
    ...plan,
    meta: generation ? { [GENERATION_META_KEY]: generation } : {},
    journal: {
      type: "import-heketi",
      targetId: generation ?? "heketi",
      plan: { ...counts, generationId: generation, skipped: plan.skipped, warnings: plan.warnings },
      step: "insert clusters, nodes, devices, volumes and bricks",
    },
  });
  return { ...counts, skipped: plan.skipped, warnings: plan.warnings, generationId: generation, operationId };
}

/** Validate the whole export against itself and our model; collect every problem, then refuse or return the rows. */
export function planImport(dump: HeketiDumpIn, opts: ImportOptions = {}): ImportPlan {
  const c: Planning = { dump, opts, skip: opts.pending === "skip", P: new Problems(), warnings: [], skipped: [] };
  refuseUnsupported(c);
  const clusters = planClusters(c);
  const clusterIds = new Set(clusters.map((x) => x.id));
  const nodes = planNodes(c, clusterIds);
  const devices = planDevices(c);
  const left = leftOutByPending(c);
  const { volumes, bricks, brickOwner } = planVolumes(c, clusterIds, left);
  refuseUnclaimedBricks(c, brickOwner, left.skippedBricks);
  checkDeviceAccounting(c, devices);
  if (c.P.issues.length) throw new ValidationError(c.P.issues, "the Heketi export cannot be imported");
  return { clusters, nodes, devices, volumes, bricks, skipped: c.skipped, warnings: c.warnings };
}

/** What we do not take at all: block volumes, and (unless skipped) pending operations. */
function refuseUnsupported({ dump, P, skip }: Planning): void {
  const blockIds = Object.keys(dump.blockvolumeentries);
  const blockRefs = Object.values(dump.clusterentries).flatMap((c) => c.Info.blockvolumes);
  if (blockIds.length || blockRefs.length) {
    const names = blockIds.map((id) => ((dump.blockvolumeentries[id] as { Info?: { name?: string } })?.Info?.name ?? id));
    P.add(
      "blockvolumeentries",
      `the export has ${Math.max(blockIds.length, blockRefs.length)} block volume(s)${names.length ? ` (${names.join(", ")})` : ""}: pulumi-glusterfs does not manage gluster-block volumes; ` +
        "delete them with heketi-cli blockvolume delete (or keep this cluster on Heketi) and export again",
    );
  }
  const pendingOps = dump.pendingoperations;
  const markedVolumes = Object.entries(dump.volumeentries).filter(([, v]) => v.Pending);
  const markedBricks = Object.entries(dump.brickentries).filter(([, b]) => b.Pending);
  if (!skip && (Object.keys(pendingOps).length || markedVolumes.length || markedBricks.length)) {
    const opIds = [...new Set([...Object.keys(pendingOps), ...markedVolumes.map(([, v]) => v.Pending), ...markedBricks.map(([, b]) => b.Pending)])].sort();
    P.add(
      "pendingoperations",
      `the export has ${opIds.length} pending operation(s): ${opIds.map((id) => describeHeketiOperation(id, pendingOps[id])).join(", ")} ` +
        `(${markedVolumes.length} volume(s), ${markedBricks.length} brick(s) in the middle of a change). ` +
        "Clean them up with `heketi-cli server operations cleanup` first (server stopped: `heketi offline cleanup-operations --config=heketi.json`), " +
        "then export again; or import with pending \"skip\" to leave those volumes and bricks out",
    );
  }
}

function planClusters({ dump, P }: Planning): ImportPlan["clusters"] {
  const clusters: ImportPlan["clusters"] = [];
  for (const [k, c] of Object.entries(dump.clusterentries)) {
    if (c.Info.id !== k) P.add(`clusterentries.${k}.Info.id`, `is ${c.Info.id}, but the entry is keyed ${k}`);
    clusters.push({ id: k, file: c.Info.file, block: c.Info.block });
  }
  return clusters;
}

function planNodes({ dump, opts, P, warnings }: Planning, clusterIds: Set<string>): ImportPlan["nodes"] {
  const nodes: ImportPlan["nodes"] = [];
  const hostsSeen = new Map<string, string>();
  for (const [k, n] of Object.entries(dump.nodeentries)) {
    const f = `nodeentries.${k}`;
    if (n.Info.id !== k) P.add(`${f}.Info.id`, `is ${n.Info.id}, but the entry is keyed ${k}`);
    if (!clusterIds.has(n.Info.cluster)) P.add(`${f}.Info.cluster`, `cluster ${n.Info.cluster} is not in clusterentries`);
    const manage = P.check(Hostname, n.Info.hostnames.manage[0], `${f}.Info.hostnames.manage.0`);
    const storage = P.check(Hostname, n.Info.hostnames.storage[0], `${f}.Info.hostnames.storage.0`);
    const zone = P.check(Zone, n.Info.zone, `${f}.Info.zone`);
    const tags = P.check(Tags, n.Info.tags, `${f}.Info.tags`);
    for (const [field, h] of [["manage", manage], ["storage", storage]] as const) {
      if (!h) continue;
      const other = hostsSeen.get(`${field}:${h}`);
      if (other) P.add(`${f}.Info.hostnames.${field}.0`, `${h} is also the ${field} hostname of node ${other}`);
      hostsSeen.set(`${field}:${h}`, k);
    }
    if (storage && !StorageAddress.safeParse(storage).success) {
      warnings.push(`node ${manage ?? k}: storage hostname ${storage} is not an IPv4 address (the Node resource requires one: Kubernetes endpoints need IPs); kept as exported`);
    }
    const ssh = P.check(SshOverrides, { ...opts.ssh, ...(manage ? opts.sshByHost?.[manage] : undefined) }, `ssh settings for ${manage ?? k}`);
    if (!manage || !storage || zone === undefined || !tags || !ssh) continue;
    nodes.push({
      id: k, clusterId: n.Info.cluster, manageHost: manage, storageHost: storage, zone, tags,
      ssh: Object.fromEntries(Object.entries(ssh).filter(([, v]) => v !== undefined)), state: n.State as NodeState,
    });
  }
  for (const key of Object.keys(opts.sshByHost ?? {})) {
    if (!nodes.some((n) => n.manageHost === key)) P.add(`ssh settings for ${key}`, "no node in the export has this management hostname");
  }
  return nodes;
}

function planDevices({ dump, P, warnings }: Planning): ImportPlan["devices"] {
  const devices: ImportPlan["devices"] = [];
  const pathsSeen = new Set<string>();
  for (const [k, d] of Object.entries(dump.deviceentries)) {
    const f = `deviceentries.${k}`;
    if (d.Info.id !== k) P.add(`${f}.Info.id`, `is ${d.Info.id}, but the entry is keyed ${k}`);
    if (!dump.nodeentries[d.NodeId]) P.add(`${f}.NodeId`, `node ${d.NodeId} is not in nodeentries`);
    else if (!dump.nodeentries[d.NodeId].Devices.includes(k)) warnings.push(`device ${k}: its node ${d.NodeId} does not list it (imported on that node anyway)`);
    const path = P.check(DevicePath, d.Info.name, `${f}.Info.name`);
    const tags = P.check(Tags, d.Info.tags, `${f}.Info.tags`);
    if (path && pathsSeen.has(`${d.NodeId}:${path}`)) P.add(`${f}.Info.name`, `${path} appears twice on node ${d.NodeId}`);
    if (path) pathsSeen.add(`${d.NodeId}:${path}`);
    const s = d.Info.storage;
    if (s.total !== s.free + s.used) warnings.push(`device ${path ?? k} [${k}]: total ${s.total} KiB is not free ${s.free} + used ${s.used} KiB (kept as exported)`);
    if (!path || !tags) continue;
    devices.push({
      id: k, nodeId: d.NodeId, path, state: d.State as DeviceState, totalKiB: s.total, freeKiB: s.free, usedKiB: s.used,
      extentKiB: d.ExtentSize || 4096, pvUuid: d.Info.pv_uuid || null, tags,
    });
  }
  return devices;
}

/** Skip mode: the volumes a pending operation marks, and the bricks one is adding (a brick one is removing is still real, and imported). */
function leftOutByPending({ dump, skip, skipped, warnings }: Planning): LeftOut {
  const pendingOps = dump.pendingoperations;
  const markedVolumes = Object.entries(dump.volumeentries).filter(([, v]) => v.Pending);
  const markedBricks = Object.entries(dump.brickentries).filter(([, b]) => b.Pending);
  const deleting = new Set<string>(); // bricks a pending op is removing: still real, imported
  for (const o of Object.values(pendingOps)) for (const a of o.Actions) if (a.Change === HEKETI_CHANGE.DeleteBrick) deleting.add(a.Id);
  const skippedVolumes = new Set<string>();
  const skippedBricks = new Set<string>();
  if (skip) {
    for (const [id, v] of markedVolumes) {
      skippedVolumes.add(id);
      skipped.push({ kind: "volume", id, name: v.Info.name, reason: `pending operation ${describeHeketiOperation(v.Pending, pendingOps[v.Pending])}` });
    }
    for (const [id, b] of markedBricks) {
      if (skippedVolumes.has(b.Info.volume)) continue;
      if (deleting.has(id)) {
        warnings.push(`brick ${id} of volume ${b.Info.volume}: pending operation ${describeHeketiOperation(b.Pending, pendingOps[b.Pending])} was removing it; imported as a brick of the volume`);
        continue;
      }
      skippedBricks.add(id);
      skipped.push({ kind: "brick", id, reason: `being added by pending operation ${describeHeketiOperation(b.Pending, pendingOps[b.Pending])}` });
    }
  }
  return { skippedVolumes, skippedBricks };
}

/** Bricks no (imported or skipped) volume claims. */
function refuseUnclaimedBricks({ dump, P, skip, skipped }: Planning, brickOwner: Map<string, string>, skippedBricks: Set<string>): void {
  const pendingOps = dump.pendingoperations;
  for (const [id, b] of Object.entries(dump.brickentries)) {
    if (brickOwner.has(id) || skippedBricks.has(id)) continue;
    if (skip && b.Pending) {
      skipped.push({ kind: "brick", id, reason: `being added by pending operation ${describeHeketiOperation(b.Pending, pendingOps[b.Pending])}` });
      continue;
    }
    P.add(
      `brickentries.${id}`,
      b.Info.path
        ? `belongs to no volume (volume ${b.Info.volume} does not list it)`
        : "belongs to no volume and has no path: remove such bricks with `heketi db delete-bricks-with-empty-path` and export again",
    );
  }
}

/** Device accounting, as Heketi's db check does it; and how to remove what skipped bricks left on the nodes. */
function checkDeviceAccounting({ dump, skipped, warnings }: Planning, devices: ImportPlan["devices"]): void {
  for (const d of devices) {
    const all = Object.values(dump.brickentries).filter((b) => b.Info.device === d.id);
    const sum = all.reduce((n, b) => n + b.TpSize + b.PoolMetadataSize, 0);
    if (sum !== d.usedKiB) warnings.push(`device ${d.path} [${d.id}]: used ${d.usedKiB} KiB, but its bricks' thin pools take ${sum} KiB (kept as exported)`);
  }
  const skippedOnDevices = skipped.filter((s) => s.kind === "brick").map((s) => dump.brickentries[s.id]).filter(Boolean);
  if (skippedOnDevices.length) {
    warnings.push(
      "skipped bricks keep their space counted as used; if Heketi had created them, remove them on their nodes by hand: " +
        skippedOnDevices.map((b) => `${b.Info.node}: vg_${b.Info.device}/${lvName(b.Info.id)} + vg_${b.Info.device}/${b.LvmThinPool || thinPoolName(b.Info.id)}`).join("; "),
    );
  }
}
