/**
 * The ledger side of a migration from Heketi: rows planned from a Heketi export (provider/heketi/dump)
 * written into an EMPTY ledger in one IMMEDIATE transaction, with the journal entry that records it.
 * Nothing runs on the nodes: the rows describe what Heketi already built there.
 */
import type { BrickRow, DeviceRow, Ledger, NodeRow, VolumeRow } from "../ledger/ledger";
import { ConflictError } from "../model/errors";

export interface LedgerImport {
  clusters: Array<{ id: string; file: boolean; block: boolean }>;
  nodes: Array<Omit<NodeRow, "createdAt" | "opId">>;
  devices: Array<Omit<DeviceRow, "createdAt" | "opId">>;
  volumes: Array<Omit<VolumeRow, "createdAt">>;
  bricks: BrickRow[];
  /** Ledger meta entries to keep with the rows (e.g. the Heketi db's generation id). */
  meta: Record<string, string>;
  /** The journal entry recording the import, done as soon as the rows are in. */
  journal: { type: string; targetId: string; plan: unknown; step: string };
}

/** Write the rows, refusing a ledger that holds anything (checked again inside the transaction). Returns the journal entry's id. */
export function importLedger(ledger: Ledger, rows: LedgerImport): string {
  return ledger.immediate(() => {
    assertLedgerEmpty(ledger);
    for (const c of rows.clusters) ledger.insertCluster(c);
    for (const n of rows.nodes) ledger.insertNode(n);
    for (const d of rows.devices) ledger.insertDevice(d);
    for (const v of rows.volumes) ledger.insertVolume(v);
    for (const b of rows.bricks) ledger.insertBrick(b);
    for (const [key, value] of Object.entries(rows.meta)) ledger.setMeta(key, value);
    const op = ledger.beginOperation(rows.journal.type, rows.journal.targetId, rows.journal.plan);
    ledger.recordStep(op.id, rows.journal.step, "done");
    ledger.setOperationStatus(op.id, "done");
    return op.id;
  });
}

/** A Heketi export goes into a new ledger only, as `heketi db import` refuses an existing db file. */
export function assertLedgerEmpty(ledger: Ledger, why = "a Heketi export is imported into a new ledger only, as `heketi db import` refuses an existing db file"): void {
  const count = (t: string) => (ledger.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  const held = ["clusters", "nodes", "devices", "volumes", "bricks"].map((t) => [t, count(t)] as const).filter(([, n]) => n > 0);
  if (held.length) {
    throw new ConflictError(
      `ledger ${ledger.file} is not empty (${held.map(([t, n]) => `${n} ${t}`).join(", ")}): ${why}; give a new ledger path`,
    );
  }
}
