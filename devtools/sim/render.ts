/**
 * Output formats of the simulated tools, shaped like the lab captures in test/fixtures: gluster
 * `--xml` replies, LVM JSON reports and `vgdisplay -c`, lsblk / wipefs JSON. Pure.
 */
import { KIB_PER_GIB } from "../../provider/placement/sizing";
import type { Disk, Lv, SimHost, Vg } from "./host";
import { dmPath } from "./host";
import { GBrick, GVolume, setSize, STATUS_STR, volumeType } from "./gluster";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

function envelope(opRet: number, opErrno: number, opErrstr: string): string {
  return `  <opRet>${opRet}</opRet>\n  <opErrno>${opErrno}</opErrno>\n  ${opErrstr ? `<opErrstr>${esc(opErrstr)}</opErrstr>` : "<opErrstr/>"}\n`;
}

// ---------------------------------------------------------------------------------------------
// gluster

export interface PeerRow {
  uuid: string;
  name: string;
  connected: boolean;
}

/** `pool list --xml`: the peers, then the answering node as localhost. */
export function poolListXml(peers: PeerRow[], local: { uuid: string }): string {
  const rows = peers.map(
    (p) =>
      `    <peer>\n      <uuid>${p.uuid}</uuid>\n      <hostname>${esc(p.name)}</hostname>\n      <hostnames>\n        <hostname>${esc(p.name)}</hostname>\n      </hostnames>\n` +
      `      <connected>${p.connected ? 1 : 0}</connected>\n      <state>3</state>\n      <stateStr>Peer in Cluster</stateStr>\n    </peer>\n`,
  );
  rows.push(`    <peer>\n      <uuid>${local.uuid}</uuid>\n      <hostname>localhost</hostname>\n      <connected>1</connected>\n    </peer>\n`);
  return `${XML_HEAD}<cliOutput>\n${envelope(0, 0, "")}  <peerStatus>\n${rows.join("")}  </peerStatus>\n</cliOutput>\n`;
}

function volumeXml(v: GVolume): string {
  const t = volumeType(v);
  const l = v.layout;
  const replica = l.type === "replicate" ? l.replica : 1;
  const arbiter = l.type === "replicate" && l.arbiter ? 1 : 0;
  const disperse = l.type === "disperse" ? setSize(l) : 0;
  const redundancy = l.type === "disperse" ? l.redundancy : 0;
  const bricks = v.bricks
    .map((b) => {
      const n = esc(`${b.host}:${b.path}`);
      return `          <brick uuid="${b.hostUuid}">${n}<name>${n}</name><hostUuid>${b.hostUuid}</hostUuid><isArbiter>${b.isArbiter ? 1 : 0}</isArbiter></brick>\n`;
    })
    .join("");
  const options = v.options.map(([k, val]) => `          <option>\n            <name>${esc(k)}</name>\n            <value>${esc(val)}</value>\n          </option>\n`).join("");
  return (
    `      <volume>\n        <name>${esc(v.name)}</name>\n        <id>${v.id}</id>\n        <status>${v.status}</status>\n        <statusStr>${STATUS_STR[v.status]}</statusStr>\n` +
    `        <snapshotCount>0</snapshotCount>\n        <brickCount>${v.bricks.length}</brickCount>\n        <distCount>${t.distCount}</distCount>\n` +
    `        <replicaCount>${replica}</replicaCount>\n        <arbiterCount>${arbiter}</arbiterCount>\n        <disperseCount>${disperse}</disperseCount>\n` +
    `        <redundancyCount>${redundancy}</redundancyCount>\n        <type>${t.type}</type>\n        <typeStr>${t.typeStr}</typeStr>\n        <transport>0</transport>\n` +
    `        <bricks>\n${bricks}        </bricks>\n        <optCount>${v.options.length}</optCount>\n        <options>\n${options}        </options>\n      </volume>\n`
  );
}

/** `volume info [name] --xml`; `missing` → opRet -1 "Volume does not exist" (exit 0, like gluster). */
export function volumeInfoXml(volumes: GVolume[], missing = false): string {
  const env = missing ? envelope(-1, 30806, "Volume does not exist") : envelope(0, 0, "");
  return `${XML_HEAD}<cliOutput>\n${env}  <volInfo>\n    <volumes>\n${volumes.map(volumeXml).join("")}      <count>${volumes.length}</count>\n    </volumes>\n  </volInfo>\n</cliOutput>\n`;
}

/** `volume heal <v> info --xml`: every brick with its connection and pending entries (the sim has none). */
export function healInfoXml(bricks: Array<{ brick: GBrick; connected: boolean; entries: number }>): string {
  const rows = bricks
    .map(
      (b) =>
        `      <brick hostUuid="${b.brick.hostUuid}">\n        <name>${esc(`${b.brick.host}:${b.brick.path}`)}</name>\n` +
        `        <status>${b.connected ? "Connected" : "Transport endpoint is not connected"}</status>\n        <numberOfEntries>${b.connected ? b.entries : "-"}</numberOfEntries>\n      </brick>\n`,
    )
    .join("");
  return `${XML_HEAD}<cliOutput>\n  <healInfo>\n    <bricks>\n${rows}    </bricks>\n  </healInfo>\n${envelope(0, 0, "")}</cliOutput>\n`;
}

export function healInfoErrorXml(opErrno: number, msg: string): string {
  return `${XML_HEAD}<cliOutput>\n  <healInfo>\n    <bricks/>\n  </healInfo>\n${envelope(-1, opErrno, msg)}</cliOutput>\n`;
}

