import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import type { DeviceArgs, DurabilityArgs, EngineClusterArgs, GlusterClusterArgs, NodeArgs, RestClusterArgs, RestServerArgs, SshDefaultsArgs, VolumeArgs } from "../../sdk";
import type { GlusterCluster } from "../../sdk/cluster";
import type { Node } from "../../sdk/node";

/**
 * The SDK's argument types are derived from the resources' schemas (sdk/args.ts). What programs pass
 * must keep compiling: every argument the SDK took when its types were written by hand is still taken.
 * `Written*` are those hand-written types; the checks below run in the compiler (`tsc` fails on a mismatch:
 * `true as false` does not compile).
 */
type I<T> = pulumi.Input<T>;
interface WrittenSshDefaults { user?: I<string>; port?: I<number>; sudo?: I<boolean>; privateKey?: I<string>; privateKeyPath?: I<string>; knownHostsPath?: I<string> }
interface WrittenRestServer { url: I<string>; user?: I<"admin">; key: I<string>; pollIntervalMs?: I<number> }
interface WrittenClusterCommon { file?: I<boolean>; block?: I<boolean>; adopt?: I<string> }
interface WrittenEngineCluster extends WrittenClusterCommon { ssh: I<WrittenSshDefaults>; ledgerPath?: I<string>; name?: I<string>; rest?: undefined }
interface WrittenRestCluster extends WrittenClusterCommon { rest: I<WrittenRestServer>; ssh?: undefined; ledgerPath?: undefined; name?: undefined }
type WrittenDurability = { type: "none" } | { type: "replicate"; replica?: number; arbiter?: boolean } | { type: "disperse"; data: number; redundancy: number };
interface WrittenNode {
  cluster: GlusterCluster;
  manageHostname: I<string>;
  storageHostname: I<string>;
  zone: I<number>;
  tags?: I<Record<string, I<string>>>;
  ssh?: I<{ user?: I<string>; port?: I<number>; sudo?: I<boolean>; hostKeyFingerprint?: I<string> }>;
  adopt?: I<string>;
}
interface WrittenDevice { node: Node; path: I<string>; destroyData?: I<boolean>; tags?: I<Record<string, I<string>>>; adopt?: I<string> }
interface WrittenVolume {
  cluster: GlusterCluster;
  name?: I<string>;
  sizeGiB: I<number>;
  durability?: I<WrittenDurability>;
  gid?: I<number>;
  snapshotFactor?: I<number>;
  options?: I<Record<string, I<string>>>;
  adopt?: I<string>;
}

type Takes<Derived, Written> = [Written] extends [Derived] ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const stillTaken: Array<true> = [
  true as Takes<SshDefaultsArgs, WrittenSshDefaults>,
  true as Takes<RestServerArgs, WrittenRestServer>,
  true as Takes<EngineClusterArgs, WrittenEngineCluster>,
  true as Takes<RestClusterArgs, WrittenRestCluster>,
  true as Takes<GlusterClusterArgs, WrittenEngineCluster | WrittenRestCluster>,
  true as Takes<NodeArgs, WrittenNode>,
  true as Takes<DeviceArgs, WrittenDevice>,
  true as Takes<VolumeArgs, WrittenVolume>,
];
const unchanged: Array<true> = [
  true as Same<DurabilityArgs, WrittenDurability>,
  true as Same<SshDefaultsArgs, WrittenSshDefaults>,
  true as Same<RestServerArgs, WrittenRestServer>,
  true as Same<keyof EngineClusterArgs, keyof WrittenEngineCluster>,
  true as Same<keyof RestClusterArgs, keyof WrittenRestCluster>,
  true as Same<keyof NodeArgs, keyof WrittenNode>,
  true as Same<keyof DeviceArgs, keyof WrittenDevice>,
  true as Same<keyof VolumeArgs, keyof WrittenVolume>,
];

describe("SDK arguments derived from the resources' schemas", function () {
  it("take everything the hand-written arguments took, under the same names", function () {
    assert.ok(stillTaken.every((t) => t) && unchanged.every((t) => t));
  });
});
