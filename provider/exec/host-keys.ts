import { createHash, createHmac } from "node:crypto";
import * as fs from "node:fs";

/** OpenSSH's SHA256 fingerprint of a raw public key blob. */
export function fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/**
 * The key blobs a known_hosts file lists for host:port (plain and hashed `|1|salt|hash` entries;
 * a non-22 port is written `[host]:port`). Markers (@cert-authority, @revoked) are skipped.
 */
export function knownHostKeys(knownHostsText: string, host: string, port: number): Buffer[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const keys: Buffer[] = [];
  for (const raw of knownHostsText.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("@")) continue;
    const [hosts, , b64] = line.split(/\s+/);
    if (!hosts || !b64) continue;
    const match = hosts.split(",").some((h) => {
      if (h.startsWith("|1|")) {
        const [, , salt, hash] = h.split("|");
        return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
      }
      return h === name;
    });
    if (match) keys.push(Buffer.from(b64, "base64"));
  }
  return keys;
}

/** Decide whether the key a host presented is the pinned one; returns a reason when it is not. */
export function checkHostKey(
  presented: Buffer,
  pin: { host: string; port: number; hostKeyFingerprint?: string; knownHostsPath?: string },
): { ok: true } | { ok: false; reason: string } {
  const fp = fingerprint(presented);
  if (pin.hostKeyFingerprint) {
    return fp === pin.hostKeyFingerprint
      ? { ok: true }
      : { ok: false, reason: `host key ${fp} does not match the pinned ${pin.hostKeyFingerprint}` };
  }
  if (pin.knownHostsPath) {
    let text: string;
    try {
      text = fs.readFileSync(pin.knownHostsPath, "utf8");
    } catch (err) {
      return { ok: false, reason: `cannot read known_hosts ${pin.knownHostsPath}: ${(err as Error).message}` };
    }
    const known = knownHostKeys(text, pin.host, pin.port);
    if (known.some((k) => k.equals(presented))) return { ok: true };
    return {
      ok: false,
      reason: known.length
        ? `host key ${fp} differs from the one in ${pin.knownHostsPath}`
        : `host is not in ${pin.knownHostsPath}; its host key is ${fp} — verify it, then pin it (hostKeyFingerprint) or add it to known_hosts`,
    };
  }
  return { ok: false, reason: `no host key is pinned for this node; it presented ${fp} — verify it and set hostKeyFingerprint` };
}
