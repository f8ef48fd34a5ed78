/**
 * Planning an import, volume by volume: each volume's rows and its bricks grouped into sets. A Heketi
 * export does not record which bricks form a replica/disperse set (its `Bricks` lists are sorted by
 * id), so the set order comes from our `x-pgfs` extension, from gluster's volume info, or, for a
 * one-set volume, from the export itself.
 */
import type { GlusterVolumeInfo } from "../../commands/parsers/gluster";
import { brickPath, lvName, thinPoolName } from "../../commands/layout";
import type { BrickRow } from "../../ledger/ledger";
import { Durability, Gid, GlusterOption, SizeGiB, SnapshotFactor, VolumeName } from "../../model/schemas";
import { HEKETI_SUBTYPE, PGFS_EXTENSION } from "./constants";
import type { HeketiDumpIn, VolumeEntryIn } from "./parse";
import { ImportPlan, Planning, Problems, setSizeOf } from "./planning";

/** What skip mode leaves out (see leftOutByPending). */
export interface LeftOut {
  skippedVolumes: Set<string>;
  skippedBricks: Set<string>;
}

export function planVolumes(
  c: Planning, clusterIds: Set<string>, { skippedVolumes, skippedBricks }: LeftOut,
): { volumes: ImportPlan["volumes"]; bricks: BrickRow[]; brickOwner: Map<string, string> } {
  const { dump, P, skipped } = c;
  const volumes: ImportPlan["volumes"] = [];
  const bricks: BrickRow[] = [];
  const brickOwner = new Map<string, string>();
  const namesSeen = new Set<string>();
  for (const [k, v] of Object.entries(dump.volumeentries)) {
    const f = `volumeentries.${k}`;
    if (v.Info.id !== k) P.add(`${f}.Info.id`, `is ${v.Info.id}, but the entry is keyed ${k}`);
    for (const b of v.Bricks) {
      if (brickOwner.has(b)) P.add(`${f}.Bricks`, `brick ${b} is also listed by volume ${brickOwner.get(b)}`);
      brickOwner.set(b, k);
    }
    if (skippedVolumes.has(k)) {
      for (const b of v.Bricks) {
        skippedBricks.add(b);
        skipped.push({ kind: "brick", id: b, reason: `brick of skipped volume ${v.Info.name}` });
      }
      continue;
    }
    const planned = planVolume(c, k, v, clusterIds, namesSeen, skippedBricks);
    if (!planned) continue;
    volumes.push(planned.volume);
    bricks.push(...planned.bricks);
  }
  return { volumes, bricks, brickOwner };
}

