/**
 * The seam between the Pulumi glue (runtime.ts: validation, diff rules, preview unknowns, "gone"
 * handling) and what actually manages storage. Two backends implement it:
 *  - engine-backend.ts: the embedded Engine (SQLite ledger, SSH to the nodes);
 *  - rest-backend.ts:   a Heketi-compatible REST server (its database is the source of truth).
 * The runtime picks one per call from the resource's `connection` (`backendOf`, provider/resources/connection.ts).
 */
import type { ResourceKind } from "../resources";
import type { Connection } from "../resources/connection";
import type { Props } from "../resources/resource";

/** What a backend sees of a resource that still exists: its outputs, and for drift the inputs as the backend has them. */
export interface ReadResult {
  props: Props;
  inputs?: Props;
}

/** One resource kind. Inputs arrive validated (the kind's schema for this backend); `props` are the state's outputs. */
export interface ResourceOps<I> {
  create(inputs: I): Promise<{ id: string; outs: Props }>;
  /** create for `adopt: id`: the resource is there and matches the inputs (else it throws); nothing on the nodes changes. */
  adopt(id: string, inputs: I): Promise<{ id: string; outs: Props }>;
  /** undefined: the resource is gone (refresh drops it from the state). */
  read(id: string, props: Props): Promise<ReadResult | undefined>;
  update(id: string, olds: Props, news: I): Promise<Props>;
  /** Idempotent: deleting what is already gone succeeds. */
  delete(id: string, props: Props): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface StorageBackend<C = any, N = any, D = any, V = any> {
  cluster: ResourceOps<C>;
  node: ResourceOps<N>;
  device: ResourceOps<D>;
  volume: ResourceOps<V>;
}

/** The call a backend is opened for: the kind, its inputs or state, and whether the resource already exists. */
export interface Call {
  kind: ResourceKind;
  values: Props;
  exists: boolean;
  /** update: the state before it */
  olds?: Props;
}

export interface BackendModule {
  open(connection: Connection, call?: Call): Promise<StorageBackend>;
}
