/**
 * Device evacuation (Heketi's "device remove"): move every brick off a device with replace-brick,
 * one brick at a time, each move journaled with its commit point, then remove the device.
 */
import { parseHealInfoXml, parseOneVolumeInfoXml } from "../commands/parsers";
import type { Script } from "../commands/shell";
import type { BrickRow, DeviceRow, DeviceState, NodeRow, OperationRow, VolumeRow } from "../ledger/ledger";
import { ConflictError, EngineError, NotFoundError } from "../model/errors";
import { newId } from "../model/ids";
import { chooseReplacement, NoSpaceError, PlacedBrick, Topology } from "../placement";
import { OpContext, probeScript, runScript } from "./context";
import { OperationFailedError } from "./journal";
import * as S from "./scripts";
import { topologySnapshot } from "./placement-snapshot";
import { forgetDevice, removeEmptyDevice } from "./device-removal";
import { AllocationError } from "../model/errors";

export interface BrickMove {
  volumeId: string;
  oldBrickId: string;
  newBrickId: string;
  phase: "prepared" | "committed";
}

export interface EvacuationPlan {
  deviceId: string;
  /** The device's state before the evacuation, restored when it stops early. */
  previousState: DeviceState;
  healCheck: boolean;
  /** Heketi's `device remove`: leave the emptied device in state failed (VG kept) instead of removing it. */
  keepDevice?: boolean;
  /** Heketi's `brick evict`: move only this brick; the device keeps its state and its other bricks. */
  brickId?: string;
  move: BrickMove | null;
  moved: Array<{ oldBrickId: string; newBrickId: string }>;
}

export async function evacuateDevice(ctx: OpContext, deviceId: string, opts: { healCheck: boolean; keepDevice?: boolean }): Promise<void> {
  const started = ctx.ledger.immediate(() => {
    const d = ctx.ledger.getDevice(deviceId);
    assertDeviceIdle(d);
    const bricks = evacuationOrder(ctx, d.id);
    if (!bricks.length) {
      if (opts.keepDevice) ctx.ledger.updateDevice(d.id, { state: "failed" });
      return null;
    }
    // Refuse up front, changing nothing, when some brick could not be moved.
    const node = ctx.ledger.getNode(d.nodeId);
    const topo = topologySnapshot(ctx.ledger, node.clusterId, { excludeDevices: [d.id] });
    for (const b of bricks) {
      const v = ctx.ledger.getVolume(b.volumeId);
      assertMovable(v, d);
      const placed = replacementFor(ctx, topo, d.id, v, b);
      const target = topo.nodes.flatMap((n) => n.devices).find((x) => x.id === placed.deviceId)!;
      target.freeKiB -= placed.needKiB; // later bricks see the space this one takes
    }
    const plan: EvacuationPlan = { deviceId: d.id, previousState: d.state, healCheck: opts.healCheck, keepDevice: opts.keepDevice, move: null, moved: [] };
    const op = ctx.ledger.beginOperation("evacuate-device", d.id, plan);
    ctx.ledger.updateDevice(d.id, { state: "removing", opId: op.id });
    return { op, total: bricks.length };
  });
  if (!started) return opts.keepDevice ? undefined : removeEmptyDevice(ctx, deviceId);
  const { op, total } = started;
  ctx.log(`evacuating device ${deviceId}: ${total} brick(s) to move`);
  for (let moved = 0; ; moved++) {
    const next = evacuationOrder(ctx, deviceId)[0];
    if (!next) break;
    await moveBrick(ctx, op.id, next, { moved, total: Math.max(total, moved + 1) });
  }
  if (opts.keepDevice) {
    ctx.ledger.immediate(() => {
      ctx.ledger.updateDevice(deviceId, { state: "failed", opId: null });
      ctx.ledger.setOperationStatus(op.id, "done");
    });
    return;
  }
  try {
    await forgetDevice(ctx, deviceId);
  } catch (err) {
    ctx.ledger.recordStep(op.id, "vgremove + pvremove", "failed", (err as Error).message.slice(0, 2000));
    ctx.ledger.setOperationStatus(op.id, "failed", (err as Error).message);
    throw new OperationFailedError(op.id, new EngineError((err as EngineError).code ?? "OPERATION_FAILED",
      `every brick was moved off device [${deviceId}], but removing its VG/PV failed: ${(err as Error).message}; the next recovery (\`pulumi-glusterfs recover\`) retries it`));
  }
  ctx.ledger.recordStep(op.id, "vgremove + pvremove", "done");
  ctx.ledger.setOperationStatus(op.id, "done");
}