/** One volume entry as a ledger row and its bricks' rows; undefined when it has problems (recorded in c.P). */
function planVolume(
  c: Planning, k: string, v: VolumeEntryIn, clusterIds: Set<string>, namesSeen: Set<string>, skippedBricks: Set<string>,
): { volume: ImportPlan["volumes"][number]; bricks: BrickRow[] } | undefined {
  const { dump, opts, P, warnings } = c;
  const f = `volumeentries.${k}`;
  if (!clusterIds.has(v.Info.cluster)) P.add(`${f}.Info.cluster`, `cluster ${v.Info.cluster} is not in clusterentries`);
  const name = P.check(VolumeName, v.Info.name, `${f}.Info.name`);
  if (name && namesSeen.has(`${v.Info.cluster}:${name}`)) P.add(`${f}.Info.name`, `'${name}' is used by another volume of cluster ${v.Info.cluster}`);
  if (name) namesSeen.add(`${v.Info.cluster}:${name}`);
  if (name && name.length > 64) warnings.push(`volume ${name}: names longer than 64 characters are refused by the engine's command builders; it cannot be changed or deleted by pulumi-glusterfs until that limit is raised`);
  const sizeGiB = P.check(SizeGiB, v.Info.size, `${f}.Info.size`);
  const gid = P.check(Gid, v.Info.gid, `${f}.Info.gid`);
  const snap = v.Info.snapshot;
  const snapshotFactor = P.check(SnapshotFactor, snap?.enable ? snap.factor || 1.5 : 1, `${f}.Info.snapshot.factor`);
  if (name === "heketidbstorage") {
    warnings.push("volume heketidbstorage holds Heketi's own database (setup-openshift-heketi-storage): imported like any volume; delete it once Heketi is retired (Heketi itself refuses to)");
  }
  if (v.Info.block) warnings.push(`volume ${v.Info.name}: a block-hosting volume (without block volumes); imported as a file volume`);

  const { arbiter, options } = volumeOptions(c, f, v);

  const durability = durabilityFrom(P, v.Info.durability ?? undefined, arbiter, f);
  const mine = v.Bricks.filter((b) => !skippedBricks.has(b));
  if (!name || sizeGiB === undefined || gid === undefined || snapshotFactor === undefined || !durability) return undefined;
  const setSize = setSizeOf(durability);
  if (mine.length === 0 || mine.length % setSize) {
    P.add(`${f}.Bricks`, `has ${mine.length} brick(s), which is not a whole number of ${durability.type} sets of ${setSize}`);
    return undefined;
  }
  const entries = mine.map((id) => ({ id, e: dump.brickentries[id] }));
  const missing = entries.filter((x) => !x.e).map((x) => x.id);
  if (missing.length) {
    P.add(`${f}.Bricks`, `brick(s) ${missing.join(", ")} are not in brickentries`);
    return undefined;
  }
  const sets = brickSets(P, f, k, name, v, durability, mine, dump, opts.glusterVolumes, warnings);
  if (!sets) return undefined;
  const volume: ImportPlan["volumes"][number] = {
    id: k, clusterId: v.Info.cluster, name, sizeGiB, durability, gid, snapshotFactor, snapshotEnable: snap?.enable ?? false, options: [...options.values()], state: "online", opId: null,
  };
  const bricks: BrickRow[] = [];
  sets.forEach((set, setIndex) =>
    set.forEach((id, position) => {
      const row = brickRowFrom(P, id, dump, k, v.Info.cluster, durability, position === set.length - 1);
      if (row) bricks.push({ ...row, setIndex, position });
    }),
  );
  const nodesInSets = sets.map((s) => new Set(s.map((id) => dump.brickentries[id].Info.node)));
  if (nodesInSets.some((s, i) => s.size !== sets[i].length)) warnings.push(`volume ${name}: a brick set has two bricks on one node (kept as exported; losing that node loses the set's redundancy)`);
  return { volume, bricks };
}

/** The volume's gluster options, without Heketi's empty entries and its private options modelled elsewhere (the arbiter flag). */
function volumeOptions({ P, warnings }: Planning, f: string, v: VolumeEntryIn): { arbiter: boolean; options: Map<string, GlusterOption> } {
  let arbiter = false;
  const options = new Map<string, GlusterOption>();
  v.GlusterVolumeOptions.forEach((raw, i) => {
    const s = raw.trim();
    if (!s) return;
    const words = s.split(/\s+/);
    if (words.length !== 2) {
      P.add(`${f}.GlusterVolumeOptions.${i}`, `'${raw}' is not "<key> <value>" (one word each)`);
      return;
    }
    const [key, value] = words;
    if (key === "user.heketi.arbiter") {
      arbiter = value.toLowerCase() === "true";
      return;
    }
    if (key === "user.heketi.id") return; // the engine sets it on create; not a stored option in Heketi either
    const o = P.check(GlusterOption, { key, value }, `${f}.GlusterVolumeOptions.${i}`);
    if (!o) return;
    if (options.has(key)) warnings.push(`volume ${v.Info.name}: option ${key} is given twice; the last value (${value}) is kept`);
    options.set(key, o);
  });
  return { arbiter, options };
}

type DurabilityIn = { type: string; replicate?: { replica: number } | null; disperse?: { data: number; redundancy: number } | null };

