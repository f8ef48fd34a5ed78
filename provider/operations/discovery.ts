/**
 * Which clusters and nodes a set of hosts are, from the hosts alone: the owner tags on their VGs
 * (`pgfs.node`, `pgfs.cluster`, `pgfs.zone`, written at device add) and gluster's pool (who peers with
 * whom, and under which storage hostname). This is the first half of `pulumi-glusterfs rebuild`: the
 * declared pool a lost ledger no longer has. The second half is the ordinary rebuild (rebuild.ts).
 *
 * What the nodes cannot say is not invented silently: a node's tags and SSH user, a device's tags; a
 * node with no tagged device gets a new id (it holds nothing); each guess is a warning.
 */
import { pgfsTags, zoneTags } from "../commands/layout";
import type { NodeRow } from "../ledger/ledger";
import { newId } from "../model/ids";
import type { OpContext } from "./context";
import { DeclaredPool, gatherFacts, NodeFacts } from "./rebuild";

/** A host to ask, as the operator names it: its management address, SSH port, and (optionally) its storage hostname. */
export interface HostAddress {
  manageHost: string;
  port?: number;
  storageHost?: string;
}

export interface Discovery {
  pools: DeclaredPool[];
  warnings: string[];
}

type Answered = Extract<NodeFacts, { answered: true }>;

/** Pure: pools from what each host said (facts[i] is hosts[i]'s). Throws when a host did not answer. */
export function poolsFromFacts(hosts: readonly HostAddress[], facts: readonly NodeFacts[]): Discovery {
  const warnings: string[] = [];
  const label = (h: HostAddress) => `${h.manageHost}${h.port ? `:${h.port}` : ""}`;
  const silent = facts.flatMap((f, i) => (f.answered ? [] : [`${label(hosts[i])}: ${f.error}`]));
  if (silent.length) throw new Error(`every host must answer to rebuild a ledger from them (unknown is not absent): ${silent.join("; ")}`);
  const said = facts as readonly Answered[];

  type Found = { host: HostAddress; facts: Answered; nodeId?: string; clusterId?: string; zone?: number };
  const found: Found[] = hosts.map((host, i) => {
    const f = said[i];
    const owners = f.vgs.map((vg) => ({ vg: vg.vgName, ...pgfsTags(vg.tags), zones: zoneTags(vg.tags) })).filter((o) => o.device);
    const nodeIds = new Set(owners.flatMap((o) => (o.node ? [o.node] : [])));
    const clusterIds = new Set(owners.flatMap((o) => (o.cluster ? [o.cluster] : [])));
    const zones = new Set(owners.flatMap((o) => o.zones));
    if (nodeIds.size > 1 || clusterIds.size > 1) throw new Error(`${label(host)}: its VGs name more than one node or cluster (${[...nodeIds, ...clusterIds].join(", ")}); tidy the tags by hand first`);
    const untagged = owners.filter((o) => !o.node || !o.cluster);
    if (untagged.length) warnings.push(`${label(host)}: VG(s) ${untagged.map((o) => o.vg).join(", ")} carry no owner tags (made before they existed): \`check --repair\` on the old ledger tags them; here they follow the node's other VGs`);
    if (zones.size > 1) warnings.push(`${label(host)}: its VGs name zones ${[...zones].join(", ")} (a zone change cut off): zone ${Math.max(...zones)} taken`);
    return { host, facts: f, nodeId: [...nodeIds][0], clusterId: [...clusterIds][0], zone: zones.size ? Math.max(...zones) : undefined };
  });

  // a node without a tagged device belongs to the cluster of the peers in its gluster pool
  for (const x of found.filter((x) => !x.clusterId)) {
    const peer = found.find((y) => y.clusterId && y.facts.uuid && x.facts.peers.some((p) => p.uuid === y.facts.uuid));
    if (!peer) throw new Error(`${label(x.host)}: no device tagged by pulumi-glusterfs, and no peer in its gluster pool that has one: it is not a node of a cluster this tool built`);
    x.clusterId = peer.clusterId;
    x.nodeId = newId();
    warnings.push(`${label(x.host)}: no device tagged with its node id: added to cluster ${x.clusterId} with a new id ${x.nodeId} (it holds no brick)`);
  }
  const ids = new Set<string>();
  for (const x of found) {
    if (ids.has(x.nodeId!)) throw new Error(`node ${x.nodeId} is named twice (two addresses of one host?): give each host once`);
    ids.add(x.nodeId!);
  }

  // storage hostname (an IPv4 address, as node add requires): as given, else as gluster's bricks name
  // it (the address it was probed and its bricks created with), else the address among the names its
  // peers know it by (gluster also learns hostnames, e.g. from reverse lookups)
  const storageHost = (x: Found): string => {
    if (x.host.storageHost) return x.host.storageHost;
    const uuid = x.facts.uuid;
    for (const y of found) for (const v of y.facts.volumes ?? []) for (const b of v.bricks) if (uuid && b.hostUuid === uuid) return b.host;
    for (const y of found) for (const p of y.facts.peers) if (uuid && p.uuid === uuid) {
      const ip = p.hostnames.find((h) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h));
      if (ip) return ip;
    }
    warnings.push(`${label(x.host)}: no peer or brick names its storage hostname: ${x.host.manageHost} taken (give HOST=STORAGE to say otherwise)`);
    return x.host.manageHost;
  };

  const pools = new Map<string, DeclaredPool>();
  for (const x of found) {
    const pool = pools.get(x.clusterId!) ?? { clusterId: x.clusterId!, nodes: [] };
    pool.nodes.push({
      nodeId: x.nodeId!, manageHostname: x.host.manageHost, storageHostname: storageHost(x), zone: x.zone ?? 1, tags: {},
      ssh: x.host.port ? { port: x.host.port } : {},
    });
    if (x.zone === undefined) warnings.push(`${label(x.host)}: no zone tag: zone 1 taken`);
    pools.set(x.clusterId!, pool);
  }
  return { pools: [...pools.values()], warnings };
}

/** Ask every host (in parallel) what it holds: the facts, in the order of `hosts`. */
export function gatherHostFacts(ctx: OpContext, hosts: readonly HostAddress[]): Promise<NodeFacts[]> {
  const targets: NodeRow[] = hosts.map((h, i) => ({
    id: `host-${i}`, clusterId: "", manageHost: h.manageHost, storageHost: h.storageHost ?? h.manageHost, zone: 1, tags: {},
    ssh: h.port ? { port: h.port } : {}, state: "online", opId: null, createdAt: "",
  }));
  return gatherFacts(ctx, targets);
}

/** Ask every host (in parallel) and work out the pools. */
export async function discoverPools(ctx: OpContext, hosts: readonly HostAddress[]): Promise<Discovery> {
  return poolsFromFacts(hosts, await gatherHostFacts(ctx, hosts));
}