/**
 * Heketi's `brick evict`: move one brick to another device (replace-brick, heal check unless disabled),
 * then destroy the old one. The brick's device keeps its state. One operation "evict-brick", journaled
 * like a device evacuation of one brick: same commit point, rollback and recovery.
 */
export async function evictBrick(ctx: OpContext, brickId: string, opts: { healCheck: boolean }): Promise<void> {
  const op = ctx.ledger.immediate(() => {
    const b = brickRow(ctx, brickId);
    const d = ctx.ledger.getDevice(b.deviceId);
    assertDeviceIdle(d, ` holding brick ${b.id}`);
    const v = ctx.ledger.getVolume(b.volumeId);
    assertMovable(v, d);
    replacementFor(ctx, topologySnapshot(ctx.ledger, v.clusterId, { excludeDevices: [d.id] }), d.id, v, b); // refuse up front when nowhere fits
    const plan: EvacuationPlan = { deviceId: d.id, previousState: d.state, healCheck: opts.healCheck, brickId: b.id, move: null, moved: [] };
    const op = ctx.ledger.beginOperation("evict-brick", b.id, plan);
    ctx.ledger.updateDevice(d.id, { opId: op.id });
    return op;
  });
  await moveBrick(ctx, op.id, brickRow(ctx, brickId), { moved: 0, total: 1 });
  ctx.ledger.immediate(() => {
    const plan = ctx.ledger.getOperation(op.id).plan as EvacuationPlan;
    ctx.ledger.updateDevice(plan.deviceId, { opId: null });
    ctx.ledger.setOperationStatus(op.id, "done");
  });
}

/** The bricks on a device in the order they are moved: volume name, set, position, id. */
function evacuationOrder(ctx: OpContext, deviceId: string): BrickRow[] {
  const name = (b: BrickRow) => ctx.ledger.findVolume(b.volumeId)?.name ?? "";
  return ctx.ledger
    .listBricksOnDevice(deviceId)
    .sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : a.setIndex - b.setIndex || a.position - b.position || (a.id < b.id ? -1 : 1)));
}

/** A device whose bricks may be moved: in service (online, offline or failed) and no operation on it. */
function assertDeviceIdle(d: DeviceRow, which = ""): void {
  if (d.opId || !["online", "offline", "failed"].includes(d.state)) {
    throw new ConflictError(`device ${d.path} [${d.id}]${which} is ${d.state} (operation ${d.opId}); wait for that operation to finish`);
  }
}

function assertMovable(v: VolumeRow, d: DeviceRow): void {
  if (v.state !== "online" || v.opId) {
    throw new ConflictError(`volume ${v.name} has a brick on device ${d.path} [${d.id}] but is ${v.state === "online" ? "busy" : v.state} (operation ${v.opId}); wait for that operation to finish and retry`);
  }
  if (v.durability.type === "none") {
    throw new ConflictError(`volume ${v.name} is distribute-only: gluster cannot replace-brick its brick on device ${d.path} [${d.id}] (there is no copy to heal a new brick from); delete the volume or copy its data elsewhere first`);
  }
}

