/**
 * Heketi's database dump (`heketi db export`, `heketi db import`, `GET /db/dump`; heketi.md §6.4) and
 * the ledger, both ways:
 *
 *   exportDump(ledger)            the ledger in Heketi's dump format (export.ts)
 *   importDump(engine, dump, o)   a Heketi export planned (import.ts, pure) and loaded by the engine
 *                                 into an EMPTY ledger, in one transaction
 *   pendingOperationsOf(ledger)   our journal's operations in flight as Heketi's pending operations (pending.ts)
 */
export * from "./constants";
export type * from "./format";
export { exportDump, type ExportOptions } from "./export";
export { pendingOperationsOf, pendingStatus, type PendingStatus } from "./pending";
export { HeketiDumpIn, parseHeketiDump } from "./parse";
export type { ImportOptions, ImportPlan, SkippedEntry } from "./planning";
export { importDump, planImport, type ImportReport } from "./import";
