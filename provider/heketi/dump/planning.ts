/**
 * What planning an import works with: its options, the plan it returns, and the problems it collects
 * (every one of them, so an operator fixes the export once, not once per run).
 */
import type { z } from "zod";
import type { GlusterVolumeInfo } from "../../commands/parsers/gluster";
import type { BrickRow, DeviceRow, NodeRow, VolumeRow } from "../../ledger/ledger";
import type { Durability, SshOverrides } from "../../model/schemas";
import type { HeketiDumpIn } from "./parse";

export interface ImportOptions {
  /**
   * SSH settings stored on every imported node: only what differs from the engine's defaults (the
   * engine resolves a node's target as its own settings over the engine's, see Engine.target).
   * Default {}: every node uses the engine's SSH defaults.
   */
  ssh?: z.input<typeof SshOverrides>;
  /** Per node, by management hostname, over `ssh`. */
  sshByHost?: Record<string, z.input<typeof SshOverrides>>;
  /**
   * What to do with Heketi's pending operations (volumes/bricks in the middle of a change):
   * "refuse" (default) the whole import; "skip" the pending volumes and the bricks being added, and
   * report them (their space stays counted as used on their devices).
   */
  pending?: "refuse" | "skip";
  /**
   * The cluster's volumes as gluster reports them (`gluster volume info --xml` on any node, parsed with
   * parseVolumeInfoXml): the brick order of each volume, i.e. which bricks form a set. Needed for
   * volumes with more than one brick set (expanded or large volumes) unless the dump carries `x-pgfs`.
   * When given, every volume it names must match the export brick for brick.
   */
  glusterVolumes?: GlusterVolumeInfo[];
}

export interface SkippedEntry {
  kind: "volume" | "brick";
  id: string;
  name?: string;
  reason: string;
}

/** What an import would write (planImport), before it is written. */
export interface ImportPlan {
  clusters: Array<{ id: string; file: boolean; block: boolean }>;
  nodes: Array<Omit<NodeRow, "createdAt" | "opId">>;
  devices: Array<Omit<DeviceRow, "createdAt" | "opId">>;
  volumes: Array<Omit<VolumeRow, "createdAt">>; // snapshotEnable: Heketi's, as requested
  bricks: BrickRow[];
  /** Entries left out (pending: "skip"), with why. */
  skipped: SkippedEntry[];
  warnings: string[];
}

export class Problems {
  readonly issues: Array<{ field: string; rule: string }> = [];
  add(field: string, rule: string): void {
    this.issues.push({ field, rule });
  }
  /** Parse with a schema; record its issues under `field`. */
  check<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> | undefined {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const i of r.error.issues) this.add(i.path.length ? `${field}.${i.path.join(".")}` : field, i.message);
    return undefined;
  }
}

/** One planning run: the export, the options, and what the steps collect. */
export interface Planning {
  readonly dump: HeketiDumpIn;
  readonly opts: ImportOptions;
  /** opts.pending is "skip": pending volumes and bricks are left out rather than refused. */
  readonly skip: boolean;
  readonly P: Problems;
  readonly warnings: string[];
  readonly skipped: ImportPlan["skipped"];
}

export const setSizeOf = (d: Durability) => (d.type === "replicate" ? d.replica : d.type === "disperse" ? d.data + d.redundancy : 1);
