/**
 * `check`: the ledger set beside what the nodes say — LVM (VGs, thin LVs and pools with our tags),
 * gluster's volumes and bricks — every difference in words an operator can act on. Reads only: the
 * same facts and the same planning as the rebuild (rebuild.ts), compared instead of applied.
 */
import { brickMountPoint, deviceVg, isOwnerTag, parseBrickPath } from "../commands/layout";
import { ownerTagList } from "../commands/lvm";
import type { Ledger } from "../ledger/ledger";
import { ownerAlive } from "../ledger/owner";
import type { OpContext } from "./context";
import { DeclaredPool, gatherFacts, isRecordedLeftover, NodeFacts, planRebuild, RebuildPlan } from "./rebuild";

export interface CheckFinding {
  /** what kind of difference (stable, for scripts) */
  kind:
    | "node-unreachable"
    | "device-missing"
    | "device-unknown"
    | "device-space"
    | "device-identity"
    | "space-foreign"
    | "volume-missing"
    | "volume-bricks-left"
    | "volume-unknown"
    | "volume-leftover-bricks"
    | "volume-bricks"
    | "volume-unresolved"
    | "brick-unmounted"
    | "brick-fstab-missing"
    | "mount-leftover"
    | "fstab-leftover"
    | "operation-open";
  /** one sentence: what differs and what to do */
  message: string;
  /** what `check --repair` does about it, when that is safe (our own leftovers, our own bricks' fstab lines) */
  repair?: RepairAction;
}

/**
 * The node-side repairs `check --repair` makes. Each is planned only from a complete check (every node
 * answered, gluster's list read) and only for what carries our marks: bricks tagged `pgfs.brick` /
 * `pgfs.volume`, fstab lines of the ledger's own devices.
 */
export type RepairAction =
  /** bricks we made for a volume gluster does not have: delete the ledger's record of them (the engine's delete, journaled) */
  | { kind: "delete-leftover-volume"; volumeId: string }
  /** a brick of the ledger lost its fstab line: add it back */
  | { kind: "add-fstab-line"; nodeId: string; deviceId: string; brickId: string }
  /** a VG of the ledger without its owner tags (made before they existed) or with a stale zone: tag it */
  | { kind: "tag-device"; nodeId: string; deviceId: string; drop: string[]; vg?: string | null }
  /** an fstab line for a brick that is neither in the ledger nor on the node (no LV, not mounted): drop it */
  | { kind: "drop-fstab-line"; nodeId: string; deviceId: string; brickId: string };

export interface CheckReport {
  clusterId: string;
  /** every node answered and gluster's volume list was read */
  complete: boolean;
  counts: { nodes: number; devices: number; volumes: number };
  findings: CheckFinding[];
}

const VG = /^vg_([0-9a-f]{32})$/;

/** The pool the ledger itself declares: its nodes and devices (check compares the ledger with itself on the nodes). */
export function ledgerPool(ledger: Ledger, clusterId: string): DeclaredPool {
  return {
    clusterId,
    nodes: ledger.listNodes(clusterId).map((n) => ({
      nodeId: n.id, manageHostname: n.manageHost, storageHostname: n.storageHost, zone: n.zone, tags: n.tags, ssh: n.ssh,
      devices: ledger.listDevices(n.id).map((d) => ({ deviceId: d.id, path: d.path, tags: d.tags })),
    })),
  };
}

