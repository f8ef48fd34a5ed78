/**
 * The Pulumi resources of the dynamic providers, one module each: inputs (engine and REST forms),
 * what a change does, what check refuses, and the README's words for it. The runtime's check and
 * diff, both backends, the SDK's argument types and the README's table all read them from here.
 */
import type { z } from "zod";
import { backendOf } from "./connection";
import { cluster } from "./cluster";
import { device } from "./device";
import { node } from "./node";
import type { Resource } from "./resource";
import { volume } from "./volume";

const byKind = { cluster, node, device, volume };
export type ResourceKind = keyof typeof byKind;
export const RESOURCES: Record<ResourceKind, Resource> = byKind;

/** The inputs schema of a resource kind for the backend its connection names. */
export function inputSchema(kind: ResourceKind, connection: unknown): z.ZodObject {
  return RESOURCES[kind][backendOf(connection)];
}
