export { HeketiClient, defaultRetryDelayMs, parseRetryAfter } from "./client";
export type { HeketiClientOptions, NodeAddRequest, DeviceAddRequest, VolumeCreateRequest, EntityState, Tags, ClusterInfo, NodeInfo, DeviceInfo, VolumeInfo } from "./client";
export { HeketiError, HeketiProtocolError, HeketiUnreachableError, isNotFound } from "./errors";
export { signRequest, qsh } from "./jwt";
