/**
 * The gRPC server of the CSI driver on a unix socket: Identity always, Controller and Node by mode. Each
 * handler's errors become gRPC statuses (errors.ts); every call is logged with its outcome, never its
 * secrets.
 */
import * as fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { Backend } from "./backend";
import { ControllerService } from "./controller";
import { codeOf, messageOf } from "./errors";
import { IdentityService } from "./identity";
import type { Mounter } from "./mounter";
import { NodeService } from "./node";
import { loadCsi } from "./proto";
import { RestBackend } from "./rest-backend";

export type DriverMode = "controller" | "node" | "all";

export interface DriverOptions {
  /** unix:///path/csi.sock (or a plain path) */
  endpoint: string;
  mode: DriverMode;
  nodeId: string;
  engine?: Backend;
  mounter?: Mounter;
  /** a backend for a Heketi-compatible server (default: the REST client) */
  rest?: (target: { url: string; user: string; key?: string }) => Backend;
  protoPath?: string;
  log?: (m: string) => void;
}

export interface CsiDriver {
  socketPath: string;
  controller?: ControllerService;
  node?: NodeService;
  close(): Promise<void>;
}

/** unix:///run/csi/csi.sock → /run/csi/csi.sock; a bare path is taken as it is. */
export function socketPathOf(endpoint: string): string {
  if (endpoint.startsWith("unix://")) return endpoint.slice("unix://".length);
  if (/^[a-z]+:/i.test(endpoint)) throw new Error(`--endpoint must be unix:///path/to/csi.sock (got ${endpoint}): CSI plugins listen on a unix socket`);
  return endpoint;
}

type Handler = (req: never) => unknown;

/** A unary handler that answers what `f` returns, or the status of what it throws. */
function unary(name: string, f: Handler, log: (m: string) => void): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const t0 = Date.now();
    Promise.resolve()
      .then(() => f(call.request as never))
      .then(
        (res) => {
          if (name !== "Probe" && name !== "NodeGetCapabilities" && name !== "GetPluginInfo") log(`${name}: OK (${Date.now() - t0} ms)`);
          callback(null, res);
        },
        (e: unknown) => {
          const code = codeOf(e);
          const message = messageOf(e);
          log(`${name}: ${grpc.status[code]}: ${message} (${Date.now() - t0} ms)`);
          if (code === grpc.status.INTERNAL && e instanceof Error && e.stack) log(e.stack);
          callback({ code, details: message });
        },
      );
  };
}

function bind<T extends Record<string, Handler>>(handlers: T, log: (m: string) => void): grpc.UntypedServiceImplementation {
  return Object.fromEntries(Object.entries(handlers).map(([k, f]) => [k, unary(k, f, log)]));
}

export async function startDriver(o: DriverOptions): Promise<CsiDriver> {
  const log = o.log ?? (() => undefined);
  const csi = loadCsi(o.protoPath);
  const controller = o.mode !== "node" ? new ControllerService({ engine: o.engine, rest: o.rest ?? ((t) => new RestBackend({ ...t, log })), log }) : undefined;
  if (o.mode !== "controller" && !o.mounter) throw new Error("the node service needs a mounter");
  const node = o.mode !== "controller" ? new NodeService({ nodeId: o.nodeId, mounter: o.mounter!, log }) : undefined;
  const identity = new IdentityService({ controller: !!controller, engine: controller ? o.engine : undefined, log });

  const server = new grpc.Server();
  server.addService(csi.Identity.service, bind({
    GetPluginInfo: () => identity.info(),
    GetPluginCapabilities: () => ({ capabilities: identity.capabilities() }),
    Probe: () => identity.probe(),
  }, log));
  if (controller) {
    // methods not listed answer UNIMPLEMENTED (grpc-js), as the capabilities say
    server.addService(csi.Controller.service, bind({
      CreateVolume: (r: Parameters<ControllerService["createVolume"]>[0]) => controller.createVolume(r),
      DeleteVolume: (r: Parameters<ControllerService["deleteVolume"]>[0]) => controller.deleteVolume(r),
      ControllerExpandVolume: (r: Parameters<ControllerService["controllerExpandVolume"]>[0]) => controller.controllerExpandVolume(r),
      ValidateVolumeCapabilities: (r: Parameters<ControllerService["validateVolumeCapabilities"]>[0]) => controller.validateVolumeCapabilities(r),
      ListVolumes: (r: Parameters<ControllerService["listVolumes"]>[0]) => controller.listVolumes(r),
      GetCapacity: (r: Parameters<ControllerService["getCapacity"]>[0]) => controller.getCapacity(r),
      ControllerGetCapabilities: () => ({ capabilities: controller.capabilities().map((type) => ({ rpc: { type } })) }),
    }, log));
  }
  if (node) {
    server.addService(csi.Node.service, bind({
      NodePublishVolume: (r: Parameters<NodeService["publish"]>[0]) => node.publish(r),
      NodeUnpublishVolume: (r: Parameters<NodeService["unpublish"]>[0]) => node.unpublish(r),
      NodeGetVolumeStats: (r: Parameters<NodeService["volumeStats"]>[0]) => node.volumeStats(r),
      NodeGetCapabilities: () => ({ capabilities: node.capabilities().map((type) => ({ rpc: { type } })) }),
      NodeGetInfo: () => node.info(),
    }, log));
  }

  const socketPath = socketPathOf(o.endpoint);
  // a socket left by a previous run (kubelet restarts the plugin on the same path)
  if (fs.existsSync(socketPath) && fs.statSync(socketPath).isSocket()) fs.unlinkSync(socketPath);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    socketPath,
    controller,
    node,
    close: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      fs.rmSync(socketPath, { force: true });
    },
  };
}
