/**
 * The ledger's unfinished operations as Heketi's pending operations (`/operations`, heketi.md §1.3):
 * ours in flight are "new" (and in flight), a dead process's are "stale", failed rollbacks "failed".
 */
import type { Ledger, OperationRow } from "../ledger/ledger";
import { ownerAlive } from "../ledger/owner";

export interface OperationCounts {
  total: number;
  in_flight: number;
  stale: number;
  failed: number;
  new: number;
}

export type PendingStatus = "" | "stale" | "failed";

export function pendingStatus(ledger: Ledger, o: OperationRow): PendingStatus {
  if (o.status === "failed") return "failed";
  return o.ownerBoot === ledger.owner || ownerAlive(o.ownerBoot) ? "" : "stale";
}

/** Our operation types as Heketi names its pending operations; node/device adds and removes are not pending operations in Heketi. */
const HEKETI_TYPE_NAME: Record<string, string> = {
  "create-volume": "create-volume",
  "delete-volume": "delete-volume",
  "expand-volume": "expand-volume",
  "evacuate-device": "remove-device",
  "evict-brick": "evict-brick",
};

export function pendingOperations(ledger: Ledger): OperationRow[] {
  return ledger.listOperations(["running", "committed", "failed"]).filter((o) => o.type in HEKETI_TYPE_NAME);
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
  return { id: o.id, type_name: HEKETI_TYPE_NAME[o.type] ?? o.type, status, sub_status: status === "" ? "in-flight" : "" };
}

export function pendingDetail(ledger: Ledger, o: OperationRow) {
  return {
    ...pendingSummary(ledger, o),
    changes: ledger.listSteps(o.id).map((s) => ({ id: o.targetId, description: `${s.name}: ${s.status}` })),
  };
}
