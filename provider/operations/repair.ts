/**
 * The node side of `check --repair`: the fstab lines check planned to add or drop (RepairAction), one
 * script per node. Deleting leftover bricks is the engine's journaled volume delete, not here. Each
 * script re-checks on the node what check saw (a line is dropped only while its brick has no LV and is
 * not mounted), so a repair planned from a stale look changes nothing that has changed since.
 */
import { ensureLineInFile, removeTableLines, script, sh, unless } from "../commands/shell";
import { assertFilePath, brickMountPoint, fstabLine, lvPath } from "../commands/layout";
import { lvExists } from "../commands/lvm";
import type { RepairAction } from "./check";
import { OpContext, runScript } from "./context";

type FstabAction = Extract<RepairAction, { kind: "add-fstab-line" | "drop-fstab-line" }>;

/** Pure: the script one node runs for its fstab repairs. */
export function fstabRepairScript(actions: readonly FstabAction[], fstab: string) {
  const file = assertFilePath(fstab);
  return script(
    actions.map((a) => {
      if (a.kind === "add-fstab-line") return ensureLineInFile(fstabLine(a.deviceId, a.brickId), file);
      const mnt = brickMountPoint(a.deviceId, a.brickId);
      return unless(lvExists(lvPath(a.deviceId, a.brickId)), unless(sh`mountpoint -q ${mnt}`, removeTableLines(file, 2, mnt)));
    }),
  );
}

/** Run the fstab repairs, node by node (in parallel); returns one line per node for the report. */
export async function repairFstab(ctx: OpContext, actions: readonly RepairAction[]): Promise<string[]> {
  const byNode = new Map<string, FstabAction[]>();
  for (const a of actions) if (a.kind !== "delete-leftover-volume") byNode.set(a.nodeId, [...(byNode.get(a.nodeId) ?? []), a]);
  return Promise.all(
    [...byNode].map(async ([nodeId, list]) => {
      const node = ctx.ledger.getNode(nodeId);
      await runScript(ctx, node, fstabRepairScript(list, ctx.settings.fstab));
      const added = list.filter((a) => a.kind === "add-fstab-line").length;
      return `${node.manageHost}: ${added} fstab line(s) added, ${list.length - added} leftover line(s) dropped`;
    }),
  );
}
