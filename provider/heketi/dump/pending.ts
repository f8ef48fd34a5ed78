/**
 * Journal operations ↔ Heketi's pending operations: ours in flight as Heketi shows them (the dump's
 * `pendingoperations`, GET /operations), and Heketi's named in what an import reports.
 */
import { createHash } from "node:crypto";
import type { BrickRow, Ledger, OperationRow, VolumeRow } from "../../ledger/ledger";
import { ownerAlive } from "../../ledger/owner";
import { HEKETI_CHANGE, HEKETI_OP_OF_JOURNAL, HEKETI_OP_TYPE, OP_TYPE_NAME } from "./constants";
import type { HeketiPendingOperation } from "./format";
import type { PendingOperationIn } from "./parse";

export type PendingStatus = HeketiPendingOperation["Status"];

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Our operations in flight as Heketi's pending operations, and the `Pending.Id` markers they put on
 * volumes and bricks. Mapping (ours → Heketi `Type`, actions):
 *   create-volume   → 1 create-volume:  AddVolume(volume), AddBrick(each brick); volume + bricks marked
 *   delete-volume   → 2 delete-volume:  DeleteVolume(volume), DeleteBrick(each brick); volume + bricks marked
 *   expand-volume   → 3 expand-volume:  ExpandVolume(volume, Delta = GiB added), AddBrick(each new brick); new bricks marked
 *   evacuate-device → 6 remove-device:  RemoveDevice(device) [+ ChildOperation(child)]; with a brick move in flight,
 *                     a child 8 evict-brick (id derived from ours): DeleteBrick(old), AddBrick(new),
 *                     ParentOperation(parent); both bricks marked with the child's id
 *   evict-brick     → 8 evict-brick:    DeleteBrick(old), AddBrick(new) while its move is in flight; both bricks marked
 * add-node, add-device, remove-node, remove-device (of an empty device) and set-volume-options have no
 * pending operation in Heketi (they are not journaled there) and are left out.
 * Status: failed → "failed"; running/committed → "" (new) while the owning process lives, else "stale".
 */
export function pendingOperationsOf(
  ledger: Ledger,
  volumes: VolumeRow[] = ledger.listVolumes(),
  bricks: BrickRow[] = volumes.flatMap((v) => ledger.listBricks(v.id)),
): { operations: HeketiPendingOperation[]; volumePending: Map<string, string>; brickPending: Map<string, string> } {
  const operations: HeketiPendingOperation[] = [];
  const volumePending = new Map<string, string>();
  const brickPending = new Map<string, string>();
  const bricksOf = (volumeId: string) => bricks.filter((b) => b.volumeId === volumeId).sort(byId);
  for (const op of ledger.listOperations(["running", "committed", "failed"])) {
    const base = { Timestamp: Math.floor(Date.parse(op.createdAt) / 1000), Status: pendingStatus(ledger, op) };
    const plan = (op.plan ?? {}) as { volumeId?: string; addGiB?: number; deviceId?: string; move?: { oldBrickId: string; newBrickId: string } | null };
    const heketiType = HEKETI_OP_OF_JOURNAL[op.type];
    if (!heketiType) continue; // not a pending operation in Heketi
    const Type = HEKETI_OP_TYPE[heketiType];
    switch (op.type) {
      case "create-volume":
      case "delete-volume": {
        if (!plan.volumeId) break;
        const create = op.type === "create-volume";
        const vb = bricksOf(plan.volumeId);
        operations.push({
          Id: op.id, ...base, Type,
          Actions: [
            { Change: create ? HEKETI_CHANGE.AddVolume : HEKETI_CHANGE.DeleteVolume, Id: plan.volumeId, Delta: null },
            ...vb.map((b) => ({ Change: create ? HEKETI_CHANGE.AddBrick : HEKETI_CHANGE.DeleteBrick, Id: b.id, Delta: null })),
          ],
        });
        volumePending.set(plan.volumeId, op.id);
        for (const b of vb) brickPending.set(b.id, op.id);
        break;
      }
      case "expand-volume": {
        if (!plan.volumeId) break;
        const added = ledger.listBricksOfOperation(op.id).sort(byId);
        operations.push({
          Id: op.id, ...base, Type,
          Actions: [
            { Change: HEKETI_CHANGE.ExpandVolume, Id: plan.volumeId, Delta: plan.addGiB ?? 0 },
            ...added.map((b) => ({ Change: HEKETI_CHANGE.AddBrick, Id: b.id, Delta: null })),
          ],
        });
        for (const b of added) brickPending.set(b.id, op.id);
        break;
      }
      case "evacuate-device": {
        if (!plan.deviceId) break;
        const parent: HeketiPendingOperation = {
          Id: op.id, ...base, Type,
          Actions: [{ Change: HEKETI_CHANGE.RemoveDevice, Id: plan.deviceId, Delta: null }],
        };
        operations.push(parent);
        if (plan.move) {
          // Heketi runs each brick move of a device removal as a child operation with an id of its own
          const child = createHash("sha256").update(`${op.id}:${plan.move.newBrickId}`).digest("hex").slice(0, 32);
          parent.Actions.push({ Change: HEKETI_CHANGE.ChildOperation, Id: child, Delta: null });
          operations.push({
            Id: child, ...base, Type: HEKETI_OP_TYPE["evict-brick"],
            Actions: [
              { Change: HEKETI_CHANGE.DeleteBrick, Id: plan.move.oldBrickId, Delta: null },
              { Change: HEKETI_CHANGE.AddBrick, Id: plan.move.newBrickId, Delta: null },
              { Change: HEKETI_CHANGE.ParentOperation, Id: op.id, Delta: null },
            ],
          });
          brickPending.set(plan.move.oldBrickId, child);
          brickPending.set(plan.move.newBrickId, child);
        }
        break;
      }
      case "evict-brick": {
        const actions = plan.move
          ? [{ Change: HEKETI_CHANGE.DeleteBrick, Id: plan.move.oldBrickId, Delta: null }, { Change: HEKETI_CHANGE.AddBrick, Id: plan.move.newBrickId, Delta: null }]
          : [];
        operations.push({ Id: op.id, ...base, Type, Actions: actions });
        if (plan.move) {
          brickPending.set(plan.move.oldBrickId, op.id);
          brickPending.set(plan.move.newBrickId, op.id);
        }
        break;
      }
    }
  }
  return { operations, volumePending, brickPending };
}

/** A pending operation's status in Heketi: "failed" (its rollback failed), "" (new: its process lives) or "stale" (its process is gone). */
export function pendingStatus(ledger: Ledger, op: OperationRow): PendingStatus {
  if (op.status === "failed") return "failed";
  return op.ownerBoot === ledger.owner || ownerAlive(op.ownerBoot, op.heartbeatAt) ? "" : "stale";
}

/** A Heketi pending operation named in an import's messages: its id, type and status. */
export function describeHeketiOperation(id: string, o: PendingOperationIn | undefined): string {
  return o ? `${id} (${OP_TYPE_NAME[o.Type] ?? `type ${o.Type}`}, ${o.Status || "new"})` : `${id} (no such pending operation in the export)`;
}