/** Where a brick of v goes instead of the evacuated device, or Heketi's "no replacement" error. */
function replacementFor(ctx: OpContext, topo: Topology, deviceId: string, v: VolumeRow, old: BrickRow): PlacedBrick {
  const peers = ctx.ledger.listBricks(v.id).filter((b) => b.setIndex === old.setIndex && b.id !== old.id);
  try {
    return chooseReplacement(
      topo,
      { brickKiB: old.sizeKiB, snapshotFactor: v.snapshotFactor, subtype: old.subtype, durability: v.durability, excludeNodeIds: peers.map((b) => b.nodeId), excludeDeviceIds: [deviceId] },
      ctx.settings.limits,
    );
  } catch (err) {
    if (!(err instanceof NoSpaceError)) throw err;
    throw new AllocationError(
      `Unable to delete device [${deviceId}] as no device was found to replace it: No Replacement was found for resource requested to be removed. ` +
        `Brick ${old.id} of volume ${v.name} (set ${old.setIndex + 1}): ${err.message}`,
    );
  }
}

function brickRow(ctx: OpContext, id: string): BrickRow {
  const b = ctx.ledger.findBrick(id);
  if (!b) throw new NotFoundError("brick", id);
  return b;
}

function hostPath(ctx: OpContext, b: BrickRow): { host: string; path: string } {
  return { host: ctx.ledger.getNode(b.nodeId).storageHost, path: b.path };
}
const brickName = (a: { host: string; path: string }) => `${a.host}:${a.path}`;

/** The node that runs a move's gluster commands: the old brick's node, else any online node. */
function glusterNode(ctx: OpContext, old: BrickRow): NodeRow {
  const own = ctx.ledger.getNode(old.nodeId);
  if (own.state === "online") return own;
  const n = ctx.ledger.listNodes(own.clusterId).find((x) => x.state === "online");
  if (!n) throw new ConflictError(`cluster ${own.clusterId} has no online node to run gluster commands on`);
  return n;
}

function updatePlan(ctx: OpContext, opId: string, fn: (p: EvacuationPlan) => EvacuationPlan): void {
  const op = ctx.ledger.getOperation(opId);
  ctx.ledger.setOperationStatus(opId, op.status, undefined, fn(op.plan as EvacuationPlan));
}

/** Move one brick off the device; on a failure before the commit point, roll it back and stop the evacuation. */
async function moveBrick(ctx: OpContext, opId: string, old: BrickRow, progress: { moved: number; total: number }): Promise<void> {
  const plan = ctx.ledger.getOperation(opId).plan as EvacuationPlan;
  let move: BrickMove | null = null;
  let replaceTried = false;
  try {
    move = ctx.ledger.immediate(() => prepareMove(ctx, opId, old.id));
    const v = ctx.ledger.getVolume(move.volumeId);
    const neu = brickRow(ctx, move.newBrickId);
    const newNode = ctx.ledger.getNode(neu.nodeId);
    const [from, to] = [hostPath(ctx, old), hostPath(ctx, neu)];
    ctx.log(`moving brick ${old.id} of volume ${v.name}: ${brickName(from)} -> ${brickName(to)}`);
    await journaled(ctx, opId, `create brick ${neu.id} on ${newNode.manageHost}`, () => runScript(ctx, newNode, S.bricksCreate(ctx, v, [neu])));
    const gnode = glusterNode(ctx, old);
    await ctx.serialize(v.clusterId, async () => {
      if (plan.healCheck) await journaled(ctx, opId, `heal check of ${v.name}`, () => checkHeal(ctx, gnode, v, old));
      replaceTried = true;
      await journaled(ctx, opId, `replace-brick ${brickName(from)} -> ${brickName(to)}`, async () => ctx.log(`${gnode.manageHost}: ${(await runScript(ctx, gnode, S.volumeReplaceBrick(ctx, v.name, from, to))).trim()}`), () => commitMove(ctx, opId));
    });
  } catch (err) {
    await stopEvacuation(ctx, opId, old, move, replaceTried, err as Error, progress);
    return; // gluster had taken the new brick after all: the move was finished
  }
  await finishOrFail(ctx, opId, move!);
}

