import { EngineError } from "../model/errors";
import type { OperationRow } from "../ledger/ledger";
import { operationScope } from "../exec/trace";
import type { OpContext } from "./context";

export interface Step {
  name: string;
  run: () => Promise<void>;
  /** After this step succeeds the operation can only go forward (recovery finishes it, never undoes it). */
  commits?: boolean;
}

/** An operation failed and was rolled back (or could not be): the ledger and nodes say which. */
export class OperationFailedError extends EngineError {
  constructor(
    readonly opId: string,
    readonly failure: Error,
    readonly rollbackError?: Error,
  ) {
    super(
      (failure as EngineError).code ?? "OPERATION_FAILED",
      rollbackError
        ? `${failure.message} — and rolling back failed too (${rollbackError.message}); operation ${opId} is left 'failed' and is retried by the next recovery (\`pulumi-glusterfs recover\` or the next engine start)`
        : failure.message,
    );
  }
}

/**
 * Run an operation's steps in order, journaling each one. A failure before the commit point runs
 * `rollback` (idempotent, driven by the ledger); after the commit point the operation is finished by
 * `finalize`, now or at recovery.
 */
export async function runJournaled<T>(
  ctx: OpContext,
  op: OperationRow,
  steps: Step[],
  hooks: { rollback: () => Promise<void>; finalize: () => T },
): Promise<T> {
  let committed = op.status === "committed";
  for (const step of steps) {
    try {
      await operationScope.run({ id: op.id, type: op.type, step: step.name }, () => step.run());
    } catch (err) {
      const e = err as Error;
      ctx.ledger.recordStep(op.id, step.name, "failed", e.message.slice(0, 2000));
      if (committed) {
        ctx.ledger.setOperationStatus(op.id, "failed", e.message);
        throw new OperationFailedError(op.id, e);
      }
      try {
        await operationScope.run({ id: op.id, type: op.type, step: "rollback" }, () => hooks.rollback());
        ctx.ledger.recordStep(op.id, "rollback", "compensated");
        ctx.ledger.setOperationStatus(op.id, "rolled-back", e.message);
      } catch (rbErr) {
        ctx.ledger.setOperationStatus(op.id, "failed", `${e.message}; rollback: ${(rbErr as Error).message}`);
        throw new OperationFailedError(op.id, e, rbErr as Error);
      }
      throw err;
    }
    ctx.ledger.recordStep(op.id, step.name, "done");
    if (step.commits && !committed) {
      ctx.ledger.setOperationStatus(op.id, "committed");
      committed = true;
    }
  }
  return ctx.ledger.immediate(() => {
    const result = hooks.finalize();
    ctx.ledger.setOperationStatus(op.id, "done");
    return result;
  });
}
