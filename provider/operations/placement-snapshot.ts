import type { Ledger } from "../ledger/ledger";
import type { Topology } from "../placement";

/** The placement view of a cluster: online nodes and devices with their free space (pure read). */
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
        .filter((d) => !exclude.has(d.id))
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
