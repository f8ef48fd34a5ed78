import type { BrickRow, NodeRow, VolumeRow } from "../ledger/ledger";
import { AllocationError, ConflictError, ValidationError } from "../model/errors";
import { newId } from "../model/ids";
import { GlusterOption, validate, VolumeCreate, VolumeCreateInput } from "../model/schemas";
import { NoSpaceError, placeBricks, Placement, volumeLimitReached } from "../placement";
import { GlusterVolumeInfo, parseOneVolumeInfoXml } from "../commands/parsers";
import { askInTurn, OpContext, runScript } from "./context";
import { runJournaled } from "./journal";
import * as S from "./scripts";
import { topologySnapshot } from "./placement-snapshot";

export { AllocationError };

/** An operation whose synchronous part (validation, placement, space reserved: Heketi's "build") is done; `done` settles when its remote part has run. */
export interface Started<T> {
  volume: VolumeRow;
  done: Promise<T>;
}

/** Create a volume: place bricks (reserving space atomically), build them on every node in parallel, then gluster create/options/start. */
export async function createVolume(ctx: OpContext, input: VolumeCreateInput): Promise<VolumeRow> {
  return startCreateVolume(ctx, input).done;
}

/** createVolume in two parts: bad input, no space or a name in use throw here, before anything runs remotely. */
export function startCreateVolume(ctx: OpContext, input: VolumeCreateInput): Started<VolumeRow> {
  const req = validate(VolumeCreate, input, "invalid volume request");
  const { op, volume } = ctx.ledger.immediate(() => {
    const clusters = req.clusters.length ? req.clusters.map((id) => ctx.ledger.getCluster(id)) : ctx.ledger.listClusters();
    if (!clusters.length) throw new ValidationError([{ field: "clusters", rule: "no clusters configured" }]);
    const volumeId = req.id ?? newId();
    const name = req.name ?? `vol_${volumeId}`;
    const failures: string[] = [];
    for (const cluster of clusters) {
      if (!cluster.file) {
        failures.push(`Cluster ${cluster.id}: Cluster does not support requested volume type`);
        continue;
      }
      if (ctx.ledger.findVolumeByName(cluster.id, name)) {
        failures.push(`Cluster ${cluster.id}: Volume name '${name}' already in use`);
        continue;
      }
      const full = volumeLimitReached(ctx.ledger.listVolumes(cluster.id).length, ctx.settings.limits);
      if (full) {
        failures.push(`Cluster ${cluster.id}: ${full}`);
        continue;
      }
      let placement: Placement;
      try {
        placement = placeBricks(
          topologySnapshot(ctx.ledger, cluster.id),
          { sizeGiB: req.sizeGiB, durability: req.durability, snapshotFactor: req.snapshotFactor, zoneChecking: req.zoneChecking, deviceTagMatch: req.deviceTagMatch },
          ctx.settings.limits,
        );
      } catch (err) {
        if (err instanceof NoSpaceError) {
          failures.push(`Cluster ${cluster.id}: ${err.message}`);
          continue;
        }
        throw err;
      }
      const v = ctx.ledger.insertVolume({
        id: volumeId, clusterId: cluster.id, name, sizeGiB: req.sizeGiB, durability: req.durability, gid: req.gid,
        snapshotFactor: req.snapshotFactor, snapshotEnable: req.snapshotEnable, options: serverWideOptions(ctx, req.options), state: "creating", opId: null,
      });
      const o = ctx.ledger.beginOperation("create-volume", v.id, { volumeId: v.id, clusterId: cluster.id });
      ctx.ledger.updateVolume(v.id, { opId: o.id });
      insertBricks(ctx, v.id, placement, 0, o.id);
      return { op: o, volume: v };
    }
    throw new AllocationError(
      clusters.length === 1 ? `Failed to allocate new volume: ${failures[0].replace(/^Cluster \S+: /, "")}` : `Failed to allocate new volume: Unable to create volume on any cluster:\n${failures.join("\n")}`,
    );
  });
  const bricks = ctx.ledger.listBricks(volume.id);
  const done = runJournaled(
    ctx,
    op,
    [
      { name: "check the name is free in gluster", run: () => assertNameFree(ctx, volume, bricks) },
      { name: "create bricks", run: () => createBricks(ctx, volume, bricks) },
      { name: "gluster volume create and start", run: () => glusterCreate(ctx, volume, bricks) },
    ],
    {
      rollback: () => cleanVolume(ctx, volume.id, { onlyOp: undefined }),
      finalize: () => {
        for (const b of bricks) ctx.ledger.setBrickState(b.id, "ready", null);
        ctx.ledger.updateVolume(volume.id, { state: "online", opId: null });
        return ctx.ledger.getVolume(volume.id);
      },
    },
  );
  return { volume, done };
}

