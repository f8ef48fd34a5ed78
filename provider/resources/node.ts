import { z } from "zod";
import { AdoptId, Hostname, Id, StorageAddress, Tags, Zone } from "../model/schemas";
import { EngineConnectionSchema, NodeSshSchema, RestConnectionSchema } from "./connection";
import { PoolSchema } from "./pool";
import { HANDED_DOWN, type Refusal, type Resource } from "./resource";

const engine = z.object({
  connection: EngineConnectionSchema,
  clusterId: Id,
  /** What SSH connects to (hostname or address). Changing it replaces the node. */
  manageHostname: Hostname,
  /** The storage network IPv4 address gluster peers and clients use (Kubernetes needs an IP). Changing it replaces the node. */
  storageHostname: StorageAddress,
  /**
   * Failure domain (1 or more); replicas are spread across zones. Changing it updates in place (engine);
   * a REST cluster refuses the change at preview (Heketi's API cannot change a zone).
   */
  zone: Zone,
  /** Free-form tags (e.g. `arbiter: required`); updated in place. */
  tags: Tags,
  /**
   * Per-node SSH overrides; `hostKeyFingerprint` pins this node's host key (SHA256:...). Engine clusters only:
   * with a REST cluster the server reaches the nodes with its own SSH settings, and `ssh` is refused.
   */
  ssh: NodeSshSchema,
  /** The id of an existing one to take under management instead of creating one (see AdoptId). */
  adopt: AdoptId,
  pool: PoolSchema.optional(),
});

const rest = engine.extend({
  connection: RestConnectionSchema,
  ssh: NodeSshSchema.refine((s) => Object.keys(s).length === 0, {
    message: "per-node SSH settings do not apply to a rest cluster: the REST server connects to the nodes with its own SSH settings (remove ssh from this node)",
  }),
});

/** Heketi's API has no call that changes a node's zone: refused unless the change replaces the node anyway. */
const zoneChangeOnRest: Refusal = (olds, news, replacing) => {
  if (replacing || typeof olds.zone !== "number" || olds.zone === news.zone) return [];
  return [{ property: "zone", reason: `zone: Heketi's API cannot change the zone of a node (${olds.zone} → ${news.zone}); keep the zone, or remove the node and add it again` }];
};

/** A storage node of the trusted pool. */
export const node = {
  title: "Node",
  engine,
  rest,
  parent: { input: "clusterId", doc: "cluster" },
  replace: { manageHostname: "`manageHostname`", storageHostname: "`storageHostname`" },
  update: { zone: "`zone`", tags: "`tags`", ssh: "per-node `ssh`", connection: HANDED_DOWN },
  refuse: { doc: "zone 0, a storage hostname that is not an IPv4 address", rest: zoneChangeOnRest },
} satisfies Resource;

export type EngineNodeInputs = z.output<typeof engine>;
export type RestNodeInputs = z.output<typeof rest>;
