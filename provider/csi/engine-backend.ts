/**
 * The engine backend: volumes made by the driver's own Engine (SSH to the nodes, its ledger), the same
 * engine `serve` runs. The driver owns that ledger while it runs (one engine, one writer).
 */
import type { Engine } from "../engine";
import type { VolumeRow } from "../ledger/ledger";
import type { Backend, BackendVolume, CreateRequest } from "./backend";

export class EngineBackend implements Backend {
  readonly label = "engine";

  constructor(private readonly engine: Engine) {}

  private toVolume(v: VolumeRow): BackendVolume {
    return {
      id: v.id, clusterId: v.clusterId, name: v.name, sizeGiB: v.sizeGiB, durability: v.durability, gid: v.gid,
      hosts: this.engine.mountInfo(v.id).hosts, ready: v.state === "online" && !v.opId,
    };
  }

  async findByName(name: string, clusters: string[]): Promise<BackendVolume | undefined> {
    const ids = clusters.length ? clusters : this.engine.ledger.listClusters().map((c) => c.id);
    for (const c of ids) {
      const v = this.engine.ledger.findCluster(c) && this.engine.ledger.findVolumeByName(c, name);
      if (v) return this.toVolume(v);
    }
    return undefined;
  }

  async get(id: string): Promise<BackendVolume | undefined> {
    const v = this.engine.ledger.findVolume(id);
    return v && this.toVolume(v);
  }

  async list(): Promise<BackendVolume[]> {
    return this.engine.ledger.listVolumes().map((v) => this.toVolume(v));
  }

  async create(req: CreateRequest): Promise<BackendVolume> {
    const v = await this.engine.createVolume({
      name: req.name, sizeGiB: req.sizeGiB, clusters: req.clusters, durability: req.durability, gid: req.gid,
      // in-tree sent snapshot {enable: true, factor} with every request
      snapshotFactor: req.snapshotFactor, snapshotEnable: true, options: req.options,
    });
    return this.toVolume(v);
  }

  async expand(id: string, addGiB: number): Promise<BackendVolume> {
    return this.toVolume(await this.engine.expandVolume(id, addGiB));
  }

  async delete(id: string): Promise<boolean> {
    if (!this.engine.ledger.findVolume(id)) return false;
    await this.engine.deleteVolume(id);
    return true;
  }

  async usedGids(): Promise<Set<number>> {
    return new Set(this.engine.ledger.listVolumes().map((v) => v.gid));
  }

  async freeBytesByCluster(clusters: string[]): Promise<Map<string, bigint>> {
    const l = this.engine.ledger;
    const out = new Map<string, bigint>();
    for (const c of l.listClusters()) {
      if (!c.file || (clusters.length && !clusters.includes(c.id))) continue;
      let kib = 0n;
      for (const n of l.listNodes(c.id).filter((x) => x.state === "online")) {
        for (const d of l.listDevices(n.id).filter((x) => x.state === "online")) kib += BigInt(d.freeKiB);
      }
      out.set(c.id, kib * 1024n);
    }
    return out;
  }

  /** Ready when, in every cluster, glusterd answers on at least one online node (nothing to ask: ready). */
  async probe(): Promise<void> {
    const l = this.engine.ledger;
    for (const c of l.listClusters()) {
      const nodes = l.listNodes(c.id).filter((n) => n.state === "online");
      if (!nodes.length) continue;
      let up = false;
      for (const n of nodes) {
        if ((await this.engine.inspectNode(n.id))?.glusterdUp) {
          up = true;
          break;
        }
      }
      if (!up) throw new Error(`no node of cluster ${c.id} answers (glusterd on ${nodes.map((n) => n.manageHost).join(", ")}): check SSH to the nodes and glusterd`);
    }
  }

  async close(): Promise<void> {
    await this.engine.close();
  }
}