// ---------------------------------------------------------------------------------------------
// LVM

/** An LVM `--reportformat json` report with the rows of one kind. */
export function lvmReport(kind: "pv" | "vg" | "lv", rows: Array<Array<[string, string]>>): string {
  const body = rows.map((r) => `                  {${r.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(", ")}}`).join(",\n");
  return `  {\n      "report": [\n          {\n              "${kind}": [\n${body}${body ? "\n" : ""}              ]\n          }\n      ]\n  }\n`;
}

/** A plain (non-JSON) LVM report table. */
export function lvmTable(headings: string[], rows: string[][], noHeadings: boolean): string {
  const all = noHeadings ? rows : [headings, ...rows];
  // columns are as wide as their heading even without headings (`lvs --noheadings -o thin_count` prints "       1")
  const widths = headings.map((_, i) => Math.max(...[headings, ...rows].map((r) => (r[i] ?? "").length)));
  return all.map((r) => `  ${r.map((c, i) => (/^[\d.]+[a-zA-Z]?$/.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" ").trimEnd()}\n`).join("");
}

/** LVM sizes: `--units k --nosuffix` gives "8253440.00"; otherwise a human size like "<7.87g". */
export function lvmSize(kib: number, unitsK: boolean, nosuffix: boolean): string {
  if (unitsK) return `${kib.toFixed(2)}${nosuffix ? "" : "k"}`;
  const g = kib / KIB_PER_GIB;
  if (g >= 1) return `${Number.isInteger(g * 100) ? "" : "<"}${(Math.floor(g * 100) / 100).toFixed(2)}g`;
  return `${(kib / 1024).toFixed(2)}m`;
}

/** `vgdisplay -c <vg>`: name:access:status:#:maxLV:curLV:openLV:maxLVsize:maxPV:curPV:actPV:size:PEsize:PEs:alloc:free:uuid */
export function vgDisplayLine(h: SimHost, vg: Vg): string {
  const used = h.usedExtents(vg);
  const lvs = h.visibleLvs(vg);
  const open = lvs.filter((l) => l.kind === "thin" && h.isOpen(vg, l)).length;
  const f = [vg.name, "r/w", 772, -1, 0, lvs.length, open, -1, 0, 1, 1, vg.extentCount * vg.extentKiB, vg.extentKiB, vg.extentCount, used, vg.extentCount - used, vg.uuid];
  return `  ${f.join(":")}\n`;
}

export function lvAttr(h: SimHost, vg: Vg, lv: Lv): string {
  const open = h.isOpen(vg, lv) ? "o" : "-";
  if (lv.kind === "thin-pool") return `twi-a${open}tz--`;
  if (lv.kind === "thin") return `Vwi-a${open}tz--`;
  return "ewi-------";
}

// ---------------------------------------------------------------------------------------------
// util-linux

interface BlockNode {
  name: string;
  type: string;
  size: number;
  ro: boolean;
  fstype: string | null;
  mountpoint: string | null;
  children?: BlockNode[];
}

function indentJson(v: unknown): string {
  return `${JSON.stringify(v, null, 3)}\n`;
}

/** `lsblk --json --bytes --paths --output NAME,TYPE,SIZE,RO,FSTYPE,MOUNTPOINT <disk>`, with its LVM stack. */
export function lsblkJson(h: SimHost, d: Disk): string {
  const mountOf = (dev: string) => h.mounts.find((m) => m.source === dev)?.target ?? null;
  const fstype = d.pv ? "LVM2_member" : (d.signatures[0]?.type ?? null);
  const node: BlockNode = { name: d.path, type: "disk", size: d.sizeKiB * 1024, ro: d.readOnly, fstype, mountpoint: mountOf(d.path) };
  const vg = d.pv?.vg ? h.vgs.get(d.pv.vg) : undefined;
  if (vg) {
    const children: BlockNode[] = [];
    for (const pool of vg.lvs.values()) {
      if (pool.kind !== "thin-pool") continue;
      const base = dmPath(vg.name, pool.name);
      const bytes = pool.dataExtents * vg.extentKiB * 1024;
      const users: BlockNode[] = [{ name: base, type: "lvm", size: bytes, ro: true, fstype: null, mountpoint: null }];
      for (const t of vg.lvs.values()) {
        if (t.pool !== pool.name) continue;
        const p = dmPath(vg.name, t.name);
        users.push({ name: p, type: "lvm", size: t.virtualKiB * 1024, ro: false, fstype: t.fs?.type ?? null, mountpoint: mountOf(p) });
      }
      const tpool: BlockNode = { name: `${base}-tpool`, type: "lvm", size: bytes, ro: false, fstype: null, mountpoint: null, children: users };
      children.push({ name: `${base}_tmeta`, type: "lvm", size: pool.metaExtents * vg.extentKiB * 1024, ro: false, fstype: null, mountpoint: null, children: [tpool] });
      children.push({ name: `${base}_tdata`, type: "lvm", size: bytes, ro: false, fstype: null, mountpoint: null, children: [tpool] });
    }
    if (children.length) node.children = children;
  }
  return indentJson({ blockdevices: [node] });
}

export function wipefsJson(h: SimHost, d: Disk): string {
  const base = d.path.replace(/^\/dev\//, "");
  return indentJson({ signatures: h.signaturesOf(d).map((s) => ({ device: base, offset: s.offset, type: s.type, uuid: s.uuid, label: s.label })) });
}
