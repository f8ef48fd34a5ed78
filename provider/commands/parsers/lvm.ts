/**
 * Parsers for LVM output: `--reportformat json` reports (pvs/vgs/lvs, with tags), `vgdisplay -c`,
 * and `lvs --noheadings --options=thin_count`. Pure.
 */
import { z } from "zod";
import { TagKind, pgfsTags } from "../layout";

export class LvmParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LvmParseError";
  }
}

const Row = z.record(z.string(), z.string());
const Report = z.object({ report: z.array(z.record(z.string(), z.array(Row))) });

/** The rows of one kind ("pv", "vg", "lv") of an LVM JSON report, as raw string maps. */
export function parseLvmReportRows(json: string, kind: "pv" | "vg" | "lv"): Array<Record<string, string>> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new LvmParseError(`lvm report is not JSON: ${(e as Error).message}`);
  }
  const r = Report.safeParse(doc);
  if (!r.success) throw new LvmParseError(`lvm report has an unexpected shape: ${r.error.issues[0]?.message ?? "?"}`);
  return r.data.report.flatMap((section) => section[kind] ?? []);
}

/** "8253440.00" / "8253440.00k" / "" → KiB (null when empty). Sizes must be reported with --units k. */
export function parseKiB(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  if (t === "") return null;
  const m = /^(\d+(?:\.\d+)?)[kK]?$/.exec(t);
  if (!m) throw new LvmParseError(`not a KiB size: ${JSON.stringify(s)} (report with --units k)`);
  return Math.round(Number(m[1]));
}

function optNumber(s: string | undefined): number | null {
  if (s === undefined || s.trim() === "") return null;
  const n = Number(s.trim());
  if (!Number.isFinite(n)) throw new LvmParseError(`not a number: ${JSON.stringify(s)}`);
  return n;
}

function optString(s: string | undefined): string | null {
  return s === undefined || s === "" ? null : s;
}

/** "a,b,c" → ["a","b","c"]; "" → [] (LVM tags cannot contain a comma). */
export function splitTags(s: string | undefined): string[] {
  return s ? s.split(",").filter((t) => t !== "") : [];
}

export interface PvRow {
  pvName: string;
  pvUuid: string;
  /** null when the PV belongs to no VG */
  vgName: string | null;
  sizeKiB: number | null;
  freeKiB: number | null;
  devSizeKiB: number | null;
  tags: string[];
  /** VG tags, when the report asked for vg_tags */
  vgTags: string[];
  pgfs: Partial<Record<TagKind, string>>;
}

/** `lvm pvs --reportformat json [--units k --nosuffix] -o ...` */
export function parsePvsReport(json: string): PvRow[] {
  return parseLvmReportRows(json, "pv").map((r) => {
    const tags = splitTags(r.pv_tags);
    const vgTags = splitTags(r.vg_tags);
    return {
      pvName: r.pv_name ?? "",
      pvUuid: r.pv_uuid ?? "",
      vgName: optString(r.vg_name),
      sizeKiB: parseKiB(r.pv_size),
      freeKiB: parseKiB(r.pv_free),
      devSizeKiB: parseKiB(r.dev_size),
      tags,
      vgTags,
      pgfs: pgfsTags([...vgTags, ...tags]),
    };
  });
}

export interface VgRow {
  vgName: string;
  vgUuid: string;
  sizeKiB: number | null;
  freeKiB: number | null;
  extentSizeKiB: number | null;
  extentCount: number | null;
  freeExtentCount: number | null;
  pvCount: number | null;
  lvCount: number | null;
  tags: string[];
  pgfs: Partial<Record<TagKind, string>>;
}

/** `lvm vgs --reportformat json --units k --nosuffix -o ...` */
export function parseVgsReport(json: string): VgRow[] {
  return parseLvmReportRows(json, "vg").map((r) => {
    const tags = splitTags(r.vg_tags);
    return {
      vgName: r.vg_name ?? "",
      vgUuid: r.vg_uuid ?? "",
      sizeKiB: parseKiB(r.vg_size),
      freeKiB: parseKiB(r.vg_free),
      extentSizeKiB: parseKiB(r.vg_extent_size),
      extentCount: optNumber(r.vg_extent_count),
      freeExtentCount: optNumber(r.vg_free_count),
      pvCount: optNumber(r.pv_count),
      lvCount: optNumber(r.lv_count),
      tags,
      pgfs: pgfsTags(tags),
    };
  });
}

