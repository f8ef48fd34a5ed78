import * as fs from "node:fs";
import * as path from "node:path";
import { fingerprint } from "../../provider/exec/host-keys";
import { run } from "./proc";

export interface KeyPair {
  privateKeyPath: string;
  publicKeyLine: string; // "ssh-ed25519 AAAA... comment"
  blob: string; // base64 key blob (2nd field)
  fingerprint: string; // "SHA256:..." as OpenSSH prints it
}

/** Generate (once) an ed25519 key pair at `file`, and describe it. */
export async function ensureKeyPair(file: string, comment: string): Promise<KeyPair> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  }
  const publicKeyLine = fs.readFileSync(`${file}.pub`, "utf8").trim();
  const blob = publicKeyLine.split(/\s+/)[1];
  return { privateKeyPath: file, publicKeyLine, blob, fingerprint: fingerprint(Buffer.from(blob, "base64")) };
}
