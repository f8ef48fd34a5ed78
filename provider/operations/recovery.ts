import type { OperationRow } from "../ledger/ledger";
import { ownerAlive } from "../ledger/owner";
import type { OpContext } from "./context";
import { recoverEvacuation } from "./evacuation";
import { topologyRecovery } from "./membership";
import { cleanVolume, settleExpansion } from "./volume";

export interface RecoveryResult {
  id: string;
  type: string;
  action: "rolled back" | "finished" | "still failing";
  error?: string;
}

/** Operations left unfinished by a crashed process (or failed rollbacks), oldest first; `only` keeps those ids. */
export function abandonedOperations(ctx: OpContext, only?: readonly string[]): OperationRow[] {
  return ctx.ledger
    .listOperations(["running", "committed", "failed"])
    .filter((o) => o.status === "failed" || (o.ownerBoot !== ctx.ledger.owner && !ownerAlive(o.ownerBoot, o.heartbeatAt)))
    .filter((o) => !only?.length || only.includes(o.id));
}

/**
 * Finish or roll back every abandoned operation (or only those of `only`; an empty list means all).
 * Before its commit point an operation is rolled back; after it, it is finished. Every action is
 * idempotent, so a crash during recovery is recovered next time.
 */
export async function recover(ctx: OpContext, only?: readonly string[]): Promise<RecoveryResult[]> {
  const results: RecoveryResult[] = [];
  for (const op of abandonedOperations(ctx, only)) {
    ctx.ledger.adoptOperation(op.id);
    const plan = op.plan as Record<string, unknown> & { volumeId: string; addGiB: number; nodeId: string; deviceId: string; member: string | null };
    let action: RecoveryResult["action"] = "rolled back";
    try {
      switch (op.type) {
        case "create-volume":
          await cleanVolume(ctx, plan.volumeId, {});
          break;
        case "delete-volume":
          await cleanVolume(ctx, plan.volumeId, {});
          action = "finished";
          break;
        case "expand-volume":
          action = await settleExpansion(ctx, op, plan.volumeId, plan.addGiB);
          break;
        case "set-volume-options":
          break; // the ledger kept the old options; the next update re-applies the wanted ones
        case "add-node":
          await topologyRecovery["add-node"](ctx, plan);
          break;
        case "add-device":
          await topologyRecovery["add-device"](ctx, plan);
          break;
        case "remove-node":
          await topologyRecovery["remove-node"](ctx, plan);
          action = "finished";
          break;
        case "remove-device":
          await topologyRecovery["remove-device"](ctx, plan);
          action = "finished";
          break;
        case "evict-brick":
        case "evacuate-device":
          // the brick move in flight is finished or rolled back (gluster's volume info decides); then an
          // evacuated device is removed if it is empty, or given back its previous state (an evicted
          // brick's device is only unlocked)
          action = await recoverEvacuation(ctx, op);
          break;
        default:
          throw new Error(`unknown operation type ${op.type}`);
      }
      ctx.ledger.recordStep(op.id, `recovery: ${action}`, action === "finished" ? "done" : "compensated");
      ctx.ledger.setOperationStatus(op.id, action === "finished" ? "done" : "rolled-back");
      results.push({ id: op.id, type: op.type, action });
    } catch (err) {
      const msg = (err as Error).message;
      ctx.ledger.recordStep(op.id, "recovery", "failed", msg.slice(0, 2000));
      ctx.ledger.setOperationStatus(op.id, "failed", msg);
      results.push({ id: op.id, type: op.type, action: "still failing", error: msg });
    }
  }
  return results;
}
