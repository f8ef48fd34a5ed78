/** Volume creates refused synchronously, on the empty cluster. */
import { listFacts, REP3 } from "./facts";
import type { Run } from "./run";
import { UNKNOWN_ID } from "./types";

export async function volumeValidationSteps(run: Run): Promise<void> {
  const { S } = run;
  const badVolumes: Array<[string, unknown]> = [
    ["size 0", { size: 0, durability: REP3 }],
    ["size -1", { size: -1, durability: REP3 }],
    ["replica 4", { size: 1, durability: { type: "replicate", replicate: { replica: 4 } } }],
    ["disperse 3+1", { size: 1, durability: { type: "disperse", disperse: { data: 3, redundancy: 1 } } }],
    ["unknown durability type", { size: 1, durability: { type: "mirror" } }],
    ["gid -1", { size: 1, durability: REP3, gid: -1 }],
    ["gid 2147483647", { size: 1, durability: REP3, gid: 2147483647 }],
    ["unknown cluster", { size: 1, durability: REP3, clusters: [UNKNOWN_ID] }],
    ["name with a space", { size: 1, durability: REP3, name: "bad name" }],
    ["snapshot factor 200", { size: 1, durability: REP3, snapshot: { enable: true, factor: 200 } }],
    ["disperse 4+2 below its minimum size", { size: 1, durability: { type: "disperse", disperse: { data: 4, redundancy: 2 } } }],
    ["bad JSON", "{not json"],
    ["empty body", ""],
    ["no space (1000000 GiB)", { size: 1_000_000, durability: REP3 }],
  ];
  for (const [what, body] of badVolumes) await S(`volumes: create: ${what}`, "POST", "/volumes", { body });
  await S("volumes: list while empty", "GET", "/volumes", { facts: listFacts("volumes") });
  await S("volumes: get unknown", "GET", `/volumes/${UNKNOWN_ID}`);
}
