/**
 * Parsers for `gluster ... --xml` output (GlusterFS 10). Pure.
 *
 * Every reply is a `<cliOutput>` envelope with `<opRet>`, `<opErrno>`, `<opErrstr>`. The exit code
 * is not reliable (`volume info <missing> --xml` exits 0 with opRet -1), so the envelope decides:
 * the parsers throw `GlusterCliError` when opRet is not 0.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export class GlusterCliError extends Error {
  constructor(
    readonly opRet: number,
    readonly opErrno: number,
    readonly opErrstr: string,
  ) {
    super(`gluster: ${opErrstr || "operation failed"} (opRet ${opRet}, opErrno ${opErrno})`);
    this.name = "GlusterCliError";
  }

  /** "Volume does not exist" / "Volume <name> does not exist" */
  get isVolumeMissing(): boolean {
    return /volume .*does not exist|^volume does not exist/i.test(this.opErrstr);
  }
}

export class GlusterXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GlusterXmlError";
  }
}

export interface GlusterEnvelope {
  opRet: number;
  opErrno: number;
  opErrstr: string;
  ok: boolean;
}

// A node of the parsed document: fast-xml-parser gives objects, strings, or arrays of them.
type XNode = string | number | boolean | null | undefined | XObject | XNode[];
interface XObject {
  [k: string]: XNode;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  textNodeName: "#text",
});

