/**
 * The only code that ends up serialized into Pulumi state (`__provider`): tiny object literals that
 * load the runtime module inside each call, by package name. Nothing here captures ssh2 or SQLite
 * handles, Maps, private fields or a path of the machine that ran the program (the state must work
 * from any checkout), and fixes to the runtime reach resources created by older releases.
 * The provider process resolves `pulumi-glusterfs` like the program does: from node_modules.
 */
import type * as pulumi from "@pulumi/pulumi";

type Kind = "cluster" | "node" | "device" | "volume";

function shim(kind: Kind): pulumi.dynamic.ResourceProvider {
  const rt = () => require("pulumi-glusterfs/dist/provider/dynamic/runtime")[kind];
  return {
    check: (olds: any, news: any) => rt().check(olds, news), // eslint-disable-line @typescript-eslint/no-explicit-any
    diff: (id: string, olds: any, news: any) => rt().diff(id, olds, news), // eslint-disable-line @typescript-eslint/no-explicit-any
    create: (inputs: any) => rt().create(inputs), // eslint-disable-line @typescript-eslint/no-explicit-any
    read: (id: string, props: any) => rt().read(id, props), // eslint-disable-line @typescript-eslint/no-explicit-any
    update: (id: string, olds: any, news: any) => rt().update(id, olds, news), // eslint-disable-line @typescript-eslint/no-explicit-any
    delete: (id: string, props: any) => rt().delete(id, props), // eslint-disable-line @typescript-eslint/no-explicit-any
  };
}

export const clusterProvider = shim("cluster");
export const nodeProvider = shim("node");
export const deviceProvider = shim("device");
export const volumeProvider = shim("volume");
