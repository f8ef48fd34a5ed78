import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { Backend } from "../../provider/csi/backend";
import type { Mounter } from "../../provider/csi/mounter";
import { loadCsi } from "../../provider/csi/proto";
import { type CsiDriver, type DriverMode, startDriver } from "../../provider/csi/server";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Reply = any;

/** A CSI client of one service: `call(method, request)` resolves the answer or rejects with the gRPC error (code, details). */
export interface CsiClient {
  call(method: string, req?: object): Promise<Reply>;
  /** the gRPC status code of a call that must fail (throws if it succeeds) */
  code(method: string, req?: object): Promise<{ code: grpc.status; details: string }>;
  close(): void;
}

export function csiClient(socketPath: string, service: "Identity" | "Controller" | "Node"): CsiClient {
  const Ctor = loadCsi()[service];
  const c = new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure()) as unknown as Record<string, (req: object, cb: (e: grpc.ServiceError | null, r: Reply) => void) => void> & grpc.Client;
  const call = (method: string, req: object = {}) => new Promise<Reply>((resolve, reject) => c[method](req, (e, r) => (e ? reject(e) : resolve(r))));
  return {
    call,
    code: async (method, req) => {
      try {
        await call(method, req);
      } catch (e) {
        const err = e as grpc.ServiceError;
        return { code: err.code, details: err.details };
      }
      throw new Error(`${method} succeeded; an error was expected`);
    },
    close: () => c.close(),
  };
}

export interface TestDriver {
  driver: CsiDriver;
  identity: CsiClient;
  controller: CsiClient;
  node: CsiClient;
  logs: string[];
  dir: string;
  close(): Promise<void>;
}

/** The driver on a unix socket in a fresh directory, and a client per service built from the same csi.proto. */
export async function testDriver(o: { engine?: Backend; mounter?: Mounter; mode?: DriverMode } = {}): Promise<TestDriver> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-csi-"));
  const logs: string[] = [];
  const driver = await startDriver({ endpoint: `unix://${dir}/csi.sock`, mode: o.mode ?? (o.mounter ? "all" : "controller"), nodeId: "node-a", engine: o.engine, mounter: o.mounter, log: (m) => logs.push(m) });
  const identity = csiClient(driver.socketPath, "Identity");
  const controller = csiClient(driver.socketPath, "Controller");
  const node = csiClient(driver.socketPath, "Node");
  return {
    driver, identity, controller, node, logs, dir,
    close: async () => {
      for (const c of [identity, controller, node]) c.close();
      await driver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const GiB = 1024 ** 3;
/** a filesystem capability with an access mode */
export const mountCap = (mode = "SINGLE_NODE_WRITER", flags: string[] = []) => ({ mount: { fs_type: "", mount_flags: flags }, access_mode: { mode } });
export const blockCap = (mode = "SINGLE_NODE_WRITER") => ({ block: {}, access_mode: { mode } });
