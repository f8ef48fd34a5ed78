/**
 * `heketi-cli topology load --json=<file>` (heketi.md §7.4), through the engine: clusters, nodes and
 * devices are created with real operations (glusterd check, peer probe, pvcreate/vgcreate...).
 *
 * Same rules as heketi-cli, so a topology file written for Heketi loads the same way:
 * - a node is matched by its management hostname (manage[0]) anywhere in the ledger; a found node
 *   is left as it is, and later new nodes of the same file cluster join the found node's cluster;
 * - a file cluster whose first nodes are all new gets a new cluster (file/block flags default true);
 *   a cluster created by this load that ends up without nodes is deleted again;
 * - a device is matched by name on its node; found devices are left as they are;
 * - a node or device that cannot be added is reported and the load goes on (a node that failed
 *   gets none of its devices).
 * One difference: what this load adds counts as found for the rest of the file (heketi-cli matches
 * against the topology read once at the start, so a device listed twice fails the second time).
 */
import { z } from "zod";
import type { Engine } from "../engine";
import type { DeviceRow, NodeRow } from "../ledger/ledger";
import { parseJsonInput, SshOverrides } from "../model";

const tags = z.record(z.string(), z.string()).nullish();

/** The topology file, as heketi-cli's decoder reads it (unknown fields ignored). */
export const TopologyFile = z.object({
  clusters: z.array(
    z.object({
      file: z.boolean().nullish(),
      block: z.boolean().nullish(),
      nodes: z
        .array(
          z.object({
            node: z.object({
              hostnames: z.object({
                manage: z.array(z.string()).min(1, "needs a management hostname"),
                storage: z.array(z.string()).min(1, "needs a storage hostname"),
              }),
              zone: z.number().int().default(0),
              tags,
            }),
            devices: z
              .array(z.union([z.string(), z.object({ name: z.string(), destroydata: z.boolean().nullish(), tags })], { message: 'a device is "/dev/..." or {"name": "/dev/...", "destroydata"?: bool, "tags"?: {}}' }))
              .nullish(),
          }),
        )
        .nullish(),
    }),
  ),
});
export type TopologyFile = z.output<typeof TopologyFile>;

export type ItemStatus = "added" | "found" | "failed";

export interface TopologyLoadResult {
  clusters: Array<{
    /** The cluster this file cluster's nodes ended up in (undefined: none was found or created). */
    id?: string;
    created: boolean;
    /** Created by this load, then deleted again because no node could be added to it. */
    deleted: boolean;
    nodes: Array<{
      manage: string;
      id?: string;
      status: ItemStatus;
      error?: string;
      devices: Array<{ name: string; id?: string; status: ItemStatus; error?: string }>;
    }>;
  }>;
  /** One line per node or device that could not be added. */
  errors: string[];
  /** What heketi-cli would print, line by line. */
  lines: string[];
}

export interface TopologyLoadOptions {
  /** SSH settings for the nodes this load adds: only what differs from the engine's defaults. */
  ssh?: z.input<typeof SshOverrides>;
  /** Called with each output line as it happens (heketi-cli prints as it goes). */
  onLine?: (line: string) => void;
}

type TopologyEngine = Pick<Engine, "ledger" | "createCluster" | "deleteCluster" | "addNode" | "addDevice">;

/** Parse a topology file (an object or its JSON text); a malformed one is refused as a whole, naming each field. */
export function parseTopology(input: unknown): TopologyFile {
  return parseJsonInput(TopologyFile, input, "invalid topology file");
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Load a topology file through the engine (see the module comment for the rules). */
export async function loadTopology(engine: TopologyEngine, input: unknown, opts: TopologyLoadOptions = {}): Promise<TopologyLoadResult> {
  const file = parseTopology(input);
  const ssh = opts.ssh ? SshOverrides.parse(opts.ssh) : {};
  const result: TopologyLoadResult = { clusters: [], errors: [], lines: [] };
  const say = (line: string) => {
    result.lines.push(line);
    opts.onLine?.(line);
  };
  const nodeByManage = (host: string): NodeRow | undefined => engine.ledger.listNodes().find((n) => n.manageHost === host && n.state !== "adding");
  const deviceOn = (nodeId: string, name: string): DeviceRow | undefined => engine.ledger.listDevices(nodeId).find((d) => d.path === name && d.state !== "adding");
  const created: string[] = [];

  try {
    for (const fc of file.clusters) {
      const rc: TopologyLoadResult["clusters"][number] = { created: false, deleted: false, nodes: [] };
      result.clusters.push(rc);
      for (const entry of fc.nodes ?? []) {
        const manage = entry.node.hostnames.manage[0];
        const rn: (typeof rc.nodes)[number] = { manage, status: "found", devices: [] };
        rc.nodes.push(rn);
        let node = nodeByManage(manage);
        if (node) {
          say(`\tFound node ${manage} on cluster ${node.clusterId}`);
          rc.id = node.clusterId;
        } else {
          if (!rc.id) {
            const c = engine.createCluster({ file: fc.file ?? true, block: fc.block ?? true });
            rc.id = c.id;
            rc.created = true;
            created.push(c.id);
            say(`Creating cluster ... ID: ${c.id}`);
            if (c.file) say("\tAllowing file volumes on cluster.");
            if (c.block) say("\tAllowing block volumes on cluster.");
          }
          try {
            node = await engine.addNode({
              clusterId: rc.id, manageHostname: manage, storageHostname: entry.node.hostnames.storage[0], zone: entry.node.zone,
              tags: entry.node.tags ?? {}, ssh,
            });
            rn.status = "added";
            say(`\tCreating node ${manage} ... ID: ${node.id}`);
          } catch (e) {
            rn.status = "failed";
            rn.error = message(e);
            result.errors.push(`node ${manage}: ${rn.error}`);
            say(`\tCreating node ${manage} ... Unable to create node: ${rn.error}`);
            continue;
          }
        }
        rn.id = node.id;
        for (const d of entry.devices ?? []) {
          const dev = typeof d === "string" ? { name: d, destroydata: false, tags: {} } : { name: d.name, destroydata: d.destroydata ?? false, tags: d.tags ?? {} };
          const rd: (typeof rn.devices)[number] = { name: dev.name, status: "found" };
          rn.devices.push(rd);
          const found = deviceOn(node.id, dev.name);
          if (found) {
            rd.id = found.id;
            say(`\t\tFound device ${dev.name}`);
            continue;
          }
          try {
            const added = await engine.addDevice({ nodeId: node.id, path: dev.name, destroyData: dev.destroydata, tags: dev.tags });
            rd.id = added.id;
            rd.status = "added";
            say(`\t\tAdding device ${dev.name} ... OK`);
          } catch (e) {
            rd.status = "failed";
            rd.error = message(e);
            result.errors.push(`device ${dev.name} on ${manage}: ${rd.error}`);
            say(`\t\tAdding device ${dev.name} ... Unable to add device: ${rd.error}`);
          }
        }
      }
    }
  } finally {
    // like heketi-cli: a cluster this load created and could not put a node in is deleted again
    for (const id of created) {
      if (engine.ledger.findCluster(id) && !engine.ledger.listNodes(id).length && !engine.ledger.listVolumes(id).length) {
        engine.deleteCluster(id);
        for (const rc of result.clusters) if (rc.id === id) rc.deleted = true;
      }
    }
  }
  return result;
}
