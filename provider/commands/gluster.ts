/**
 * Gluster CLI command builders, Heketi's command lines:
 *   G = gluster --mode=script --timeout=<t, default 600>
 * Pure: they only build lines.
 */
import { DEFAULT_GLUSTER_TIMEOUT_SECONDS, assertBrickDir, assertHost, assertId, assertPositiveInt, assertVolumeName } from "./layout";
import { Fragment, ShellLine, frag, sh } from "./shell";

export interface GlusterOptions {
  /** `--timeout=`, seconds; default 600 (Heketi's gluster_cli_timeout) */
  timeoutSeconds?: number;
}

/** `gluster --mode=script --timeout=600` */
export function glusterPrefix(o: GlusterOptions = {}): Fragment {
  const t = assertPositiveInt("timeoutSeconds", o.timeoutSeconds ?? DEFAULT_GLUSTER_TIMEOUT_SECONDS);
  return frag`gluster --mode=script --timeout=${t}`;
}

// ---------------------------------------------------------------------------------------------
// Peers

/** `G peer probe '<host>'` */
export function peerProbe(host: string, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} peer probe ${assertHost(host)}`;
}

/** `G peer detach '<host>'` */
export function peerDetach(host: string, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} peer detach ${assertHost(host)}`;
}

/** `G pool list --xml` (every peer, this node included as localhost) */
export function poolList(o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} pool list --xml`;
}

// ---------------------------------------------------------------------------------------------
// Volumes

export type Durability =
  | { type: "none" }
  | { type: "replicate"; replica: number; arbiter?: boolean }
  | { type: "disperse"; data: number; redundancy: number };

export interface BrickAddress {
  host: string;
  path: string;
}

/** Bricks per set and sets per command (Heketi: 15 bricks for none, 5 sets for replicate, 1 set for disperse). */
export function setGeometry(d: Durability): { inSet: number; maxSetsPerCommand: number } {
  switch (d.type) {
    case "none":
      return { inSet: 1, maxSetsPerCommand: 15 };
    case "replicate":
      assertPositiveInt("replica", d.replica);
      if (d.arbiter && d.replica < 2) throw new Error("an arbiter needs replica 2 or 3");
      return { inSet: d.replica, maxSetsPerCommand: 5 };
    case "disperse":
      assertPositiveInt("disperse data", d.data);
      assertPositiveInt("disperse redundancy", d.redundancy);
      return { inSet: d.data + d.redundancy, maxSetsPerCommand: 1 };
  }
}

function durabilityWords(d: Durability): Fragment | undefined {
  switch (d.type) {
    case "none":
      return undefined;
    case "replicate":
      return d.arbiter ? frag`replica ${d.replica} arbiter 1` : frag`replica ${d.replica}`;
    case "disperse":
      return frag`disperse-data ${d.data} redundancy ${d.redundancy}`;
  }
}

function brickWords(bricks: readonly BrickAddress[]): string[] {
  return bricks.map((b) => `${assertHost(b.host)}:${assertBrickDir(b.path)}`);
}

export interface VolumeCreateArgs {
  name: string;
  durability: Durability;
  /** all bricks, set by set (for replicate the arbiter is the last of each set) */
  bricks: readonly BrickAddress[];
  /** gluster refuses e.g. bricks on the root partition or replica sets on one host without it */
  force?: boolean;
}

function checkSets(d: Durability, bricks: readonly BrickAddress[]): { inSet: number; maxSetsPerCommand: number } {
  const g = setGeometry(d);
  if (bricks.length === 0 || bricks.length % g.inSet !== 0) {
    throw new Error(`${bricks.length} bricks do not make whole sets of ${g.inSet}`);
  }
  return g;
}

/** `G volume create '<name>' [replica N [arbiter 1] | disperse-data D redundancy R] '<h>:<p>'... [force]` — the first set only. */
export function volumeCreate(a: VolumeCreateArgs, o?: GlusterOptions): ShellLine {
  const g = checkSets(a.durability, a.bricks);
  return sh`${glusterPrefix(o)} volume create ${assertVolumeName(a.name)} ${durabilityWords(a.durability)} ${brickWords(a.bricks.slice(0, g.inSet))} ${a.force ? frag`force` : undefined}`;
}

export interface VolumeAddBrickArgs {
  name: string;
  durability: Durability;
  bricks: readonly BrickAddress[];
  /** repeat `replica N [arbiter 1]` on add-brick (needed when the replica count changes; accepted otherwise) */
  restateReplica?: boolean;
  force?: boolean;
}

/** `G volume add-brick '<name>' [replica N [arbiter 1]] '<h>:<p>'... [force]`, chunked Heketi's way. */
export function volumeAddBricks(a: VolumeAddBrickArgs, o?: GlusterOptions): ShellLine[] {
  const g = checkSets(a.durability, a.bricks);
  const per = g.inSet * g.maxSetsPerCommand;
  const name = assertVolumeName(a.name);
  const replicaWords = a.restateReplica && a.durability.type === "replicate" ? durabilityWords(a.durability) : undefined;
  const out: ShellLine[] = [];
  for (let i = 0; i < a.bricks.length; i += per) {
    out.push(sh`${glusterPrefix(o)} volume add-brick ${name} ${replicaWords} ${brickWords(a.bricks.slice(i, i + per))} ${a.force ? frag`force` : undefined}`);
  }
  return out;
}

/** `G volume set '<name>' '<key>' '<value>'` */
export function volumeSet(name: string, key: string, value: string, o?: GlusterOptions): ShellLine {
  assertOptionKey(key);
  if (/[\0\n\r]/.test(value)) throw new Error("volume option value must be one line");
  // gluster parses its own flags anywhere on the line (`--version`, `--log-file=F`, `--xml`): a value must not look like one
  if (value.startsWith("-") || value === "") throw new Error(`volume option value must not be empty or start with '-', got ${JSON.stringify(value)}`);
  return sh`${glusterPrefix(o)} volume set ${assertVolumeName(name)} ${key} ${value}`;
}

/** `G volume reset '<name>' '<key>'` (one option back to its default; never `all`, never a flag). */
export function volumeReset(name: string, key: string, o?: GlusterOptions): ShellLine {
  assertOptionKey(key);
  if (key === "all") throw new Error("volume reset: refusing `all` (reset one option at a time)");
  return sh`${glusterPrefix(o)} volume reset ${assertVolumeName(name)} ${key}`;
}

function assertOptionKey(key: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(key)) throw new Error(`volume option key must be plain and start with a letter, got ${JSON.stringify(key)}`);
}

/** `G volume set '<name>' user.heketi.id '<volumeId>'` — how Heketi marks its volumes. */
export function volumeSetHeketiId(name: string, volumeId: string, o?: GlusterOptions): ShellLine {
  return volumeSet(name, "user.heketi.id", assertId("volume", volumeId), o);
}

/** `G volume start '<name>'` */
export function volumeStart(name: string, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} volume start ${assertVolumeName(name)}`;
}

