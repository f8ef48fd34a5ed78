import { randomBytes } from "node:crypto";

/** A new id in Heketi's format: 16 random bytes as 32 lowercase hex characters. */
export function newId(): string {
  return randomBytes(16).toString("hex");
}
