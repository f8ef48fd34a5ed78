/**
 * The simulated cluster: every node (keyed by management host) with its block layer (host.ts) and
 * its glusterd (gluster.ts), and the one rule that spans them: a brick process holds its brick's
 * mount busy while its volume is started.
 */
import { KIB_PER_GIB } from "../../provider/placement/sizing";
import { SimHost } from "./host";
import { Glusterd, GlusterSim } from "./gluster";

export interface ModelOptions {
  deviceSizeGiB: number;
  rootDisk: string | null;
}

export interface Node {
  host: SimHost;
  glusterd: Glusterd;
  reachable: boolean;
}

export class SimModel {
  readonly nodes = new Map<string, Node>();
  readonly gluster: GlusterSim;

  constructor(private readonly o: ModelOptions) {
    this.gluster = new GlusterSim((name) => this.byName(name)?.glusterd);
  }

  /** The node behind a management host; a host never seen before is a fresh node. */
  node(manageHost: string): Node {
    let n = this.nodes.get(manageHost);
    if (!n) {
      const host = new SimHost({ manageHost, deviceSizeKiB: Math.round(this.o.deviceSizeGiB * KIB_PER_GIB), rootDisk: this.o.rootDisk });
      n = { host, glusterd: new Glusterd(host, () => host.storageHost ?? host.manageHost), reachable: true };
      this.nodes.set(manageHost, n);
    }
    return n;
  }

  /** Declare the address a node is reached by on the storage network (what peer probe and bricks name). */
  setStorageHost(manageHost: string, storageHost: string): void {
    for (const n of this.nodes.values()) {
      if (n.host.manageHost !== manageHost && n.host.storageHost === storageHost) throw new Error(`sim: storage address ${storageHost} already belongs to ${n.host.manageHost}`);
    }
    this.node(manageHost).host.storageHost = storageHost;
  }

  /** A node by storage address, else by management host. */
  byName(name: string): Node | undefined {
    for (const n of this.nodes.values()) if (n.host.storageHost === name) return n;
    return this.nodes.get(name);
  }

  /** `umount` on a node: refused while a started volume serves a brick below the mount. */
  umount(n: Node, target: string): void {
    n.host.umount(target, this.gluster.brickServedUnder(n.glusterd, target.replace(/\/+$/, "")));
  }
}
