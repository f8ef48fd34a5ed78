/**
 * Node and device states (Heketi's enable / disable / remove): online ↔ offline, offline → failed.
 * `failed` means removed from service: for a device every brick is first moved elsewhere
 * (replace-brick, see evacuation.ts) and the emptied device stays, VG and all, until it is deleted.
 */
import { ConflictError, ValidationError } from "../model/errors";
import { OpContext } from "./context";
import { evacuateDevice } from "./evacuation";

export type ServiceState = "online" | "offline" | "failed";

function parseState(s: string): ServiceState {
  if (s === "online" || s === "offline" || s === "failed") return s;
  throw new ValidationError([{ field: "state", rule: `unknown state '${s}': use online, offline or failed` }]);
}

export async function setDeviceState(ctx: OpContext, deviceId: string, wanted: string, opts: { healCheck?: boolean } = {}): Promise<void> {
  const to = parseState(wanted);
  const d = ctx.ledger.getDevice(deviceId);
  if (d.opId) throw new ConflictError(`device ${d.path} [${d.id}] is busy (operation ${d.opId}); wait for it to finish`);
  const from = d.state;
  if (from === to) return;
  if (from === "failed" && to === "online") throw new ConflictError("Cannot move a failed/removed device to online state");
  if (to === "failed") {
    if (from !== "offline") throw new ConflictError(`Device must be offline before remove operation is performed, device:${d.id}`);
    return evacuateDevice(ctx, d.id, { healCheck: opts.healCheck ?? true, keepDevice: true });
  }
  if (from !== "online" && from !== "offline" && from !== "failed") throw new ConflictError(`device ${d.path} [${d.id}] is ${from}; wait for that to finish`);
  ctx.ledger.immediate(() => ctx.ledger.updateDevice(d.id, { state: to }));
}

export async function setNodeState(ctx: OpContext, nodeId: string, wanted: string, opts: { healCheck?: boolean } = {}): Promise<void> {
  const to = parseState(wanted);
  const n = ctx.ledger.getNode(nodeId);
  if (n.opId) throw new ConflictError(`node ${n.manageHost} [${n.id}] is busy (operation ${n.opId}); wait for it to finish`);
  const from = n.state;
  if (from === to) return;
  if (from === "failed") throw new ConflictError(`Cannot move a failed/removed node to ${to} state`);
  if (to === "failed") {
    if (from !== "offline") throw new ConflictError(`Node must be offline before remove operation is performed, node:${n.id}`);
    for (const d of ctx.ledger.listDevices(n.id)) {
      if (d.state === "online") await setDeviceState(ctx, d.id, "offline");
      if (ctx.ledger.getDevice(d.id).state !== "failed") await setDeviceState(ctx, d.id, "failed", opts);
    }
  } else if (from !== "online" && from !== "offline") {
    throw new ConflictError(`node ${n.manageHost} [${n.id}] is ${from}; wait for that to finish`);
  }
  ctx.ledger.immediate(() => ctx.ledger.updateNode(n.id, { state: to }));
}
