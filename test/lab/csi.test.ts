import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { status } from "@grpc/grpc-js";
import type { KubernetesDescription } from "../../devtools/lab/kubernetes";
import { labNodeRunner, type LabNodeRunner } from "../../devtools/csi/lab-node-runner";
import type { LabDescription, LabNode } from "../../devtools/lab/description";
import type { Engine } from "../../provider/engine";
import { EngineBackend } from "../../provider/csi/engine-backend";
import { DRIVER_NAME } from "../../provider/csi/identity";
import { CommandMounter } from "../../provider/csi/mounter";
import { ServeConfig } from "../../provider/rest/config";
import { createRestServer, type RestServer } from "../../provider/rest/server";
import { type CsiDriver, startDriver } from "../../provider/csi/server";
import { csiClient, type CsiClient, GiB, mountCap } from "../support/csi";
import { MUST_PASS, runCsiSanity } from "../support/csi-sanity";
import { assertCheckClean, labEngine, nodeLeftovers, onNode } from "../support/engine";
import { ensureKubernetes, kubectlAsync, kubeGetAsync, waitFor } from "../support/kubernetes";
import { requireCleanLab } from "../support/lab";
import { type ProvisionerStandin, startProvisionerStandin } from "../support/provisioner-standin";

/** `ssh root@<lab node> <command>` as a script csi-sanity can run (it makes, checks and removes target paths where the node service mounts). */
function remotePathScript(dir: string, lab: LabDescription, n: LabNode, name: string, body: string): string {
  const file = path.join(dir, `${name}.sh`);
  fs.writeFileSync(`${file}.remote`, `${body}\n`);
  fs.writeFileSync(
    file,
    [
      "#!/bin/sh",
      "set -eu",
      // the remote shell reads `p='<the path, single-quoted>'` and then the body, on its stdin
      `{ printf "p='%s'\\n" "$(printf '%s' "$1" | sed "s/'/'\\\\\\\\''/g")"; cat ${file}.remote; } |`,
      // one kept connection for all of them (csi-sanity makes and removes paths around every test)
      `  ssh -q -i ${n.privateKeyPath} -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes -o BatchMode=yes -o ControlMaster=auto -o ControlPath=${dir}/ssh-%C -o ControlPersist=30 -p ${n.sshPort} ${n.sshUser}@${n.managementAddress} sh -s`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return file;
}

const timing = (logs: string[], rpc: string) => logs.map((l) => new RegExp(`^${rpc}: OK \\((\\d+) ms\\)`).exec(l)).filter((m) => m).map((m) => Number(m![1]));
const summary = (ms: number[]) => (ms.length ? `${ms.length}× median ${(ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)] / 1000).toFixed(1)} s, max ${(Math.max(...ms) / 1000).toFixed(1)} s` : "none");

/** `gluster volume info` of a started replica-3 volume, with this brick layout */
function assertVolumeInfo(info: string, bricks: RegExp) {
  assert.match(info, /^Type: (Distributed-)?Replicate$/m);
  assert.match(info, /^Status: Started$/m);
  assert.match(info, bricks);
}

/** Kubernetes objects of this suite: a namespace of its own; StorageClasses are cluster-wide, so prefixed. */
const NS = "pgfs-csi-lab";
const REST_ADMIN = "csi-lab-admin-key";
const REST_SECRET = "csi-lab-rest-key";

/**
 * The CSI driver on the lab: its Controller provisions through the engine on real GlusterFS, LVM and XFS,
 * and its Node service mounts for real inside the lab VMs. The host cannot reach the storage network, so
 * each node service's process runs on the host and its mounter's commands run in one VM over SSH
 * (devtools/csi/lab-node-runner.ts): the FUSE mounts, the client and the network are the VM's, as a
 * kubelet node's are in the node DaemonSet.
 */
describe("CSI driver on the lab: csi-sanity, real FUSE mounts, bad input", function () {
  this.timeout(40 * 60_000);
  let lab: LabDescription;
  let engine: Engine;
  let clusterId: string;
  let dir: string;
  let controllerDriver: CsiDriver;
  const nodeDrivers: CsiDriver[] = [];
  const runners: LabNodeRunner[] = [];
  let controller: CsiClient;
  const nodeClients: CsiClient[] = [];
  const logs: string[] = [];
  const nodeLogs: string[] = [];
  let kube: KubernetesDescription;
  let server: RestServer;
  let standin: ProvisionerStandin;
  const measured: Record<string, number[]> = {};
  const measure = (what: string, t0: number) => (measured[what] ??= []).push(Date.now() - t0);

  before(async function () {
    lab = await requireCleanLab();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-csi-lab-"));
    engine = labEngine(lab);
    clusterId = engine.createCluster().id;
    for (const l of lab.nodes) {
      const n = await engine.addNode({ clusterId, manageHostname: l.managementAddress, storageHostname: l.storageAddress, zone: l.zone });
      await engine.addDevice({ nodeId: n.id, path: l.devices[0] });
    }
    controllerDriver = await startDriver({ endpoint: `unix://${dir}/controller.sock`, mode: "controller", nodeId: "controller", engine: new EngineBackend(engine), log: (m) => logs.push(m) });
    controller = csiClient(controllerDriver.socketPath, "Controller");
    // node services for the first two VMs: one mounts, the other reads what the first wrote
    for (const l of lab.nodes.slice(0, 2)) {
      const runner = await labNodeRunner(l);
      runners.push(runner);
      const d = await startDriver({ endpoint: `unix://${dir}/node-${l.name}.sock`, mode: "node", nodeId: l.name, mounter: new CommandMounter(runner.run), log: (m) => nodeLogs.push(m) });
      nodeDrivers.push(d);
      nodeClients.push(csiClient(d.socketPath, "Node"));
    }
    // Kubernetes' side: the lab's API server and kube-controller-manager (its PV controller binds claims),
    // and the csi-provisioner stand-in (test tooling on sig-storage-lib-external-provisioner) calling
    // this driver's Controller over its socket as csi-provisioner and csi-resizer do
    kube = await ensureKubernetes(lab);
    await kubectlAsync(kube, ["delete", "namespace", NS, "--ignore-not-found", "--wait=true"]);
    await kubectlAsync(kube, ["create", "namespace", NS]);
    standin = await startProvisionerStandin({ kubeconfig: kube.kubeconfig, csiAddress: controllerDriver.socketPath, extraCreateMetadata: true });
    // our Heketi-compatible server on the same engine, for the REST backend's StorageClass
    server = createRestServer({ engine, config: ServeConfig.parse({ ledgerPath: engine.ledger.file, port: 0, adminKey: REST_ADMIN, userKey: "csi-lab-user-key", executor: "ssh", ssh: { keyFile: lab.nodes[0].privateKeyPath } }) });
    await server.listen();
  });

  after(async function () {
    console.log(`      [measure] CreateVolume ${summary(timing(logs, "CreateVolume"))}; DeleteVolume ${summary(timing(logs, "DeleteVolume"))}; ControllerExpandVolume ${summary(timing(logs, "ControllerExpandVolume"))}; NodePublishVolume ${summary(timing(nodeLogs, "NodePublishVolume"))}; NodeUnpublishVolume ${summary(timing(nodeLogs, "NodeUnpublishVolume"))}`);
    for (const [what, ms] of Object.entries(measured)) console.log(`      [measure] ${what}: ${summary(ms)}`);
    if (kube) {
      // claims a failed test left: deleted while the stand-in still runs, so their PVs and volumes go too
      await kubectlAsync(kube, ["delete", "namespace", NS, "--ignore-not-found", "--wait=true"]).catch((e) => console.log(`      namespace ${NS} not deleted: ${e}`));
      const ours = async () => (JSON.parse(await kubectlAsync(kube, ["get", "pv", "-o", "json"])).items as Array<{ metadata: { name: string }; spec: { csi?: { driver: string } } }>).filter((p) => p.spec.csi?.driver === DRIVER_NAME);
      await waitFor("the driver's PVs deleted", async () => ((await ours()).length ? undefined : true), 3 * 60_000, async () => (await ours()).map((p) => p.metadata.name).join(", ")).catch((e) => console.log(`      ${e}`));
      await kubectlAsync(kube, ["delete", "storageclass", "-l", "pgfs-csi-lab=true", "--ignore-not-found"]).catch(() => undefined);
    }
    await standin?.stop();
    // FUSE mounts a failed test left in the VMs (the kubelet's and csi-sanity's paths)
    for (const l of lab?.nodes.slice(0, 2) ?? []) {
      await onNode(l, "for m in $(awk '$3 == \"fuse.glusterfs\" && ($2 ~ /^\\/var\\/lib\\/(kubelet|pgfs-csi-sanity)\\//) { print $2 }' /proc/mounts); do umount -l \"$m\"; done; rm -rf /var/lib/kubelet/pods /var/lib/pgfs-csi-sanity").catch((e) => console.log(`      ${l.name}: ${e}`));
    }
    await server?.close();
    for (const c of [controller, ...nodeClients]) c?.close();
    for (const d of [controllerDriver, ...nodeDrivers]) await d?.close();
    for (const r of runners) r.close();
    if (engine && clusterId) {
      // the story's teardown: devices, nodes, cluster; then the nodes hold nothing of ours
      // what a failed test left: volumes this suite's engine made (its own ledger)
      for (const v of engine.ledger.listVolumes(clusterId)) await engine.deleteVolume(v.id);
      for (const n of engine.ledger.listNodes(clusterId)) {
        for (const d of engine.ledger.listDevices(n.id)) await engine.removeDevice(d.id);
        await engine.removeNode(n.id);
      }
      engine.deleteCluster(clusterId);
      await engine.close();
      for (const l of lab.nodes) assert.deepEqual(await nodeLeftovers(l), [], `${l.name} is clean after the teardown`);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (engine && clusterId) await assertCheckClean(engine, `after "${this.currentTest?.title}"`);
  });

  it("csi-sanity v5.6.0: every test that applies passes against the engine on the lab, with the node service mounting in gnode1", async function () {
    const l = lab.nodes[0];
    const base = "/var/lib/pgfs-csi-sanity";
    // csi-sanity asks the node endpoint's Identity whether a Controller service exists (and skips the node
    // tests that need one when it does not): one driver serving both, its mounter in gnode1
    const both = await startDriver({ endpoint: `unix://${dir}/sanity.sock`, mode: "all", nodeId: l.name, engine: new EngineBackend(engine), mounter: new CommandMounter(runners[0].run), log: (m) => logs.push(m) });
    const run = await runCsiSanity(dir, [
      `--csi.endpoint=unix://${both.socketPath}`,
      // target paths live where the node service mounts: in the VM
      `--csi.mountdir=${base}/mount`, `--csi.stagingdir=${base}/staging`,
      `--csi.createmountpathcmd=${remotePathScript(dir, lab, l, "create-path", 'mkdir -p -- "$p" && printf %s "$p"')}`,
      `--csi.createstagingpathcmd=${remotePathScript(dir, lab, l, "create-staging", 'mkdir -p -- "$p" && printf %s "$p"')}`,
      `--csi.removemountpathcmd=${remotePathScript(dir, lab, l, "remove-path", 'rmdir -- "$p" 2>/dev/null || [ ! -e "$p" ]')}`,
      `--csi.removestagingpathcmd=${remotePathScript(dir, lab, l, "remove-staging", 'rmdir -- "$p" 2>/dev/null || [ ! -e "$p" ]')}`,
      `--csi.checkpathcmd=${remotePathScript(dir, lab, l, "check-path", 'if [ -f "$p" ]; then echo file; elif [ -d "$p" ]; then echo directory; elif [ -e "$p" ]; then echo other; else echo not_found; fi')}`,
      "--csi.createpathcmdtimeout=60s", "--csi.removepathcmdtimeout=60s", "--csi.checkpathcmdtimeout=60s",
      `--csi.testvolumesize=${GiB}`,
    ]).finally(() => both.close());
    assert.deepEqual(run.failed.map((c) => c.name), [], `csi-sanity failures:\n${run.out.slice(-8000)}`);
    assert.equal(run.code, 0, run.out.slice(-4000));
    for (const name of MUST_PASS) assert.ok(run.passed.some((c) => c.name.includes(name)), `'${name}' passed`);
    // csi-sanity deletes what it made, and its mounts were real: none is left in the VM
    assert.deepEqual((await controller.call("ListVolumes", {})).entries, []);
    assert.equal((await onNode(l, `grep -c ' fuse.glusterfs ' /proc/mounts || true`)).trim(), "0");
  });

  it("a replica-3 volume mounted with FUSE in two VMs: a file written in gnode1 is read back in gnode2", async function () {
    const name = "pvc-csi-lab-two-mounts";
    const created = await controller.call("CreateVolume", { name, capacity_range: { required_bytes: String(GiB) }, volume_capabilities: [mountCap("MULTI_NODE_MULTI_WRITER")], parameters: { volumetype: "replicate:3" } });
    const v = created.volume;
    assert.equal(v.capacity_bytes, String(GiB));
    assert.equal(v.volume_context.volume, name);
    assert.deepEqual(v.volume_context.hosts.split(",").sort(), lab.nodes.map((l) => l.storageAddress).sort());
    assertVolumeInfo(await onNode(lab.nodes[2], `gluster --mode=script volume info ${name}`), /Number of Bricks: 1 x 3 = 3$/m);

    // where the kubelet would ask for it
    const target = `/var/lib/kubelet/pods/csi-lab/volumes/kubernetes.io~csi/${name}/mount`;
    const publish = { volume_id: v.volume_id, target_path: target, volume_capability: mountCap("MULTI_NODE_MULTI_WRITER"), volume_context: v.volume_context };
    for (const c of nodeClients) await c.call("NodePublishVolume", publish);
    // publishing again is a no-op (the kubelet retries)
    await nodeClients[0].call("NodePublishVolume", publish);
    const [a, b] = lab.nodes;
    // mounted from the first server of the volume context, the others as backup volfile servers
    assert.match(await onNode(a, `grep ' ${target} ' /proc/mounts`), new RegExp(`^${v.volume_context.hosts.split(",")[0]}:/?${name} ${target} fuse.glusterfs `, "m"));
    await onNode(a, `echo written-in-${a.name} > ${target}/hello && sync`);
    assert.equal((await onNode(b, `cat ${target}/hello`)).trim(), `written-in-${a.name}`);
    // the mount options: the other two servers as backup volfile servers
    assert.match(await onNode(b, `ps -eo args | grep '[g]lusterfs.*${name}'`), /--volfile-server=10\.77\.0\.\d+ .*--volfile-server=10\.77\.0\.\d+ .*--volfile-server=10\.77\.0\.\d+/);
    const stats = await nodeClients[1].call("NodeGetVolumeStats", { volume_id: v.volume_id, volume_path: target });
    assert.ok(Number(stats.usage[0].total) > 0.9 * GiB && Number(stats.usage[0].total) <= GiB, `the mount's size is the volume's (${stats.usage[0].total})`);

    // a read-only publish is read-only
    const roTarget = `${target}-ro`;
    await nodeClients[1].call("NodePublishVolume", { ...publish, target_path: roTarget, readonly: true });
    assert.match(await onNode(b, `touch ${roTarget}/x 2>&1 || true`), /Read-only file system/);
    await nodeClients[1].call("NodeUnpublishVolume", { volume_id: v.volume_id, target_path: roTarget });

    for (const c of nodeClients) {
      await c.call("NodeUnpublishVolume", { volume_id: v.volume_id, target_path: target });
      await c.call("NodeUnpublishVolume", { volume_id: v.volume_id, target_path: target }); // idempotent
    }
    for (const l of [a, b]) assert.equal((await onNode(l, `grep -c ' fuse.glusterfs ' /proc/mounts || true; test -e ${target} && echo still-there || true`)).trim(), "0");
    await controller.call("DeleteVolume", { volume_id: v.volume_id });
    await controller.call("DeleteVolume", { volume_id: v.volume_id }); // idempotent
    assert.deepEqual((await controller.call("ListVolumes", {})).entries, []);
  });

  it("bad input answers the right code with a message an operator can act on, and leaves nothing on the nodes", async function () {
    const caps = [mountCap("MULTI_NODE_MULTI_WRITER")];
    const create = (name: string, extra: object) => controller.code("CreateVolume", { name, capacity_range: { required_bytes: String(GiB) }, volume_capabilities: caps, ...extra });
    const cases: Array<[string, { code: status; details: string }, status, RegExp]> = [
      ["unknown StorageClass parameter", await create("pvc-bad-param", { parameters: { volumetype: "replicate:3", replicas: "3" } }), status.INVALID_ARGUMENT, /replicas/],
      [
        "a REST user without its secret",
        await create("pvc-no-secret", { parameters: { resturl: "http://127.0.0.1:1", restuser: "admin", restauthenabled: "true" } }),
        status.INVALID_ARGUMENT,
        /provisioner-secret-name/,
      ],
      ["a name gluster cannot take", await create("pvc bad;name", { parameters: {} }), status.INVALID_ARGUMENT, /name/],
      ["a capacity whose whole GiB is past its limit", await controller.code("CreateVolume", { name: "pvc-too-small", capacity_range: { required_bytes: "1", limit_bytes: "1048576" }, volume_capabilities: caps }), status.OUT_OF_RANGE, /whole GiB/],
      ["more than the cluster can place", await create("pvc-too-big", { capacity_range: { required_bytes: String(500 * GiB) }, parameters: { volumetype: "replicate:3" } }), status.RESOURCE_EXHAUSTED, /./],
      ["block mode", await controller.code("CreateVolume", { name: "pvc-block", capacity_range: { required_bytes: String(GiB) }, volume_capabilities: [{ block: {}, access_mode: { mode: "SINGLE_NODE_WRITER" } }] }), status.INVALID_ARGUMENT, /[Bb]lock/],
    ];
    for (const [what, got, code, message] of cases) {
      console.log(`        ${what}: ${status[got.code]}: ${got.details}`);
      assert.equal(status[got.code], status[code], `${what}: ${got.details}`);
      assert.match(got.details, message, what);
    }
    assert.deepEqual((await controller.call("ListVolumes", {})).entries, []);
    // afterEach: check is clean (no LV, mount, fstab line or gluster volume the ledger does not hold)
  });
  /** kubectl apply of objects as JSON */
  const apply = (...objects: object[]) => kubectlAsync(kube, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  const storageClass = (name: string, parameters: Record<string, string>) => ({
    apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name, labels: { "pgfs-csi-lab": "true" } },
    provisioner: DRIVER_NAME, parameters, reclaimPolicy: "Delete", allowVolumeExpansion: true, volumeBindingMode: "Immediate",
  });
  const claim = (name: string, sc: string, size = "1Gi") => ({
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: NS },
    spec: { storageClassName: sc, accessModes: ["ReadWriteMany"], resources: { requests: { storage: size } } },
  });
  /** what an operator would look at when a claim does not move: its description and the stand-in's last lines */
  const whyStuck = (name: string) => async () => `${await kubectlAsync(kube, ["-n", NS, "describe", "pvc", name])}\nstand-in:\n${standin.logs.slice(-20).join("\n")}\ndriver:\n${logs.slice(-10).join("\n")}`;
  const claimState = (name: string) => kubeGetAsync(kube, "pvc", name, NS);
  /** the events Kubernetes shows for a claim (`kubectl describe pvc`'s Events) */
  const claimEvents = async (name: string) => ((JSON.parse(await kubectlAsync(kube, ["-n", NS, "get", "events", "--field-selector", `involvedObject.name=${name}`, "-o", "json"])).items ?? []) as Array<{ reason: string; message: string }>);

  /**
   * The PVC story on the lab's API server: a claim on a CSI StorageClass of this driver becomes Bound to a
   * PV whose gluster volume has the size and durability asked for; two VMs mount it (a file written in
   * one is read in the other); a bigger request grows the gluster volume through ControllerExpandVolume
   * and both mounts see it; deleting the claim (reclaim Delete) deletes the gluster volume.
   */
  async function pvcStory(sc: string, parameters: Record<string, string>, handle: RegExp) {
    const name = `${sc}-claim`;
    await apply(storageClass(sc, parameters));
    let t0 = Date.now();
    await apply(claim(name, sc));
    const pvc = await waitFor(`claim ${name} Bound`, async () => ((await claimState(name))?.status?.phase === "Bound" ? claimState(name) : undefined), 5 * 60_000, whyStuck(name));
    measure("PVC Bound (claim created → Bound)", t0);
    const pv = (await kubeGetAsync(kube, "pv", pvc!.spec.volumeName))!;
    assert.equal(pv.spec.csi.driver, DRIVER_NAME);
    assert.match(pv.spec.csi.volumeHandle, handle);
    assert.equal(pv.spec.capacity.storage, "1Gi");
    assert.equal(pvc!.status.capacity.storage, "1Gi");
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, "Delete");
    assert.deepEqual(pv.spec.accessModes, ["ReadWriteMany"]);
    // the gluster volume is named after the CSI name, csi-provisioner's pvc-<claim uid>, which is the PV's name
    const volume = pv.spec.csi.volumeAttributes.volume;
    assert.equal(volume, `pvc-${pvc!.metadata.uid}`);
    assert.equal(pv.metadata.name, volume);
    assertVolumeInfo(await onNode(lab.nodes[2], `gluster --mode=script volume info ${volume}`), /Number of Bricks: 1 x 3 = 3$/m);

    // the kubelet's part, on two machines: publish at the pod's volume path, use, read back elsewhere
    const target = `/var/lib/kubelet/pods/${pvc!.metadata.uid}/volumes/kubernetes.io~csi/${pv.metadata.name}/mount`;
    const publish = { volume_id: pv.spec.csi.volumeHandle, target_path: target, volume_capability: mountCap("MULTI_NODE_MULTI_WRITER"), volume_context: pv.spec.csi.volumeAttributes };
    for (const c of nodeClients) await c.call("NodePublishVolume", publish);
    const [a, b] = lab.nodes;
    await onNode(a, `echo written-in-${a.name} > ${target}/claim-data && sync`);
    assert.equal((await onNode(b, `cat ${target}/claim-data`)).trim(), `written-in-${a.name}`);

    // a bigger request: the resizer stand-in calls ControllerExpandVolume, the gluster volume grows
    t0 = Date.now();
    await kubectlAsync(kube, ["-n", NS, "patch", "pvc", name, "--type=merge", "-p", JSON.stringify({ spec: { resources: { requests: { storage: "2Gi" } } } })]);
    await waitFor(`claim ${name} at 2Gi`, async () => ((await claimState(name))?.status?.capacity?.storage === "2Gi" ? true : undefined), 10 * 60_000, whyStuck(name));
    measure("PVC expanded 1Gi → 2Gi (patch → status 2Gi)", t0);
    assert.equal((await kubeGetAsync(kube, "pv", pv.metadata.name))!.spec.capacity.storage, "2Gi");
    assertVolumeInfo(await onNode(lab.nodes[2], `gluster --mode=script volume info ${volume}`), /Number of Bricks: [2-9] x 3 = \d+$/m);
    // both mounts see the new size at once (no node step), and the data is still there
    for (const c of nodeClients) {
      const stats = await c.call("NodeGetVolumeStats", { volume_id: publish.volume_id, volume_path: target });
      assert.ok(Number(stats.usage[0].total) > 1.8 * GiB, `the mount shows the grown size (${stats.usage[0].total} bytes)`);
    }
    assert.equal((await onNode(b, `cat ${target}/claim-data`)).trim(), `written-in-${a.name}`);
    for (const c of nodeClients) await c.call("NodeUnpublishVolume", { volume_id: publish.volume_id, target_path: target });

    // reclaim Delete: the claim goes, the PV goes, the gluster volume goes
    t0 = Date.now();
    await kubectlAsync(kube, ["-n", NS, "delete", "pvc", name, "--wait=true"]);
    await waitFor(`PV ${pv.metadata.name} deleted`, async () => ((await kubeGetAsync(kube, "pv", pv.metadata.name)) ? undefined : true), 5 * 60_000, whyStuck(name));
    measure("PVC deleted (delete → PV gone)", t0);
    for (const l of lab.nodes) assert.doesNotMatch(await onNode(l, "gluster --mode=script volume list"), new RegExp(volume), `${l.name} has no volume ${volume}`);
    assert.deepEqual(engine.ledger.listVolumes().map((v) => v.name), []);
    await kubectlAsync(kube, ["delete", "storageclass", sc]);
    // afterEach: check is clean (bricks, mounts, fstab lines all gone with the volume)
  }

  it("Kubernetes: a PVC on the CSI StorageClass (the driver's engine) is Bound, mounted in two VMs, expanded and deleted with its gluster volume", async function () {
    await pvcStory("pgfs-csi-lab-engine", { clusterid: clusterId, volumetype: "replicate:3" }, /^engine:[0-9a-f]{32}$/);
  });

  it("Kubernetes: the same PVC story through the REST backend against our serve (the key from the CSI secret parameters)", async function () {
    await apply({ apiVersion: "v1", kind: "Secret", metadata: { name: REST_SECRET, namespace: NS }, type: "kubernetes.io/glusterfs", stringData: { key: REST_ADMIN } });
    await pvcStory("pgfs-csi-lab-rest", {
      resturl: server.url(), restuser: "admin", restauthenabled: "true", clusterid: clusterId, volumetype: "replicate:3",
      "csi.storage.k8s.io/provisioner-secret-name": REST_SECRET, "csi.storage.k8s.io/provisioner-secret-namespace": NS,
      "csi.storage.k8s.io/controller-expand-secret-name": REST_SECRET, "csi.storage.k8s.io/controller-expand-secret-namespace": NS,
    }, /^rest:[0-9a-f]{32}:admin:http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("Kubernetes: a claim whose StorageClass the driver refuses stays Pending, its events say why, and nothing is made", async function () {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["pgfs-csi-lab-bad-param", { volumetype: "replicate:3", replicas: "3" }, /InvalidArgument[\s\S]*replicas[\s\S]*unknown StorageClass parameter/],
      ["pgfs-csi-lab-bad-type", { volumetype: "mirror:2" }, /InvalidArgument[\s\S]*volumetype/],
      ["pgfs-csi-lab-no-key", { resturl: server.url(), restuser: "admin", clusterid: clusterId }, /InvalidArgument[\s\S]*provisioner-secret-name/],
      ["pgfs-csi-lab-missing-secret", { clusterid: clusterId, "csi.storage.k8s.io/provisioner-secret-name": "no-such-secret", "csi.storage.k8s.io/provisioner-secret-namespace": NS }, /no-such-secret/],
    ];
    for (const [sc, parameters] of cases) await apply(storageClass(sc, parameters), claim(`${sc}-claim`, sc));
    for (const [sc, , why] of cases) {
      const name = `${sc}-claim`;
      const event = await waitFor(`a ProvisioningFailed event on ${name}`, async () => (await claimEvents(name)).find((e) => e.reason === "ProvisioningFailed"), 2 * 60_000, whyStuck(name));
      console.log(`        ${sc}: ${event.message}`);
      assert.match(event.message, why, sc);
      assert.equal((await claimState(name))?.status?.phase, "Pending");
      await kubectlAsync(kube, ["-n", NS, "delete", "pvc", name, "--wait=true"]);
      await kubectlAsync(kube, ["delete", "storageclass", sc]);
    }
    assert.deepEqual(engine.ledger.listVolumes().map((v) => v.name), []);
    assert.deepEqual(JSON.parse(await kubectlAsync(kube, ["get", "pv", "-o", "json"])).items.filter((p: { spec: { csi?: { driver: string } } }) => p.spec.csi?.driver === DRIVER_NAME), []);
  });
});
