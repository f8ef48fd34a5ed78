/**
 * gRPC status codes for the CSI answers. Every error the driver returns carries a code the CO acts on
 * (the external-provisioner retries ABORTED and UNAVAILABLE, gives up on INVALID_ARGUMENT) and a message
 * that tells the operator what to do next.
 */
import { status } from "@grpc/grpc-js";
import { AllocationError, ConflictError, ConnectionError, NotFoundError, RemoteCommandError, ValidationError } from "../model/errors";
import { HeketiError, HeketiProtocolError, HeketiUnreachableError } from "../rest-client/errors";

export { status as Code };

/** An answer with a chosen gRPC code. */
export class CsiError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = "CsiError";
  }
}

export const invalid = (message: string) => new CsiError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new CsiError(status.NOT_FOUND, message);

/** The code of any error a handler throws: ours as they are, the engine's and Heketi's by their kind. */
export function codeOf(e: unknown): status {
  if (e instanceof CsiError) return e.code;
  if (e instanceof ValidationError) return status.INVALID_ARGUMENT;
  if (e instanceof NotFoundError) return status.NOT_FOUND;
  // in use / operation under way: the CO retries later (the spec's ABORTED for "operation pending")
  if (e instanceof ConflictError) return status.ABORTED;
  if (e instanceof AllocationError) return status.RESOURCE_EXHAUSTED;
  if (e instanceof ConnectionError) return status.UNAVAILABLE;
  if (e instanceof RemoteCommandError) return status.INTERNAL;
  if (e instanceof HeketiUnreachableError) return status.UNAVAILABLE;
  if (e instanceof HeketiProtocolError) return status.INTERNAL;
  if (e instanceof HeketiError) return heketiCode(e);
  return status.INTERNAL;
}

/** Heketi's HTTP answers: its 400s are bad input, 401 a wrong key, 409 "in use", 429 busy, "Failed to allocate" no space. */
function heketiCode(e: HeketiError): status {
  if (e.notFound) return status.NOT_FOUND;
  if (e.status === 400 || e.status === 422) return status.INVALID_ARGUMENT;
  if (e.status === 401) return status.UNAUTHENTICATED;
  if (e.status === 403) return status.PERMISSION_DENIED;
  if (e.conflict) return status.ABORTED;
  if (e.busy) return status.UNAVAILABLE;
  if (/failed to allocate|no space/i.test(e.text)) return status.RESOURCE_EXHAUSTED;
  return status.INTERNAL;
}

/** What the operator reads: the error's own message, plus a hint for the codes whose cause is outside the request. */
export function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const code = codeOf(e);
  if (code === status.UNAUTHENTICATED) return `${m}: check the key in the StorageClass's provisioner secret (key 'key') against the server's`;
  if (code === status.INTERNAL && !(e instanceof CsiError)) return `${m} (the driver's log has the details)`;
  return m;
}
