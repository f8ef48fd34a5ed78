/**
 * Node steps: refused adds, then each topology node added; returns the node ids in topology order.
 */
import { clusterFacts, nodeFacts } from "./facts";
import type { Run } from "./run";
import { idFromLocation } from "./runner";
import { MISSING_ID, UNKNOWN_ID } from "./types";

export async function nodeSteps(run: Run): Promise<string[]> {
  const { T, S, topology, cluster } = run;
  const n0 = topology.nodes[0];
  const nodeBody = (n: (typeof topology.nodes)[number], over: Record<string, unknown> = {}) => ({
    zone: n.zone,
    hostnames: { manage: [n.manage], storage: [n.storage] },
    cluster,
    ...over,
  });
  await S("nodes: zone 0", "POST", "/nodes", { body: nodeBody(n0, { zone: 0 }) });
  await S("nodes: zone missing", "POST", "/nodes", { body: { hostnames: { manage: [n0.manage], storage: [n0.storage] }, cluster } });
  await S("nodes: no manage hostname", "POST", "/nodes", { body: nodeBody(n0, { hostnames: { manage: [], storage: [n0.storage] } }) });
  await S("nodes: cluster id not an id", "POST", "/nodes", { body: nodeBody(n0, { cluster: "xyz" }) });
  await S("nodes: unknown cluster", "POST", "/nodes", { body: nodeBody(n0, { cluster: UNKNOWN_ID }) });
  await S("nodes: bad JSON", "POST", "/nodes", { body: "{not json" });
  const nodes: string[] = [];
  for (const [i, n] of topology.nodes.entries()) {
    const r = await S(`nodes: add node ${i + 1}`, "POST", "/nodes", { body: nodeBody(n) });
    const done = await T.poll(`nodes: add node ${i + 1}: queue`, r.headers.get("location"));
    nodes.push(idFromLocation(done, "/nodes") ?? MISSING_ID);
    if (i === 0) await S("nodes: add node 1: queue again", "GET", r.headers.get("location") ?? `/queue/${MISSING_ID}`);
  }
  await S("nodes: manage hostname already used", "POST", "/nodes", {
    body: nodeBody(n0, { hostnames: { manage: [n0.manage], storage: ["192.0.2.99"] } }),
  });
  await S("nodes: storage hostname already used", "POST", "/nodes", {
    body: nodeBody(n0, { hostnames: { manage: ["unused-manage.invalid"], storage: [n0.storage] } }),
  });
  for (const i of nodes.keys()) await S(`nodes: get node ${i + 1}`, "GET", `/nodes/${nodes[i]}`, { facts: nodeFacts({ cluster, nodes }, i) });
  await S("nodes: get unknown", "GET", `/nodes/${UNKNOWN_ID}`);
  await S("clusters: get with nodes", "GET", `/clusters/${cluster}`, { facts: clusterFacts(() => cluster, () => nodes) });
  return nodes;
}
