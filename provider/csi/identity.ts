/** The CSI Identity service: who the plugin is, what it offers, and whether its backend answers. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Backend } from "./backend";

/**
 * The driver's name: what a StorageClass's `provisioner:` and the CSIDriver object say. A DNS-style name
 * under a domain of the project's, as the CSI spec asks (at most 63 characters).
 */
export const DRIVER_NAME = "glusterfs.csi.pulumi-glusterfs.dev";

/** The package's version (package.json next to dist/), for GetPluginInfo. */
function packageVersion(): string {
  for (const p of [path.resolve(__dirname, "../../../package.json"), path.resolve(__dirname, "../../package.json")]) {
    try {
      const v = (JSON.parse(fs.readFileSync(p, "utf8")) as { name?: string; version?: string });
      if (v.name === "pulumi-glusterfs" && v.version) return v.version;
    } catch {
      // try the next place
    }
  }
  return "unknown";
}

export class IdentityService {
  constructor(private readonly o: { controller: boolean; engine?: Backend; log?: (m: string) => void }) {}

  info() {
    return { name: DRIVER_NAME, vendor_version: packageVersion(), manifest: {} };
  }

  capabilities() {
    return [
      ...(this.o.controller ? [{ service: { type: "CONTROLLER_SERVICE" } }] : []),
      // gluster grows a volume while it is mounted: nothing to do on the nodes
      { volume_expansion: { type: "ONLINE" } },
    ];
  }

  /**
   * Ready when the driver's engine reaches its nodes (a node plugin, or a driver with no engine, has
   * nothing to ask: ready). REST servers are named per StorageClass, so they are not probed here.
   */
  async probe() {
    if (!this.o.engine) return { ready: { value: true } };
    try {
      await this.o.engine.probe();
      return { ready: { value: true } };
    } catch (e) {
      this.o.log?.(`Probe: not ready: ${(e as Error).message}`);
      return { ready: { value: false } };
    }
  }
}
