/**
 * Clusters: create, list, show, set the file/block flags, delete.
 */
import * as api from "../../heketi/api";
import { clusterInfo } from "../../heketi/json";
import { empty, json } from "../http";
import { ID, type Routes } from "./context";

export function registerClusterRoutes(routes: Routes): void {
  const { on, body, found, engine, ledger } = routes;
  on("POST", "/clusters", async (c) => {
    const req = await body(c, api.ClusterFlagsRequest);
    const cl = engine.createCluster({ file: req.file ?? false, block: req.block ?? false });
    json(c.res, 201, clusterInfo(ledger, cl.id));
  });
  on("GET", "/clusters", async (c) => json(c.res, 200, { clusters: ledger.listClusters().map((x) => x.id).sort() }));
  on("GET", `/clusters/${ID}`, async (c) => {
    found(ledger.findCluster(c.params.id));
    json(c.res, 200, clusterInfo(ledger, c.params.id));
  });
  on("POST", `/clusters/${ID}/flags`, async (c) => {
    const req = await body(c, api.ClusterFlagsRequest);
    found(ledger.findCluster(c.params.id));
    engine.setClusterFlags(c.params.id, { file: req.file ?? false, block: req.block ?? false });
    c.res.writeHead(200, { "Content-Type": "application/json; charset=UTF-8" });
    c.res.end();
  });
  on("DELETE", `/clusters/${ID}`, async (c) => {
    found(ledger.findCluster(c.params.id));
    engine.deleteCluster(c.params.id);
    empty(c.res, 200);
  });
}
