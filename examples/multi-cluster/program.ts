/**
 * One stack per cluster: each stack builds a GlusterFS cluster from the lab nodes named in its config
 * (`cluster:nodes`, e.g. "gnode1" or "gnode2,gnode3") with its own ledger, and one volume on it.
 * Two stacks side by side manage two clusters with no crosstalk. With `cluster:kubeconfig` (a file), each
 * also makes a StorageClass named after its stack (`glusterfs-<stack>`) on that Kubernetes cluster.
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { readLabDescription } from "../../devtools/lab/description";
import { Device, GlusterCluster, Node, StorageClass, Volume } from "../../sdk";

export function clusterStack() {
  const cfg = new pulumi.Config("cluster");
  const lab = readLabDescription(cfg.get("labDir"));
  const names = cfg.require("nodes").split(",");
  const members = lab.nodes.filter((n) => names.includes(n.name));
  if (members.length !== names.length) throw new Error(`cluster:nodes names unknown lab nodes: ${names.join(",")}`);
  const cluster = new GlusterCluster("cluster", {
    ssh: { user: members[0].sshUser, port: members[0].sshPort, privateKey: pulumi.secret(fs.readFileSync(members[0].privateKeyPath, "utf8")), knownHostsPath: lab.knownHostsPath },
  });
  const devices = members.flatMap((l) => {
    const node = new Node(l.name, { cluster, manageHostname: l.managementAddress, storageHostname: l.storageAddress, zone: l.zone });
    return [new Device(`${l.name}-${l.devices[0].split("/").pop()}`, { node, path: l.devices[0] })];
  });
  const volume = new Volume("vol", { cluster, name: cfg.get("volumeName") ?? "vol", sizeGiB: 1, durability: members.length >= 3 ? { type: "replicate", replica: 3 } : { type: "none" } }, { dependsOn: devices });
  const kubeconfig = cfg.get("kubeconfig");
  const sc = kubeconfig
    ? new StorageClass("glusterfs", {
        kubeconfig: pulumi.secret(fs.readFileSync(kubeconfig, "utf8")),
        cluster,
        storageClassName: `glusterfs-${pulumi.getStack()}`,
        secretName: `glusterfs-${pulumi.getStack()}-rest-key`,
        restUrl: cfg.get("restUrl") ?? "http://127.0.0.1:8080",
        restKey: pulumi.secret("multi-cluster-rest-key"),
      })
    : undefined;
  return { clusterId: cluster.clusterId, volumeName: volume.name, mount: volume.mountDevice, ...(sc ? { storageClassName: sc.storageClassName } : {}) };
}
