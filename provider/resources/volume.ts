import { z } from "zod";
import { AdoptId, Durability, Gid, GlusterOption, Id, SizeGiB, SnapshotFactor, VolumeName } from "../model/schemas";
import { EngineConnectionSchema, RestConnectionSchema } from "./connection";
import { PoolSchema } from "./pool";
import { HANDED_DOWN, type Refusal, type Resource } from "./resource";

const engine = z.object({
  connection: EngineConnectionSchema,
  clusterId: Id,
  /** Gluster volume name (letters, digits, '_' and '-'). Changing it replaces the volume. */
  name: VolumeName,
  /**
   * Size in GiB. Raising it expands the volume in place (new brick sets; with a REST cluster
   * `POST /volumes/{id}/expand` by the difference); lowering it is refused.
   */
  sizeGiB: SizeGiB,
  /** Default replica 3 (an arbiter volume is `user.heketi.arbiter true` for a REST cluster). Changing it replaces the volume (its data is lost). */
  durability: Durability.default({ type: "replicate", replica: 3, arbiter: false }),
  /** Group owning the brick directories (chmod 2775), for pods with supplemental groups. */
  gid: Gid.default(0),
  /** Thin-pool size factor for snapshots (1..100, default 1). */
  snapshotFactor: SnapshotFactor.default(1),
  /** `gluster volume set` options; updated in place (engine). */
  options: z.array(GlusterOption).default([]),
  /** The id of an existing one to take under management instead of creating one (see AdoptId). */
  adopt: AdoptId,
  pool: PoolSchema.optional(),
});

const rest = engine.extend({ connection: RestConnectionSchema });

const shrink: Refusal = (olds, news) =>
  olds && typeof olds.sizeGiB === "number" && news.sizeGiB < olds.sizeGiB
    ? [{ property: "sizeGiB", reason: `sizeGiB: a GlusterFS volume cannot shrink (${olds.sizeGiB} → ${news.sizeGiB} GiB); it can only grow in place. Create a new, smaller volume and move the data.` }]
    : [];

/** Heketi's API has no call that changes an existing volume's options: refused unless the change replaces the volume anyway. */
const optionsChangeOnRest: Refusal = (olds, news, replacing) => {
  if (replacing || !Array.isArray(olds.options) || JSON.stringify(olds.options ?? null) === JSON.stringify(news.options ?? null)) return [];
  return [{ property: "options", reason: "options: Heketi's API cannot change the options of an existing volume; keep them, or create a new volume" }];
};

/** A GlusterFS volume. */
export const volume = {
  title: "Volume",
  engine,
  rest,
  parent: { input: "clusterId", doc: "cluster" },
  replace: { name: "`name`", durability: "`durability`", gid: "`gid`", snapshotFactor: "`snapshotFactor`" },
  update: { sizeGiB: "`sizeGiB` up (new brick sets + add-brick + rebalance)", options: "`options` (volume set/reset)", connection: HANDED_DOWN },
  refuse: { doc: '`sizeGiB` down ("a GlusterFS volume cannot shrink"), any invalid field', any: shrink, rest: optionsChangeOnRest },
} satisfies Resource;

export type EngineVolumeInputs = z.output<typeof engine>;
export type RestVolumeInputs = z.output<typeof rest>;
