import { createHash } from "node:crypto";
import { SignJWT } from "jose";

/** Heketi's qsh claim: lowercase hex SHA-256 of `<METHOD>&<URL path>` (path only, no query string). */
export function qsh(method: string, path: string): string {
  return createHash("sha256").update(`${method.toUpperCase()}&${path}`).digest("hex");
}

/**
 * A token for one request, as Heketi's Go client makes them (heketi.md §2.2): HS256, claims
 * iss = the user (admin), iat = now, exp = now + lifetime, qsh for this method and path.
 */
export async function signRequest(o: { user: string; key: string; method: string; path: string; lifetimeSeconds?: number; now?: number }): Promise<string> {
  const now = Math.floor((o.now ?? Date.now()) / 1000);
  return new SignJWT({ qsh: qsh(o.method, o.path) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(o.user)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.lifetimeSeconds ?? 300))
    .sign(new TextEncoder().encode(o.key));
}