export interface LvRow {
  lvName: string;
  vgName: string;
  lvUuid: string;
  attr: string;
  /** lv_attr[0] = 't' */
  isThinPool: boolean;
  /** lv_attr[0] = 'V' */
  isThinVolume: boolean;
  /** lv_attr[4] = 'a' */
  active: boolean;
  /** lv_attr[5] = 'o' */
  open: boolean;
  sizeKiB: number | null;
  /** the thin pool of a thin volume */
  poolLv: string | null;
  dataPercent: number | null;
  metadataPercent: number | null;
  metadataSizeKiB: number | null;
  /** thin volumes in a pool (pools only) */
  thinCount: number | null;
  dmPath: string | null;
  tags: string[];
  pgfs: Partial<Record<TagKind, string>>;
}

/** `lvm lvs --reportformat json --units k --nosuffix -o ...` */
export function parseLvsReport(json: string): LvRow[] {
  return parseLvmReportRows(json, "lv").map((r) => {
    const attr = r.lv_attr ?? "";
    const tags = splitTags(r.lv_tags);
    return {
      lvName: r.lv_name ?? "",
      vgName: r.vg_name ?? "",
      lvUuid: r.lv_uuid ?? "",
      attr,
      isThinPool: attr[0] === "t",
      isThinVolume: attr[0] === "V",
      active: attr[4] === "a",
      open: attr[5] === "o",
      sizeKiB: parseKiB(r.lv_size),
      poolLv: optString(r.pool_lv),
      dataPercent: optNumber(r.data_percent),
      metadataPercent: optNumber(r.metadata_percent),
      metadataSizeKiB: parseKiB(r.lv_metadata_size),
      thinCount: optNumber(r.thin_count),
      dmPath: optString(r.lv_dm_path),
      tags,
      pgfs: pgfsTags(tags),
    };
  });
}

export interface VgDisplay {
  vgName: string;
  /** [11] VG size, KiB */
  sizeKiB: number;
  /** [12] physical extent size, KiB */
  extentKiB: number;
  /** [13] */
  totalExtents: number;
  /** [14] */
  allocatedExtents: number;
  /** [15] */
  freeExtents: number;
  totalKiB: number;
  allocatedKiB: number;
  freeKiB: number;
  /** [16] */
  vgUuid: string;
}

/**
 * `lvm vgdisplay -c vg_<D>`: one colon-separated line (leading blanks), e.g.
 *   vg_x:r/w:772:-1:0:0:0:-1:0:1:1:8253440:4096:2015:0:2015:0iuCJJ-...
 * total = [13]*[12], allocated = [14]*[12], free = [15]*[12] (Heketi's arithmetic).
 */
export function parseVgDisplay(text: string): VgDisplay {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "");
  if (!line) throw new LvmParseError("vgdisplay -c printed nothing");
  const f = line.split(":");
  if (f.length < 17) throw new LvmParseError(`vgdisplay -c line has ${f.length} fields, expected 17: ${JSON.stringify(line)}`);
  const n = (i: number, what: string): number => {
    if (!/^\d+$/.test(f[i])) throw new LvmParseError(`vgdisplay -c field ${i} (${what}) is not a number: ${JSON.stringify(f[i])}`);
    return Number(f[i]);
  };
  const extentKiB = n(12, "extent size");
  const totalExtents = n(13, "total extents");
  const allocatedExtents = n(14, "allocated extents");
  const freeExtents = n(15, "free extents");
  return {
    vgName: f[0],
    sizeKiB: n(11, "size"),
    extentKiB,
    totalExtents,
    allocatedExtents,
    freeExtents,
    totalKiB: totalExtents * extentKiB,
    allocatedKiB: allocatedExtents * extentKiB,
    freeKiB: freeExtents * extentKiB,
    vgUuid: f[16],
  };
}

/** `lvm lvs --noheadings --options=thin_count vg/tp` → the count (blank-padded integer). */
export function parseThinCount(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new LvmParseError(`thin_count is not a number: ${JSON.stringify(text)}`);
  return Number(t);
}
