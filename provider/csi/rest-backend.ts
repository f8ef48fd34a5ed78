/**
 * The REST backend: volumes made by a Heketi-compatible server (ours or Heketi v10) through the typed
 * client, as the in-tree provisioner did through Heketi's Go client. Heketi has no lookup by name, so a
 * name is found by reading the volumes (what heketi-cli's `volume list` shows).
 */
import type { Durability } from "../model/schemas";
import { HeketiClient, type VolumeInfo } from "../rest-client/client";
import { isNotFound } from "../rest-client/errors";
import type { Backend, BackendVolume, CreateRequest } from "./backend";

/** Volumes read at a time when listing (a small server-friendly fan-out). */
const FAN_OUT = 8;

async function inBatches<T, R>(items: T[], f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += FAN_OUT) out.push(...(await Promise.all(items.slice(i, i + FAN_OUT).map(f))));
  return out;
}

function durabilityOf(v: VolumeInfo): Durability {
  const d = v.durability;
  if (d.type === "disperse") return { type: "disperse", data: d.disperse.data ?? 0, redundancy: d.disperse.redundancy ?? 0 };
  if (d.type === "none") return { type: "none" };
  return { type: "replicate", replica: d.replicate.replica ?? 3, arbiter: false };
}

export class RestBackend implements Backend {
  readonly label: string;
  private readonly client: HeketiClient;

  constructor(o: { url: string; user: string; key?: string; log?: (m: string) => void }) {
    this.label = o.url;
    // auth off: Heketi ignores the token, any key signs it
    this.client = new HeketiClient({ url: o.url, user: o.user || "admin", key: o.key ?? "unused", log: o.log });
  }

  private toVolume(v: VolumeInfo): BackendVolume {
    return { id: v.id, clusterId: v.cluster, name: v.name, sizeGiB: v.size, durability: durabilityOf(v), gid: v.gid ?? 0, hosts: v.mount.glusterfs.hosts, ready: true };
  }

  private async infos(): Promise<VolumeInfo[]> {
    const ids = await this.client.listVolumes();
    const all = await inBatches(ids, (id) => this.client.volumeInfo(id).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))));
    return all.filter((v): v is VolumeInfo => !!v);
  }

  async findByName(name: string, clusters: string[]): Promise<BackendVolume | undefined> {
    const v = (await this.infos()).find((x) => x.name === name && (!clusters.length || clusters.includes(x.cluster)));
    return v && this.toVolume(v);
  }

  async get(id: string): Promise<BackendVolume | undefined> {
    try {
      return this.toVolume(await this.client.volumeInfo(id));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list(): Promise<BackendVolume[]> {
    return (await this.infos()).map((v) => this.toVolume(v));
  }

  async create(req: CreateRequest): Promise<BackendVolume> {
    const d = req.durability;
    const v = await this.client.createVolume({
      size: req.sizeGiB,
      name: req.name,
      clusters: req.clusters.length ? req.clusters : undefined,
      durability:
        d.type === "replicate" ? { type: "replicate", replicate: { replica: d.replica } } : d.type === "disperse" ? { type: "disperse", disperse: { data: d.data, redundancy: d.redundancy } } : { type: "none" },
      gid: req.gid,
      glustervolumeoptions: req.options.map((o) => `${o.key} ${o.value}`),
      // in-tree sent snapshot {enable: true, factor} with every request
      snapshot: { enable: true, factor: req.snapshotFactor },
    });
    return this.toVolume(v);
  }

  async expand(id: string, addGiB: number): Promise<BackendVolume> {
    return this.toVolume(await this.client.expandVolume(id, addGiB));
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.client.deleteVolume(id);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async usedGids(): Promise<Set<number>> {
    return new Set((await this.infos()).map((v) => v.gid ?? 0));
  }

  /** Needs an admin key: Heketi's `user` may only read /volumes. */
  async freeBytesByCluster(clusters: string[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    for (const id of await this.client.listClusters()) {
      if (clusters.length && !clusters.includes(id)) continue;
      const c = await this.client.clusterInfo(id);
      if (!c.file) continue;
      const nodes = await inBatches(c.nodes, (n) => this.client.nodeInfo(n));
      let kib = 0n;
      for (const n of nodes.filter((x) => x.state === "online")) for (const d of n.devices.filter((x) => x.state === "online")) kib += BigInt(d.storage.free);
      out.set(id, kib * 1024n);
    }
    return out;
  }

  async probe(): Promise<void> {
    await this.client.hello();
  }

  async close(): Promise<void> {}
}
