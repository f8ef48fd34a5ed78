import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { loadServe, loadServeConfig, ServeFlags } from "../../provider/rest/config";
import { engineSettingsFor } from "../../provider/rest/engine-settings";
import { createRestServer } from "../../provider/rest/server";
import { readTlsFiles } from "../../provider/rest/tls";
import { serveEngine } from "../support/rest";
import { seeded } from "../support/seeded";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-serve-config-"));
const BASE: ServeFlags = { ledger: "/tmp/x.db", executor: "mock", disableAuth: true };

/** Load a configuration from this heketi.json (written to a temp file), the environment and flags. */
function load(json: unknown, env: NodeJS.ProcessEnv = {}, flags: ServeFlags = {}) {
  const file = path.join(tmp(), "heketi.json");
  fs.writeFileSync(file, JSON.stringify(json));
  return loadServe({ ...BASE, config: file, ...flags }, env);
}

describe("serve configuration: heketi.json keys that tune the engine, TLS, unsupported keys", function () {
  describe("limits", function () {
    it("applies zone_checking strict from heketi.json", function () {
      const { config } = load({ glusterfs: { zone_checking: "strict" } });
      assert.equal(engineSettingsFor(config).limits?.zoneChecking, "strict");
    });

    it("lets HEKETI_ZONE_CHECKING override the file", function () {
      assert.equal(load({ glusterfs: { zone_checking: "strict" } }, { HEKETI_ZONE_CHECKING: "none" }).config.limits.zoneChecking, "none");
    });

    it("stops on an unknown zone_checking value, naming the key", function () {
      assert.throws(() => load({ glusterfs: { zone_checking: "zones" } }), /glusterfs\.zone_checking \(HEKETI_ZONE_CHECKING\) must be "none" or "strict"/);
    });

    it("maps brick sizes, bricks per volume and average file size into the engine's limits (0 = Heketi's default)", function () {
      const { config } = load({ glusterfs: { brick_max_size_gb: 100, brick_min_size_gb: 2, max_bricks_per_volume: 0, average_file_size_kb: 128 } });
      assert.deepEqual(engineSettingsFor(config).limits, {
        zoneChecking: "none", brickMaxSizeGiB: 100, brickMinSizeGiB: 2, maxBricksPerVolume: 32, averageFileSizeKiB: 128, maxVolumesPerCluster: 1000,
      });
    });

    it("keeps Heketi's defaults when the file says nothing", function () {
      const c = loadServeConfig(BASE, {});
      assert.deepEqual(c.limits, { zoneChecking: "none", brickMaxSizeGiB: 4096, brickMinSizeGiB: 1, maxBricksPerVolume: 32, averageFileSizeKiB: 64, maxVolumesPerCluster: 1000 });
      assert.deepEqual([c.preRequestVolumeOptions, c.postRequestVolumeOptions, c.glusterTimeoutSec, c.fstab, c.tls], [[], [], 600, "/etc/fstab", undefined]);
    });

    it("refuses a negative brick size, and a minimum brick larger than the maximum", function () {
      assert.throws(() => load({ glusterfs: { brick_max_size_gb: -1 } }), /glusterfs\.brick_max_size_gb must not be negative/);
      assert.throws(() => load({ glusterfs: { brick_max_size_gb: 1.5 } }), /glusterfs\.brick_max_size_gb must be a whole number/);
      assert.throws(() => load({ glusterfs: { brick_min_size_gb: 10, brick_max_size_gb: 5 } }), /brick_min_size_gb must not be larger than glusterfs\.brick_max_size_gb/);
    });

    it("reads max_volumes_per_cluster: 0 is the default, negative is unlimited, the environment wins", function () {
      assert.equal(load({ glusterfs: { max_volumes_per_cluster: 0 } }).config.limits.maxVolumesPerCluster, 1000);
      assert.equal(load({ glusterfs: { max_volumes_per_cluster: -1 } }).config.limits.maxVolumesPerCluster, -1);
      assert.equal(load({ glusterfs: { max_volumes_per_cluster: 5 } }, { HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER: "7" }).config.limits.maxVolumesPerCluster, 7);
      assert.throws(() => load({}, { HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER: "many" }), /limits\.maxVolumesPerCluster/);
    });

    it("refuses a volume create once the cluster holds max_volumes_per_cluster volumes, with Heketi's text", async function () {
      const { config } = load({ glusterfs: { max_volumes_per_cluster: 1 } });
      const s = seeded({ settings: engineSettingsFor(config) });
      const t = await serveEngine(s.engine);
      try {
        const first = await t.call("POST", "/volumes", { size: 1 });
        assert.equal(first.status, 202);
        const second = await t.call("POST", "/volumes", { size: 1 });
        assert.equal(second.status, 500);
        assert.equal(second.text, "Failed to allocate new volume: Cluster has 1 volumes and limit is 1\n");
        await t.wait(first.headers.get("location")!);
      } finally {
        await t.close();
        await s.engine.close();
      }
    });

    it("does not count volumes when max_volumes_per_cluster is negative", async function () {
      const s = seeded({ settings: engineSettingsFor(load({ glusterfs: { max_volumes_per_cluster: -1 } }).config) });
      try {
        for (let i = 0; i < 3; i++) await s.engine.createVolume({ sizeGiB: 1, durability: { type: "none" } });
        assert.equal(s.engine.ledger.listVolumes().length, 3);
      } finally {
        await s.engine.close();
      }
    });
  });

  describe("server-wide volume options", function () {
    it("sets pre_request_volume_options before and post_request_volume_options after each create's own", async function () {
      const { config } = load({ glusterfs: { pre_request_volume_options: "performance.readdir-ahead off, ,server.tcp-user-timeout 42", post_request_volume_options: "performance.stat-prefetch off" } });
      const s = seeded({ settings: engineSettingsFor(config) });
      try {
        const v = await s.engine.createVolume({ name: "v1", sizeGiB: 1, durability: { type: "none" }, options: [{ key: "performance.readdir-ahead", value: "on" }] });
        const keys = ["performance.readdir-ahead off", "server.tcp-user-timeout 42", "performance.readdir-ahead on", "performance.stat-prefetch off", "user.heketi.id"];
        assert.deepEqual(v.options.map((o) => `${o.key} ${o.value}`), keys.slice(0, 4));
        const script = s.fake.runs.map((r) => r.script).find((x) => /volume create/.test(x))!;
        const sets = [...script.matchAll(/volume set 'v1' '([^']+)' '([^']+)'/g)].map((m) => `${m[1]} ${m[2]}`);
        assert.deepEqual(sets.map((x) => (x.startsWith("user.heketi.id") ? "user.heketi.id" : x)), keys);
      } finally {
        await s.engine.close();
      }
    });

    it("reads them from HEKETI_PRE_REQUEST_VOLUME_OPTIONS / HEKETI_POST_REQUEST_VOLUME_OPTIONS too", function () {
      const { config } = load({}, { HEKETI_PRE_REQUEST_VOLUME_OPTIONS: "a.b 1", HEKETI_POST_REQUEST_VOLUME_OPTIONS: "c.d 2,e.f 3" });
      assert.deepEqual(config.preRequestVolumeOptions, [{ key: "a.b", value: "1" }]);
      assert.deepEqual(config.postRequestVolumeOptions, [{ key: "c.d", value: "2" }, { key: "e.f", value: "3" }]);
    });

    it("stops on an item that is not \"key value\", naming the key", function () {
      assert.throws(() => load({ glusterfs: { pre_request_volume_options: "performance.readdir-ahead" } }), /glusterfs\.pre_request_volume_options .*'performance\.readdir-ahead': must be "<key> <value>"/);
      assert.throws(() => load({ glusterfs: { post_request_volume_options: "a.b 'x'" } }), /glusterfs\.post_request_volume_options .*option values are letters/);
    });
  });

  describe("ssh executor settings", function () {
    it("wires sshexec.gluster_cli_timeout and sshexec.fstab into the engine", function () {
      const s = engineSettingsFor(load({ glusterfs: { sshexec: { gluster_cli_timeout: 120, fstab: "/var/lib/heketi/fstab" } } }).config);
      assert.deepEqual([s.glusterTimeoutSec, s.fstab], [120, "/var/lib/heketi/fstab"]);
      assert.throws(() => load({ glusterfs: { sshexec: { fstab: "fstab" } } }), /glusterfs\.sshexec\.fstab \(HEKETI_FSTAB\) must be an absolute path/);
    });
  });

  describe("keys that are not implemented", function () {
    it("warns once per unsupported key set to a non-default value, and not for defaults", function () {
      const { warnings } = load(
        { backup_db_to_kube_secret: true, profiling: false, glusterfs: { loglevel: "info", sshexec: { lvm_wrapper: "/usr/sbin/exec-on-host", mountopts: "rw,inode64,noatime,nouuid" } } },
        { HEKETI_MOUNT_OPTS: "rw,noatime" },
      );
      assert.equal(warnings.length, 3, warnings.join("\n"));
      assert.match(warnings[0], /^WARNING: backup_db_to_kube_secret: true is not supported and is ignored/);
      assert.match(warnings[1], /^WARNING: HEKETI_MOUNT_OPTS=rw,noatime is not supported and is ignored/);
      assert.match(warnings[2], /^WARNING: glusterfs\.sshexec\.lvm_wrapper: "\/usr\/sbin\/exec-on-host" is not supported/);
      assert.deepEqual(load({ glusterfs: { executor: "mock", sshexec: { xfs_sw: 0, pv_data_alignment: "256K" } } }).warnings, []);
    });

    it("refuses the kubernetes executor with a clear message", function () {
      assert.throws(() => load({ glusterfs: { executor: "kubernetes" } }, {}, { executor: undefined }), /glusterfs\.executor \(HEKETI_EXECUTOR, --executor\) must be ssh or sim \(Heketi: mock\): the kubernetes and inject executors are not supported/);
    });
  });

  describe("TLS", function () {
    let dir: string;
    let cert: string;
    let key: string;
    before(function () {
      try {
        execFileSync("openssl", ["version"], { stdio: "ignore" });
      } catch {
        throw new Error("the TLS tests make their certificate with the openssl CLI: apt-get install openssl");
      }
      dir = tmp();
      cert = path.join(dir, "cert.pem");
      key = path.join(dir, "key.pem");
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { stdio: "ignore" });
    });

    it("serves HTTPS with the given certificate", async function () {
      const s = seeded();
      const config = loadServeConfig({ ...BASE, ledger: s.engine.ledger.file, port: "0", tlsCert: cert, tlsKey: key }, {});
      const server = createRestServer({ engine: s.engine, config });
      try {
        await server.listen();
        assert.match(server.url(), /^https:\/\/127\.0\.0\.1:\d+$/);
        const body = await new Promise<string>((resolve, reject) => {
          https
            .get(`${server.url()}/hello`, { ca: fs.readFileSync(cert) }, (res) => {
              let b = "";
              res.on("data", (d) => (b += d));
              res.on("end", () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`status ${res.statusCode}`))));
            })
            .on("error", reject);
        });
        assert.equal(body, "Hello from Heketi");
      } finally {
        await server.close();
        await s.engine.close();
      }
    });

    it("takes enable_tls, cert_file and key_file from heketi.json, and ignores the files when enable_tls is off", function () {
      assert.deepEqual(load({ enable_tls: true, cert_file: cert, key_file: key }).config.tls, { certFile: cert, keyFile: key });
      assert.equal(load({ enable_tls: false, cert_file: cert, key_file: key }).config.tls, undefined);
    });

    it("refuses a certificate without a key (flags or file)", function () {
      assert.throws(() => loadServeConfig({ ...BASE, tlsCert: cert }, {}), /tls\.keyFile: TLS needs both a certificate and a key/);
      assert.throws(() => load({ enable_tls: true, key_file: key }), /tls\.certFile: TLS needs both a certificate and a key/);
    });

    it("refuses to start when a file cannot be read or the pair does not load", function () {
      assert.throws(() => readTlsFiles({ certFile: path.join(dir, "missing.pem"), keyFile: key }), /cannot read the TLS certificate \(cert_file \/ --tls-cert\) .*missing\.pem: ENOENT/);
      assert.throws(() => readTlsFiles({ certFile: key, keyFile: key }), /do not load as a pair/);
    });
  });
});
