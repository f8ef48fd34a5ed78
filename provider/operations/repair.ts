/**
 * The node side of `check --repair`: the VG owner tags and fstab lines check planned to fix
 * (RepairAction), one script per node. Deleting leftover bricks is the engine's journaled volume delete, not here. Each
 * script re-checks on the node what check saw (a line is dropped only while its brick has no LV and is
 * not mounted), so a repair planned from a stale look changes nothing that has changed since.
 */
import { ensureLineInFile, removeTableLines, script, sh, unless } from "../commands/shell";
import { assertFilePath, brickMountPoint, fstabLine, lvPath } from "../commands/layout";
import { lvExists, vgTagOwner } from "../commands/lvm";
import type { NodeRow } from "../ledger/ledger";
import type { RepairAction } from "./check";
import { OpContext, runScript } from "./context";

type NodeAction = Exclude<RepairAction, { kind: "delete-leftover-volume" }>;

/** Pure: the script one node runs for its repairs. */
export function nodeRepairScript(node: NodeRow, actions: readonly NodeAction[], fstab: string) {
  const file = assertFilePath(fstab);
  return script(
    actions.map((a) => {
      if (a.kind === "tag-device") return vgTagOwner({ id: a.deviceId, vg: a.vg }, { nodeId: node.id, clusterId: node.clusterId, zone: node.zone }, a.drop);
      if (a.kind === "add-fstab-line") return ensureLineInFile(fstabLine(a.deviceId, a.brickId), file);
      const mnt = brickMountPoint(a.deviceId, a.brickId);
      return unless(lvExists(lvPath(a.deviceId, a.brickId)), unless(sh`mountpoint -q ${mnt}`, removeTableLines(file, 2, mnt)));
    }),
  );
}

/** Run the node repairs, one script per node (in parallel); returns one line per node for the report. */
export async function repairNodes(ctx: OpContext, actions: readonly RepairAction[]): Promise<string[]> {
  const byNode = new Map<string, NodeAction[]>();
  for (const a of actions) if (a.kind !== "delete-leftover-volume") byNode.set(a.nodeId, [...(byNode.get(a.nodeId) ?? []), a]);
  return Promise.all(
    [...byNode].map(async ([nodeId, list]) => {
      const node = ctx.ledger.getNode(nodeId);
      await runScript(ctx, node, nodeRepairScript(node, list, ctx.settings.fstab));
      const count = (kind: NodeAction["kind"]) => list.filter((a) => a.kind === kind).length;
      const said = [
        count("tag-device") && `${count("tag-device")} VG(s) retagged`,
        count("add-fstab-line") && `${count("add-fstab-line")} fstab line(s) added`,
        count("drop-fstab-line") && `${count("drop-fstab-line")} leftover fstab line(s) dropped`,
      ].filter(Boolean);
      return `${node.manageHost}: ${said.join(", ")}`;
    }),
  );
}