/** Pure: the differences between the ledger and the nodes' facts (through the rebuild's plan). */
export function compareWithNodes(ledger: Ledger, clusterId: string, facts: NodeFacts[], plan: RebuildPlan): CheckFinding[] {
  const out: CheckFinding[] = [];
  const nodes = ledger.listNodes(clusterId);
  const host = (nodeId: string) => nodes.find((n) => n.id === nodeId)?.manageHost ?? nodeId;
  const dev = (id: string) => {
    const d = ledger.findDevice(id);
    return d ? `device ${d.path} [${id}] on ${host(d.nodeId)}` : `device [${id}]`;
  };

  for (const f of facts) {
    if (!f.answered) out.push({ kind: "node-unreachable", message: `node ${host(f.nodeId)} did not answer (${f.error}): what the ledger has on it was not checked; fix SSH or glusterd and check again` });
  }
  for (const id of plan.goneDevices) {
    out.push({ kind: "device-missing", message: `${dev(id)} is in the ledger, but the node has no VG vg_${id}: the disk was wiped or replaced by hand; remove the device (it holds no brick)` });
  }
  for (const f of facts) {
    if (!f.answered) continue;
    for (const vg of f.vgs) {
      const id = VG.exec(vg.vgName)?.[1];
      if (id && !ledger.findDevice(id)) {
        out.push({ kind: "device-unknown", message: `VG ${vg.vgName} on ${host(f.nodeId)} is in Heketi's layout but not in the ledger (added by another checkout, tool or stack, or left by an interrupted device add): \`check --repair\` (or the next pulumi command) adopts it as a device of its node; remove it by hand if it is not to be used` });
      }
    }
  }
  for (const f of facts) {
    if (!f.answered) continue;
    const node = nodes.find((n) => n.id === f.nodeId);
    if (!node) continue;
    for (const vg of f.vgs) {
      const id = VG.exec(vg.vgName)?.[1] ?? vg.pgfs.device; // Heketi's name, or an adopted VG's device tag
      const row = id ? ledger.findDevice(id) : undefined;
      if (!row || row.nodeId !== node.id || row.opId || deviceVg(row) !== vg.vgName) continue;
      const want = ownerTagList({ nodeId: node.id, clusterId, zone: node.zone });
      const have = vg.tags.filter(isOwnerTag);
      if (want.every((t) => have.includes(t)) && have.every((t) => want.includes(t))) continue;
      out.push({
        kind: "device-identity",
        message: `${dev(row.id)}: its VG is tagged ${have.length ? have.join(" ") : "with no owner"}, the ledger says ${want.join(" ")}; a ledger rebuilt from the nodes would read the tags, so \`check --repair\` retags it`,
        repair: { kind: "tag-device", nodeId: node.id, deviceId: row.id, drop: have.filter((t) => !want.includes(t)), vg: row.vg ?? null },
      });
    }
  }
  for (const d of plan.devices) {
    const row = ledger.findDevice(d.id);
    if (!row || row.opId) continue;
    if (row.totalKiB !== d.totalKiB || row.usedKiB !== d.usedKiB || row.freeKiB !== d.freeKiB) {
      out.push({
        kind: "device-space",
        message: `${dev(d.id)}: the ledger counts ${row.usedKiB} KiB used and ${row.freeKiB} free of ${row.totalKiB}, the node's bricks and LVs make it ${d.usedKiB} used and ${d.freeKiB} free of ${d.totalKiB}; a rebuild (the next pulumi command) corrects the ledger`,
      });
    }
  }
  for (const w of plan.warnings) if (/taken by logical volumes that belong to no brick/.test(w)) out.push({ kind: "space-foreign", message: `${w}: they are not ours; placement does not offer that space` });

  const busy = new Set(ledger.listVolumes(clusterId).filter((v) => v.opId || v.state !== "online").map((v) => v.id));
  const mapped = new Map(plan.volumes.map((v) => [v.volume.id, v]));
  for (const id of plan.goneVolumes) {
    const v = ledger.findVolume(id)!;
    out.push({ kind: "volume-missing", message: `volume ${v.name} [${id}] is in the ledger, but gluster has no such volume and its bricks are gone: deleted by hand; delete it here too (or let the next pulumi refresh drop it)` });
  }
  if (facts.some((f) => f.answered && f.volumes !== null)) {
    for (const v of ledger.listVolumes(clusterId)) {
      if (mapped.has(v.id) || busy.has(v.id) || plan.goneVolumes.includes(v.id) || plan.unresolved.some((u) => u.id === v.id)) continue;
      const leftover = isRecordedLeftover(v);
      out.push({
        kind: "volume-bricks-left",
        message: leftover
          ? `bricks tagged for volume ${v.id} are on the nodes (recorded by a rebuild), but gluster has no such volume: leftovers of a volume deleted by hand or an interrupted create elsewhere; \`check --repair\` removes them`
          : `volume ${v.name} [${v.id}]: gluster has no such volume, but its bricks are still on the nodes: delete the volume to clean them up, or create it again under its name`,
        repair: leftover && plan.complete ? { kind: "delete-leftover-volume", volumeId: v.id } : undefined,
      });
    }
  }
  for (const { volume, bricks } of plan.volumes) {
    const row = ledger.findVolume(volume.id);
    if (!row) {
      if (isRecordedLeftover(volume)) {
        out.push({
          kind: "volume-leftover-bricks",
          message: `${bricks.length} brick(s) tagged for volume ${volume.id} are on the nodes, but neither gluster nor the ledger has that volume: leftovers of a volume deleted by hand or an interrupted create elsewhere; \`check --repair\` removes them`,
          repair: plan.complete ? { kind: "delete-leftover-volume", volumeId: volume.id } : undefined,
        });
      } else {
        out.push({ kind: "volume-unknown", message: `gluster volume ${volume.name} [${volume.id}] is not in the ledger (made by Heketi or another stack on these nodes): import it, or leave it alone` });
      }
      continue;
    }
    if (busy.has(row.id)) continue;
    const want = new Set(ledger.listBricks(row.id).map((b) => b.path));
    const have = new Set(bricks.map((b) => b.path));
    const missing = [...want].filter((p) => !have.has(p));
    const extra = [...have].filter((p) => !want.has(p));
    if (missing.length || extra.length) {
      out.push({
        kind: "volume-bricks",
        message: `volume ${row.name} [${row.id}]: ${missing.length ? `the ledger's bricks ${missing.join(", ")} are not in gluster's volume` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `gluster's bricks ${extra.join(", ")} are not in the ledger` : ""} (a brick replaced or added by hand)`,
      });
    }
  }
  for (const u of plan.unresolved) out.push({ kind: "volume-unresolved", message: `volume ${u.name} [${u.id}]: ${u.why}` });
  out.push(...compareMounts(ledger, facts, plan, host));
  for (const o of ledger.listOperations(["running", "committed", "failed"])) {
    const dead = o.status === "failed" || (o.ownerBoot !== ledger.owner && !ownerAlive(o.ownerBoot, o.heartbeatAt));
    if (dead) out.push({ kind: "operation-open", message: `operation ${o.id} (${o.type}) is ${o.status} and its process is gone: run \`pulumi-glusterfs recover\` to finish or undo it` });
  }
  return out;
}