/** Run a step and journal it; `then` runs in the same transaction as the step's "done" record. */
async function journaled(ctx: OpContext, opId: string, name: string, run: () => Promise<unknown>, then?: () => void): Promise<void> {
  try {
    await run();
  } catch (err) {
    ctx.ledger.recordStep(opId, name, "failed", (err as Error).message.slice(0, 2000));
    throw err;
  }
  ctx.ledger.immediate(() => {
    ctx.ledger.recordStep(opId, name, "done");
    then?.();
  });
}

/** Transaction 1 of a move: the new brick's row and space, the volume lock, the plan. */
function prepareMove(ctx: OpContext, opId: string, oldBrickId: string): BrickMove {
  const old = brickRow(ctx, oldBrickId);
  const d = ctx.ledger.getDevice(old.deviceId);
  const v = ctx.ledger.getVolume(old.volumeId);
  assertMovable(v, d);
  const placed = replacementFor(ctx, topologySnapshot(ctx.ledger, v.clusterId, { excludeDevices: [d.id] }), d.id, v, old);
  const id = newId();
  ctx.ledger.insertBrick({
    id, volumeId: v.id, deviceId: placed.deviceId, nodeId: placed.nodeId, path: S.brickPath(placed.deviceId, id), sizeKiB: old.sizeKiB,
    tpKiB: placed.tpKiB, metaKiB: placed.metaKiB, setIndex: old.setIndex, position: old.position, subtype: old.subtype, state: "pending", opId,
  });
  ctx.ledger.reserveOnDevice(placed.deviceId, placed.needKiB);
  ctx.ledger.updateVolume(v.id, { opId });
  const move: BrickMove = { volumeId: v.id, oldBrickId: old.id, newBrickId: id, phase: "prepared" };
  updatePlan(ctx, opId, (p) => ({ ...p, move }));
  return move;
}

/** The commit point: gluster serves the new brick; from now on the move is only ever finished. */
function commitMove(ctx: OpContext, opId: string): void {
  updatePlan(ctx, opId, (p) => ({ ...p, move: p.move && { ...p.move, phase: "committed" } }));
}

/** Run a `gluster ... --xml` query; its exit code is no verdict (the XML envelope is), but no XML at all is an error. */
async function glusterXml(ctx: OpContext, node: NodeRow, script: Script, what: string): Promise<string> {
  const r = await probeScript(ctx, node, script);
  if (r.stdout.includes("<cliOutput>")) return r.stdout;
  const said = (r.stderr || r.stdout).trim().slice(-2000);
  throw new EngineError("REMOTE", `gluster on ${node.manageHost} gave no XML answer to \`gluster ${what} --xml\` (exit ${r.code})${said ? `: ${said}` : ""}; is glusterd running there?`);
}

/** Refuse the move if the old brick is a heal source, or too few peers are online to heal the new brick from. */
async function checkHeal(ctx: OpContext, node: NodeRow, v: VolumeRow, old: BrickRow): Promise<void> {
  const heal = parseHealInfoXml(await glusterXml(ctx, node, S.volumeHealInfo(ctx, v.name), `volume heal ${v.name} info`));
  const oldName = brickName(hostPath(ctx, old));
  const mine = heal.bricks.find((b) => b.name === oldName);
  if (mine && mine.entries !== null && mine.entries > 0) {
    throw new ConflictError(
      `Cannot replace brick ${old.id} (${oldName}) of volume ${v.name} as it is source brick for data to be healed (${mine.entries} entries pending); ` +
        `wait until \`gluster volume heal ${v.name} info\` shows 0 entries and retry, or skip this check with healCheck: false`,
    );
  }
  const peers = ctx.ledger.listBricks(v.id).filter((b) => b.setIndex === old.setIndex && b.id !== old.id && b.state !== "pending");
  const sources = peers.filter((b) => v.durability.type === "disperse" || b.subtype === "data");
  const online = sources.filter((b) => heal.bricks.some((h) => h.name === brickName(hostPath(ctx, b)) && h.connected)).length;
  const need = v.durability.type === "disperse" ? v.durability.data : 1;
  if (online < need) {
    throw new ConflictError(
      `Cannot replace brick ${old.id} of volume ${v.name}: only ${online} of the ${need} peer brick(s) it would be healed from ${online === 1 ? "is" : "are"} online; bring the set's other bricks up first`,
    );
  }
}