function isObj(x: XNode): x is XObject {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Zero, one or many child elements, always as an array. */
function arr(x: XNode): XNode[] {
  if (x === undefined || x === null || x === "") return [];
  return Array.isArray(x) ? x : [x];
}

function child(o: XNode, name: string): XNode {
  return isObj(o) ? o[name] : undefined;
}

/** Text content of an element (`<a>t</a>`, `<a/>`, or `<a x="1">t<b/></a>`). */
function text(x: XNode): string {
  if (x === undefined || x === null) return "";
  if (typeof x === "string") return x;
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  if (Array.isArray(x)) return x.length ? text(x[0]) : "";
  const t = x["#text"];
  return t === undefined ? "" : text(t);
}

function int(x: XNode, what: string): number {
  const s = text(x).trim();
  if (!/^-?\d+$/.test(s)) throw new GlusterXmlError(`gluster xml: ${what} is not an integer: ${JSON.stringify(s)}`);
  return Number(s);
}

function optInt(x: XNode): number | null {
  const s = text(x).trim();
  return /^-?\d+$/.test(s) ? Number(s) : null;
}

/** Parse and check the XML; return the `<cliOutput>` element. */
function cliOutput(xml: string): XObject {
  if (typeof xml !== "string" || xml.trim() === "") throw new GlusterXmlError("gluster xml: empty output");
  const v = XMLValidator.validate(xml);
  if (v !== true) throw new GlusterXmlError(`gluster xml: not well-formed: ${v.err.msg} (line ${v.err.line})`);
  const doc = parser.parse(xml) as XObject;
  const root = doc.cliOutput;
  if (!isObj(root)) throw new GlusterXmlError("gluster xml: no <cliOutput> element");
  return root;
}

function envelopeOf(root: XObject): GlusterEnvelope {
  const opRet = int(root.opRet, "opRet");
  const opErrno = optInt(root.opErrno) ?? 0;
  const opErrstr = text(root.opErrstr).trim();
  return { opRet, opErrno, opErrstr, ok: opRet === 0 };
}

/** The `<opRet>/<opErrno>/<opErrstr>` envelope of any `--xml` reply. */
export function parseGlusterEnvelope(xml: string): GlusterEnvelope {
  return envelopeOf(cliOutput(xml));
}

/** The `<cliOutput>` element of a successful reply; throws GlusterCliError on opRet != 0. */
function okOutput(xml: string): XObject {
  const root = cliOutput(xml);
  const e = envelopeOf(root);
  if (!e.ok) throw new GlusterCliError(e.opRet, e.opErrno, e.opErrstr);
  return root;
}

/** Split `host:/path` (the host may be an IPv6 address, so split at the last `:/`). */
export function splitBrickName(name: string): { host: string; path: string } {
  const i = name.lastIndexOf(":/");
  if (i <= 0) throw new GlusterXmlError(`gluster xml: brick name is not host:/path: ${JSON.stringify(name)}`);
  return { host: name.slice(0, i), path: name.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// volume info

export interface GlusterBrickInfo {
  /** `host:/path` as gluster names it */
  name: string;
  host: string;
  path: string;
  hostUuid: string;
  isArbiter: boolean;
}

export type GlusterVolumeKind = "Distribute" | "Replicate" | "Distributed-Replicate" | "Disperse" | "Distributed-Disperse" | string;

export interface GlusterVolumeInfo {
  name: string;
  id: string;
  /** 0 Created, 1 Started, 2 Stopped */
  status: number;
  statusStr: string;
  started: boolean;
  type: number;
  typeStr: GlusterVolumeKind;
  brickCount: number;
  distCount: number;
  replicaCount: number;
  arbiterCount: number;
  disperseCount: number;
  redundancyCount: number;
  snapshotCount: number;
  bricks: GlusterBrickInfo[];
  /** reconfigured options, in gluster's order */
  options: Array<{ name: string; value: string }>;
  /** the same as a map */
  optionMap: Record<string, string>;
  /** `user.heketi.id`, when Heketi (or we) marked the volume */
  heketiId: string | null;
}

function volumeOf(v: XNode): GlusterVolumeInfo {
  const bricks = arr(child(child(v, "bricks"), "brick")).map((b): GlusterBrickInfo => {
    const name = text(child(b, "name")) || text(b);
    const { host, path } = splitBrickName(name);
    return { name, host, path, hostUuid: text(child(b, "hostUuid")) || text(child(b, "@_uuid")), isArbiter: text(child(b, "isArbiter")) === "1" };
  });
  const options = arr(child(child(v, "options"), "option")).map((o) => ({ name: text(child(o, "name")), value: text(child(o, "value")) }));
  const optionMap: Record<string, string> = {};
  for (const o of options) optionMap[o.name] = o.value;
  const status = int(child(v, "status"), "volume status");
  return {
    name: text(child(v, "name")),
    id: text(child(v, "id")),
    status,
    statusStr: text(child(v, "statusStr")),
    started: status === 1,
    type: int(child(v, "type"), "volume type"),
    typeStr: text(child(v, "typeStr")),
    brickCount: int(child(v, "brickCount"), "brickCount"),
    distCount: optInt(child(v, "distCount")) ?? 1,
    replicaCount: optInt(child(v, "replicaCount")) ?? 1,
    arbiterCount: optInt(child(v, "arbiterCount")) ?? 0,
    disperseCount: optInt(child(v, "disperseCount")) ?? 0,
    redundancyCount: optInt(child(v, "redundancyCount")) ?? 0,
    snapshotCount: optInt(child(v, "snapshotCount")) ?? 0,
    bricks,
    options,
    optionMap,
    heketiId: optionMap["user.heketi.id"] ?? null,
  };
}

/** `gluster volume info [<name>] --xml` → the volumes (empty when there are none). */
export function parseVolumeInfoXml(xml: string): GlusterVolumeInfo[] {
  const root = okOutput(xml);
  const volumes = child(child(root, "volInfo"), "volumes");
  return arr(child(volumes, "volume")).map(volumeOf);
}

/**
 * `gluster volume info <name> --xml` → the volume, or null when gluster says it does not exist.
 * Other failures throw GlusterCliError.
 */
export function parseOneVolumeInfoXml(xml: string): GlusterVolumeInfo | null {
  try {
    const vols = parseVolumeInfoXml(xml);
    if (vols.length > 1) throw new GlusterXmlError(`gluster xml: expected one volume, got ${vols.length}`);
    return vols[0] ?? null;
  } catch (e) {
    if (e instanceof GlusterCliError && e.isVolumeMissing) return null;
    throw e;
  }
}

/** The durability a volume was created with, in the builders' terms. */
export function durabilityOf(v: GlusterVolumeInfo):
  | { type: "none" }
  | { type: "replicate"; replica: number; arbiter: boolean }
  | { type: "disperse"; data: number; redundancy: number } {
  if (v.disperseCount > 0) return { type: "disperse", data: v.disperseCount - v.redundancyCount, redundancy: v.redundancyCount };
  if (v.replicaCount > 1) return { type: "replicate", replica: v.replicaCount, arbiter: v.arbiterCount > 0 };
  return { type: "none" };
}

// ---------------------------------------------------------------------------------------------
// pool list

export interface GlusterPeer {
  uuid: string;
  /** the name the peer is known by; `localhost` for the node that answered */
  hostname: string;
  /** every name/address of the peer (absent for localhost) */
  hostnames: string[];
  connected: boolean;
  /** 3 = Peer in Cluster; null for localhost */
  state: number | null;
  stateStr: string | null;
  isLocal: boolean;
}

/** `gluster pool list --xml` → every peer, the answering node as `localhost` (isLocal). */
export function parsePoolListXml(xml: string): GlusterPeer[] {
  const root = okOutput(xml);
  return arr(child(child(root, "peerStatus"), "peer")).map((p): GlusterPeer => {
    const hostname = text(child(p, "hostname"));
    const hostnames = arr(child(child(p, "hostnames"), "hostname")).map(text);
    const stateStr = text(child(p, "stateStr"));
    return {
      uuid: text(child(p, "uuid")),
      hostname,
      hostnames: hostnames.length ? hostnames : hostname === "localhost" ? [] : [hostname],
      connected: text(child(p, "connected")) === "1",
      state: optInt(child(p, "state")),
      stateStr: stateStr || null,
      isLocal: hostname === "localhost" && child(p, "hostnames") === undefined,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// volume heal <name> info

export interface GlusterHealBrick {
  name: string;
  host: string;
  path: string;
  hostUuid: string;
  /** "Connected", "Transport endpoint is not connected", ... */
  status: string;
  connected: boolean;
  /** entries pending heal; null when gluster could not tell ("-") */
  entries: number | null;
  /** the listed paths/gfids pending heal, when gluster lists them */
  files: string[];
}

export interface GlusterHealInfo {
  bricks: GlusterHealBrick[];
  totalEntries: number;
  /** every brick connected and nothing pending */
  healthy: boolean;
}

/** `gluster volume heal <name> info --xml` */
export function parseHealInfoXml(xml: string): GlusterHealInfo {
  const root = okOutput(xml);
  const bricks = arr(child(child(child(root, "healInfo"), "bricks"), "brick")).map((b): GlusterHealBrick => {
    const name = text(child(b, "name"));
    const { host, path } = splitBrickName(name);
    const status = text(child(b, "status"));
    return {
      name,
      host,
      path,
      hostUuid: text(child(b, "@_hostUuid")),
      status,
      connected: status === "Connected",
      entries: optInt(child(b, "numberOfEntries")),
      files: arr(child(b, "file")).map(text),
    };
  });
  const totalEntries = bricks.reduce((n, b) => n + (b.entries ?? 0), 0);
  return { bricks, totalEntries, healthy: bricks.length > 0 && bricks.every((b) => b.connected && b.entries === 0) };
}
