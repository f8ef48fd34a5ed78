import type { Ledger } from "../ledger/ledger";
import type { Topology } from "../placement";

/**
 * The placement view of a cluster: online nodes and devices with their free space (pure read). A
 * device whose VG an operator built by hand and adopted keeps the bricks it has, but is never offered
 * for new ones: the engine does not carve its LVs into a VG it did not make.
 */
export function topologySnapshot(ledger: Ledger, clusterId: string, opts: { excludeDevices?: string[] } = {}): Topology {
  const exclude = new Set(opts.excludeDevices ?? []);
  return {
    nodes: ledger.listNodes(clusterId).map((n) => ({
      id: n.id,
      zone: n.zone,
      state: n.state === "online" ? "online" : n.state === "failed" ? "failed" : "offline",
      tags: n.tags,
      devices: ledger
        .listDevices(n.id)
        .filter((d) => !exclude.has(d.id) && !d.vg)
        .map((d) => ({
          id: d.id,
          nodeId: n.id,
          freeKiB: d.freeKiB,
          extentKiB: d.extentKiB,
          state: d.state === "online" ? "online" : d.state === "failed" ? "failed" : "offline",
          tags: d.tags,
        })),
    })),
  };
}
