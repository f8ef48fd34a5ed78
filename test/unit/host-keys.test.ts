import * as assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkHostKey, fingerprint, knownHostKeys } from "../../provider/exec/host-keys";

describe("exec: host-key pinning", function () {
  const key = randomBytes(51);
  const other = randomBytes(51);
  const b64 = key.toString("base64");

  it("accepts the pinned fingerprint and refuses another, naming the presented one", function () {
    assert.deepEqual(checkHostKey(key, { host: "h", port: 22, hostKeyFingerprint: fingerprint(key) }), { ok: true });
    const r = checkHostKey(other, { host: "h", port: 22, hostKeyFingerprint: fingerprint(key) });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason.includes(fingerprint(other)));
  });

  it("refuses any host when nothing is pinned, printing the fingerprint to verify", function () {
    const r = checkHostKey(key, { host: "h", port: 22 });
    assert.ok(!r.ok && r.reason.includes(fingerprint(key)) && /no host key is pinned/.test(r.reason));
  });

  it("finds plain, bracketed-port and hashed known_hosts entries", function () {
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update("[10.0.0.5]:2222").digest("base64")}`;
    const text = [`gnode1,10.0.0.1 ssh-ed25519 ${b64}`, `[127.0.0.11]:2222 ssh-ed25519 ${b64}`, `${hashed} ssh-ed25519 ${b64}`, `# comment`, `@revoked gnode9 ssh-ed25519 ${b64}`].join("\n");
    assert.equal(knownHostKeys(text, "gnode1", 22).length, 1);
    assert.equal(knownHostKeys(text, "127.0.0.11", 2222).length, 1);
    assert.equal(knownHostKeys(text, "127.0.0.11", 22).length, 0);
    assert.equal(knownHostKeys(text, "10.0.0.5", 2222).length, 1);
    assert.equal(knownHostKeys(text, "gnode9", 22).length, 0);
  });

  it("checks against a known_hosts file and explains a missing entry", function () {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-kh-")), "known_hosts");
    fs.writeFileSync(f, `[127.0.0.11]:2222 ssh-ed25519 ${b64}\n`);
    assert.deepEqual(checkHostKey(key, { host: "127.0.0.11", port: 2222, knownHostsPath: f }), { ok: true });
    const r = checkHostKey(key, { host: "127.0.0.12", port: 2222, knownHostsPath: f });
    assert.ok(!r.ok && /not in/.test(r.reason));
  });
});