/** Grow a volume by `addGiB`: new brick sets, add-brick (the commit point), then rebalance. */
export async function expandVolume(ctx: OpContext, volumeId: string, addGiB: number): Promise<VolumeRow> {
  return startExpandVolume(ctx, volumeId, addGiB).done;
}

/** expandVolume in two parts: a busy volume or no space throws here, before anything runs remotely. */
export function startExpandVolume(ctx: OpContext, volumeId: string, addGiB: number): Started<VolumeRow> {
  if (!Number.isInteger(addGiB) || addGiB < 1) throw new ValidationError([{ field: "expandSize", rule: "must be a whole number of GiB, at least 1" }]);
  const { op, volume, newBricks } = ctx.ledger.immediate(() => {
    const v = ctx.ledger.getVolume(volumeId);
    if (v.state !== "online" || v.opId) throw new ConflictError(`volume ${v.name} is ${busyState(v)}; wait for the running operation (${v.opId}) to finish`);
    const existing = ctx.ledger.listBricks(v.id);
    let placement: Placement;
    try {
      placement = placeBricks(
        topologySnapshot(ctx.ledger, v.clusterId),
        { sizeGiB: addGiB, durability: v.durability, snapshotFactor: v.snapshotFactor, existingBricks: existing.length },
        ctx.settings.limits,
      );
    } catch (err) {
      if (err instanceof NoSpaceError) throw new AllocationError(`Failed to allocate volume expansion: ${err.message}`);
      throw err;
    }
    const o = ctx.ledger.beginOperation("expand-volume", v.id, { volumeId: v.id, addGiB });
    ctx.ledger.updateVolume(v.id, { state: "expanding", opId: o.id });
    const firstSet = Math.max(-1, ...existing.map((b) => b.setIndex)) + 1;
    insertBricks(ctx, v.id, placement, firstSet, o.id);
    return { op: o, volume: v, newBricks: ctx.ledger.listBricksOfOperation(o.id) };
  });
  const done = runJournaled(
    ctx,
    op,
    [
      { name: "create bricks", run: () => createBricks(ctx, volume, newBricks) },
      { name: "gluster add-brick", run: () => addBricksKnowingOutcome(ctx, volume, newBricks), commits: true },
      { name: "rebalance", run: () => rebalance(ctx, volume, newBricks) },
    ],
    {
      rollback: () => cleanExpansion(ctx, volume.id, op.id),
      finalize: () => finishExpansion(ctx, volume.id, op.id, addGiB),
    },
  );
  return { volume, done };
}

/** Set gluster options on a volume (and reset the keys that were removed). */
export async function setVolumeOptions(ctx: OpContext, volumeId: string, options: GlusterOption[]): Promise<VolumeRow> {
  const v = ctx.ledger.getVolume(volumeId);
  if (v.state !== "online" || v.opId) throw new ConflictError(`volume ${v.name} is ${busyState(v)}; wait for operation ${v.opId}`);
  const removed = v.options.filter((o) => !options.some((n) => n.key === o.key)).map((o) => o.key);
  const node = anyOnlineNode(ctx, v.clusterId);
  const op = ctx.ledger.beginOperation("set-volume-options", v.id, { volumeId: v.id, options, removed });
  return runJournaled(ctx, op, [{ name: "gluster volume set/reset", run: () => ctx.serialize(v.clusterId, () => runScript(ctx, node, S.volumeOptions(ctx, v.name, options, removed)).then(() => undefined)) }], {
    rollback: async () => undefined,
    finalize: () => {
      ctx.ledger.updateVolume(v.id, { options });
      return ctx.ledger.getVolume(v.id);
    },
  });
}

/** Delete a volume: stop and delete it in gluster, tear its bricks down, free the space. Idempotent. */
export async function deleteVolume(ctx: OpContext, volumeId: string): Promise<void> {
  return startDeleteVolume(ctx, volumeId).done;
}

