import type { ClusterRow, DeviceRow, NodeRow } from "../ledger/ledger";
import { ConflictError, ValidationError } from "../model/errors";
import { newId } from "../model/ids";
import { ClusterCreate, DeviceAdd, NodeAdd, validate, Zone } from "../model/schemas";
import * as L from "../commands/lvm";
import { script } from "../commands/shell";
import { zoneTag } from "../commands/layout";
import { OpContext, probeScript, runScript } from "./context";
import { runJournaled } from "./journal";
import * as S from "./scripts";
import { forgetDevice, removeEmptyDevice } from "./device-removal";
import { evacuateDevice } from "./evacuation";

type Input<T> = { [K in keyof T]?: unknown };

export function createCluster(ctx: OpContext, input: Input<{ id: string; name: string; file: boolean; block: boolean }> = {}): ClusterRow {
  const c = validate(ClusterCreate, input, "invalid cluster");
  return ctx.ledger.immediate(() => ctx.ledger.insertCluster(c));
}

export function deleteCluster(ctx: OpContext, id: string): void {
  ctx.ledger.immediate(() => {
    ctx.ledger.getCluster(id);
    if (ctx.ledger.listNodes(id).length || ctx.ledger.listVolumes(id).length) {
      throw new ConflictError(`Unable to delete cluster [${id}] because it contains volumes and/or nodes`);
    }
    ctx.ledger.deleteCluster(id);
  });
}

/**
 * Add a node: check glusterd on it, `peer probe` it from a connected member, wait until both sides see
 * each other as "Peer in Cluster" and Connected. Node adds of one cluster run one at a time, so
 * nodes declared together (Pulumi creates them in parallel) join one pool.
 */
export async function addNode(ctx: OpContext, input: unknown): Promise<NodeRow> {
  const req = validate(NodeAdd, input, "invalid node");
  return ctx.serialize(`pool:${req.clusterId}`, async () => {
    const { op, node, member } = ctx.ledger.immediate(() => {
      ctx.ledger.getCluster(req.clusterId);
      const member = ctx.ledger.listNodes(req.clusterId).find((n) => n.state === "online");
      const node = ctx.ledger.insertNode({
        id: req.id ?? newId(), clusterId: req.clusterId, manageHost: req.manageHostname, storageHost: req.storageHostname,
        zone: req.zone, tags: req.tags, ssh: req.ssh, state: "adding",
      });
      const op = ctx.ledger.beginOperation("add-node", node.id, { nodeId: node.id, member: member?.id ?? null });
      ctx.ledger.updateNode(node.id, { opId: op.id });
      return { op, node: ctx.ledger.getNode(node.id), member };
    });
    return runJournaled(
      ctx,
      op,
      [
        { name: "check glusterd", run: () => runScript(ctx, node, S.glusterdCheck(ctx)).then(() => undefined) },
        ...(member ? [{ name: `peer probe from ${member.manageHost}`, run: () => probePeer(ctx, member, node) }] : []),
      ],
      {
        rollback: () => forgetNode(ctx, node.id, member?.id ?? null),
        finalize: () => {
          ctx.ledger.updateNode(node.id, { state: "online", opId: null });
          return ctx.ledger.getNode(node.id);
        },
      },
    );
  });
}

