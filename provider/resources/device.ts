import { z } from "zod";
import { AdoptId, DevicePath, Id, Tags } from "../model/schemas";
import { EngineConnectionSchema, RestConnectionSchema } from "./connection";
import { PoolSchema } from "./pool";
import { HANDED_DOWN, type Resource } from "./resource";

const engine = z.object({
  connection: EngineConnectionSchema,
  nodeId: Id,
  /** Raw block device, e.g. /dev/vdb. It must be empty unless destroyData is set. Changing it replaces the device. */
  path: DevicePath,
  /** Wipe existing signatures (wipefs --all) before pvcreate. Default false: a device holding data is refused. */
  destroyData: z.boolean().default(false),
  tags: Tags,
  /** The id of an existing one to take under management instead of creating one (see AdoptId). */
  adopt: AdoptId,
  pool: PoolSchema.optional(),
});

const rest = engine.extend({ connection: RestConnectionSchema });

/** A raw disk given to GlusterFS. */
export const device = {
  title: "Device",
  engine,
  rest,
  parent: { input: "nodeId", doc: "node" },
  replace: { path: "`path`" },
  // destroyData only matters when the device is created: a change is recorded, nothing is wiped
  update: { tags: "`tags`", connection: HANDED_DOWN, destroyData: "`destroyData` (kept in the state; it only acts at create)" },
  refuse: { doc: "a path that is not a plain `/dev/...` path" },
} satisfies Resource;

export type EngineDeviceInputs = z.output<typeof engine>;
export type RestDeviceInputs = z.output<typeof rest>;