/** Heketi's durability (plus its arbiter option) as ours: "" is none; replicate without a replica is Heketi's default, 2. */
function durabilityFrom(P: Problems, d: DurabilityIn | undefined, arbiter: boolean, f: string): Durability | undefined {
  const type = d?.type ?? "";
  let value: unknown;
  if (type === "" || type === "none") value = { type: "none" };
  else if (type === "replicate") value = { type: "replicate", replica: d?.replicate?.replica || 2, arbiter };
  else if (type === "disperse") value = { type: "disperse", data: d?.disperse?.data || 4, redundancy: d?.disperse?.redundancy || 2 };
  else {
    P.add(`${f}.Info.durability.type`, `'${type}' is not none, replicate or disperse`);
    return undefined;
  }
  if (arbiter && type !== "replicate") {
    P.add(`${f}.GlusterVolumeOptions`, `user.heketi.arbiter true on a ${type || "none"} volume: only replica 3 volumes have arbiters`);
    return undefined;
  }
  return P.check(Durability, value, `${f}.Info.durability`);
}

/**
 * The volume's bricks grouped into sets, each in gluster's order (arbiter last). From, in this order:
 * our x-pgfs extension; gluster's volume info; for a one-set volume, the export itself (data bricks,
 * then the arbiter). Otherwise the volume is refused: a Heketi export does not record set membership.
 */
function brickSets(
  P: Problems, f: string, id: string, name: string, v: VolumeEntryIn, d: Durability, mine: string[],
  dump: HeketiDumpIn, gluster: GlusterVolumeInfo[] | undefined, warnings: string[],
): string[][] | undefined {
  const setSize = setSizeOf(d);
  const nSets = mine.length / setSize;
  const arbiter = d.type === "replicate" && d.arbiter;
  const isArbiter = (b: string) => dump.brickentries[b].SubType === HEKETI_SUBTYPE.arbiter;
  const checkArbiters = (sets: string[][], source: string): boolean => {
    for (const [i, s] of sets.entries()) {
      const ok = arbiter ? s.slice(0, -1).every((b) => !isArbiter(b)) && isArbiter(s[s.length - 1]) : s.every((b) => !isArbiter(b));
      if (!ok) {
        P.add(`${f}.Bricks`, arbiter ? `set ${i + 1} (${source}) does not end with its one arbiter brick (SubType 2)` : `has arbiter bricks (SubType 2) but the volume is not an arbiter volume`);
        return false;
      }
    }
    return true;
  };

  const ext = v[PGFS_EXTENSION]?.brickSets;
  if (ext) {
    const flat = ext.flat();
    if (ext.some((s) => s.length !== setSize) || flat.length !== mine.length || [...flat].sort().join() !== [...mine].sort().join()) {
      P.add(`${f}.${PGFS_EXTENSION}.brickSets`, `must hold exactly the volume's bricks in sets of ${setSize}`);
      return undefined;
    }
    return checkArbiters(ext, "x-pgfs") ? ext : undefined;
  }

  const g = gluster && glusterVolumeFor(gluster, id, name);
  if (g === "ambiguous") warnings.push(`volume ${name}: gluster volume info names more than one volume '${name}' without user.heketi.id; its brick order was not taken from it`);
  if (g && g !== "ambiguous") {
    const byPath = new Map(mine.map((b) => [dump.brickentries[b].Info.path, b]));
    const ordered = g.bricks.map((gb) => byPath.get(gb.path));
    const unknown = g.bricks.filter((_, i) => !ordered[i]).map((gb) => gb.name);
    const absent = mine.filter((b) => !g.bricks.some((gb) => gb.path === dump.brickentries[b].Info.path));
    if (unknown.length || absent.length) {
      P.add(
        `${f}.Bricks`,
        `do not match gluster's volume ${g.name}: ${unknown.length ? `gluster has ${unknown.join(", ")} which the export does not; ` : ""}` +
          `${absent.length ? `the export has ${absent.join(", ")} which gluster does not` : ""}`.replace(/; $/, ""),
      );
      return undefined;
    }
    const sets = Array.from({ length: nSets }, (_, i) => (ordered as string[]).slice(i * setSize, (i + 1) * setSize));
    return checkArbiters(sets, "gluster's order") ? sets : undefined;
  }

  if (nSets === 1) {
    const set = [...mine.filter((b) => !isArbiter(b)), ...mine.filter(isArbiter)];
    return checkArbiters([set], "the export") ? [set] : undefined;
  }
  P.add(
    `${f}.Bricks`,
    `volume ${name} has ${nSets} brick sets of ${setSize}, and a Heketi export does not record which bricks form a set (gluster does): ` +
      "give the output of `gluster volume info --xml` from a node of this cluster (glusterVolumes / --gluster-volume-info)",
  );
  return undefined;
}