async function probePeer(ctx: OpContext, member: NodeRow, node: NodeRow): Promise<void> {
  await ctx.serialize(member.clusterId, () => runScript(ctx, member, S.peerProbe(ctx, node.storageHost)));
  const deadline = Date.now() + ctx.settings.peerConnectTimeoutMs;
  for (;;) {
    const fromMember = S.parsePool(await runScript(ctx, member, S.poolList(ctx))).find((x) => x.names.includes(node.storageHost));
    const fromNode = S.parsePool(await runScript(ctx, node, S.poolList(ctx))).filter((x) => x.hostname !== "localhost");
    const joined = !!fromMember?.connected && fromMember.inCluster && fromNode.length > 0 && fromNode.every((p) => p.connected && p.inCluster);
    if (joined) return;
    if (Date.now() > deadline) {
      throw new ConflictError(
        `peer ${node.storageHost} was probed from ${member.manageHost} but did not join the pool within ${ctx.settings.peerConnectTimeoutMs / 1000}s ` +
          `(seen from the member: ${fromMember ? `${fromMember.stateStr ?? "?"}, ${fromMember.connected ? "Connected" : "Disconnected"}` : "missing"}); check glusterd on ${node.manageHost} and the storage network`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Undo a node add (or finish a remove): detach it from the pool if it was probed, drop the row. */
async function forgetNode(ctx: OpContext, nodeId: string, memberId: string | null): Promise<void> {
  const node = ctx.ledger.findNode(nodeId);
  if (!node) return;
  // Another member of the pool runs the detach: the given one, else online members first, then offline
  // ones (offline is an administrative state: the node still runs glusterd), then failed ones.
  const rank: Record<string, number> = { online: 0, offline: 1, failed: 2 };
  const candidates = memberId
    ? [ctx.ledger.findNode(memberId)].filter((n): n is NodeRow => !!n)
    : ctx.ledger
        .listNodes(node.clusterId)
        .filter((n) => n.id !== node.id && n.state in rank)
        .sort((a, b) => rank[a.state] - rank[b.state]);
  let member: NodeRow | undefined;
  let peers: ReturnType<typeof S.parsePool> = [];
  for (const c of candidates) {
    try {
      peers = S.parsePool(await runScript(ctx, c, S.poolList(ctx)));
      member = c;
      break;
    } catch (err) {
      ctx.log(`peer detach of ${node.storageHost}: member ${c.manageHost} did not answer (${(err as Error).message}); trying another`);
    }
  }
  if (candidates.length && !member) throw new ConflictError(`no member of the pool answered to detach ${node.storageHost} (tried ${candidates.map((c) => c.manageHost).join(", ")})`);
  if (member) {
    // Gluster may know the peer under another name than the one it was probed by (it learns hostnames,
    // e.g. "gnode3" for 10.77.0.13): find it by its glusterd UUID when the node answers, else by name,
    // and detach it under the name the member uses.
    const own = await probeScript(ctx, node, S.poolList(ctx), { timeoutMs: 60_000 }).catch(() => undefined);
    let uuid: string | undefined;
    try {
      if (own && own.code === 0) uuid = S.parsePool(own.stdout).find((p) => p.hostname === "localhost")?.uuid;
    } catch {
      uuid = undefined; // an unreadable answer: fall back to matching by name
    }
    const peer = peers.find((p) => p.hostname !== "localhost" && ((uuid && p.uuid === uuid) || p.names.includes(node.storageHost)));
    if (peer) {
      await ctx.serialize(member.clusterId, () => runScript(ctx, member, S.peerDetach(ctx, peer.hostname)));
    }
  }
  ctx.ledger.immediate(() => ctx.ledger.deleteNode(node.id));
}

/** Remove a node that holds no devices: `peer detach` it from another member, then forget it. */
export async function removeNode(ctx: OpContext, nodeId: string): Promise<void> {
  const clusterId = ctx.ledger.getNode(nodeId).clusterId;
  // one pool change at a time: nodes removed together (Pulumi deletes them in parallel) each get
  // detached by a member that is still in the pool
  await ctx.serialize(`pool:${clusterId}`, async () => {
    const { op, node } = ctx.ledger.immediate(() => {
      const node = ctx.ledger.getNode(nodeId);
      if (ctx.ledger.listDevices(node.id).length) throw new ConflictError(`Unable to delete node [${node.id}] because it contains devices`);
      const op = ctx.ledger.beginOperation("remove-node", node.id, { nodeId: node.id });
      ctx.ledger.setOperationStatus(op.id, "committed");
      ctx.ledger.updateNode(node.id, { state: "removing", opId: op.id });
      return { op: ctx.ledger.getOperation(op.id), node };
    });
    await runJournaled(ctx, op, [{ name: "peer detach", run: () => forgetNode(ctx, node.id, null) }], { rollback: async () => undefined, finalize: () => undefined });
  });
}

/** Add a raw device: refuse one that holds data (unless destroyData), pvcreate + vgcreate, read its size. */
export async function addDevice(ctx: OpContext, input: unknown): Promise<DeviceRow> {
  const req = validate(DeviceAdd, input, "invalid device");
  const { op, device, node } = ctx.ledger.immediate(() => {
    const node = ctx.ledger.getNode(req.nodeId);
    if (node.state !== "online") throw new ConflictError(`node ${node.manageHost} is ${node.state}; devices can only be added to online nodes`);
    const device = ctx.ledger.insertDevice({
      id: req.id ?? newId(), nodeId: node.id, path: req.path, state: "adding", totalKiB: 0, freeKiB: 0, usedKiB: 0,
      extentKiB: 4096, pvUuid: null, tags: req.tags,
    });
    const op = ctx.ledger.beginOperation("add-device", device.id, { deviceId: device.id, path: req.path });
    ctx.ledger.updateDevice(device.id, { opId: op.id });
    return { op, device, node };
  });
  let info: S.DeviceInfo | undefined;
  return runJournaled(
    ctx,
    op,
    [
      { name: CHECK_EMPTY, run: () => checkEmpty(ctx, node, req.path, req.destroyData) },
      { name: "pvcreate + vgcreate", run: async () => void (info = S.parseDeviceInfo(await runScript(ctx, node, S.deviceSetup(ctx, node, device.id, req.path, req.destroyData)))) },
    ],
    {
      rollback: () => forgetDevice(ctx, device.id, { teardown: setupMayHaveRun(ctx, device.id) }),
      finalize: () => {
        ctx.ledger.updateDevice(device.id, { state: "online", totalKiB: info!.totalKiB, freeKiB: info!.freeKiB, usedKiB: info!.usedKiB, extentKiB: info!.extentKiB, pvUuid: info!.pvUuid, opId: null });
        return ctx.ledger.getDevice(device.id);
      },
    },
  );
}

const CHECK_EMPTY = "check the device is empty";

/**
 * Whether a device add got past its emptiness check, i.e. may have changed the disk. A refused
 * device (someone else's VG or PV, a file system) must be left exactly as it was: tearing it down
 * would `pvremove` a PV that is not ours.
 */
function setupMayHaveRun(ctx: OpContext, deviceId: string): boolean {
  const opId = ctx.ledger.findDevice(deviceId)?.opId;
  if (!opId) return true;
  return ctx.ledger.listSteps(opId).some((s) => s.name === CHECK_EMPTY && s.status === "done");
}

async function checkEmpty(ctx: OpContext, node: NodeRow, path: string, destroyData: boolean): Promise<void> {
  const r = await probeScript(ctx, node, S.deviceProbe(ctx, path));
  const probe = S.parseDeviceProbe(r.stdout, r.stderr, r.code);
  if (probe.state === "missing") throw new ValidationError([{ field: "path", rule: `${path} is not a block device on ${node.manageHost}` }]);
  if (probe.state === "in-use") throw new ConflictError(`${path} on ${node.manageHost} is in use (${probe.detail}); it cannot be added`);
  // Another name of a disk the ledger already holds (/dev/disk/by-id/..., a symlink): its VG says which
  // device it is. Refused whatever destroyData says: wiping it would destroy a device of ours.
  const held = probe.pv?.heketiLayout ? ctx.ledger.findDevice(probe.pv.vgName!.slice(3)) : undefined;
  if (held) {
    const where = held.nodeId === node.id ? node.manageHost : ctx.ledger.findNode(held.nodeId)?.manageHost ?? held.nodeId;
    throw new ConflictError(`${path} on ${node.manageHost} is device ${held.id} already (${held.path} on ${where}, VG ${probe.pv!.vgName}); a disk is added once, under one name`);
  }
  if (probe.state === "has-data" && !destroyData) {
    throw new ConflictError(`Initializing device ${path} failed (already initialized or contains data?): ${probe.detail}. Wipe it, or set destroyData to let the engine wipe it`);
  }
}

export interface RemoveDeviceOptions {
  /** Move every brick off the device first (Heketi's `device remove`), instead of refusing a device that holds bricks. */
  evacuate?: boolean;
  /** Before each brick move, refuse if `gluster volume heal info` shows the brick is a heal source. Default true. */
  healCheck?: boolean;
}

/**
 * Remove a device: vgremove, pvremove, forget it. It must hold no bricks, unless `evacuate` is set:
 * then its bricks are first moved to other devices (see evacuateDevice below).
 */
export async function removeDevice(ctx: OpContext, deviceId: string, opts: RemoveDeviceOptions = {}): Promise<void> {
  if (opts.evacuate && ctx.ledger.listBricksOnDevice(ctx.ledger.getDevice(deviceId).id).length) {
    return evacuateDevice(ctx, deviceId, { healCheck: opts.healCheck ?? true });
  }
  return removeEmptyDevice(ctx, deviceId);
}

// ---------------------------------------------------------------------------------------------
// Device evacuation (Heketi's `device remove`): move every brick off a device, then remove it.
//
// One operation "evacuate-device" whose plan holds the brick move in flight. Each move has its own
// commit point, the replace-brick:
//   prepare  (one transaction) new brick row (pending) + its space reserved + the volume locked (opId)
//            + plan.move = {volumeId, oldBrickId, newBrickId, phase: "prepared"}
//   create   the new brick on its node
//   check    `gluster volume heal <vol> info`: the old brick is no heal source, enough peers are online
//   replace  `gluster volume replace-brick <vol> <old> <new> commit force`; then, in one transaction,
//            plan.move.phase = "committed" (from here the move is only ever finished)
//   finish   destroy the old brick; (one transaction) free its space, drop its row, new brick ready,
//            volume unlocked, plan.move = null
// A failure before the commit point rolls the move back (new brick destroyed, space freed, row
// dropped) unless gluster's volume info already lists the new brick, in which case the move is
// finished. Recovery does the same from plan.move, then removes the device if it is empty, or puts
// it back in its previous state.

/** Recovery hooks for node/device operations interrupted by a crash. */
export const topologyRecovery = {
  "add-node": (ctx: OpContext, plan: { nodeId: string; member: string | null }) => forgetNode(ctx, plan.nodeId, plan.member),
  "remove-node": (ctx: OpContext, plan: { nodeId: string }) => forgetNode(ctx, plan.nodeId, null),
  "add-device": (ctx: OpContext, plan: { deviceId: string }) => forgetDevice(ctx, plan.deviceId, { teardown: setupMayHaveRun(ctx, plan.deviceId) }),
  "remove-device": (ctx: OpContext, plan: { deviceId: string }) => forgetDevice(ctx, plan.deviceId),
};

/**
 * A node's new zone. Its VGs carry the zone (with the node and cluster ids) so a lost ledger can be
 * rebuilt from the nodes; they are retagged first, in one script, then the ledger follows. A failure
 * leaves the ledger's zone as it was; a re-run converges (tags added or deleted twice are no-ops).
 */
export async function setNodeZone(ctx: OpContext, id: string, zone: number): Promise<void> {
  validate(Zone, zone, "invalid zone");
  const node = ctx.ledger.getNode(id);
  if (node.zone === zone) return;
  const devices = ctx.ledger.listDevices(id);
  if (devices.length) {
    const owner = { nodeId: node.id, clusterId: node.clusterId, zone };
    await runScript(ctx, node, script(devices.map((d) => L.vgTagOwner(d, owner, [zoneTag(node.zone)]))));
  }
  ctx.ledger.immediate(() => ctx.ledger.updateNode(id, { zone }));
}