/** deleteVolume in two parts: a busy or unknown volume throws here, before anything runs remotely. */
export function startDeleteVolume(ctx: OpContext, volumeId: string): Started<void> {
  const { op, volume } = ctx.ledger.immediate(() => {
    const v = ctx.ledger.getVolume(volumeId);
    if (v.state === "creating" || v.state === "expanding" || (v.state === "online" && v.opId)) {
      throw new ConflictError(`volume ${v.name} is ${busyState(v)} (operation ${v.opId}); wait for it to finish`);
    }
    const o = ctx.ledger.beginOperation("delete-volume", v.id, { volumeId: v.id });
    ctx.ledger.setOperationStatus(o.id, "committed"); // deletes only go forward
    ctx.ledger.updateVolume(v.id, { state: "deleting", opId: o.id });
    return { op: ctx.ledger.getOperation(o.id), volume: v };
  });
  const done = runJournaled(ctx, op, [{ name: "delete volume and bricks", run: () => cleanVolume(ctx, volume.id, {}) }], {
    rollback: async () => undefined,
    finalize: () => undefined,
  });
  return { volume, done };
}

// ---------------------------------------------------------------------------------------------

/** A create's options between the server-wide ones, in Heketi's order: pre-request, the request's, post-request. */
function serverWideOptions(ctx: OpContext, options: GlusterOption[]): GlusterOption[] {
  return [...ctx.settings.preRequestVolumeOptions, ...options, ...ctx.settings.postRequestVolumeOptions];
}

/**
 * An online volume with an operation id is busy: a device evacuation is moving one of its bricks
 * (create/expand/delete use the state itself).
 */
function busyState(v: VolumeRow): string {
  return v.state === "online" && v.opId ? "busy (one of its bricks is being moved off a device being removed)" : v.state;
}

function insertBricks(ctx: OpContext, volumeId: string, placement: Placement, firstSet: number, opId: string): void {
  placement.sets.forEach((set, s) =>
    set.forEach((slot, position) => {
      const id = newId();
      ctx.ledger.insertBrick({
        id, volumeId, deviceId: slot.deviceId, nodeId: slot.nodeId, path: S.brickPath(slot.deviceId, id),
        sizeKiB: slot.sizeKiB, tpKiB: slot.tpKiB, metaKiB: slot.metaKiB, setIndex: firstSet + s, position,
        subtype: slot.subtype, state: "pending", opId,
      });
      ctx.ledger.reserveOnDevice(slot.deviceId, slot.needKiB);
    }),
  );
}

function byNode(bricks: BrickRow[]): Map<string, BrickRow[]> {
  const m = new Map<string, BrickRow[]>();
  for (const b of bricks) m.set(b.nodeId, [...(m.get(b.nodeId) ?? []), b]);
  return m;
}

