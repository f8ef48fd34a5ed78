import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LabDescription } from "../../devtools/lab/description";
import { Device, GlusterCluster, Node, Volume } from "../../sdk";
import { nodeLeftovers, onNode } from "../support/engine";
import { ensureLab } from "../support/lab";
import { inlineStack } from "../support/pulumi";

type Case = { what: string; field: RegExp; build: (c: GlusterCluster, lab: LabDescription) => void };

const CASES: Case[] = [
  {
    what: "a node in zone 0",
    field: /zone: must be 1 or more/,
    build: (cluster, lab) => void new Node("n", { cluster, manageHostname: lab.nodes[0].managementAddress, storageHostname: lab.nodes[0].storageAddress, zone: 0 }),
  },
  { what: "a volume of size 0", field: /sizeGiB: must be at least 1 GiB/, build: (cluster) => void new Volume("v", { cluster, sizeGiB: 0 }) },
  {
    what: "replica 5 on 3 nodes",
    field: /durability\.replica: replica must be 1, 2 or 3/,
    build: (cluster) => void new Volume("v", { cluster, sizeGiB: 1, durability: { type: "replicate", replica: 5 } }),
  },
  {
    what: "a device path with a quote",
    field: /path: must be an absolute \/dev path/,
    build: (cluster, lab) => {
      const node = new Node("n", { cluster, manageHostname: lab.nodes[0].managementAddress, storageHostname: lab.nodes[0].storageAddress, zone: 1 });
      new Device("d", { node, path: "/dev/vd'b; reboot" });
    },
  },
  { what: "a volume name with a shell command", field: /name: may only contain letters/, build: (cluster) => void new Volume("v", { cluster, name: "x; rm -rf /", sizeGiB: 1 }) },
];

describe("Pulumi on the lab: bad programs fail at preview and change nothing", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let before1: string[];

  before(async function () {
    lab = await ensureLab();
    before1 = await Promise.all(lab.nodes.map((n) => onNode(n, "gluster --mode=script pool list | wc -l; vgs --noheadings | wc -l")));
  });

  for (const c of CASES) {
    it(`refuses ${c.what}, naming the field`, async function () {
      const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-bad-"));
      const { stack } = await inlineStack({
        projectName: "glusterfs-bad",
        stackName: "bad",
        program: async () => {
          const n = lab.nodes[0];
          const cluster = new GlusterCluster("c", {
            ssh: { user: n.sshUser, port: n.sshPort, privateKey: pulumi.secret(fs.readFileSync(n.privateKeyPath, "utf8")), knownHostsPath: lab.knownHostsPath },
            ledgerPath: path.join(stateDir, "ledger.db"),
          });
          c.build(cluster, lab);
        },
      }, { stateDir });
      await assert.rejects(stack.preview(), (e: Error) => c.field.test(e.message) || assert.fail(e.message));
    });
  }

  it("left every node exactly as it was", async function () {
    const after = await Promise.all(lab.nodes.map((n) => onNode(n, "gluster --mode=script pool list | wc -l; vgs --noheadings | wc -l")));
    assert.deepEqual(after, before1);
    for (const n of lab.nodes) assert.deepEqual(await nodeLeftovers(n), []);
  });
});
