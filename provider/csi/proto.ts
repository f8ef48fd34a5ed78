/**
 * The CSI spec's own csi.proto, loaded at run time with @grpc/proto-loader (no message of the spec is
 * retyped here). scripts/fetch-csi-spec.sh puts it in the tool cache; PGFS_CSI_PROTO overrides the path
 * (e.g. a copy shipped next to the driver in an image).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The spec release csi-test v5.6.0 (our csi-sanity) is built on; scripts/env.sh pins the same. */
export const CSI_SPEC_VERSION = "v1.13.0";

/** Where csi.proto is: $PGFS_CSI_PROTO, else the tool cache path scripts/fetch-csi-spec.sh writes. */
export function csiProtoPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGFS_CSI_PROTO) return env.PGFS_CSI_PROTO;
  const tools = env.PGFS_TOOLS ?? path.join(env.PGFS_CACHE ?? path.join(os.homedir(), ".cache", "pulumi-glusterfs"), "tools");
  return path.join(tools, `csi-spec-${env.PGFS_CSI_SPEC_VERSION ?? CSI_SPEC_VERSION}`, "csi.proto");
}

/** The csi.v1 package: service definitions (Identity, Controller, Node) and message constructors. */
export interface CsiPackage {
  Identity: grpc.ServiceClientConstructor;
  Controller: grpc.ServiceClientConstructor;
  Node: grpc.ServiceClientConstructor;
}

/**
 * How messages look in JavaScript: field names as in the proto (snake_case), enums as their names,
 * int64 as decimal strings (sizes can pass 2^53), oneofs named, defaults filled in.
 */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

let cached: { file: string; pkg: CsiPackage } | undefined;

/** Load csi.proto (once per path); a missing file is an error that names the script that fetches it. */
export function loadCsi(file = csiProtoPath()): CsiPackage {
  if (cached?.file === file) return cached.pkg;
  if (!fs.existsSync(file)) {
    throw new Error(`the CSI spec's csi.proto is not at ${file}: run scripts/fetch-csi-spec.sh (it fetches ${CSI_SPEC_VERSION} into the tool cache), or set PGFS_CSI_PROTO to a copy of it`);
  }
  // google/protobuf/{descriptor,wrappers,timestamp}.proto, which csi.proto imports, ship with protobufjs
  const def = protoLoader.loadSync(file, LOADER_OPTIONS);
  const pkg = (grpc.loadPackageDefinition(def) as unknown as { csi: { v1: CsiPackage } }).csi.v1;
  cached = { file, pkg };
  return pkg;
}
