/**
 * Facts recorded from JSON bodies: selected values and invariants that a compatible server must give
 * whatever ids and sizes it chose.
 */
import type { Run } from "./run";
import { isSorted, sorted } from "./runner";

/** The durability of the script's replica-3 volumes. */
export const REP3 = { type: "replicate", replicate: { replica: 3 } };

export const clusterFacts = (expectId: () => string | undefined, nodes?: () => string[]) => (j: any) => ({
  idIsExpected: expectId() === undefined ? "n/a" : j.id === expectId(),
  file: j.file,
  block: j.block,
  nodes: j.nodes?.length,
  nodesSorted: isSorted(j.nodes ?? []),
  nodesAreTheAddedNodes: nodes ? JSON.stringify(sorted(j.nodes ?? [])) === JSON.stringify(sorted(nodes())) : "n/a",
  volumes: j.volumes?.length,
  blockvolumes: j.blockvolumes?.length,
});
export const listFacts = (key: string) => (j: any) => ({ count: j[key]?.length, sorted: isSorted(j[key] ?? []) });

export const nodeFacts = (run: Pick<Run, "cluster" | "nodes">, i: number) => (j: any) => ({
  idIsExpected: j.id === run.nodes[i],
  clusterIsExpected: j.cluster === run.cluster,
  zone: j.zone,
  state: j.state,
  hostnames: j.hostnames,
  devices: (j.devices ?? []).map((d: any) => `${d.name} ${d.state} bricks=${d.bricks?.length}`).sort(),
  devicesSortedById: isSorted((j.devices ?? []).map((d: any) => d.id)),
  devicesStorageAddsUp: (j.devices ?? []).every((d: any) => d.storage.total === d.storage.free + d.storage.used),
});

export const deviceFacts = (expect: () => string) => (j: any) => ({
  idIsExpected: j.id === expect(),
  name: j.name,
  state: j.state,
  storageAddsUp: j.storage?.total === j.storage?.free + j.storage?.used,
  totalIsPositive: j.storage?.total > 0,
  usedIsZero: j.storage?.used === 0,
  bricks: j.bricks?.length,
  bricksOnThisDevice: (j.bricks ?? []).every((b: any) => b.device === j.id),
});
