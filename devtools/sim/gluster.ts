/**
 * Simulated glusterd (GlusterFS 10): trusted storage pools shared by their members, peers, and volumes
 * with their bricks, options and state. Each method is one `gluster` CLI command's behaviour on the
 * node it runs on, failing with the CLI's exit code and message. Bricks must sit on a mounted file
 * system (not the root partition) on a member of the pool; their roots get the volume-id xattr.
 */
import { randomUUID } from "node:crypto";
import { fail } from "./failure";
import type { SimHost } from "./host";

export type VolumeLayout = { type: "none" } | { type: "replicate"; replica: number; arbiter: boolean } | { type: "disperse"; data: number; redundancy: number };

export interface GBrick {
  /** `host:/path` as given to gluster */
  host: string;
  path: string;
  hostUuid: string;
  isArbiter: boolean;
}

export interface GVolume {
  name: string;
  id: string;
  layout: VolumeLayout;
  bricks: GBrick[];
  /** reconfigured options, newest first (as `volume info` lists them) */
  options: Array<[string, string]>;
  /** 0 Created, 1 Started, 2 Stopped */
  status: 0 | 1 | 2;
}

/** A trusted storage pool: its members (by the name the pool knows each one by) and its volumes. */
export class Pool {
  /** member → the name the pool knows it by (null: its own default name, for a member nobody probed) */
  readonly members = new Map<Glusterd, string | null>();
  readonly volumes = new Map<string, GVolume>();
}

/** One node's glusterd. */
export class Glusterd {
  readonly uuid = randomUUID();
  up = true;
  pool: Pool;

  constructor(
    readonly host: SimHost,
    /** how other peers know this node before anyone probed it: its storage address, else its management host */
    readonly defaultName: () => string,
  ) {
    this.pool = new Pool();
    this.pool.members.set(this, null);
  }

  nameInPool(): string {
    return this.pool.members.get(this) ?? this.defaultName();
  }
}

export function setSize(l: VolumeLayout): number {
  return l.type === "none" ? 1 : l.type === "replicate" ? l.replica : l.data + l.redundancy;
}

/** gluster's volume type number and name. */
export function volumeType(v: GVolume): { type: number; typeStr: string; distCount: number } {
  const sets = v.bricks.length / setSize(v.layout);
  switch (v.layout.type) {
    case "none":
      return { type: 0, typeStr: "Distribute", distCount: v.bricks.length };
    case "replicate":
      return sets > 1 ? { type: 7, typeStr: "Distributed-Replicate", distCount: sets } : { type: 2, typeStr: "Replicate", distCount: 1 };
    case "disperse":
      return sets > 1 ? { type: 9, typeStr: "Distributed-Disperse", distCount: sets } : { type: 4, typeStr: "Disperse", distCount: 1 };
  }
}

export const STATUS_STR = ["Created", "Started", "Stopped"] as const;

const CONNECTION_FAILED = "Connection failed. Please check if gluster daemon is operational.";

export interface BrickArg {
  host: string;
  path: string;
}

/** Cluster-wide gluster behaviour; `resolve` finds a node's glusterd by a name or address. */
export class GlusterSim {
  constructor(private readonly resolve: (name: string) => Glusterd | undefined) {}

  assertUp(g: Glusterd): void {
    if (!g.up) fail(1, CONNECTION_FAILED);
  }