/** A gluster volume of that name made by hand (or by another tool) is not ours to replace: refuse before building anything. */
async function assertNameFree(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<void> {
  const node = ctx.ledger.getNode(bricks[0].nodeId);
  const live = parseOneVolumeInfoXml(await runScript(ctx, node, S.volumeInfo(ctx, v.name)));
  if (live && !isOurs(live, v, bricks)) {
    throw new ConflictError(
      `a gluster volume named ${v.name} already exists on the nodes${live.heketiId ? ` (volume ${live.heketiId})` : ""} and is not in this ledger: ` +
        "choose another name, or delete that volume by hand if it is not needed",
    );
  }
}

/** One script per node creating all of that node's bricks; nodes in parallel. */
async function createBricks(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<void> {
  await Promise.all(
    [...byNode(bricks)].map(async ([nodeId, list]) => {
      const node = ctx.ledger.getNode(nodeId);
      await runScript(ctx, node, S.bricksCreate(ctx, v, list));
    }),
  );
}

function hostPaths(ctx: OpContext, bricks: BrickRow[]): string[] {
  return bricks.map((b) => `${ctx.ledger.getNode(b.nodeId).storageHost}:${b.path}`);
}

async function glusterCreate(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<void> {
  const first = ctx.ledger.getNode(bricks[0].nodeId);
  const sets = groupSets(bricks).map((set) => hostPaths(ctx, set));
  await ctx.serialize(v.clusterId, () => runScript(ctx, first, S.volumeCreate(ctx, v, sets)));
}

async function glusterAddBricks(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<void> {
  const first = ctx.ledger.getNode(bricks[0].nodeId);
  const sets = groupSets(bricks).map((set) => hostPaths(ctx, set));
  await ctx.serialize(v.clusterId, () => runScript(ctx, first, S.volumeAddBricks(ctx, v, sets)));
}

/**
 * add-brick, and when it fails, ask gluster which side won before anyone undoes anything: a dropped
 * connection or a timeout after gluster added the bricks must not let the rollback destroy bricks the
 * volume serves. Bricks gluster has are kept; the sets it does not have are added (forward).
 */
async function addBricksKnowingOutcome(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<void> {
  try {
    await glusterAddBricks(ctx, v, bricks);
    return;
  } catch (err) {
    const served = await servedBricks(ctx, v, bricks);
    if (!served.size) throw err;
    const missing = bricks.filter((b) => !served.has(b.id));
    ctx.log(`add-brick on ${v.name} failed (${(err as Error).message}), yet gluster serves ${served.size} of its ${bricks.length} bricks: keeping them${missing.length ? ", adding the rest" : ""}`);
    if (missing.length) await glusterAddBricks(ctx, v, missing);
  }
}

/** The bricks (of these) that gluster serves in the volume now. Throws when no node's gluster answers. */
async function servedBricks(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<Set<string>> {
  const live = await liveVolume(ctx, v, bricks);
  const paths = new Set((live?.bricks ?? []).map((b) => b.path));
  return new Set(bricks.filter((b) => paths.has(b.path)).map((b) => b.id));
}

/** `volume info` of the volume, asked of its bricks' nodes, then any online node, until one answers. */
async function liveVolume(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<GlusterVolumeInfo | null> {
  const ids = [...new Set([...bricks.map((b) => b.nodeId), ...ctx.ledger.listNodes(v.clusterId).map((n) => n.id)])];
  const nodes = ids.map((id) => ctx.ledger.findNode(id)).filter((n): n is NodeRow => !!n && n.state === "online");
  try {
    return await askInTurn(nodes, async (n) => parseOneVolumeInfoXml(await runScript(ctx, n, S.volumeInfo(ctx, v.name))), () => new Error("no online node"));
  } catch (err) {
    throw new Error(`gluster could not be asked about volume ${v.name} (${(err as Error).message}); nothing was undone`);
  }
}

async function rebalance(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<void> {
  if (!ctx.settings.rebalanceOnExpand) return;
  const first = ctx.ledger.getNode(bricks[0].nodeId);
  try {
    await ctx.serialize(v.clusterId, () => runScript(ctx, first, S.volumeRebalance(ctx, v.name)));
  } catch (err) {
    ctx.log(`rebalance of ${v.name} did not start (the new bricks are in use anyway): ${(err as Error).message}`);
  }
}

function groupSets(bricks: BrickRow[]): BrickRow[][] {
  const sets = new Map<number, BrickRow[]>();
  for (const b of [...bricks].sort((a, c) => a.setIndex - c.setIndex || a.position - c.position)) sets.set(b.setIndex, [...(sets.get(b.setIndex) ?? []), b]);
  return [...sets.values()];
}

function anyOnlineNode(ctx: OpContext, clusterId: string, exclude: string[] = []): NodeRow {
  const n = ctx.ledger.listNodes(clusterId).find((x) => x.state === "online" && !exclude.includes(x.id));
  if (!n) throw new ConflictError(`cluster ${clusterId} has no online node to run gluster commands on`);
  return n;
}

/**
 * Remove a volume everywhere (gluster, bricks, ledger rows, reserved space). Idempotent: an
 * already-deleted gluster volume, unmounted brick or missing LV counts as done. Used by delete, by
 * create's rollback and by recovery.
 */
export async function cleanVolume(ctx: OpContext, volumeId: string, _opts: { onlyOp?: string }): Promise<void> {
  const v = ctx.ledger.findVolume(volumeId);
  if (!v) return;
  const bricks = ctx.ledger.listBricks(v.id);
  const nodes = ctx.ledger.listNodes(v.clusterId).filter((n) => n.state === "online");
  // stop + delete in gluster, only if the volume of that name is this one: try nodes until one answers (a brick's node first)
  const order = [...new Set([...bricks.map((b) => b.nodeId), ...nodes.map((n) => n.id)])].map((id) => ctx.ledger.getNode(id)).filter((n) => n.state === "online");
  let lastErr: Error | undefined;
  let deleted = order.length === 0;
  for (const node of order) {
    try {
      await ctx.serialize(v.clusterId, async () => {
        const live = parseOneVolumeInfoXml(await runScript(ctx, node, S.volumeInfo(ctx, v.name)));
        if (live && !isOurs(live, v, bricks)) {
          ctx.log(`gluster volume ${v.name} on the nodes is not volume ${v.id} (another id, none of its bricks): left alone`);
          return;
        }
        if (!live) return;
        try {
          await runScript(ctx, node, S.volumeDestroy(ctx, v.name));
        } catch (err) {
          // unknown is not absent: a timeout or a dropped connection may hide a delete that happened
          const after = parseOneVolumeInfoXml(await runScript(ctx, node, S.volumeInfo(ctx, v.name)));
          if (after && isOurs(after, v, bricks)) throw err;
        }
      });
      deleted = true;
      break;
    } catch (err) {
      lastErr = err as Error;
    }
  }
  if (!deleted) throw lastErr ?? new Error(`could not delete gluster volume ${v.name}`);
  for (const b of bricks) if (ctx.ledger.findBrick(b.id)) ctx.ledger.setBrickState(b.id, "deleting", b.opId);
  await destroyBricks(ctx, v, bricks);
  ctx.ledger.immediate(() => {
    // space comes back only for the rows removed here: a concurrent delete or recovery may have done it already
    for (const b of bricks) if (ctx.ledger.deleteBrick(b.id)) ctx.ledger.reserveOnDevice(b.deviceId, -(b.tpKiB + b.metaKiB));
    ctx.ledger.deleteVolume(v.id);
  });
}

/**
 * Is the gluster volume of this name the ledger's volume? Marked with its id, or holding one of its
 * bricks (a create cut off before `user.heketi.id` was set). Anything else was not made by this
 * operation, whatever its name, and is never stopped or deleted.
 */
function isOurs(live: GlusterVolumeInfo, v: VolumeRow, bricks: BrickRow[]): boolean {
  if (live.heketiId) return live.heketiId === v.id;
  const paths = new Set(bricks.map((b) => b.path));
  return live.bricks.some((b) => paths.has(b.path));
}

async function destroyBricks(ctx: OpContext, v: VolumeRow, bricks: BrickRow[]): Promise<void> {
  const results = await Promise.allSettled(
    [...byNode(bricks)].map(async ([nodeId, list]) => runScript(ctx, ctx.ledger.getNode(nodeId), S.bricksDestroy(ctx, v, list))),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length) throw failed[0].reason;
}

/**
 * Undo an expansion that did not reach add-brick: tear down the new bricks, give the space back.
 * Never a brick gluster serves: when gluster has any of them (or cannot be asked), nothing is undone and
 * this throws; `settleExpansion` finishes such an expansion instead.
 */
export async function cleanExpansion(ctx: OpContext, volumeId: string, opId: string): Promise<void> {
  const v = ctx.ledger.findVolume(volumeId);
  const bricks = ctx.ledger.listBricksOfOperation(opId);
  if (v && bricks.length) {
    const served = await servedBricks(ctx, v, bricks);
    if (served.size) throw new ConflictError(`gluster serves ${served.size} of the new bricks of volume ${v.name}: the expansion is finished by recovery, not undone`);
    await destroyBricks(ctx, v, bricks);
  }
  ctx.ledger.immediate(() => {
    for (const b of bricks) if (ctx.ledger.deleteBrick(b.id)) ctx.ledger.reserveOnDevice(b.deviceId, -(b.tpKiB + b.metaKiB));
    if (v) ctx.ledger.updateVolume(v.id, { state: "online", opId: null });
  });
}

/**
 * Recovery of an expansion a dead process left: committed, or cut off after gluster took (some of) the
 * new bricks, it is finished (the missing sets added); otherwise undone.
 */
export async function settleExpansion(ctx: OpContext, op: { id: string; status: string }, volumeId: string, addGiB: number): Promise<"finished" | "rolled back"> {
  const v = ctx.ledger.findVolume(volumeId);
  const bricks = ctx.ledger.listBricksOfOperation(op.id);
  if (op.status !== "committed" && v && bricks.length) {
    const served = await servedBricks(ctx, v, bricks);
    if (served.size) {
      const missing = bricks.filter((b) => !served.has(b.id));
      if (missing.length) await glusterAddBricks(ctx, v, missing);
    } else {
      await cleanExpansion(ctx, volumeId, op.id);
      return "rolled back";
    }
  } else if (op.status !== "committed") {
    await cleanExpansion(ctx, volumeId, op.id);
    return "rolled back";
  }
  ctx.ledger.immediate(() => finishExpansion(ctx, volumeId, op.id, addGiB));
  return "finished";
}

export function finishExpansion(ctx: OpContext, volumeId: string, opId: string, addGiB: number): VolumeRow {
  const v = ctx.ledger.getVolume(volumeId);
  for (const b of ctx.ledger.listBricksOfOperation(opId)) ctx.ledger.setBrickState(b.id, "ready", null);
  ctx.ledger.updateVolume(v.id, { state: "online", sizeGiB: v.sizeGiB + addGiB, opId: null });
  return ctx.ledger.getVolume(v.id);
}
