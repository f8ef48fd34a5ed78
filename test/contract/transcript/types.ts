/** What a transcript is made of, and the topology it adds. */
import * as path from "node:path";
import { repoRoot } from "../../../devtools/lab/paths";

/** The real Heketi's transcript, committed (regenerate: PGFS_UPDATE_TRANSCRIPT=1, see api-transcript.test.ts). */
export const TRANSCRIPT_SNAPSHOT = path.join(repoRoot(), "test", "fixtures", "heketi-transcript.json");

export interface TranscriptTopology {
  nodes: Array<{ manage: string; storage: string; zone: number; devices: string[] }>;
}

export interface TranscriptTarget {
  url: string;
  adminKey: string;
  userKey: string;
  /** Nodes to add (default: DEFAULT_TOPOLOGY = the QEMU lab's 3 nodes × /dev/vdb,/dev/vdc). Needs ≥3 nodes, ≥1 device each. */
  topology?: TranscriptTopology;
  /** Give up polling a queue entry after this long (default 300 s; the entry then records status 0). */
  pollTimeoutMs?: number;
  /** Delay between polls (default 100 ms; the first poll is sent right after the 202). */
  pollIntervalMs?: number;
  log?: (line: string) => void;
}

/** Type-only description of a JSON value: "string" | "number" | "boolean" | "null", [] (empty array),
 *  [shape of the first element], or an object of shapes (keys sorted; id-like keys collapse into "{id}"). */
export type Shape = string | Shape[] | { [key: string]: Shape };

export type BodyRecord =
  | { kind: "empty" }
  /** `text` is absent when the step declares the text not comparable (e.g. /metrics). */
  | { kind: "text"; text?: string }
  /** layout: "compact" = one line + "\n" (Go json.Encoder), "pretty" = 4-space indent + "\n", else "other". */
  | { kind: "json"; shape: Shape; layout: "compact" | "pretty" | "other" };

export interface TranscriptEntry {
  /** Unique step name; entries are matched by it. */
  step: string;
  method: string;
  /** Request path with ids replaced by {id}. */
  path: string;
  /** HTTP status; 0 = no answer (network error or poll timeout, see observed.error). */
  status: number;
  /** content-type, location, x-pending, retry-after when present (location normalised). */
  headers: Record<string, string>;
  body: BodyRecord;
  facts?: Record<string, unknown>;
  /** Only on queue polls: problems with the non-terminal answers; a compatible server has []. */
  poll?: { pendingProblems: string[] };
  /** Timing-dependent details: never compared, stripped from snapshots. */
  observed?: { ms: number; pendingAnswers?: number; error?: string };
}

export const DEFAULT_TOPOLOGY: TranscriptTopology = {
  nodes: [1, 2, 3].map((i) => ({
    manage: `127.0.0.${10 + i}`,
    storage: `10.77.0.${10 + i}`,
    zone: i,
    devices: ["/dev/vdb", "/dev/vdc"],
  })),
};

/** A well-formed id that no server has issued. */
export const UNKNOWN_ID = "0123456789abcdef0123456789abcdef";
/** Used in place of an id a failed earlier step should have produced. */
export const MISSING_ID = "ffffffffffffffffffffffffffffffff";

export const ID_RE = /[0-9a-fA-F]{32}/g;
export const isId = (s: string) => /^[0-9a-fA-F]{32}$/.test(s);
