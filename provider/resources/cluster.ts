import { z } from "zod";
import { AdoptId, VolumeName } from "../model/schemas";
import { EngineConnectionSchema, RestConnectionSchema } from "./connection";
import type { Resource } from "./resource";

const engine = z.object({
  connection: EngineConnectionSchema,
  /** Optional display name (kept in the ledger). */
  name: VolumeName.optional(),
  /** Allow file volumes (default true). */
  file: z.boolean().default(true),
  /** Allow block-hosting volumes (default false). */
  block: z.boolean().default(false),
  /** The id of an existing cluster (e.g. Heketi's) to take under management: its nodes, devices and volumes adopt theirs (see AdoptId). */
  adopt: AdoptId,
});

const rest = engine.extend({
  connection: RestConnectionSchema,
  /** Heketi clusters have no name. */
  name: z.undefined({ error: "a Heketi cluster has no name: leave name unset for a rest cluster (the cluster is known by its id)" }).optional(),
});

/** A GlusterFS trusted storage pool; its connection says who manages it, and is handed to everything in it. */
export const cluster = {
  title: "GlusterCluster",
  engine,
  rest,
  replace: { name: "`name`" },
  update: { connection: "`ssh` defaults", file: "`file`/`block`", block: "`file`/`block`" },
  refuse: { doc: "missing SSH key" },
} satisfies Resource;

export type EngineClusterInputs = z.output<typeof engine>;
export type RestClusterInputs = z.output<typeof rest>;
