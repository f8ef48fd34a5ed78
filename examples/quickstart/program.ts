/**
 * The quickstart: a 3-zone GlusterFS cluster on the local lab's nodes (2 devices each), one
 * replica-3 volume, and a StorageClass with its REST-key Secret on the lab's Kubernetes API server.
 *
 * Stack config (namespace `quickstart`): volumeSizeGiB (default 1), durability (JSON, default replica 3),
 * volumeName (default "data"), storageClass (true/false, default true: needs `lab up --kubernetes`),
 * kubeconfig (a file; default the lab's), storageClassName, restUrl, restKey (secret), plus `labDir`.
 *
 * backend (default `engine`): `engine` manages the lab through the embedded engine over SSH (ledger at
 * `ledgerPath`); `rest` manages it through the Heketi-compatible server at `restUrl` with the admin key
 * `restKey` (a secret: `pulumi config set --secret quickstart:restKey ...`). That server reaches the
 * nodes itself, so no SSH settings are passed; the same restUrl/restKey then also feed the StorageClass.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readLabDescription } from "../../devtools/lab/description";
import { Device, DurabilityArgs, GlusterCluster, Node, StorageClass, Volume } from "../../sdk";

export function quickstart() {
  const cfg = new pulumi.Config("quickstart");
  const lab = readLabDescription(cfg.get("labDir"));
  const first = lab.nodes[0];
  const backend = cfg.get("backend") ?? "engine";
  if (backend !== "engine" && backend !== "rest") throw new Error(`quickstart:backend must be engine or rest (got '${backend}')`);
  const rest = backend === "rest";

  const cluster = rest
    ? new GlusterCluster("lab", { rest: { url: cfg.require("restUrl"), key: cfg.requireSecret("restKey") } })
    : new GlusterCluster("lab", {
        ssh: {
          user: first.sshUser,
          port: first.sshPort,
          privateKey: pulumi.secret(fs.readFileSync(first.privateKeyPath, "utf8")),
          knownHostsPath: lab.knownHostsPath,
        },
        ledgerPath: cfg.get("ledgerPath"),
      });

  const devices: Device[] = [];
  const nodes = lab.nodes.map((l) => {
    const node = new Node(l.name, {
      cluster,
      manageHostname: l.managementAddress,
      storageHostname: l.storageAddress,
      zone: l.zone,
      ssh: rest ? undefined : { hostKeyFingerprint: l.hostKeyFingerprint },
    });
    for (const path of l.devices) devices.push(new Device(`${l.name}-${path.split("/").pop()}`, { node, path }));
    return node;
  });

  const volume = new Volume(
    "data",
    {
      cluster,
      name: cfg.get("volumeName") ?? "data",
      sizeGiB: cfg.getNumber("volumeSizeGiB") ?? 1,
      durability: cfg.getObject<DurabilityArgs>("durability") ?? { type: "replicate", replica: 3 },
      options: cfg.getObject<Record<string, string>>("volumeOptions"),
    },
    { dependsOn: devices },
  );

  let storageClassName: pulumi.Output<string> | undefined;
  if (cfg.getBoolean("storageClass") ?? true) {
    const kubeconfigFile = cfg.get("kubeconfig") ?? path.join(lab.labDir, "kubeconfig");
    if (!fs.existsSync(kubeconfigFile)) {
      throw new Error(`no kubeconfig at ${kubeconfigFile}: start the lab's control plane (\`node dist/devtools/cli.js lab up --kubernetes\`), name one with quickstart:kubeconfig, or set quickstart:storageClass=false`);
    }
    const sc = new StorageClass("glusterfs", {
      kubeconfig: pulumi.secret(fs.readFileSync(kubeconfigFile, "utf8")),
      cluster,
      storageClassName: cfg.get("storageClassName") ?? "glusterfs",
      restUrl: cfg.get("restUrl") ?? "http://127.0.0.1:8080",
      restKey: cfg.getSecret("restKey") ?? pulumi.secret("quickstart-rest-key"),
      durability: { type: "replicate", replica: 3 },
    });
    storageClassName = sc.storageClassName;
  }

  return {
    clusterId: cluster.clusterId,
    nodeIds: nodes.map((n) => n.nodeId),
    volumeId: volume.volumeId,
    volumeName: volume.name,
    sizeGiB: volume.sizeGiB,
    mount: pulumi.interpolate`mount -t glusterfs -o backup-volfile-servers=${volume.backupVolfileServers.apply((s) => s.replace(/,/g, ":"))} ${volume.mountDevice} /mnt/data`,
    // only when there is one: an undefined stack output is a warning ("Undefined value ... will not show")
    ...(storageClassName ? { storageClassName } : {}),
  };
}
