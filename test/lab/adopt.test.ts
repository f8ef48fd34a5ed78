// Running clusters move under code, in the operator's own infra repo (the packed package in a TypeScript
// Pulumi project, run by the real CLI and Node.js language host):
//  - Heketi-built: the real Heketi (v10.3.0, its SSH executor) builds a cluster and a replica-3 volume
//    on the lab; `heketi db export` and `pulumi-glusterfs adopt` write the program; up adopts it
//    (nothing changes on the nodes), preview shows no change, the volume expands, refresh, destroy;
//  - built by hand with gluster and LVM (own VG, thin pool, LV, mount point, fstab line):
//    `pulumi-glusterfs adopt --node ...` reads it over SSH and writes the program; up tags it in place,
//    preview shows no change, it grows onto new disks, refresh, destroy.
// Both leave the nodes clean. One suite, so the package is packed and installed once.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { LabDescription } from "../../devtools/lab/description";
import { nodeLeftovers, onNode } from "../support/engine";
import { heketiAsync, heketiBin, HeketiServer, heketiRequest, startHeketi } from "../support/heketi-server";
import { changedProperties, CHECKOUT, createInfraRepo, InfraRepo, mustSucceed, printedSteps, run } from "../support/infra-repo";
import { requireCleanLab } from "../support/lab";

const execFileP = promisify(execFile);

/** What the nodes hold that a change would touch: LVs with their sizes, brick mounts, gluster's volumes and bricks. */
async function nodesSnapshot(lab: LabDescription): Promise<string[]> {
  const out: string[] = [];
  for (const n of lab.nodes) {
    const s = await onNode(
      n,
      "lvs --noheadings --units k -o vg_name,lv_name,lv_size 2>/dev/null | sort; grep /var/lib/heketi/mounts /proc/mounts | awk '{print $2}' | sort; " +
        "gluster --mode=script volume info 2>/dev/null | grep -E '^(Volume Name|Volume ID|Number of Bricks|Brick[0-9]+|Status):' || true",
    );
    out.push(...s.split("\n").map((l) => `${n.name} ${l.trim()}`).filter((l) => !l.endsWith(" ")));
  }
  return out;
}

/** Everything of the hand-built layout on a node: VGs, LVs, mounts and fstab lines of /bricks. */
async function handBuiltLeftovers(lab: LabDescription): Promise<string[]> {
  const out: string[] = [];
  for (const n of lab.nodes) {
    const s = await onNode(n, "{ vgs --noheadings -o vg_name; lvs --noheadings -o vg_name,lv_name; } 2>/dev/null | grep -w gluster || true; grep ' /bricks' /proc/mounts /etc/fstab || true; test -e /bricks/data && echo /bricks/data || true");
    out.push(...s.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => `${n.name} ${l}`));
  }
  return out;
}

