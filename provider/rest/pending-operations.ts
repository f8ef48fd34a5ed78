/**
 * The ledger's unfinished operations as Heketi's pending operations (`/operations`, heketi.md §1.3):
 * ours in flight are "new" (and in flight), a dead process's are "stale", failed rollbacks "failed".
 */
import { HEKETI_OP_OF_JOURNAL, pendingStatus } from "../heketi/dump";
import type { Ledger, OperationRow } from "../ledger/ledger";

export interface OperationCounts {
  total: number;
  in_flight: number;
  stale: number;
  failed: number;
  new: number;
}

/** Our operations that Heketi would list as pending: the journal's unfinished ones of a type Heketi journals too. */
export function pendingOperations(ledger: Ledger): OperationRow[] {
  return ledger.listOperations(["running", "committed", "failed"]).filter((o) => o.type in HEKETI_OP_OF_JOURNAL);
}

export function operationCounts(ledger: Ledger): OperationCounts {
  const c: OperationCounts = { total: 0, in_flight: 0, stale: 0, failed: 0, new: 0 };
  for (const o of pendingOperations(ledger)) {
    c.total++;
    const s = pendingStatus(ledger, o);
    if (s === "failed") c.failed++;
    else if (s === "stale") c.stale++;
    else {
      c.new++;
      c.in_flight++;
    }
  }
  return c;
}

export function pendingSummary(ledger: Ledger, o: OperationRow) {
  const status = pendingStatus(ledger, o);
  return { id: o.id, type_name: HEKETI_OP_OF_JOURNAL[o.type] ?? o.type, status, sub_status: status === "" ? "in-flight" : "" };
}

export function pendingDetail(ledger: Ledger, o: OperationRow) {
  return {
    ...pendingSummary(ledger, o),
    changes: ledger.listSteps(o.id).map((s) => ({ id: o.targetId, description: `${s.name}: ${s.status}` })),
  };
}
