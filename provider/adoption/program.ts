/**
 * The Pulumi program that takes a running cluster under code: one GlusterCluster, Node, Device and
 * Volume per row of a ledger (filled from a Heketi export, or rebuilt from the nodes), each with
 * `adopt: <its id>` and the inputs that say what it is, so that the first `pulumi up` records them
 * without changing anything on the nodes and a following `preview` shows no changes. Pure: rows in,
 * TypeScript out.
 */
import * as path from "node:path";
import type { DeviceRow, NodeRow, VolumeRow } from "../ledger/ledger";
import { isRecordedLeftover } from "../operations/rebuild";

export interface AdoptedCluster {
  id: string;
  file: boolean;
  block: boolean;
  nodes: Array<{ node: NodeRow; devices: Array<Pick<DeviceRow, "id" | "path" | "tags">> }>;
  volumes: VolumeRow[];
}

/** One line per resource: what `pulumi up` will adopt (Pulumi type, resource name, id). */
export interface AdoptedResource {
  type: "GlusterCluster" | "Node" | "Device" | "Volume";
  name: string;
  id: string;
}

const q = (s: string) => JSON.stringify(s);

/** A Pulumi resource name from a host or path: letters, digits and '-'. */
function resourceName(s: string): string {
  return s.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/** The same name twice gets a suffix (Pulumi names are unique per type). */
function uniqueNames(): (s: string) => string {
  const seen = new Map<string, number>();
  return (s) => {
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    return n ? `${s}-${n + 1}` : s;
  };
}

function objectLiteral(o: Record<string, unknown>): string {
  return `{ ${Object.entries(o).map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : q(k)}: ${JSON.stringify(v)}`).join(", ")} }`;
}

export function adoptionProgram(c: AdoptedCluster, source: string, opts: { handBuilt?: boolean } = {}): { text: string; resources: AdoptedResource[] } {
  const resources: AdoptedResource[] = [{ type: "GlusterCluster", name: "storage", id: c.id }];
  const nodeName = uniqueNames();
  const deviceName = uniqueNames();
  const lines: string[] = [
    `// The GlusterFS cluster ${c.id} as it runs, written by \`pulumi-glusterfs adopt\` from ${source}.`,
    ...(opts.handBuilt
      ? [
          "// It was built by hand, so these ids are new: the first `pulumi up` writes them onto the nodes (LVM tags on",
          "// the VGs and brick LVs, user.heketi.id on each volume) and changes nothing else: no data moves, nothing is",
          "// renamed or remounted. Zones follow the order the nodes were named in; new bricks go to disks you add (a",
          "// Device without `adopt`), never into a volume group built by hand. Then change this program like any other.",
        ]
      : [
          "// Each resource adopts its live counterpart by id: the first `pulumi up` records them and changes nothing",
          "// on the nodes; then change this program like any other (a larger sizeGiB expands a volume).",
        ]),
    "// Stack config: sshPrivateKey (secret) or sshPrivateKeyFile; sshUser (root), sshPort (22), sshSudo, knownHostsPath.",
    'import * as fs from "node:fs";',
    'import * as pulumi from "@pulumi/pulumi";',
    'import { Device, GlusterCluster, Node, Volume } from "pulumi-glusterfs";',
    "",
    "const cfg = new pulumi.Config();",
    'const privateKey = cfg.getSecret("sshPrivateKey") ?? pulumi.secret(fs.readFileSync(cfg.require("sshPrivateKeyFile"), "utf8"));',
    "const cluster = new GlusterCluster(\"storage\", {",
    `  adopt: ${q(c.id)},`,
    ...(c.file ? [] : ["  file: false,"]),
    ...(c.block ? ["  block: true,"] : []),
    '  ssh: { user: cfg.get("sshUser") ?? "root", port: cfg.getNumber("sshPort") ?? 22, sudo: cfg.getBoolean("sshSudo"), privateKey, knownHostsPath: cfg.get("knownHostsPath") },',
    "});",
    "const devices: Device[] = [];",
  ];
  for (const { node, devices } of c.nodes) {
    const n = nodeName(resourceName(node.manageHost));
    resources.push({ type: "Node", name: n, id: node.id });
    const v = `node_${resources.filter((r) => r.type === "Node").length}`;
    const tags = Object.keys(node.tags).length ? `, tags: ${objectLiteral(node.tags)}` : "";
    lines.push("", `const ${v} = new Node(${q(n)}, { cluster, adopt: ${q(node.id)}, manageHostname: ${q(node.manageHost)}, storageHostname: ${q(node.storageHost)}, zone: ${node.zone}${tags} });`);
    for (const d of devices) {
      const dn = deviceName(`${n}-${resourceName(path.basename(d.path))}`);
      resources.push({ type: "Device", name: dn, id: d.id });
      const dtags = Object.keys(d.tags).length ? `, tags: ${objectLiteral(d.tags)}` : "";
      lines.push(`devices.push(new Device(${q(dn)}, { node: ${v}, adopt: ${q(d.id)}, path: ${q(d.path)}${dtags} }));`);
    }
  }
  const volumeName = uniqueNames();
  const volumes = c.volumes.filter((v) => !isRecordedLeftover(v));
  if (volumes.length) lines.push("");
  for (const vol of volumes) {
    const vn = volumeName(resourceName(vol.name));
    resources.push({ type: "Volume", name: vn, id: vol.id });
    const args = [
      "cluster",
      `adopt: ${q(vol.id)}`,
      `name: ${q(vol.name)}`,
      `sizeGiB: ${vol.sizeGiB}`,
      `durability: ${objectLiteral(vol.durability as Record<string, unknown>)}`,
      ...(vol.gid ? [`gid: ${vol.gid}`] : []),
      ...(vol.snapshotFactor !== 1 ? [`snapshotFactor: ${vol.snapshotFactor}`] : []),
      ...(vol.options.length ? [`options: ${objectLiteral(Object.fromEntries(vol.options.map((o) => [o.key, o.value])))}`] : []),
    ];
    lines.push(`new Volume(${q(vn)}, { ${args.join(", ")} }, { dependsOn: devices });`);
  }
  lines.push("", "export const clusterId = cluster.clusterId;", "");
  return { text: lines.join("\n"), resources };
}
