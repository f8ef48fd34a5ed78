/** Snapshots of a transcript, and the differences between two transcripts as readable lines. */
import * as fs from "node:fs";
import { BodyRecord, Shape, TranscriptEntry } from "./types";

/** The comparable part of a transcript (what is written to test/fixtures/heketi-transcript.json). */
export function comparable(entries: TranscriptEntry[]): TranscriptEntry[] {
  return entries.map(({ observed: _observed, ...rest }) => rest);
}

export interface TranscriptFile {
  comment: string;
  server: string;
  entries: TranscriptEntry[];
}

export function readTranscriptFile(file: string): TranscriptEntry[] {
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as TranscriptFile | TranscriptEntry[];
  return Array.isArray(parsed) ? parsed : parsed.entries;
}

const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));

function diffShape(a: Shape, b: Shape, at: string, out: string[], la: string, lb: string) {
  const kind = (s: Shape) => (typeof s === "string" ? s : Array.isArray(s) ? (s.length ? "array" : "empty array") : "object");
  if (typeof a === "string" || typeof b === "string" || kind(a) !== kind(b)) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at}: ${la} ${kind(a)}, ${lb} ${kind(b)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length && b.length) diffShape(a[0], b[0], `${at}[0]`, out, la, lb);
    return;
  }
  const oa = a as Record<string, Shape>;
  const ob = b as Record<string, Shape>;
  for (const k of [...new Set([...Object.keys(oa), ...Object.keys(ob)])].sort()) {
    const p = at ? `${at}.${k}` : k;
    if (!(k in ob)) out.push(`${p}: only in ${la} (${kind(oa[k])})`);
    else if (!(k in oa)) out.push(`${p}: only in ${lb} (${kind(ob[k])})`);
    else diffShape(oa[k], ob[k], p, out, la, lb);
  }
}

/**
 * Differences between two transcripts, one readable line each; [] when they agree. `a` is the reference
 * (normally the Heketi snapshot), `b` the candidate. Entries are matched by step name. When the statuses
 * differ the step gets one line summarising both answers; otherwise headers, body (text, or JSON shape and
 * layout), facts and poll problems are compared one by one.
 */
export function compareTranscripts(a: TranscriptEntry[], b: TranscriptEntry[], labels: [string, string] = ["a", "b"]): string[] {
  const [la, lb] = labels;
  const out: string[] = [];
  const byName = new Map(b.map((e) => [e.step, e]));
  const inA = new Set(a.map((e) => e.step));
  for (const ea of a) {
    const eb = byName.get(ea.step);
    const tag = `[${ea.step}]`;
    if (!eb) {
      out.push(`${tag} missing in ${lb}`);
      continue;
    }
    const d = (what: string, x: unknown, y: unknown) => {
      if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${tag} ${what}: ${la} ${show(x)}, ${lb} ${show(y)}`);
    };
    d("request", `${ea.method} ${ea.path}`, `${eb.method} ${eb.path}`);
    if (ea.status !== eb.status) {
      // One line for the whole answer: the headers, body and facts of two different answers are noise.
      const summary = (e: TranscriptEntry) => {
        const t = e.body.kind === "text" && e.body.text !== undefined ? `text ${JSON.stringify(e.body.text.length > 200 ? e.body.text.slice(0, 200) + "…" : e.body.text)}` : e.body.kind;
        return `${e.status} ${t}${e.headers.location ? ` (Location ${e.headers.location})` : ""}`;
      };
      out.push(`${tag} status: ${la} ${summary(ea)}, ${lb} ${summary(eb)}`);
      continue;
    }
    for (const h of [...new Set([...Object.keys(ea.headers), ...Object.keys(eb.headers)])].sort()) d(`header ${h}`, ea.headers[h], eb.headers[h]);
    if (ea.body.kind !== eb.body.kind) {
      const detail = (r: BodyRecord) => (r.kind === "text" && r.text !== undefined ? `text ${JSON.stringify(r.text)}` : r.kind);
      out.push(`${tag} body: ${la} ${detail(ea.body)}, ${lb} ${detail(eb.body)}`);
    } else if (ea.body.kind === "text" && eb.body.kind === "text") {
      if (ea.body.text !== undefined || eb.body.text !== undefined) d("body text", ea.body.text, eb.body.text);
    } else if (ea.body.kind === "json" && eb.body.kind === "json") {
      const lines: string[] = [];
      diffShape(ea.body.shape, eb.body.shape, "", lines, la, lb);
      for (const l of lines) out.push(`${tag} body json ${l}`);
      d("body json layout", ea.body.layout, eb.body.layout);
    }
    const fa = ea.facts ?? {};
    const fb = eb.facts ?? {};
    for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])]) d(`fact ${k}`, fa[k], fb[k]);
    d("poll pendingProblems", ea.poll?.pendingProblems, eb.poll?.pendingProblems);
  }
  for (const eb of b) if (!inA.has(eb.step)) out.push(`[${eb.step}] only in ${lb}`);
  const orderA = a.map((e) => e.step).filter((s) => byName.has(s));
  const orderB = b.map((e) => e.step).filter((s) => inA.has(s));
  if (JSON.stringify(orderA) !== JSON.stringify(orderB)) out.push(`step order differs between ${la} and ${lb}`);
  return out;
}
