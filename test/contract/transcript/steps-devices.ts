/** Device steps: refused adds, each topology device added, then read back by node. */
import { deviceFacts, nodeFacts } from "./facts";
import type { Run } from "./run";
import { MISSING_ID, UNKNOWN_ID } from "./types";

export async function deviceSteps(run: Run): Promise<Pick<Run, "devicesOf" | "deviceNode">> {
  const { T, S, topology, cluster, nodes } = run;
  const n0 = topology.nodes[0];
  await S("devices: unknown node", "POST", "/devices", { body: { node: UNKNOWN_ID, name: n0.devices[0] } });
  await S("devices: name is not a path", "POST", "/devices", { body: { node: nodes[0], name: "vdb" } });
  await S("devices: empty name", "POST", "/devices", { body: { node: nodes[0], name: "" } });
  await S("devices: bad JSON", "POST", "/devices", { body: "{not json" });
  for (const [i, n] of topology.nodes.entries()) {
    for (const [j, dev] of n.devices.entries()) {
      const step = `devices: add node ${i + 1} device ${j + 1}`;
      const r = await S(step, "POST", "/devices", { body: { node: nodes[i], name: dev } });
      await T.poll(`${step}: queue`, r.headers.get("location"));
      if (i === 0 && j === 0) await S(`${step}: queue again`, "GET", r.headers.get("location") ?? `/queue/${MISSING_ID}`);
    }
  }
  // device ids by node, read back from the node (device add has no result).
  const devicesOf: string[][] = [];
  const deviceNode = new Map<string, string>();
  for (const i of nodes.keys()) {
    const r = await S(`nodes: get node ${i + 1} with devices`, "GET", `/nodes/${nodes[i]}`, { facts: nodeFacts(run, i) });
    const byName = new Map<string, string>(((r.json as any)?.devices ?? []).map((d: any) => [d.name, d.id]));
    devicesOf.push(topology.nodes[i].devices.map((name) => byName.get(name) ?? MISSING_ID));
    for (const d of devicesOf[i]) deviceNode.set(d, nodes[i]);
  }
  const d0 = devicesOf[0][0];
  await S("devices: get", "GET", `/devices/${d0}`, { facts: deviceFacts(() => d0) });
  await S("devices: get unknown", "GET", `/devices/${UNKNOWN_ID}`);
  await S("devices: delete while online", "DELETE", `/devices/${d0}`);
  await S("devices: delete unknown", "DELETE", `/devices/${UNKNOWN_ID}`);
  await S("nodes: delete while it has devices", "DELETE", `/nodes/${nodes[0]}`);
  await S("clusters: delete while it has nodes", "DELETE", `/clusters/${cluster}`);
  return { devicesOf, deviceNode };
}
