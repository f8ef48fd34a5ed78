/**
 * The whole topology in one call (heketi-cli composes it client-side from the other endpoints).
 */
import { clusterInfo, nodeInfo, volumeInfo } from "../../heketi/json";
import { json } from "../http";
import type { Routes } from "./context";

export function registerTopologyRoutes(routes: Routes): void {
  const { on, ledger } = routes;
  on("GET", "/topology", async (c) =>
    json(c.res, 200, {
      clusters: ledger.listClusters().sort((a, b) => (a.id < b.id ? -1 : 1)).map((cl) => {
        const info = clusterInfo(ledger, cl.id);
        return { id: cl.id, file: cl.file, block: cl.block, nodes: info.nodes.map((n) => nodeInfo(ledger, n)), volumes: info.volumes.map((v) => volumeInfo(ledger, v)), blockvolumes: [] };
      }),
    }),
  );
}
