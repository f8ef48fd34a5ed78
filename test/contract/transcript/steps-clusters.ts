/** Cluster steps on an empty server; returns the id of the cluster the rest of the script uses. */
import { clusterFacts, listFacts } from "./facts";
import type { Run } from "./run";
import { MISSING_ID, UNKNOWN_ID } from "./types";

export async function clusterSteps(run: Run): Promise<string> {
  const { S } = run;

  await S("clusters: list while empty", "GET", "/clusters", { facts: listFacts("clusters") });
  const rScratch = await S("clusters: create with {}", "POST", "/clusters", { body: {}, facts: clusterFacts(() => undefined) });
  const scratch: string = (rScratch.json as any)?.id ?? MISSING_ID;
  await S("clusters: create with bad JSON", "POST", "/clusters", { body: "{not json" });
  await S("clusters: create with an empty body", "POST", "/clusters", { body: "" });
  await S("clusters: get the {} cluster", "GET", `/clusters/${scratch}`, { facts: clusterFacts(() => scratch) });
  await S("clusters: delete the empty cluster", "DELETE", `/clusters/${scratch}`);
  await S("clusters: get a deleted cluster", "GET", `/clusters/${scratch}`);
  await S("clusters: delete a deleted cluster", "DELETE", `/clusters/${scratch}`);
  const rCluster = await S("clusters: create file+block", "POST", "/clusters", { body: { file: true, block: true }, facts: clusterFacts(() => undefined) });
  const cluster: string = (rCluster.json as any)?.id ?? MISSING_ID;
  await S("clusters: list with one", "GET", "/clusters", { facts: (j) => ({ ...listFacts("clusters")(j), isTheCluster: j.clusters?.[0] === cluster }) });
  await S("clusters: get unknown", "GET", `/clusters/${UNKNOWN_ID}`);
  await S("clusters: set flags", "POST", `/clusters/${cluster}/flags`, { body: { file: true, block: true } });
  await S("clusters: set flags of unknown", "POST", `/clusters/${UNKNOWN_ID}/flags`, { body: { file: true, block: true } });
  return cluster;
}
