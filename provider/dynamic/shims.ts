/**
 * The only code that ends up serialized into Pulumi state (`__provider`): tiny object literals that
 * load the runtime module inside each call. Nothing here captures ssh2 or SQLite handles, Maps or
 * private fields, and fixes to the runtime reach resources created by older releases.
 */
import type * as pulumi from "@pulumi/pulumi";

type Kind = "cluster" | "node" | "device" | "volume";

/** Absolute path of the runtime, baked in at serialization (fallback when the package is not installed by name). */
const RUNTIME_PATH: string = require.resolve("./runtime");

function shim(kind: Kind): pulumi.dynamic.ResourceProvider {
  const rt = () => {
    let m;
    try {
      m = require("pulumi-glusterfs/dist/provider/dynamic/runtime");
    } catch {
      m = require(RUNTIME_PATH);
    }
    return m[kind];
  };
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