/** After the commit point: finish the move; a failure leaves the operation 'failed' for recovery to finish. */
async function finishOrFail(ctx: OpContext, opId: string, move: BrickMove): Promise<void> {
  try {
    await finishMove(ctx, opId, move);
  } catch (err) {
    const e = err as Error;
    ctx.ledger.recordStep(opId, `destroy old brick ${move.oldBrickId}`, "failed", e.message.slice(0, 2000));
    ctx.ledger.setOperationStatus(opId, "failed", e.message);
    throw new OperationFailedError(opId, new EngineError((e as EngineError).code ?? "OPERATION_FAILED",
      `gluster now serves brick ${move.newBrickId} instead of ${move.oldBrickId}, but destroying the old brick failed: ${e.message}; ` +
        `the next recovery (\`pulumi-glusterfs recover\` or the next engine start) finishes this move, then remove the device again`));
  }
}

/** Destroy the old brick, then (one transaction) its space and row go, the new brick is ready, the volume unlocked. */
async function finishMove(ctx: OpContext, opId: string, move: BrickMove): Promise<void> {
  const old = ctx.ledger.findBrick(move.oldBrickId);
  const v = ctx.ledger.getVolume(move.volumeId);
  if (old) await runScript(ctx, ctx.ledger.getNode(old.nodeId), S.bricksDestroy(ctx, v, [old]));
  ctx.ledger.immediate(() => {
    if (old) {
      ctx.ledger.reserveOnDevice(old.deviceId, -(old.tpKiB + old.metaKiB));
      ctx.ledger.deleteBrick(old.id);
    }
    ctx.ledger.setBrickState(move.newBrickId, "ready", null);
    if (ctx.ledger.getVolume(v.id).opId === opId) ctx.ledger.updateVolume(v.id, { opId: null });
    ctx.ledger.recordStep(opId, `destroy old brick ${move.oldBrickId}`, "done");
    updatePlan(ctx, opId, (p) => ({ ...p, move: null, moved: [...p.moved, { oldBrickId: move.oldBrickId, newBrickId: move.newBrickId }] }));
  });
}

/** Undo a move before its commit point: destroy the new brick, free its space, drop its row, unlock the volume. */
async function rollbackMove(ctx: OpContext, opId: string, move: BrickMove): Promise<void> {
  const neu = ctx.ledger.findBrick(move.newBrickId);
  const v = ctx.ledger.findVolume(move.volumeId);
  if (neu && v) await runScript(ctx, ctx.ledger.getNode(neu.nodeId), S.bricksDestroy(ctx, v, [neu]));
  ctx.ledger.immediate(() => {
    if (neu) {
      ctx.ledger.reserveOnDevice(neu.deviceId, -(neu.tpKiB + neu.metaKiB));
      ctx.ledger.deleteBrick(neu.id);
    }
    if (v && ctx.ledger.getVolume(v.id).opId === opId) ctx.ledger.updateVolume(v.id, { opId: null });
    updatePlan(ctx, opId, (p) => ({ ...p, move: null }));
  });
}

/**
 * Settle a move whose outcome is unknown: committed moves are finished; otherwise gluster decides
 * (when `askGluster`): a volume that lists the new brick has taken it, so the move is finished; else
 * it is rolled back. Idempotent.
 */
async function settleMove(ctx: OpContext, opId: string, move: BrickMove, askGluster: boolean): Promise<"finished" | "rolled back"> {
  if (move.phase !== "committed" && askGluster) {
    const v = ctx.ledger.findVolume(move.volumeId);
    const neu = ctx.ledger.findBrick(move.newBrickId);
    if (v && neu) {
      const node = glusterNode(ctx, neu);
      const info = parseOneVolumeInfoXml(await glusterXml(ctx, node, S.volumeInfo(ctx, v.name), `volume info ${v.name}`));
      if (info?.bricks.some((b) => b.name === brickName(hostPath(ctx, neu)))) {
        ctx.ledger.immediate(() => {
          ctx.ledger.recordStep(opId, `gluster lists brick ${neu.id}: the replace-brick took effect`, "done");
          commitMove(ctx, opId);
        });
        move = { ...move, phase: "committed" };
      }
    }
  }
  if (move.phase === "committed") {
    await finishMove(ctx, opId, move);
    return "finished";
  }
  await rollbackMove(ctx, opId, move);
  return "rolled back";
}