/**
 * Mounts and fstab lines under Heketi's mount root on the ledger's devices: every brick of a settled
 * volume mounted and in fstab; nothing mounted or named in fstab that no brick row (settled or under an
 * operation) and no tagged leftover brick accounts for. Devices the ledger does not hold are not ours.
 */
function compareMounts(ledger: Ledger, facts: NodeFacts[], plan: RebuildPlan, host: (nodeId: string) => string): CheckFinding[] {
  const out: CheckFinding[] = [];
  const leftoverBricks = new Set(plan.volumes.filter((v) => !ledger.findVolume(v.volume.id)).flatMap((v) => v.bricks.map((b) => b.id)));
  for (const f of facts) {
    if (!f.answered) continue;
    const devices = ledger.listDevices(f.nodeId);
    const accounted = new Set<string>();
    for (const d of devices) {
      for (const b of ledger.listBricksOnDevice(d.id)) {
        const mnt = b.mountPoint ?? brickMountPoint(d.id, b.id);
        accounted.add(mnt);
        const v = ledger.findVolume(b.volumeId);
        if (d.opId || b.opId || !v || v.opId || v.state !== "online") continue;
        if (!f.mounts.has(mnt)) {
          out.push({ kind: "brick-unmounted", message: `brick ${mnt} of volume ${v.name} [${v.id}] on ${host(f.nodeId)} is not mounted: its brick process serves nothing; \`mount ${mnt}\` on the node, then \`gluster volume start ${v.name} force\`` });
        }
        if (!f.fstab.has(mnt)) {
          out.push({
            kind: "brick-fstab-missing",
            ...(b.mountPoint
              ? { message: `brick ${mnt} of volume ${v.name} [${v.id}] on ${host(f.nodeId)} (built by hand, adopted) has no line in fstab: it will not be mounted after a reboot; add its line back by hand` }
              : {
                  message: `brick ${mnt} of volume ${v.name} [${v.id}] on ${host(f.nodeId)} has no line in fstab: it will not be mounted after a reboot; \`check --repair\` adds it back`,
                  repair: { kind: "add-fstab-line" as const, nodeId: f.nodeId, deviceId: d.id, brickId: b.id },
                }),
          });
        }
      }
    }
    const ours = new Set(devices.map((d) => d.id));
    const lvs = new Set(f.lvs.map((l) => `${l.vgName}/${l.lvName}`));
    for (const [kind, points] of [["mount-leftover", f.mounts], ["fstab-leftover", f.fstab]] as const) {
      for (const mnt of points) {
        const ids = parseBrickPath(mnt);
        if (!ids || !ids.isMountPoint || !ours.has(ids.deviceId) || accounted.has(mnt) || leftoverBricks.has(ids.brickId)) continue;
        out.push(
          kind === "mount-leftover"
            ? { kind, message: `${mnt} on ${host(f.nodeId)} is mounted, but no brick of the ledger is there: a leftover of an operation done elsewhere; unmount it by hand after checking nothing uses it` }
            : lvs.has(`vg_${ids.deviceId}/brick_${ids.brickId}`) || f.mounts.has(mnt)
              ? { kind, message: `fstab on ${host(f.nodeId)} names ${mnt}, but no brick of the ledger is there (its LV is, untagged by us): made by hand or by Heketi; remove it by hand if it is not used` }
              : {
                  kind,
                  message: `fstab on ${host(f.nodeId)} names ${mnt}, but neither the ledger nor the node has that brick: a leftover line (the node would fail to mount it at boot); \`check --repair\` removes it`,
                  repair: { kind: "drop-fstab-line", nodeId: f.nodeId, deviceId: ids.deviceId, brickId: ids.brickId },
                },
        );
      }
    }
  }
  return out;
}

/** Ask every node of the cluster (in parallel, one script each) and compare with the ledger. */
export async function checkCluster(ctx: OpContext, clusterId: string): Promise<CheckReport> {
  const pool = ledgerPool(ctx.ledger, clusterId);
  const facts = await gatherFacts(ctx, ctx.ledger.listNodes(clusterId));
  const plan = planRebuild(ctx.ledger, pool, facts);
  return {
    clusterId,
    complete: plan.complete,
    counts: {
      nodes: pool.nodes.length,
      devices: pool.nodes.reduce((a, n) => a + (n.devices?.length ?? 0), 0),
      volumes: ctx.ledger.listVolumes(clusterId).length,
    },
    findings: compareWithNodes(ctx.ledger, clusterId, facts, plan),
  };
}
