import { z } from "zod";
import { DevicePath, Hostname, Id, StorageAddress, Tags, Zone } from "../model/schemas";
import { NodeSshSchema } from "./connection";

/**
 * The trusted storage pool as the program declares it (the SDK collects it from the cluster's Node
 * and Device resources): where the engine finds the nodes to rebuild its ledger from, in any checkout.
 * It is recorded in each resource's state, so `destroy` (which does not run the program) has it too.
 * Not part of any resource's identity: the diff never looks at it.
 */
export const PoolSchema = z.object({
  clusterId: Id,
  nodes: z.array(
    z.object({
      nodeId: Id,
      manageHostname: Hostname,
      storageHostname: StorageAddress,
      zone: Zone,
      tags: Tags,
      ssh: NodeSshSchema,
      /** Only on volumes: the devices (their tags steer placement). */
      devices: z.array(z.object({ deviceId: Id, path: DevicePath, tags: Tags })).optional(),
    }),
  ),
});
export type Pool = z.output<typeof PoolSchema>;