/** A move failed before its commit point: settle it; if it was rolled back, stop the evacuation and give the device back. */
async function stopEvacuation(ctx: OpContext, opId: string, old: BrickRow, move: BrickMove | null, askGluster: boolean, err: Error, progress: { moved: number; total: number }): Promise<void> {
  const plan = ctx.ledger.getOperation(opId).plan as EvacuationPlan;
  const volume = ctx.ledger.findVolume(old.volumeId)?.name ?? old.volumeId;
  const where = plan.brickId
    ? `Evicting brick ${old.id} of volume ${volume} failed`
    : `Evacuating device [${plan.deviceId}] stopped at brick ${old.id} of volume ${volume} (${progress.moved} of ${progress.total} bricks moved)`;
  let outcome: "finished" | "rolled back" | "nothing" = "nothing";
  try {
    if (move) outcome = await settleMove(ctx, opId, move, askGluster);
  } catch (rbErr) {
    ctx.ledger.setOperationStatus(opId, "failed", `${err.message}; rollback: ${(rbErr as Error).message}`);
    throw new OperationFailedError(opId, new EngineError((err as EngineError).code ?? "OPERATION_FAILED", `${where}: ${err.message}`), rbErr as Error);
  }
  if (outcome === "finished") {
    ctx.log(`${where}: ${err.message}; but gluster lists the new brick, so the move was finished`);
    return;
  }
  ctx.ledger.immediate(() => {
    ctx.ledger.updateDevice(plan.deviceId, { state: plan.previousState, opId: null });
    ctx.ledger.recordStep(opId, "rollback", "compensated", err.message.slice(0, 2000));
    ctx.ledger.setOperationStatus(opId, "rolled-back", err.message);
  });
  const next = plan.brickId
    ? `${move ? "Its replacement was rolled back and " : ""}the brick stays where it was: fix the cause and evict it again`
    : `${move ? "This brick's replacement was rolled back; " : ""}bricks already moved stay on their new devices, ` +
      `and the device is ${plan.previousState} again: fix the cause and remove it again with evacuate`;
  throw new OperationFailedError(opId, new EngineError((err as EngineError).code ?? "OPERATION_FAILED", `${where}: ${err.message}. ${next}`));
}

/**
 * Recovery of an interrupted evacuation: settle the move in flight (gluster decides), then remove the
 * device if nothing is left on it, else give it back its previous state (the operator retries).
 */
export async function recoverEvacuation(ctx: OpContext, op: OperationRow): Promise<"finished" | "rolled back"> {
  const plan = op.plan as EvacuationPlan;
  const settled = plan.move ? await settleMove(ctx, op.id, plan.move, true) : plan.moved.length ? "finished" : "rolled back";
  const d = ctx.ledger.findDevice(plan.deviceId);
  if (plan.brickId) {
    // a brick eviction: the device was only locked
    if (d) ctx.ledger.immediate(() => ctx.ledger.updateDevice(d.id, { opId: null }));
    return settled;
  }
  if (!d) return "finished";
  if (!ctx.ledger.listBricksOnDevice(d.id).length) {
    if (plan.keepDevice) ctx.ledger.immediate(() => ctx.ledger.updateDevice(d.id, { state: "failed", opId: null }));
    else await forgetDevice(ctx, d.id);
    return "finished";
  }
  ctx.ledger.immediate(() => ctx.ledger.updateDevice(d.id, { state: plan.previousState, opId: null }));
  return "rolled back";
}

