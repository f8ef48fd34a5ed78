/**
 * One run of the transcript script: the runner, the topology, and the ids earlier steps produced
 * for later ones.
 */
import { Resp, Runner, StepOptions } from "./runner";
import { DEFAULT_TOPOLOGY, MISSING_ID, TranscriptTarget, TranscriptTopology } from "./types";

export interface Run {
  T: Runner;
  /** Send one request and record it as a step. */
  S: (step: string, method: string, path: string, opts?: StepOptions) => Promise<Resp>;
  topology: TranscriptTopology;
  /** The cluster the script builds in (clusterSteps). */
  cluster: string;
  /** Node ids in topology order (nodeSteps). */
  nodes: string[];
  /** Device ids per node, in topology order (deviceSteps). */
  devicesOf: string[][];
  /** Device id → its node's id. */
  deviceNode: Map<string, string>;
}

export function newRun(target: TranscriptTarget): Run {
  const topology = target.topology ?? DEFAULT_TOPOLOGY;
  if (topology.nodes.length < 3 || topology.nodes.some((n) => n.devices.length < 1))
    throw new Error("the transcript needs at least 3 nodes with at least one device each");
  const T = new Runner(target, topology);
  return {
    T,
    S: (step, method, path, opts) => T.step(step, method, path, opts),
    topology,
    cluster: MISSING_ID,
    nodes: [],
    devicesOf: [],
    deviceNode: new Map(),
  };
}
