import { ConflictError } from "../model/errors";
import { OpContext, runScript } from "./context";
import { runJournaled } from "./journal";
import * as S from "./scripts";

/** Tear a device's VG/PV down (idempotent; its own VG: vg_<id>, or the name an adopted one kept) and drop its row; `teardown: false` only drops the row. */
export async function forgetDevice(ctx: OpContext, deviceId: string, opts: { teardown?: boolean } = {}): Promise<void> {
  const d = ctx.ledger.findDevice(deviceId);
  if (!d) return;
  const node = ctx.ledger.getNode(d.nodeId);
  if (opts.teardown ?? true) await runScript(ctx, node, S.deviceTeardown(ctx, d));
  ctx.ledger.immediate(() => ctx.ledger.deleteDevice(d.id));
}

/** Remove a device that holds no bricks: vgremove, pvremove, forget it. One holding bricks is refused (evacuate it first). */
export async function removeEmptyDevice(ctx: OpContext, deviceId: string): Promise<void> {
  const { op, device } = ctx.ledger.immediate(() => {
    const d = ctx.ledger.getDevice(deviceId);
    const bricks = ctx.ledger.listBricksOnDevice(d.id);
    if (bricks.length) throw new ConflictError(`Unable to delete device [${d.id}] because it contains bricks (${bricks.length}); delete or move those volumes first`);
    const op = ctx.ledger.beginOperation("remove-device", d.id, { deviceId: d.id });
    ctx.ledger.setOperationStatus(op.id, "committed");
    ctx.ledger.updateDevice(d.id, { state: "removing", opId: op.id });
    return { op: ctx.ledger.getOperation(op.id), device: d };
  });
  await runJournaled(ctx, op, [{ name: "vgremove + pvremove", run: () => forgetDevice(ctx, device.id) }], { rollback: async () => undefined, finalize: () => undefined });
}
