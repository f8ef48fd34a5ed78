/**
 * GET /metrics: Heketi's gauges (heketi.md §10), recomputed from the ledger at every scrape, plus the
 * process's own default series (Heketi shows Go's; we show Node's).
 */
import * as client from "prom-client";
import type { Ledger } from "../ledger/ledger";
import { visibleNode, visibleVolume } from "../heketi/json";
import type { RemoteCall } from "../exec/trace";
import type { OperationCounts } from "./pending-operations";

export interface Metrics {
  contentType: string;
  /** Count a remote command the engine ran into pgfs_remote_command_duration_seconds. */
  observe(call: RemoteCall): void;
  /** The exposition text, gauges refreshed from the ledger first. */
  metrics(): Promise<string>;
}

export function heketiMetrics(ledger: Ledger, counts: () => OperationCounts): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const devLabels = ["cluster", "hostname", "storage_hostname", "id", "device", "pv_uuid"] as const;
  const g = (name: string, help: string, labelNames: readonly string[] = []) => new client.Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
  const up = g("heketi_up", "Verifies if heketi is running");
  const clusters = g("heketi_cluster_count", "Number of clusters");
  const volumes = g("heketi_volumes_count", "Number of volumes on cluster", ["cluster"]);
  const blockVolumes = g("heketi_block_volumes_count", "Number of block volumes on cluster", ["cluster"]);
  const nodes = g("heketi_nodes_count", "Number of nodes on cluster", ["cluster"]);
  const devices = g("heketi_device_count", "Number of devices on host", ["cluster", "hostname", "storage_hostname"]);
  const size = g("heketi_device_size", "Total size of the device (KiB)", devLabels);
  const free = g("heketi_device_free", "Amount of Free space available on the device (KiB)", devLabels);
  const used = g("heketi_device_used", "Amount of space used on the device (KiB)", devLabels);
  const sizeB = g("heketi_device_size_bytes", "Total size of the device", devLabels);
  const freeB = g("heketi_device_free_bytes", "Amount of Free space available on the device", devLabels);
  const usedB = g("heketi_device_used_bytes", "Amount of space used on the device", devLabels);
  const bricks = g("heketi_device_brick_count", "Number of bricks on device", devLabels);
  const ops = {
    stale: g("heketi_operations_stale_count", "Number of stale pending operations"),
    failed: g("heketi_operations_failed_count", "Number of failed pending operations"),
    new: g("heketi_operations_new_count", "Number of new pending operations"),
    total: g("heketi_operations_total_count", "Total number of pending operations"),
    inFlight: g("heketi_operations_inFlight_count", "Number of operations in flight"),
  };
  // ours, not Heketi's: where an operation's time goes, per host, command and operation type
  const remote = new client.Histogram({
    name: "pgfs_remote_command_duration_seconds",
    help: "Remote commands the engine ran on the nodes, by host, command, exit status and operation type",
    labelNames: ["host", "command", "exit", "operation"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const all = [up, clusters, volumes, blockVolumes, nodes, devices, size, free, used, sizeB, freeB, usedB, bricks, ...Object.values(ops)];

  // one collector refreshes every gauge from the ledger before each scrape
  const refresh = () => {
    for (const m of all) m.reset();
    const cs = ledger.listClusters();
    clusters.set(cs.length);
    for (const c of cs) {
      volumes.set({ cluster: c.id }, ledger.listVolumes(c.id).filter(visibleVolume).length);
      blockVolumes.set({ cluster: c.id }, 0);
      const ns = ledger.listNodes(c.id).filter(visibleNode);
      nodes.set({ cluster: c.id }, ns.length);
      for (const n of ns) {
        const ds = ledger.listDevices(n.id).filter((d) => d.state !== "adding");
        devices.set({ cluster: c.id, hostname: n.manageHost, storage_hostname: n.storageHost }, ds.length);
        for (const d of ds) {
          const l = { cluster: c.id, hostname: n.manageHost, storage_hostname: n.storageHost, id: d.id, device: d.path, pv_uuid: d.pvUuid ?? "" };
          size.set(l, d.totalKiB);
          free.set(l, d.freeKiB);
          used.set(l, d.usedKiB);
          sizeB.set(l, d.totalKiB * 1024);
          freeB.set(l, d.freeKiB * 1024);
          usedB.set(l, d.usedKiB * 1024);
          bricks.set(l, ledger.listBricksOnDevice(d.id).length);
        }
      }
    }
    const o = counts();
    ops.stale.set(o.stale);
    ops.failed.set(o.failed);
    ops.new.set(o.new);
    ops.total.set(o.total);
    ops.inFlight.set(o.in_flight);
    up.set(1);
  };
  return {
    contentType: registry.contentType,
    observe: (c) => remote.observe({ host: c.host, command: c.command, exit: c.exit === null ? "none" : String(c.exit), operation: c.operation?.type ?? "" }, c.ms / 1000),
    metrics: async () => {
      try {
        refresh();
      } catch {
        // as Heketi: when the database cannot be read, the scrape still answers, with heketi_up 0 and no per-device series
        for (const m of all) m.reset();
        up.set(0);
      }
      return registry.metrics();
    },
  };
}
