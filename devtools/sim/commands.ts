/**
 * Recognises the simple commands the engine's scripts hold (their argv, as the program would receive
 * it), checks every option, calls the model and prints what the real tool prints. Options or sub-commands the
 * simulator does not know throw `UnrecognisedCommand`, which fails the whole run with exit 127.
 */
import { KIB_PER_GIB, KIB_PER_MIB } from "../../provider/placement/sizing";
import { UnrecognisedCommand, type CommandResult } from "./interpreter";
import { SimFailure, fail } from "./failure";
import type { BrickArg, VolumeLayout } from "./gluster";
import type { Disk, Lv, SimHost, Vg } from "./host";
import { dmPath } from "./host";
import type { Node, SimModel } from "./model";
import * as R from "./render";

export interface CommandContext {
  model: SimModel;
  node: Node;
  stdin: string;
  env: Readonly<Record<string, string>>;
}

type Handler = (args: string[], c: CommandContext) => CommandResult | string;

function unknown(why: string): never {
  throw new UnrecognisedCommand(why);
}

/** Run one command on a node. */
export function runCommand(argv: string[], c: CommandContext): CommandResult {
  const h = HANDLERS[argv[0]];
  if (!h) unknown(`no simulated command '${argv[0]}'`);
  try {
    const r = h(argv.slice(1), c);
    return typeof r === "string" ? { code: 0, stdout: r, stderr: "" } : r;
  } catch (e) {
    if (e instanceof SimFailure) return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Option parsing: every option must be declared.

interface Parsed {
  flags: Set<string>;
  values: Map<string, string[]>;
  pos: string[];
}

/**
 * `spec` maps each accepted option to "flag" or "value" (values: `--opt=v`, `--opt v`, `-o v`).
 * Short flags may be grouped (`-qxF`) when each is a declared flag.
 */
function parseOptions(cmd: string, args: string[], spec: Record<string, "flag" | "value">): Parsed {
  const p: Parsed = { flags: new Set(), values: new Map(), pos: [] };
  const add = (k: string, v: string) => p.values.set(k, [...(p.values.get(k) ?? []), v]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      p.pos.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      p.pos.push(a);
      continue;
    }
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const kind = spec[name];
    if (kind === "value") {
      if (eq > 0) add(name, a.slice(eq + 1));
      else if (i + 1 < args.length) add(name, args[++i]);
      else unknown(`${cmd}: option ${name} needs a value`);
    } else if (kind === "flag" && eq < 0) {
      p.flags.add(name);
    } else if (!a.startsWith("--") && a.length > 2 && [...a.slice(1)].every((ch) => spec[`-${ch}`] === "flag")) {
      for (const ch of a.slice(1)) p.flags.add(`-${ch}`);
    } else if (!a.startsWith("--") && a.length > 2 && spec[a.slice(0, 2)] === "value") {
      add(a.slice(0, 2), a.slice(2));
    } else {
      unknown(`${cmd}: option ${a} is not simulated`);
    }
  }
  return p;
}

const one = (p: Parsed, k: string): string | undefined => p.values.get(k)?.slice(-1)[0];

function positional(cmd: string, p: Parsed, n: number): string[] {
  if (p.pos.length !== n) unknown(`${cmd}: expected ${n} operand(s), got ${p.pos.length}`);
  return p.pos;
}

// ---------------------------------------------------------------------------------------------
// coreutils & friends

/** `test -b PATH` and `test -d PATH`, the tests the builders write. */
function test(args: string[], h: SimHost): number {
  const unary: Record<string, (x: string) => boolean> = { "-b": (x) => h.isBlock(x), "-d": (x) => h.isDir(x) };
  if (args.length !== 2 || !unary[args[0]]) unknown(`test ${args.join(" ")}: this test is not simulated`);
  return unary[args[0]](args[1]) ? 0 : 1;
}

/** `grep -qxF -e LINE`: is a line of stdin exactly LINE (a name in `gluster volume list`). */
function grep(args: string[], c: CommandContext): CommandResult {
  const p = parseOptions("grep", args, { "-q": "flag", "-x": "flag", "-F": "flag", "-e": "value" });
  const pats = p.values.get("-e") ?? [];
  if (!p.flags.has("-q") || !p.flags.has("-x") || !p.flags.has("-F") || pats.length !== 1 || p.pos.length) unknown("grep: only `grep -qxF -e LINE` on stdin is simulated");
  const lines = c.stdin.split("\n");
  return { code: lines.includes(pats[0]) ? 0 : 1, stdout: "", stderr: "" };
}

/** `cat FILE`: a file of the node, or `/proc/mounts` as the kernel prints it. */
function cat(args: string[], c: CommandContext): CommandResult {
  if (args.length !== 1) unknown("cat: only `cat FILE` is simulated");
  const h = c.node.host;
  if (args[0] === "/proc/mounts") return { code: 0, stdout: h.mounts.map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options} 0 0\n`).join(""), stderr: "" };
  const text = h.readFile(args[0]);
  if (text === undefined) return { code: 1, stdout: "", stderr: `cat: ${args[0]}: No such file or directory\n` };
  return { code: 0, stdout: text, stderr: "" };
}

const COREUTILS: Record<string, Handler> = {
  cat,
  test: (a, c) => ({ code: test(a, c.node.host), stdout: "", stderr: "" }),
  grep,
  mkdir: (a, c) => {
    const p = parseOptions("mkdir", a, { "-p": "flag" });
    if (!p.pos.length) unknown("mkdir: missing operand");
    for (const d of p.pos) c.node.host.mkdir(d, p.flags.has("-p"));
    return "";
  },
  rmdir: (a, c) => {
    const p = parseOptions("rmdir", a, {});
    for (const d of positional("rmdir", p, 1)) c.node.host.rmdir(d);
    return "";
  },
  find: (a, c) => {
    // only the brick-root listing of provider/operations/rebuild.ts: find ROOT -mindepth 3 -maxdepth 3 -name brick -printf '%G %p\n'
    const [root, ...rest] = a;
    if (rest.join(" ") !== "-mindepth 3 -maxdepth 3 -name brick -printf %G %p\n") unknown("find: only the brick-root listing is simulated");
    if (!c.node.host.isDir(root)) return { code: 1, stdout: "", stderr: `find: '${root}': No such file or directory\n` };
    const roots = c.node.host.mounts
      .map((m) => `${m.target}/brick`)
      .filter((d) => d.startsWith(`${root}/`) && d.slice(root.length + 1).split("/").length === 3 && c.node.host.isDir(d));
    return roots.map((d) => `${c.node.host.dirMeta(d)?.gid ?? 0} ${d}\n`).join("");
  },
  chown: (a, c) => {
    const p = parseOptions("chown", a, {});
    const [owner, path] = positional("chown", p, 2);
    const m = /^:(\d+)$/.exec(owner);
    if (!m) unknown("chown: only `chown :GID PATH` is simulated");
    c.node.host.setDirMeta(path, { gid: Number(m[1]) }, "chown");
    return "";
  },
  chmod: (a, c) => {
    const p = parseOptions("chmod", a, {});
    const [mode, path] = positional("chmod", p, 2);
    if (!/^[0-7]{3,4}$/.test(mode)) unknown("chmod: only octal modes are simulated");
    c.node.host.setDirMeta(path, { mode }, "chmod");
    return "";
  },
  mountpoint: (a, c) => {
    const p = parseOptions("mountpoint", a, { "-q": "flag" });
    const [path] = positional("mountpoint", p, 1);
    const h = c.node.host;
    if (!h.isDir(path)) return { code: 32, stdout: "", stderr: p.flags.has("-q") ? "" : `mountpoint: ${path}: No such file or directory\n` };
    const yes = h.isMountpoint(path);
    return { code: yes ? 0 : 1, stdout: p.flags.has("-q") ? "" : `${path} is ${yes ? "" : "not "}a mountpoint\n`, stderr: "" };
  },
  mount: (a, c) => {
    const p = parseOptions("mount", a, { "-o": "value", "-t": "value" });
    const [dev, target] = positional("mount", p, 2);
    const t = one(p, "-t");
    if (t !== undefined && t !== "xfs") unknown(`mount -t ${t} is not simulated`);
    c.node.host.mount(dev, target, one(p, "-o") ?? "defaults");
    return "";
  },
  umount: (a, c) => {
    const p = parseOptions("umount", a, {});
    const [target] = positional("umount", p, 1);
    c.model.umount(c.node, target);
    return "";
  },
  blkid: (a, c) => {
    const p = parseOptions("blkid", a, { "-p": "flag", "-n": "value" });
    const [dev] = positional("blkid", p, 1);
    const only = one(p, "-n");
    if (!p.flags.has("-p") || !only) unknown("blkid: only `blkid -p -n TYPE DEV` is simulated");
    const h = c.node.host;
    if (!h.isBlock(dev)) return { code: 2, stdout: "", stderr: `error: ${dev}: No such file or directory\n` };
    const t = h.fsType(dev);
    if (!t || !only.split(",").includes(t)) return { code: 2, stdout: "", stderr: "" };
    const uuid = h.fsUuid(dev);
    return `${dev}: ${uuid ? `UUID="${uuid}" ` : ""}BLOCK_SIZE="512" TYPE="${t}" USAGE="filesystem"\n`;
  },
  "mkfs.xfs": (a, c) => {
    const p = parseOptions("mkfs.xfs", a, { "-i": "value", "-n": "value" });
    const [dev] = positional("mkfs.xfs", p, 1);
    for (const v of p.values.get("-i") ?? []) if (!/^(size=\d+|maxpct=\d+)$/.test(v)) unknown(`mkfs.xfs -i ${v} is not simulated`);
    for (const v of p.values.get("-n") ?? []) if (!/^size=\d+$/.test(v)) unknown(`mkfs.xfs -n ${v} is not simulated`);
    return c.node.host.mkfsXfs(dev);
  },
  lsblk: (a, c) => {
    const p = parseOptions("lsblk", a, { "--json": "flag", "--bytes": "flag", "--paths": "flag", "--output": "value" });
    const [dev] = positional("lsblk", p, 1);
    if (!p.flags.has("--json") || !p.flags.has("--bytes") || !p.flags.has("--paths") || one(p, "--output") !== "NAME,TYPE,SIZE,RO,FSTYPE,MOUNTPOINT") {
      unknown("lsblk: only `lsblk --json --bytes --paths --output NAME,TYPE,SIZE,RO,FSTYPE,MOUNTPOINT DEV` is simulated");
    }
    const d = c.node.host.disk(dev);
    if (!d) return { code: 32, stdout: '{\n   "blockdevices": [\n\n   ]\n}\n', stderr: `lsblk: ${dev}: not a block device\n` };
    return R.lsblkJson(c.node.host, d);
  },
  wipefs: (a, c) => {
    const p = parseOptions("wipefs", a, { "--no-act": "flag", "--json": "flag", "--all": "flag" });
    const [dev] = positional("wipefs", p, 1);
    const h = c.node.host;
    if (p.flags.has("--all") && !p.flags.has("--no-act") && !p.flags.has("--json")) return h.wipeAll(dev);
    if (!p.flags.has("--no-act") || !p.flags.has("--json") || p.flags.has("--all")) unknown("wipefs: only `--no-act --json DEV` and `--all DEV` are simulated");
    const d = h.disk(dev);
    if (!d) fail(1, `wipefs: error: ${dev}: probing initialization failed: No such file or directory`);
    return R.wipefsJson(h, d);
  },
};

// ---------------------------------------------------------------------------------------------
// LVM

const NOT_BACKED_UP = "  WARNING: This metadata update is NOT backed up.\n";
const QUIET = { "-q": "flag", "-qq": "flag", "--autobackup": "value", "-A": "value" } as const;

/** "256K", "128M", "8192K", "1G", "42" (MiB) → KiB */
function sizeKiB(cmd: string, s: string | undefined): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(s ?? "");
  if (!m) return unknown(`${cmd}: size ${JSON.stringify(s)} is not simulated`);
  const n = Number(m[1]);
  switch (m[2].toLowerCase()) {
    case "k":
      return n;
    case "g":
      return n * KIB_PER_GIB;
    default:
      return n * KIB_PER_MIB;
  }
}

function backupWarning(p: Parsed): string {
  const a = one(p, "--autobackup") ?? one(p, "-A");
  if (a !== undefined && !["y", "n"].includes(a)) unknown(`--autobackup=${a} is not simulated`);
  return a === "n" ? NOT_BACKED_UP : "";
}

interface ReportArgs {
  json: boolean;
  unitsK: boolean;
  nosuffix: boolean;
  noHeadings: boolean;
  fields: string[] | null;
  names: string[];
}

function reportArgs(cmd: string, args: string[]): ReportArgs {
  const p = parseOptions(cmd, args, { "--reportformat": "value", "--units": "value", "--nosuffix": "flag", "-o": "value", "--options": "value", "--noheadings": "flag" });
  const fmt = one(p, "--reportformat");
  if (fmt !== undefined && fmt !== "json" && fmt !== "basic") unknown(`${cmd} --reportformat ${fmt} is not simulated`);
  const units = one(p, "--units");
  if (units !== undefined && units !== "k") unknown(`${cmd} --units ${units} is not simulated`);
  const o = [...(p.values.get("-o") ?? []), ...(p.values.get("--options") ?? [])];
  return { json: fmt === "json", unitsK: units === "k", nosuffix: p.flags.has("--nosuffix"), noHeadings: p.flags.has("--noheadings"), fields: o.length ? o.join(",").split(",") : null, names: p.pos };
}

type Getter<T> = (h: SimHost, x: T, size: (kib: number) => string) => string;

const PV_FIELDS: Record<string, Getter<Disk>> = {
  pv_name: (_h, d) => d.path,
  pv_uuid: (_h, d) => d.pv!.uuid,
  vg_name: (_h, d) => d.pv!.vg ?? "",
  pv_fmt: () => "lvm2",
  pv_attr: (_h, d) => (d.pv!.vg ? "a--" : "---"),
  pv_size: (h, d, s) => s(pvSize(h, d)),
  pv_free: (h, d, s) => {
    const vg = d.pv!.vg ? h.vgs.get(d.pv!.vg) : undefined;
    return s(vg ? (vg.extentCount - h.usedExtents(vg)) * vg.extentKiB : pvSize(h, d));
  },
  dev_size: (_h, d, s) => s(d.sizeKiB),
  pv_tags: () => "",
  vg_tags: (h, d) => (d.pv!.vg ? (h.vgs.get(d.pv!.vg)?.tags ?? []).join(",") : ""),
};

function pvSize(h: SimHost, d: Disk): number {
  const vg = d.pv!.vg ? h.vgs.get(d.pv!.vg) : undefined;
  return vg ? vg.extentCount * vg.extentKiB : d.sizeKiB - d.pv!.peStartKiB;
}

const VG_FIELDS: Record<string, Getter<Vg>> = {
  vg_name: (_h, v) => v.name,
  vg_uuid: (_h, v) => v.uuid,
  vg_attr: () => "wz--n-",
  vg_size: (_h, v, s) => s(v.extentCount * v.extentKiB),
  vg_free: (h, v, s) => s((v.extentCount - h.usedExtents(v)) * v.extentKiB),
  vg_extent_size: (_h, v, s) => s(v.extentKiB),
  vg_extent_count: (_h, v) => String(v.extentCount),
  vg_free_count: (h, v) => String(v.extentCount - h.usedExtents(v)),
  pv_count: () => "1",
  lv_count: (h, v) => String(h.visibleLvs(v).length),
  snap_count: () => "0",
  vg_tags: (_h, v) => v.tags.join(","),
};

type LvRef = { vg: Vg; lv: Lv };
const LV_FIELDS: Record<string, Getter<LvRef>> = {
  lv_name: (_h, r) => r.lv.name,
  vg_name: (_h, r) => r.vg.name,
  lv_uuid: (_h, r) => r.lv.uuid,
  lv_attr: (h, r) => R.lvAttr(h, r.vg, r.lv),
  lv_size: (_h, r, s) => s(r.lv.kind === "thin" ? r.lv.virtualKiB : r.lv.dataExtents * r.vg.extentKiB),
  pool_lv: (_h, r) => r.lv.pool ?? "",
  data_percent: (_h, r) => (r.lv.kind === "spare" ? "" : "0.00"),
  metadata_percent: (_h, r) => (r.lv.kind === "thin-pool" ? "0.00" : ""),
  lv_metadata_size: (_h, r, s) => (r.lv.kind === "thin-pool" ? s(r.lv.metaExtents * r.vg.extentKiB) : ""),
  thin_count: (h, r) => (r.lv.kind === "thin-pool" ? String(h.thinCount(r.vg, r.lv)) : ""),
  lv_dm_path: (_h, r) => dmPath(r.vg.name, r.lv.name),
  lv_tags: (_h, r) => r.lv.tags.join(","),
};

const HEADINGS: Record<string, string> = {
  pv_name: "PV", vg_name: "VG", pv_fmt: "Fmt", pv_attr: "Attr", pv_size: "PSize", pv_free: "PFree", pv_uuid: "PV UUID", dev_size: "DevSize", pv_tags: "PV Tags", vg_tags: "VG Tags",
  vg_uuid: "VG UUID", vg_attr: "Attr", vg_size: "VSize", vg_free: "VFree", vg_extent_size: "Ext", vg_extent_count: "#Ext", vg_free_count: "Free", pv_count: "#PV", lv_count: "#LV", snap_count: "#SN",
  lv_name: "LV", lv_uuid: "LV UUID", lv_attr: "Attr", lv_size: "LSize", pool_lv: "Pool", data_percent: "Data%", metadata_percent: "Meta%", lv_metadata_size: "LMetaSize", thin_count: "#Thins", lv_dm_path: "DMPath", lv_tags: "LV Tags",
};

function report<T>(kind: "pv" | "vg" | "lv", a: ReportArgs, h: SimHost, rows: T[], fields: Record<string, Getter<T>>, defaults: string[]): string {
  const want = a.fields ?? defaults;
  for (const f of want) if (!fields[f]) unknown(`${kind}s: field ${f} is not simulated`);
  const size = (kib: number) => R.lvmSize(kib, a.unitsK, a.nosuffix);
  const values = rows.map((r) => want.map((f) => [f, fields[f](h, r, size)] as [string, string]));
  if (a.json) return R.lvmReport(kind, values);
  return R.lvmTable(want.map((f) => HEADINGS[f] ?? f), values.map((r) => r.map(([, v]) => v)), a.noHeadings);
}

/** Run a report over the named objects; a missing one prints its error and makes the exit 5, the rest still print. */
function reportOf<T>(kind: "pv" | "vg" | "lv", a: ReportArgs, h: SimHost, all: () => T[], find: (name: string) => T[], fields: Record<string, Getter<T>>, defaults: string[]): CommandResult {
  let stderr = "";
  const rows: T[] = [];
  if (!a.names.length) rows.push(...all());
  for (const n of a.names) {
    try {
      rows.push(...find(n));
    } catch (e) {
      if (!(e instanceof SimFailure)) throw e;
      stderr += e.stderr;
    }
  }
  return { code: stderr ? 5 : 0, stdout: report(kind, a, h, rows, fields, defaults), stderr };
}

const LVM: Record<string, Handler> = {
  pvcreate: (a, c) => {
    const p = parseOptions("pvcreate", a, { ...QUIET, "--metadatasize": "value", "--dataalignment": "value" });
    const [dev] = positional("pvcreate", p, 1);
    c.node.host.pvcreate(dev, { metadataKiB: sizeKiB("pvcreate", one(p, "--metadatasize") ?? "1020K"), alignKiB: sizeKiB("pvcreate", one(p, "--dataalignment") ?? "1M") });
    return p.flags.has("-qq") || p.flags.has("-q") ? "" : `  Physical volume "${dev}" successfully created.\n`;
  },
  vgcreate: (a, c) => {
    const p = parseOptions("vgcreate", a, { ...QUIET, "--physicalextentsize": "value", "-s": "value", "--addtag": "value" });
    if (p.pos.length !== 2) unknown("vgcreate: only `vgcreate VG ONE_PV` is simulated");
    const [name, dev] = p.pos;
    const ext = sizeKiB("vgcreate", one(p, "--physicalextentsize") ?? one(p, "-s") ?? "4M");
    const warn = backupWarning(p);
    c.node.host.vgcreate(name, dev, { extentKiB: ext, tags: p.values.get("--addtag") ?? [] });
    return { code: 0, stdout: p.flags.has("-qq") ? "" : `  Volume group "${name}" successfully created\n`, stderr: warn };
  },
  vgchange: (a, c) => {
    const p = parseOptions("vgchange", a, { ...QUIET, "--addtag": "value", "--deltag": "value" });
    const [vg] = positional("vgchange", p, 1);
    const add = p.values.get("--addtag") ?? [];
    const del = p.values.get("--deltag") ?? [];
    if (!add.length && !del.length) unknown("vgchange: only `vgchange [--deltag T] [--addtag T] VG` is simulated");
    const warn = backupWarning(p);
    c.node.host.vgChangeTags(vg, add, del);
    return { code: 0, stdout: p.flags.has("-qq") ? "" : `  Volume group "${vg}" successfully changed\n`, stderr: warn };
  },
  vgremove: (a, c) => {
    const p = parseOptions("vgremove", a, { ...QUIET, "-f": "flag" });
    const [vg] = positional("vgremove", p, 1);
    c.node.host.vgremove(vg);
    return p.flags.has("-qq") ? "" : `  Volume group "${vg}" successfully removed\n`;
  },
  pvremove: (a, c) => {
    const p = parseOptions("pvremove", a, { ...QUIET, "-y": "flag" });
    const [dev] = positional("pvremove", p, 1);
    c.node.host.pvremove(dev);
    return p.flags.has("-qq") ? "" : `  Labels on physical volume "${dev}" successfully wiped.\n`;
  },
  lvcreate: (a, c) => {
    const p = parseOptions("lvcreate", a, {
      ...QUIET, "--poolmetadatasize": "value", "--chunksize": "value", "--size": "value", "-L": "value", "--thin": "value", "-T": "value",
      "--virtualsize": "value", "-V": "value", "--name": "value", "-n": "value", "--addtag": "value",
    });
    positional("lvcreate", p, 0);
    const thin = one(p, "--thin") ?? one(p, "-T");
    const virtual = one(p, "--virtualsize") ?? one(p, "-V");
    const name = one(p, "--name") ?? one(p, "-n");
    const size = one(p, "--size") ?? one(p, "-L");
    if (!thin || !virtual || !name || !size) unknown("lvcreate: only `lvcreate --size S --thin VG/POOL --virtualsize V --name LV` is simulated");
    const [vg, pool, extra] = thin.split("/");
    if (!vg || !pool || extra !== undefined) unknown(`lvcreate --thin ${thin}: expected VG/POOL`);
    sizeKiB("lvcreate", one(p, "--chunksize") ?? "64K");
    const warn = backupWarning(p);
    c.node.host.lvcreateThin({
      vg, pool, name, poolKiB: sizeKiB("lvcreate", size), metaKiB: sizeKiB("lvcreate", one(p, "--poolmetadatasize") ?? "4M"),
      virtualKiB: sizeKiB("lvcreate", virtual), tags: p.values.get("--addtag") ?? [],
    });
    return { code: 0, stdout: p.flags.has("-qq") ? "" : `  Logical volume "${name}" created.\n`, stderr: warn };
  },
  lvchange: (a, c) => {
    const p = parseOptions("lvchange", a, { ...QUIET, "--addtag": "value" });
    const tags = p.values.get("--addtag");
    if (!tags || !p.pos.length) unknown("lvchange: only `lvchange --addtag TAG VG/LV...` is simulated");
    const warn = backupWarning(p);
    c.node.host.lvAddTags(p.pos, tags);
    return { code: 0, stdout: "", stderr: warn };
  },
  lvremove: (a, c) => {
    const p = parseOptions("lvremove", a, { ...QUIET, "-f": "flag", "--force": "flag" });
    if (!p.flags.has("-f") && !p.flags.has("--force")) unknown("lvremove without -f would prompt; not simulated");
    const [ref] = positional("lvremove", p, 1);
    const warn = backupWarning(p);
    return { code: 0, stdout: c.node.host.lvremove(ref), stderr: warn };
  },
  vgdisplay: (a, c) => {
    const p = parseOptions("vgdisplay", a, { "-c": "flag" });
    if (!p.flags.has("-c")) unknown("vgdisplay: only `vgdisplay -c VG` is simulated");
    const [vg] = positional("vgdisplay", p, 1);
    const h = c.node.host;
    return R.vgDisplayLine(h, h.findVg(vg));
  },
  pvs: (a, c) => {
    const r = reportArgs("pvs", a);
    const h = c.node.host;
    return reportOf("pv", r, h, () => [...h.disks.values()].filter((d) => d.pv), (n) => [h.findPv(n).disk], PV_FIELDS, ["pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free"]);
  },
  vgs: (a, c) => {
    const r = reportArgs("vgs", a);
    const h = c.node.host;
    return reportOf("vg", r, h, () => [...h.vgs.values()], (n) => [h.findVg(n)], VG_FIELDS, ["vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free"]);
  },
  lvs: (a, c) => {
    const r = reportArgs("lvs", a);
    const h = c.node.host;
    const ofVg = (vg: Vg): LvRef[] => h.visibleLvs(vg).map((lv) => ({ vg, lv }));
    return reportOf(
      "lv", r, h,
      () => [...h.vgs.values()].flatMap(ofVg),
      (n) => (n.includes("/") ? [h.findLv(n)] : ofVg(h.findVg(n))),
      LV_FIELDS, ["lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "data_percent", "metadata_percent"],
    );
  },
};

function lvm(args: string[], c: CommandContext): CommandResult | string {
  const h = LVM[args[0]];
  if (!h) unknown(`lvm ${args[0] ?? ""}: sub-command not simulated`);
  return h(args.slice(1), c);
}

// ---------------------------------------------------------------------------------------------
// gluster

function brickArg(word: string): BrickArg {
  const i = word.lastIndexOf(":/");
  if (i <= 0) fail(1, `Wrong brick type: ${word}, use <HOSTNAME>:<export-dir-abs-path>`);
  return { host: word.slice(0, i), path: word.slice(i + 1) };
}

/** `[replica N [arbiter 1]] | [disperse-data D redundancy R]`, then bricks, then `[force]`. */
function layoutAndBricks(words: string[]): { layout: VolumeLayout | null; bricks: BrickArg[]; force: boolean } {
  let i = 0;
  let layout: VolumeLayout | null = null;
  const int = (w: string | undefined) => (/^\d+$/.test(w ?? "") ? Number(w) : unknown(`gluster: expected a count, got ${JSON.stringify(w)}`));
  if (words[i] === "replica") {
    const replica = int(words[i + 1]);
    i += 2;
    let arbiter = false;
    if (words[i] === "arbiter") {
      if (int(words[i + 1]) !== 1) fail(1, "For arbiter configuration, replica count must be 3 and arbiter count must be 1.");
      if (replica !== 3) fail(1, "For arbiter configuration, replica count must be 3 and arbiter count must be 1.");
      arbiter = true;
      i += 2;
    }
    layout = { type: "replicate", replica, arbiter };
  } else if (words[i] === "disperse-data") {
    const data = int(words[i + 1]);
    if (words[i + 2] !== "redundancy") unknown("gluster: disperse-data without redundancy is not simulated");
    layout = { type: "disperse", data, redundancy: int(words[i + 3]) };
    i += 4;
  } else if (["disperse", "stripe", "transport"].includes(words[i])) {
    unknown(`gluster: '${words[i]}' is not simulated`);
  }
  let rest = words.slice(i);
  const force = rest[rest.length - 1] === "force";
  if (force) rest = rest.slice(0, -1);
  return { layout, bricks: rest.map(brickArg), force };
}

function gluster(args: string[], c: CommandContext): CommandResult | string {
  let i = 0;
  let script = false;
  for (; i < args.length && args[i].startsWith("--"); i++) {
    if (args[i] === "--mode=script") script = true;
    else if (/^--timeout=\d+$/.test(args[i])) continue;
    else if (args[i] === "--xml") continue;
    else unknown(`gluster ${args[i]} is not simulated`);
  }
  let words = args.slice(i);
  const xml = args.slice(0, i).includes("--xml") || words[words.length - 1] === "--xml";
  if (words[words.length - 1] === "--xml") words = words.slice(0, -1);
  if (!script) unknown("gluster without --mode=script may prompt and hang; the engine always passes it");
  const g = c.node.glusterd;
  const G = c.model.gluster;
  const [area, verb, ...rest] = words;
  const needXml = (what: string) => {
    if (!xml) unknown(`gluster ${what} without --xml is not simulated`);
  };
  const noXml = (what: string) => {
    if (xml) unknown(`gluster ${what} --xml is not simulated`);
  };
  const arity = (what: string, n: number) => {
    if (rest.length !== n) unknown(`gluster ${what}: expected ${n} argument(s), got ${rest.length}`);
  };

  if (area === "pool" && verb === "list") {
    arity("pool list", 0);
    G.assertUp(g);
    const peers = G.peersOf(g).map((p) => ({ uuid: p.peer.uuid, name: p.name, connected: p.connected }));
    if (xml) return R.poolListXml(peers, { uuid: g.uuid });
    const rows = [...peers.map((p) => `${p.uuid}\t${p.name}\t${p.connected ? "Connected" : "Disconnected"} `), `${g.uuid}\tlocalhost\tConnected `];
    return `UUID\t\t\t\t\tHostname  \tState\n${rows.join("\n")}\n`;
  }
  if (area === "peer") {
    if (verb === "probe" || verb === "detach") {
      arity(`peer ${verb}`, 1);
      noXml(`peer ${verb}`);
      return verb === "probe" ? G.peerProbe(g, rest[0]) : G.peerDetach(g, rest[0]);
    }
  }
  if (area === "volume") {
    const name = rest[0];
    switch (verb) {
      case "create": {
        noXml("volume create");
        const l = layoutAndBricks(rest.slice(1));
        return G.volumeCreate(g, name, l.layout ?? { type: "none" }, l.bricks, l.force);
      }
      case "add-brick": {
        noXml("volume add-brick");
        const l = layoutAndBricks(rest.slice(1));
        return G.volumeAddBrick(g, name, l.layout, l.bricks, l.force);
      }
      case "set":
        arity("volume set", 3);
        noXml("volume set");
        return G.volumeSet(g, name, rest[1], rest[2]);
      case "reset":
        arity("volume reset", 2);
        noXml("volume reset");
        return G.volumeReset(g, name, rest[1]);
      case "start":
        if (rest.length !== 1) unknown("gluster volume start: only `volume start NAME` is simulated");
        noXml("volume start");
        return G.volumeStart(g, name);
      case "stop":
        if (rest.length !== 2 || rest[1] !== "force") unknown("gluster volume stop: only `volume stop NAME force` is simulated");
        noXml("volume stop");
        return G.volumeStop(g, name);
      case "delete":
        arity("volume delete", 1);
        noXml("volume delete");
        return G.volumeDelete(g, name);
      case "list":
        arity("volume list", 0);
        noXml("volume list");
        return G.volumeList(g);
      case "info": {
        if (rest.length > 1) unknown("gluster volume info: at most one volume name");
        needXml("volume info");
        G.assertUp(g);
        if (name === undefined || name === "all") return R.volumeInfoXml([...g.pool.volumes.values()]);
        const v = g.pool.volumes.get(name);
        return v ? R.volumeInfoXml([v]) : R.volumeInfoXml([], true);
      }
      case "heal": {
        if (rest.length !== 2 || rest[1] !== "info") unknown("gluster volume heal: only `volume heal NAME info --xml` is simulated");
        needXml("volume heal info");
        G.assertUp(g);
        const v = g.pool.volumes.get(name);
        if (!v) return { code: 254, stdout: R.healInfoErrorXml(2, `Volume ${name} does not exist`), stderr: "" };
        if (v.layout.type === "none") return { code: 254, stdout: R.healInfoErrorXml(2, `Volume ${name} is not of type replicate or disperse`), stderr: "" };
        if (v.status !== 1) return { code: 254, stdout: R.healInfoErrorXml(2, `Volume ${name} is not started.`), stderr: "" };
        return R.healInfoXml(v.bricks.map((b) => ({ brick: b, connected: G.brickConnected(g, b), entries: 0 })));
      }
      case "rebalance":
        if (rest.length !== 2 || rest[1] !== "start") unknown("gluster volume rebalance: only `volume rebalance NAME start` is simulated");
        noXml("volume rebalance");
        return G.rebalanceStart(g, name);
      case "replace-brick":
        if (rest.length !== 5 || rest[3] !== "commit" || rest[4] !== "force") unknown("gluster volume replace-brick: only `replace-brick NAME OLD NEW commit force` is simulated");
        noXml("volume replace-brick");
        return G.replaceBrick(g, name, brickArg(rest[1]), brickArg(rest[2]));
    }
  }
  return unknown(`gluster ${words.join(" ")}: not simulated`);
}

const HANDLERS: Record<string, Handler> = {
  ...COREUTILS,
  "/usr/sbin/lvm": lvm,
  lvm,
  gluster,
};