/** `G volume stop '<name>' force` */
export function volumeStop(name: string, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} volume stop ${assertVolumeName(name)} force`;
}

/** `G volume delete '<name>'` */
export function volumeDelete(name: string, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} volume delete ${assertVolumeName(name)}`;
}

/** `G volume info '<name>' --xml`, or `G volume info --xml` for all volumes */
export function volumeInfo(name?: string, o?: GlusterOptions): ShellLine {
  return name === undefined ? sh`${glusterPrefix(o)} volume info --xml` : sh`${glusterPrefix(o)} volume info ${assertVolumeName(name)} --xml`;
}

/** `G volume rebalance '<name>' start` */
export function volumeRebalanceStart(name: string, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} volume rebalance ${assertVolumeName(name)} start`;
}

/** `G volume heal '<name>' info --xml` */
export function volumeHealInfo(name: string, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} volume heal ${assertVolumeName(name)} info --xml`;
}

/** `G volume replace-brick '<vol>' '<old h:p>' '<new h:p>' commit force` */
export function volumeReplaceBrick(name: string, oldBrick: BrickAddress, newBrick: BrickAddress, o?: GlusterOptions): ShellLine {
  return sh`${glusterPrefix(o)} volume replace-brick ${assertVolumeName(name)} ${brickWords([oldBrick])} ${brickWords([newBrick])} commit force`;
}

export interface VolumeCommandsArgs extends VolumeCreateArgs {
  /** `key value` pairs for `volume set`, in order */
  options?: readonly (readonly [string, string])[];
  /** our volume id, recorded as user.heketi.id like Heketi does */
  volumeId?: string;
}

/** Everything Heketi runs to make a volume: create (first set), add-brick chunks, sets, heketi id, start. */
export function volumeCreateCommands(a: VolumeCommandsArgs, o?: GlusterOptions): ShellLine[] {
  const g = checkSets(a.durability, a.bricks);
  const out: ShellLine[] = [volumeCreate(a, o)];
  if (a.bricks.length > g.inSet) out.push(...volumeAddBricks({ name: a.name, durability: a.durability, bricks: a.bricks.slice(g.inSet), force: a.force }, o));
  for (const [k, v] of a.options ?? []) out.push(volumeSet(a.name, k, v, o));
  if (a.volumeId !== undefined) out.push(volumeSetHeketiId(a.name, a.volumeId, o));
  out.push(volumeStart(a.name, o));
  return out;
}