function glusterVolumeFor(gluster: GlusterVolumeInfo[], id: string, name: string): GlusterVolumeInfo | "ambiguous" | undefined {
  const byId = gluster.find((g) => g.heketiId === id);
  if (byId) return byId;
  const byName = gluster.filter((g) => g.name === name && !g.heketiId);
  return byName.length > 1 ? "ambiguous" : byName[0];
}

/** One brick as a ledger row: its path and LV names must be Heketi's layout, which is the engine's. */
function brickRowFrom(
  P: Problems, id: string, dump: HeketiDumpIn, volumeId: string, clusterId: string, d: Durability, lastInSet: boolean,
): Omit<BrickRow, "setIndex" | "position"> | undefined {
  const b = dump.brickentries[id];
  const f = `brickentries.${id}`;
  let ok = true;
  const bad = (field: string, rule: string) => {
    P.add(`${f}.${field}`, rule);
    ok = false;
  };
  if (b.Info.id !== id) bad("Info.id", `is ${b.Info.id}, but the entry is keyed ${id}`);
  if (b.Info.volume !== volumeId) bad("Info.volume", `is ${b.Info.volume}, but volume ${volumeId} lists the brick`);
  const device = dump.deviceentries[b.Info.device];
  if (!device) bad("Info.device", `device ${b.Info.device} is not in deviceentries`);
  else {
    if (device.NodeId !== b.Info.node) bad("Info.node", `is ${b.Info.node}, but its device ${b.Info.device} is on node ${device.NodeId}`);
    const node = dump.nodeentries[device.NodeId];
    if (node && node.Info.cluster !== clusterId) bad("Info.device", `device ${b.Info.device} is in cluster ${node.Info.cluster}, the volume in ${clusterId}`);
  }
  const expected = brickPath(b.Info.device, id);
  if (b.Info.path !== expected) {
    bad(
      "Info.path",
      `is ${b.Info.path || '""'}, not Heketi's layout ${expected}: only bricks in that layout can be managed ` +
        "(a cloned volume's bricks live in gluster snapshots; clones cannot be imported)",
    );
  }
  if (b.LvmLv && b.LvmLv !== lvName(id)) bad("LvmLv", `is ${b.LvmLv}, not ${lvName(id)}: only bricks in Heketi's layout can be managed (clones cannot be imported)`);
  if (b.LvmThinPool && !/^tp_[0-9a-f]{32}$/.test(b.LvmThinPool)) bad("LvmThinPool", `is ${b.LvmThinPool}, not tp_<32 hex>`);
  if (!(b.Info.size > 0)) bad("Info.size", "must be more than 0 KiB");
  if (!(b.TpSize >= b.Info.size)) bad("TpSize", `is ${b.TpSize} KiB, less than the brick's ${b.Info.size} KiB`);
  if (!(b.PoolMetadataSize > 0)) bad("PoolMetadataSize", "must be more than 0 KiB");
  const arbiterVolume = d.type === "replicate" && d.arbiter;
  if (arbiterVolume && b.SubType === HEKETI_SUBTYPE.unknown) bad("SubType", "is 0 (unknown) in an arbiter volume: which brick is the arbiter is not known");
  if (!ok) return undefined;
  return {
    id, volumeId, deviceId: b.Info.device, nodeId: b.Info.node, path: b.Info.path, sizeKiB: b.Info.size, tpKiB: b.TpSize, metaKiB: b.PoolMetadataSize,
    subtype: arbiterVolume && lastInSet ? "arbiter" : "data", state: "ready", opId: null,
    ...(b.LvmThinPool && b.LvmThinPool !== thinPoolName(id) ? { thinPool: b.LvmThinPool } : {}),
  };
}