  /** A member of g's pool known by `name` (pool name, storage or management address). */
  member(g: Glusterd, name: string): Glusterd | undefined {
    for (const [m, n] of g.pool.members) if (n === name || m.host.storageHost === name || m.host.manageHost === name) return m;
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Peers

  peerProbe(g: Glusterd, name: string): string {
    this.assertUp(g);
    const target = this.resolve(name);
    if (target === g || this.member(g, name) === g) return "peer probe: success. Probe on localhost not needed\n";
    if (this.member(g, name)) return `peer probe: success. Host ${name} port 24007 already in peer list\n`;
    if (!target || !target.up) fail(1, "peer probe: failed: Probe returned with Transport endpoint is not connected");
    if (target.pool.members.size > 1 || target.pool.volumes.size > 0) fail(1, `peer probe: failed: ${name} is either already part of another cluster or having volumes configured`);
    target.pool = g.pool;
    g.pool.members.set(target, name);
    return "peer probe: success\n";
  }

  peerDetach(g: Glusterd, name: string): string {
    this.assertUp(g);
    const target = this.member(g, name);
    if (!target) fail(1, `peer detach: failed: ${name} is not part of cluster`);
    if (target === g) fail(1, `peer detach: failed: ${name} is localhost`);
    for (const v of g.pool.volumes.values()) {
      if (v.bricks.some((b) => b.hostUuid === target.uuid)) {
        fail(1, `peer detach: failed: Peer ${name} hosts one or more bricks. If the peer is in not recoverable state then use either replace-brick or remove-brick command with force to remove all bricks from the peer and attempt the peer detach again.`);
      }
    }
    g.pool.members.delete(target);
    target.pool = new Pool();
    target.pool.members.set(target, null);
    return "peer detach: success\n";
  }

  /** The other members as g sees them. */
  peersOf(g: Glusterd): Array<{ peer: Glusterd; name: string; connected: boolean }> {
    return [...g.pool.members].filter(([m]) => m !== g).map(([m, n]) => ({ peer: m, name: n ?? m.defaultName(), connected: m.up }));
  }

  // -------------------------------------------------------------------------------------------
  // Volumes

  volume(g: Glusterd, name: string, cmd: string): GVolume {
    const v = g.pool.volumes.get(name);
    if (!v) fail(1, cmd === "add-brick" || cmd === "set" || cmd === "reset" || cmd === "replace-brick" ? `volume ${cmd}: failed: Volume ${name} does not exist` : `volume ${cmd}: ${name}: failed: Volume ${name} does not exist`);
    return v;
  }

  /** Resolve and check bricks: members of the pool, on a mounted file system, not already used. */
  private checkBricks(g: Glusterd, bricks: BrickArg[], layout: VolumeLayout, force: boolean, prefix: string): GBrick[] {
    const size = setSize(layout);
    if (bricks.length === 0 || bricks.length % size !== 0) fail(1, `${prefix}Incorrect number of bricks supplied ${bricks.length} with count ${size}`);
    const out: GBrick[] = [];
    const seen = new Set<string>();
    for (const b of bricks) {
      const m = this.member(g, b.host);
      if (!m) fail(1, `${prefix}Host ${b.host} is not in 'Peer in Cluster' state`);
      if (!m.up) fail(1, `${prefix}Host ${b.host} not connected`);
      const key = `${m.uuid}:${b.path}`;
      if (seen.has(key)) fail(1, `${prefix}Brick: ${b.host}:${b.path} not available. Brick may be containing or be contained by an existing brick.`);
      seen.add(key);
      for (const v of g.pool.volumes.values()) {
        if (v.bricks.some((x) => x.hostUuid === m.uuid && (x.path === b.path || x.path.startsWith(`${b.path}/`) || b.path.startsWith(`${x.path}/`)))) {
          fail(1, `${prefix}${b.host}:${b.path} is already part of a volume`);
        }
      }
      const h = m.host;
      const mnt = [...h.mounts].filter((x) => x.fs && (b.path === x.target || b.path.startsWith(`${x.target}/`))).sort((a, c) => c.target.length - a.target.length)[0];
      if (!mnt && !force) {
        fail(1, `${prefix}The brick ${b.host}:${b.path} is being created in the root partition. It is recommended that you don't use the system's root partition for storage backend. Or use 'force' at the end of the command if you want to override this behavior.`);
      }
      const meta = h.dirMeta(b.path);
      if (meta?.glusterVolumeId) fail(1, `${prefix}${b.host}:${b.path} is already part of a volume`);
      out.push({ host: b.host, path: b.path, hostUuid: m.uuid, isArbiter: false });
    }
    if (!force && size > 1) {
      for (let i = 0; i < out.length; i += size) {
        const set = out.slice(i, i + size);
        if (new Set(set.map((b) => b.hostUuid)).size < set.length) {
          const kind = layout.type === "disperse" ? "disperse" : "replicate";
          fail(1, `${prefix}Multiple bricks of a ${kind} volume are present on the same server. This setup is not optimal. Bricks should be on different nodes to have best fault tolerant configuration. Use 'force' at the end of the command if you want to override this behavior. `);
        }
      }
    }
    if (layout.type === "replicate" && layout.arbiter) for (let i = size - 1; i < out.length; i += size) out[i].isArbiter = true;
    return out;
  }

  /** Create the brick directories (gluster does mkdir -p) and mark them with the volume id. */
  private claimBricks(g: Glusterd, v: GVolume, bricks: GBrick[]): void {
    for (const b of bricks) {
      const h = this.member(g, b.host)!.host;
      h.mkdir(b.path, true);
      h.dirMeta(b.path)!.glusterVolumeId = v.id;
    }
  }

  volumeCreate(g: Glusterd, name: string, layout: VolumeLayout, bricks: BrickArg[], force: boolean): string {
    this.assertUp(g);
    const prefix = `volume create: ${name}: failed: `;
    if (g.pool.volumes.has(name)) fail(1, `${prefix}Volume ${name} already exists`);
    if (layout.type === "disperse" && (layout.redundancy < 1 || layout.redundancy * 2 >= layout.data + layout.redundancy)) {
      fail(1, `${prefix}redundancy must be greater than 0 and less than half of the bricks`);
    }
    const checked = this.checkBricks(g, bricks, layout, force, prefix);
    const defaults: Array<[string, string]> =
      layout.type === "replicate"
        ? [["cluster.granular-entry-heal", "on"], ["storage.fips-mode-rchecksum", "on"], ["transport.address-family", "inet"], ["nfs.disable", "on"], ["performance.client-io-threads", "off"]]
        : [["storage.fips-mode-rchecksum", "on"], ["transport.address-family", "inet"], ["nfs.disable", "on"]];
    const v: GVolume = { name, id: randomUUID(), layout, bricks: checked, options: defaults, status: 0 };
    this.claimBricks(g, v, checked);
    g.pool.volumes.set(name, v);
    return `volume create: ${name}: success: please start the volume to access data\n`;
  }

  volumeAddBrick(g: Glusterd, name: string, restated: VolumeLayout | null, bricks: BrickArg[], force: boolean): string {
    this.assertUp(g);
    const v = this.volume(g, name, "add-brick");
    const prefix = "volume add-brick: failed: ";
    if (restated && (restated.type !== v.layout.type || setSize(restated) !== setSize(v.layout))) {
      fail(1, `${prefix}Changing the replica count is not simulated (volume ${name} has ${setSize(v.layout)} bricks per set)`);
    }
    const checked = this.checkBricks(g, bricks, v.layout, force, prefix);
    this.claimBricks(g, v, checked);
    v.bricks.push(...checked);
    return "volume add-brick: success\n";
  }

  volumeSet(g: Glusterd, name: string, key: string, value: string): string {
    this.assertUp(g);
    const v = this.volume(g, name, "set");
    const i = v.options.findIndex(([k]) => k === key);
    if (i >= 0) v.options[i] = [key, value];
    else v.options.unshift([key, value]);
    return "volume set: success\n";
  }

  volumeReset(g: Glusterd, name: string, key: string): string {
    this.assertUp(g);
    const v = this.volume(g, name, "reset");
    v.options = v.options.filter(([k]) => k !== key);
    return "volume reset: success: reset volume successful\n";
  }

  volumeStart(g: Glusterd, name: string): string {
    this.assertUp(g);
    const v = this.volume(g, name, "start");
    if (v.status === 1) fail(1, `volume start: ${name}: failed: Volume ${name} already started`);
    for (const b of v.bricks) {
      const m = this.member(g, b.host);
      if (!m || !m.host.isDir(b.path)) fail(1, `volume start: ${name}: failed: Failed to find brick directory ${b.path} for volume ${name}. Reason : No such file or directory`);
    }
    v.status = 1;
    return `volume start: ${name}: success\n`;
  }

  volumeStop(g: Glusterd, name: string): string {
    this.assertUp(g);
    const v = this.volume(g, name, "stop");
    if (v.status !== 1) fail(1, `volume stop: ${name}: failed: Volume ${name} is not in the started state`);
    v.status = 2;
    return `volume stop: ${name}: success\n`;
  }

  volumeDelete(g: Glusterd, name: string): string {
    this.assertUp(g);
    const v = this.volume(g, name, "delete");
    if (v.status === 1) fail(1, `volume delete: ${name}: failed: Volume ${name} has been started.Volume needs to be stopped before deletion.`);
    g.pool.volumes.delete(name);
    return `volume delete: ${name}: success\n`;
  }

  volumeList(g: Glusterd): string {
    this.assertUp(g);
    const names = [...g.pool.volumes.keys()];
    return names.length ? names.map((n) => `${n}\n`).join("") : "No volumes present in cluster\n";
  }

  replaceBrick(g: Glusterd, name: string, from: BrickArg, to: BrickArg): string {
    this.assertUp(g);
    const v = this.volume(g, name, "replace-brick");
    const prefix = "volume replace-brick: failed: ";
    if (v.layout.type === "none") fail(1, `${prefix}replace-brick is not permitted on distribute-only volumes. Please use add-brick and remove-brick operations instead.`);
    const i = v.bricks.findIndex((b) => b.host === from.host && b.path === from.path);
    if (i < 0) fail(1, `${prefix}brick: ${from.host}:${from.path} does not exist in volume: ${name}`);
    const old = v.bricks[i];
    // the new brick must not share a host with the other bricks of its set
    const size = setSize(v.layout);
    const set = v.bricks.slice(i - (i % size), i - (i % size) + size).filter((b) => b !== old);
    const [neu] = this.checkBricks(g, [to], { type: "none" }, false, prefix);
    if (set.some((b) => b.hostUuid === neu.hostUuid)) {
      fail(1, `${prefix}Multiple bricks of a ${v.layout.type} volume are present on the same server. This setup is not optimal. Bricks should be on different nodes to have best fault tolerant configuration. Use 'force' at the end of the command if you want to override this behavior. `);
    }
    neu.isArbiter = old.isArbiter;
    this.claimBricks(g, v, [neu]);
    v.bricks[i] = neu;
    return "volume replace-brick: success: replace-brick commit force operation successful\n";
  }

  rebalanceStart(g: Glusterd, name: string): string {
    this.assertUp(g);
    const v = this.volume(g, name, "rebalance");
    if (v.status !== 1) fail(1, `volume rebalance: ${name}: failed: Volume ${name} needs to be started to perform rebalance`);
    if (volumeType(v).distCount <= 1) fail(1, `volume rebalance: ${name}: failed: Volume ${name} is not a distribute volume or contains only 1 brick.\nNot performing rebalance`);
    return `volume rebalance: ${name}: success: Rebalance on ${name} has been started successfully. Use rebalance status command to check status of the rebalance process.\nID: ${randomUUID()}\n`;
  }

  /** Whether a started volume's brick process holds something under `target` on `g`'s node open. */
  brickServedUnder(g: Glusterd, target: string): string | undefined {
    for (const v of g.pool.volumes.values()) {
      if (v.status !== 1) continue;
      const b = v.bricks.find((x) => x.hostUuid === g.uuid && (x.path === target || x.path.startsWith(`${target}/`)));
      if (b) return `${v.name}:${b.path}`;
    }
    return undefined;
  }

  /** Whether a brick's node is connected, as the node `g` sees it. */
  brickConnected(g: Glusterd, b: GBrick): boolean {
    for (const m of g.pool.members.keys()) if (m.uuid === b.hostUuid) return m.up;
    return false;
  }
}
