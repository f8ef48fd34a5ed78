/**
 * Nodes: add (a queue job: peer probe), show, delete, state changes and tags.
 */
import * as api from "../../heketi/api";
import { nodeInfo, visibleNode } from "../../heketi/json";
import { newId } from "../../model/ids";
import { NodeAdd, validate } from "../../model/schemas";
import { HttpError, json } from "../http";
import { ID, type Routes } from "./context";
import { onStateChange, onTagsChange } from "./state-and-tags";

export function registerNodeRoutes(routes: Routes): void {
  const { on, body, start, found, engine, ledger, rc } = routes;
  on("POST", "/nodes", async (c) => {
    const req = await body(c, api.NodeAddRequest);
    const manage = req.hostnames?.manage?.[0] ?? "";
    const storage = req.hostnames?.storage?.[0] ?? "";
    const blank: string[] = [];
    if (!req.zone) blank.push("zone: cannot be blank");
    if (!req.cluster) blank.push("cluster: cannot be blank");
    if (!manage || !storage) blank.push(`hostnames: (${[!manage && "manage: cannot be blank", !storage && "storage: cannot be blank"].filter(Boolean).join("; ")}.)`);
    if (req.cluster && !/^[A-Fa-f0-9]+$/.test(req.cluster)) blank.push(`cluster: ${req.cluster} is not a valid UUID`);
    if (blank.length) throw new HttpError(400, `validation failed: ${blank.join("; ")}.`);
    if (!ledger.findCluster(req.cluster!)) throw new HttpError(404, "Cluster id does not exist");
    for (const h of [manage, storage]) {
      const other = ledger.listNodes().find((n) => n.manageHost === h || n.storageHost === h);
      if (other) throw new HttpError(409, `Hostname ${h} already used by node with id ${other.id}\n`);
    }
    const input = { id: newId(), clusterId: req.cluster!, manageHostname: manage, storageHostname: storage, zone: req.zone!, tags: req.tags ?? {} };
    validate(NodeAdd, input, "invalid node");
    rc.beforeNodeAdd?.(manage, storage);
    start(c, async () => `/nodes/${(await engine.addNode(input)).id}`);
  });
  on("GET", `/nodes/${ID}`, async (c) => {
    const n = found(ledger.findNode(c.params.id));
    if (!visibleNode(n)) throw new HttpError(404, "Id not found");
    json(c.res, 200, nodeInfo(ledger, n.id));
  });
  on("DELETE", `/nodes/${ID}`, async (c) => {
    const n = found(ledger.findNode(c.params.id));
    if (ledger.listDevices(n.id).length) throw new HttpError(409, `Unable to delete node [${n.id}] because it contains devices`);
    start(c, () => engine.removeNode(n.id));
  });
  onStateChange(routes, "nodes", (id) => ledger.findNode(id), (id, st, opts) => engine.setNodeState(id, st, opts));
  onTagsChange(routes, "nodes", (id) => ledger.findNode(id), (id, tags) => engine.setNodeMetadata(id, { tags }));
}