describe("lab: adopting running clusters into an infra repo (Heketi-built, hand-built; real Pulumi CLI)", function () {
  this.timeout(30 * 60_000);
  let lab: LabDescription;
  let heketi: HeketiServer | undefined;
  let r: InfraRepo;
  let work: string;
  let volumeId: string;
  let program: string;
  let failed = false;

  before(async function () {
    lab = await requireCleanLab();
    r = await createInfraRepo({ name: "glusterfs-adopted", description: "a Heketi-built GlusterFS cluster, under code", program: "// written by pulumi-glusterfs adopt\n" });
    work = path.join(r.tmp, "heketi");
    fs.mkdirSync(work);
    const first = lab.nodes[0];
    await r.cli("config", ["config", "set", "sshPrivateKeyFile", first.privateKeyPath]);
    await r.cli("config", ["config", "set", "sshPort", String(first.sshPort)]);
    await r.cli("config", ["config", "set", "sshUser", first.sshUser]);
    await r.cli("config", ["config", "set", "knownHostsPath", lab.knownHostsPath]);
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    if (r?.timings.length) console.log(`      [measure] ${r.timings.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ")}`);
    await heketi?.stop();
    if (failed) {
      // whatever either side left: the stack's own destroy first, then what Heketi made
      await r?.tryCli(["destroy", "--yes"], { timeoutMs: 10 * 60_000 });
      console.log(`      kept for inspection: ${r?.tmp}`);
    } else if (r) fs.rmSync(r.tmp, { recursive: true, force: true });
  });

  it("Heketi (SSH executor) builds a cluster of the 3 lab nodes and a 1 GiB replica-3 volume", async function () {
    const first = lab.nodes[0];
    heketi = await startHeketi({
      dbPath: path.join(work, "heketi.db"),
      glusterfs: { executor: "ssh", sshexec: { keyfile: first.privateKeyPath, user: first.sshUser, port: String(first.sshPort), fstab: "/etc/fstab" } },
    });
    const topology = {
      clusters: [
        {
          nodes: lab.nodes.map((n) => ({
            node: { hostnames: { manage: [n.managementAddress], storage: [n.storageAddress] }, zone: n.zone },
            devices: [{ name: n.devices[0], destroydata: false }],
          })),
        },
      ],
    };
    fs.writeFileSync(path.join(work, "topology.json"), JSON.stringify(topology));
    const hcli = (...args: string[]) => execFileP(heketiBin("heketi-cli"), ["--server", heketi!.url, "--user", "admin", "--secret", heketi!.adminKey, ...args], { timeout: 15 * 60_000 });
    const t0 = Date.now();
    const load = await hcli("topology", "load", `--json=${path.join(work, "topology.json")}`);
    assert.doesNotMatch(load.stdout, /Unable|Error/i, load.stdout);
    const v = await heketiAsync(heketi.url, heketi.adminKey, "POST", "/volumes", { size: 1, name: "data", durability: { type: "replicate", replicate: { replica: 3 } } });
    // the async operation ends in a redirect to the new volume
    const made = /\/volumes\/([0-9a-f]{32})/.exec(v.text);
    assert.ok([200, 303].includes(v.status) && made, `${v.status} ${v.text}`);
    volumeId = made[1];
    r.timings.push(["heketi topology load + volume create", Date.now() - t0]);
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info data");
    assert.match(info, /Number of Bricks: 1 x 3 = 3/);
    assert.match(info, new RegExp(`user.heketi.id: ${volumeId}`));
    assert.equal((await heketiRequest(heketi.url, heketi.adminKey, "GET", "/clusters")).status, 200);
    await heketi.stop(); // `heketi db export` needs the database to itself
    heketi = undefined;
  });

  it("`heketi db export` and `pulumi-glusterfs adopt` write the program that adopts it by id", async function () {
    const exported = path.join(work, "export.json");
    await execFileP(heketiBin("heketi"), ["db", "export", `--dbfile=${path.join(work, "heketi.db")}`, `--jsonfile=${exported}`]);
    const main = path.join(r.repo, "node_modules", "pulumi-glusterfs", "dist", "provider", "cli", "main.js");
    const adopted = mustSucceed("adopt", await run(process.execPath, [main, "adopt", "--heketi-json", exported, "--out", path.join(r.repo, "index.ts")], { cwd: r.repo, env: r.env }));
    program = fs.readFileSync(path.join(r.repo, "index.ts"), "utf8");
    assert.match(program, new RegExp(`new Volume\\("data", \\{ cluster, adopt: "${volumeId}", name: "data", sizeGiB: 1, durability: \\{ type: "replicate", replica: 3, arbiter: false \\} \\}`), program);
    assert.equal(program.match(/new Node\(/g)?.length, 3, program);
    assert.equal(program.match(/new Device\(/g)?.length, 3, program);
    assert.match(adopted.out, /3 node\(s\), 3 device\(s\), 1 volume\(s\)/);
  });

  it("a program that does not say what runs is refused at up, naming the live value; nothing changes on the nodes", async function () {
    const before = await nodesSnapshot(lab);
    r.writeProgram(program.replace(`adopt: "${volumeId}", name: "data", sizeGiB: 1,`, `adopt: "${volumeId}", name: "data", sizeGiB: 2,`));
    const up = await r.tryCli(["up", "--yes"], { timeoutMs: 10 * 60_000 });
    r.writeProgram(program);
    assert.notEqual(up.code, 0, up.out);
    assert.match(up.out, /cannot adopt volume [0-9a-f]{32}: the program does not declare it as it is \(sizeGiB: live 1, declared 2\)/, up.out);
    assert.match(up.out, /\+ 8 created\s+2 errored/, `the stack, cluster, nodes and devices are adopted; the volume is not:\n${up.out}`);
    assert.deepEqual(await nodesSnapshot(lab), before, "a refused adoption changes nothing on the nodes");
  });

  it("pulumi up with the program as written adopts the volume, changing nothing on the nodes", async function () {
    const before = await nodesSnapshot(lab);
    const up = await r.cli("up (adopt)", ["up", "--yes"], { timeoutMs: 10 * 60_000 });
    assert.match(up.out, /\+ 1 created\s+8 unchanged/, up.out);
    assert.deepEqual(await nodesSnapshot(lab), before, "adopting changes nothing on the nodes");
    const exported = (await r.cli("stack export", ["stack", "export"])).stdout;
    assert.ok(exported.includes(volumeId), "the volume is in the state under Heketi's id");
    // the lab's key and known_hosts live in the checkout (stack config names them); the code must not
    assert.ok(!exported.includes(path.join(CHECKOUT, "dist")) && !exported.includes(path.join(CHECKOUT, "node_modules")), "the state loads the providers from the installed package");
  });

  it("pulumi preview then shows no changes", async function () {
    const pre = await r.cli("preview (no change)", ["preview", "--diff", "--expect-no-changes"]);
    assert.deepEqual(printedSteps(pre.out), [], pre.out);
    assert.match(pre.out, /9 unchanged/);
  });

  it("raising sizeGiB 1 → 2 previews that update and pulumi up expands the volume to 2 × 3 bricks", async function () {
    r.writeProgram(program.replace(`adopt: "${volumeId}", name: "data", sizeGiB: 1,`, `adopt: "${volumeId}", name: "data", sizeGiB: 2,`));
    const pre = await r.cli("preview --diff (expand)", ["preview", "--diff"]);
    assert.deepEqual(printedSteps(pre.out), ["~ pulumi-nodejs:dynamic/glusterfs:Volume: (update)"], pre.out);
    assert.deepEqual(changedProperties(pre.out), ["~ sizeGiB : 1 => 2"], pre.out);
    const up = await r.cli("up (expand)", ["up", "--yes"], { timeoutMs: 10 * 60_000 });
    assert.match(up.out, /~ 1 updated\s+8 unchanged/, up.out);
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info data");
    assert.match(info, /Number of Bricks: 2 x 3 = 6/);
    assert.match(info, new RegExp(`user.heketi.id: ${volumeId}`));
  });

  it("pulumi refresh finds nothing changed", async function () {
    const ref = await r.cli("refresh", ["refresh", "--yes", "--expect-no-changes"], { timeoutMs: 10 * 60_000 });
    assert.match(ref.out, /9 unchanged/);
  });

  it("pulumi destroy removes the volume, the devices and the nodes: the lab is as clean as before Heketi", async function () {
    const d = await r.cli("destroy", ["destroy", "--yes"], { timeoutMs: 10 * 60_000 });
    assert.match(d.out, /- 9 deleted/);
    const dirty: string[] = [];
    for (const n of lab.nodes) dirty.push(...(await nodeLeftovers(n)).map((l) => `${n.name} ${l}`));
    assert.deepEqual(dirty, []);
  });

  it("an operator builds a replica-3 volume by hand: their own VG, thin pool, LV, mount point and fstab line", async function () {
    const [first, ...others] = lab.nodes;
    for (const n of others) await onNode(first, `gluster --mode=script peer probe ${n.storageAddress}`);
    await Promise.all(
      lab.nodes.map((n) =>
        onNode(
          n,
          [
            "set -e",
            `pvcreate -qq ${n.devices[0]}`,
            `vgcreate -qq gluster ${n.devices[0]}`,
            "lvcreate -qq -L 1G -T gluster/pool",
            "lvcreate -qq -V 1G -T gluster/pool -n data",
            "mkfs.xfs -q -i size=512 /dev/gluster/data",
            "mkdir -p /bricks/data",
            'echo "UUID=$(blkid -s UUID -o value /dev/gluster/data) /bricks/data xfs defaults 0 0" >> /etc/fstab',
            "mount /bricks/data",
            "mkdir /bricks/data/brick",
          ].join("\n"),
        ),
      ),
    );
    const bricks = lab.nodes.map((n) => `${n.storageAddress}:/bricks/data/brick`).join(" ");
    await onNode(first, `gluster --mode=script volume create handmade replica 3 ${bricks} && gluster --mode=script volume start handmade`);
    assert.match(await onNode(first, "gluster --mode=script volume info handmade"), /Number of Bricks: 1 x 3 = 3/);
  });

  it("`pulumi-glusterfs adopt --node` reads it over SSH and writes the program, with new ids", async function () {
    const first = lab.nodes[0];
    const main = path.join(r.repo, "node_modules", "pulumi-glusterfs", "dist", "provider", "cli", "main.js");
    const nodes = lab.nodes.flatMap((n) => ["--node", `${n.managementAddress}:${n.sshPort}`]);
    const before = await nodesSnapshot(lab);
    const adopted = mustSucceed(
      "adopt --node",
      await run(process.execPath, [main, "adopt", ...nodes, "--ssh-key", first.privateKeyPath, "--ssh-user", first.sshUser, "--known-hosts", lab.knownHostsPath, "--out", path.join(r.repo, "index.ts")], { cwd: r.repo, env: r.env }),
    );
    assert.deepEqual(await nodesSnapshot(lab), before, "reading writes nothing");
    program = fs.readFileSync(path.join(r.repo, "index.ts"), "utf8");
    assert.match(adopted.out, /3 node\(s\), 3 device\(s\), 1 volume\(s\)/, adopted.out);
    assert.match(program, /new Volume\("handmade", \{ cluster, adopt: "[0-9a-f]{32}", name: "handmade", sizeGiB: 1, durability: \{ type: "replicate", replica: 3, arbiter: false \} \}/, program);
    for (const n of lab.nodes) assert.match(program, new RegExp(`manageHostname: "${n.managementAddress}", storageHostname: "${n.storageAddress}"`), program);
    assert.equal(program.match(/path: "\/dev\/vdb"/g)?.length, 3, program);
    volumeId = /new Volume\("handmade", \{ cluster, adopt: "([0-9a-f]{32})"/.exec(program)![1];
  });

  it("pulumi up adopts it in place: tags and user.heketi.id written, nothing moved, renamed or remounted", async function () {
    const before = await nodesSnapshot(lab);
    const up = await r.cli("up (adopt, hand-built)", ["up", "--yes"], { timeoutMs: 10 * 60_000 });
    assert.match(up.out, /\+ 9 created/, up.out);
    assert.deepEqual(await nodesSnapshot(lab), before, "the same LVs, mounts and bricks");
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info handmade");
    assert.match(info, new RegExp(`user.heketi.id: ${volumeId}`));
    assert.match(await onNode(lab.nodes[0], "lvs --noheadings -o lv_tags gluster/data"), new RegExp(`pgfs.volume=${volumeId}`));
    const pre = await r.cli("preview (hand-built, no change)", ["preview", "--diff", "--expect-no-changes"]);
    assert.deepEqual(printedSteps(pre.out), [], pre.out);
    assert.match(pre.out, /9 unchanged/);
  });

  it("with a new disk on each node, raising sizeGiB 1 → 2 grows it there (never into the hand-built VG)", async function () {
    const disks = lab.nodes.map((n, i) => `devices.push(new Device("${n.name}-new-disk", { node: node_${i + 1}, path: "${n.devices[1]}" }));`).join("\n");
    program = program.replace(`adopt: "${volumeId}", name: "handmade", sizeGiB: 1,`, `adopt: "${volumeId}", name: "handmade", sizeGiB: 2,`).replace("\nnew Volume(", `\n${disks}\nnew Volume(`);
    r.writeProgram(program);
    const pre = await r.cli("preview --diff (hand-built grows)", ["preview", "--diff"]);
    // the pool (nodes and devices) is unknown until the new devices exist
    assert.deepEqual(changedProperties(pre.out), ["~ pool : [secret] => [unknown]", "~ sizeGiB : 1 => 2"], pre.out);
    assert.match(pre.out, /~ 1 to update/, "an update, not a replace");
    const up = await r.cli("up (hand-built grows)", ["up", "--yes"], { timeoutMs: 10 * 60_000 });
    assert.match(up.out, /\+ 3 created\s+~ 1 updated\s+4 changes\. 8 unchanged/, up.out);
    const info = await onNode(lab.nodes[0], "gluster --mode=script volume info handmade");
    assert.match(info, /Number of Bricks: 2 x 3 = 6/);
    assert.equal(info.match(/\/bricks\/data\/brick/g)?.length, 3, "the hand-built bricks stay");
    assert.equal(info.match(/\/var\/lib\/heketi\/mounts\/vg_[0-9a-f]{32}\/brick_[0-9a-f]{32}\/brick/g)?.length, 3, `the new set is in Heketi's layout on the new disks:\n${info}`);
    const ref = await r.cli("refresh (hand-built)", ["refresh", "--yes", "--expect-no-changes"], { timeoutMs: 10 * 60_000 });
    assert.match(ref.out, /12 unchanged/);
  });

  it("pulumi destroy removes all of it, hand-built parts included: no VG, LV, mount or fstab line is left", async function () {
    const d = await r.cli("destroy (hand-built)", ["destroy", "--yes"], { timeoutMs: 10 * 60_000 });
    assert.match(d.out, /- 12 deleted/);
    assert.deepEqual(await handBuiltLeftovers(lab), []);
    const dirty: string[] = [];
    for (const n of lab.nodes) dirty.push(...(await nodeLeftovers(n)).map((l) => `${n.name} ${l}`));
    assert.deepEqual(dirty, []);
  });
});
