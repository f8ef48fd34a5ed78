/** Device and node state changes, then everything deleted again. */
import { clusterFacts, deviceFacts, listFacts, nodeFacts } from "./facts";
import type { Run } from "./run";
import { UNKNOWN_ID } from "./types";

export async function teardownSteps(run: Run): Promise<void> {
  const { T, S, cluster, nodes, devicesOf } = run;
  const d0 = devicesOf[0][0];
  const state = async (step: string, kind: "devices" | "nodes", id: string, body: unknown) => {
    const r = await S(step, "POST", `/${kind}/${id}/state`, { body });
    if (r.status === 202) await T.poll(`${step}: queue`, r.headers.get("location"));
    return r;
  };
  await state("devices: state bogus", "devices", d0, { state: "bogus" });
  await state("devices: state missing", "devices", d0, {});
  await state("devices: state of unknown", "devices", UNKNOWN_ID, { state: "offline" });
  await state("devices: online -> failed is refused", "devices", d0, { state: "failed" });
  await state("devices: online -> offline", "devices", d0, { state: "offline" });
  await S("devices: get offline", "GET", `/devices/${d0}`, { facts: deviceFacts(() => d0) });
  await S("devices: delete while offline", "DELETE", `/devices/${d0}`);
  await state("devices: offline -> online", "devices", d0, { state: "online" });
  await state("devices: online -> offline again", "devices", d0, { state: "offline" });
  await state("devices: offline -> failed (remove)", "devices", d0, { state: "failed" });
  await S("devices: get failed", "GET", `/devices/${d0}`, { facts: deviceFacts(() => d0) });
  await state("devices: failed -> online is refused", "devices", d0, { state: "online" });
  const rDd = await S("devices: delete failed", "DELETE", `/devices/${d0}`);
  await T.poll("devices: delete failed: queue", rDd.headers.get("location"));
  await S("devices: get deleted", "GET", `/devices/${d0}`);

  await state("nodes: state bogus", "nodes", nodes[0], { state: "bogus" });
  await state("nodes: online -> failed is refused", "nodes", nodes[0], { state: "failed" });
  await state("nodes: online -> offline", "nodes", nodes[0], { state: "offline" });
  await state("nodes: offline -> online", "nodes", nodes[0], { state: "online" });
  await S("nodes: get node 1 after state changes", "GET", `/nodes/${nodes[0]}`, { facts: nodeFacts(run, 0) });

  // Remaining devices: offline -> failed -> delete (quietly numbered steps; all must be 202 -> 204).
  for (const [i, devs] of devicesOf.entries()) {
    for (const [j, d] of devs.entries()) {
      if (d === d0) continue;
      const step = `teardown: node ${i + 1} device ${j + 1}`;
      await state(`${step}: offline`, "devices", d, { state: "offline" });
      await state(`${step}: failed`, "devices", d, { state: "failed" });
      const r = await S(`${step}: delete`, "DELETE", `/devices/${d}`);
      await T.poll(`${step}: delete: queue`, r.headers.get("location"));
    }
  }
  for (const [i, n] of nodes.entries()) {
    const r = await S(`teardown: node ${i + 1}: delete`, "DELETE", `/nodes/${n}`);
    await T.poll(`teardown: node ${i + 1}: delete: queue`, r.headers.get("location"));
  }
  await S("nodes: get deleted", "GET", `/nodes/${nodes[0]}`);
  await S("clusters: get after teardown", "GET", `/clusters/${cluster}`, { facts: clusterFacts(() => cluster) });
  await S("teardown: cluster: delete", "DELETE", `/clusters/${cluster}`);
  await S("clusters: list after teardown", "GET", "/clusters", { facts: listFacts("clusters") });
  await S("operations: counters at the end", "GET", "/operations", { facts: (j) => ({ value: j }) });
}
