/**
 * Normalisation: every 32-hex id becomes `{id}`; the topology's hostnames and device paths become
 * `{manageN}`, `{storageN}`, `{deviceM}` (N = node index, M = device index on its node, from 1); a Go
 * duration after "expired by " becomes `{duration}`. Shapes: the type-only description of a JSON body.
 */
import { ID_RE, isId, Shape, TranscriptTopology } from "./types";

export class Normaliser {
  private readonly subs: Array<[RegExp, string]> = [];

  constructor(topology: TranscriptTopology) {
    const labels = new Map<string, string>();
    topology.nodes.forEach((n, i) => {
      if (!labels.has(n.manage)) labels.set(n.manage, `{manage${i + 1}}`);
      if (!labels.has(n.storage)) labels.set(n.storage, `{storage${i + 1}}`);
      n.devices.forEach((d, j) => {
        if (!labels.has(d)) labels.set(d, `{device${j + 1}}`);
      });
    });
    // Longest first, and only whole tokens, so "10.0.0.1" never eats into "10.0.0.12".
    for (const [s, label] of [...labels].sort((x, y) => y[0].length - x[0].length)) {
      const esc = s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      this.subs.push([new RegExp(`(?<![A-Za-z0-9._/-])${esc}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, "g"), label]);
    }
  }

  text(s: string): string {
    let out = s.replace(ID_RE, "{id}");
    out = out.replace(/(expired by )[0-9][0-9.hmsµun]*/g, "$1{duration}");
    for (const [re, label] of this.subs) out = out.replace(re, label);
    return out;
  }

  /** A JSON value with every string normalised (keys too). */
  value(v: unknown): unknown {
    if (typeof v === "string") return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k), this.value(x)]));
    return v;
  }
}

/** The shape of a JSON value, down to `depth` levels (beyond it objects/arrays become "object"/"array"). */
export function shapeOf(v: unknown, depth = Infinity): Shape {
  if (v === null) return "null";
  if (Array.isArray(v)) {
    if (depth <= 0) return "array";
    return v.length === 0 ? [] : [shapeOf(v[0], depth - 1)];
  }
  if (typeof v === "object") {
    if (depth <= 0) return "object";
    const out: { [k: string]: Shape } = {};
    const keys = Object.keys(v as object).sort();
    const idKeys = keys.filter(isId);
    for (const k of keys) if (!isId(k)) out[k] = shapeOf((v as Record<string, unknown>)[k], depth - 1);
    if (idKeys.length > 0) out["{id}"] = shapeOf((v as Record<string, unknown>)[idKeys[0]], depth - 1);
    return out;
  }
  return typeof v;
}
