/**
 * A replica-3 volume created, read, expanded and deleted; the operations, metrics, db and admin
 * endpoints read while it exists.
 */
import { clusterFacts, deviceFacts, listFacts, REP3 } from "./facts";
import type { Run } from "./run";
import { idFromLocation, sorted } from "./runner";
import { MISSING_ID, UNKNOWN_ID } from "./types";

export async function volumeLifecycleSteps(run: Run): Promise<void> {
  const { T, S, topology, cluster, nodes, deviceNode } = run;
  const rCreate = await S("volumes: create replica 3", "POST", "/volumes", {
    body: {
      size: 1,
      durability: REP3,
      gid: 2345,
      glustervolumeoptions: ["performance.rda-cache-limit 10MB"],
      snapshot: { enable: true, factor: 1 },
    },
  });
  const created = await T.poll("volumes: create replica 3: queue", rCreate.headers.get("location"));
  const vol = idFromLocation(created, "/volumes") ?? MISSING_ID;
  await S("volumes: create replica 3: queue again", "GET", rCreate.headers.get("location") ?? `/queue/${MISSING_ID}`);
  const volumeFacts = (j: any) => {
    const hosts: string[] = j.mount?.glusterfs?.hosts ?? [];
    const bricks: any[] = j.bricks ?? [];
    return {
      idIsExpected: j.id === vol,
      clusterIsExpected: j.cluster === cluster,
      size: j.size,
      nameIsVolUnderscoreId: j.name === `vol_${j.id}`,
      durability: j.durability,
      gid: j.gid,
      glustervolumeoptions: j.glustervolumeoptions,
      snapshot: j.snapshot,
      blockinfo: j.blockinfo,
      mountHosts: sorted(hosts),
      mountHostsAreAllStorageHosts: JSON.stringify(sorted(hosts)) === JSON.stringify(sorted(topology.nodes.map((n) => n.storage))),
      mountDeviceIsFirstHostColonName: j.mount?.glusterfs?.device === `${hosts[0]}:${j.name}`,
      backupVolfileServersAreTheOtherHosts: j.mount?.glusterfs?.options?.["backup-volfile-servers"] === hosts.slice(1).join(","),
      bricks: bricks.length,
      brickSizes: sorted(bricks.map((b) => b.size)),
      brickNodesDistinct: new Set(bricks.map((b) => b.node)).size,
      brickPathsFollowHeketiLayout: bricks.every((b) => b.path === `/var/lib/heketi/mounts/vg_${b.device}/brick_${b.id}/brick`),
      brickVolumeIsThisVolume: bricks.every((b) => b.volume === j.id),
      brickDeviceIsOnBrickNode: bricks.every((b) => deviceNode.get(b.device) === b.node),
    };
  };
  const rVol = await S("volumes: get", "GET", `/volumes/${vol}`, { facts: volumeFacts });
  const volName: string = (rVol.json as any)?.name ?? "vol_missing";
  const brickDevice: string = (rVol.json as any)?.bricks?.[0]?.device ?? MISSING_ID;
  await S("volumes: create with a name in use", "POST", "/volumes", { body: { size: 1, durability: REP3, name: volName } });
  await S("volumes: list with one", "GET", "/volumes", { facts: (j) => ({ ...listFacts("volumes")(j), isTheVolume: j.volumes?.[0] === vol }) });
  await S("volumes: user key lists them too", "GET", "/volumes", { auth: "user", facts: listFacts("volumes") });
  await S("clusters: get with a volume", "GET", `/clusters/${cluster}`, {
    facts: (j) => ({ ...clusterFacts(() => cluster, () => nodes)(j), volumeIsListed: j.volumes?.includes(vol) }),
  });
  await S("devices: get one holding a brick", "GET", `/devices/${brickDevice}`, {
    facts: (j) => {
      const { name: _which, ...f } = deviceFacts(() => brickDevice)(j); // which device holds a brick varies
      return { ...f, brickSizes: (j.bricks ?? []).map((b: any) => b.size), brickVolumeIsTheVolume: (j.bricks ?? []).every((b: any) => b.volume === vol) };
    },
  });
  await S("volumes: delete a cluster that has a volume", "DELETE", `/clusters/${cluster}`);

  await S("volumes: expand by 0", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 0 } });
  await S("volumes: expand with bad JSON", "POST", `/volumes/${vol}/expand`, { body: "{not json" });
  await S("volumes: expand beyond the brick limit (100000 GiB)", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 100_000 } });
  await S("volumes: expand unknown", "POST", `/volumes/${UNKNOWN_ID}/expand`, { body: { expand_size: 1 } });
  const rExpand = await S("volumes: expand by 1", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 1 } });
  await T.poll("volumes: expand by 1: queue", rExpand.headers.get("location"), {
    respFacts: (r) => ({ locationIsTheVolume: r.headers.get("location") === `/volumes/${vol}` }),
  });
  await S("volumes: get after expand", "GET", `/volumes/${vol}`, { facts: volumeFacts });

  await S("operations: counters", "GET", "/operations", { facts: (j) => ({ value: j }) });
  await S("operations: pending list", "GET", "/operations/pending", { facts: (j) => ({ count: j.pendingoperations?.length }) });
  await S("operations: unknown pending id", "GET", `/operations/pending/${UNKNOWN_ID}`);
  // Names only: the heketi_* sample names (the go_*/process_*/promhttp_* ones are runtime-specific).
  await S("metrics", "GET", "/metrics", {
    auth: "none",
    opaqueText: true,
    respFacts: (r) => ({ heketiMetricNames: [...new Set(r.text.split("\n").flatMap((l) => /^(heketi_[A-Za-z0-9_:]*)/.exec(l)?.[1] ?? []))].sort() }),
  });
  await S("db: dump", "GET", "/db/dump", { shapeDepth: 1, facts: (j) => ({ topLevelKeys: Object.keys(j).sort() }) });
  await S("admin: mode", "GET", "/admin", { facts: (j) => ({ value: j }) });
  await S("internal: log level", "GET", "/internal/logging", { facts: (j) => ({ value: j }) });

  const rDel = await S("volumes: delete", "DELETE", `/volumes/${vol}`);
  await T.poll("volumes: delete: queue", rDel.headers.get("location"));
  await S("volumes: get deleted", "GET", `/volumes/${vol}`);
  await S("volumes: delete deleted", "DELETE", `/volumes/${vol}`);
  await S("volumes: expand deleted", "POST", `/volumes/${vol}/expand`, { body: { expand_size: 1 } });
  await S("volumes: list after delete", "GET", "/volumes", { facts: listFacts("volumes") });
}
