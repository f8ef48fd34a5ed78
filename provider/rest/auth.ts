/**
 * Heketi's JWT check (heketi.md §2.1) on the `jose` library: HS256/384/512 signed with the key the
 * `iss` claim names, `exp` required, `iat` at most `leeway` seconds in the future, and `qsh` =
 * hex(sha256(METHOD + "&" + path)) binding the token to this request. Errors carry Heketi's status
 * codes and texts, which clients print.
 */
import { createHash, createSecretKey, KeyObject } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from "jose";

export type Role = "admin" | "user";

export class AuthError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface AuthKeys {
  adminKey: string;
  userKey: string;
  iatLeewaySec: number;
}

export function qshOf(method: string, path: string): string {
  return createHash("sha256").update(`${method}&${path}`).digest("hex");
}

/** Go's time.Duration text for whole seconds (what Heketi prints): 1h2m3s, 4m0s, 12s. */
export function goDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}h${m}m${r}s`;
  if (m) return `${m}m${r}s`;
  return `${r}s`;
}

const secretKeys = new Map<string, KeyObject>();
/** The HMAC key as a KeyObject, made once per secret (importing it per request costs as much as the check). */
function secretKey(secret: string): KeyObject {
  let k = secretKeys.get(secret);
  if (!k) secretKeys.set(secret, (k = createSecretKey(Buffer.from(secret, "utf8"))));
  return k;
}

/** Check the Authorization header of a request for `method path`; returns the caller's role. */
export async function authenticate(header: string | undefined, method: string, path: string, keys: AuthKeys, now = Date.now() / 1000): Promise<Role> {
  if (!header) throw new AuthError(401, "Required authorization token not found");
  const m = /^bearer\s+(\S+)$/i.exec(header.trim());
  if (!m) throw new AuthError(400, "Authorization header format must be Bearer {token}");
  const token = m[1];
  if (token.split(".").length !== 3) throw new AuthError(401, "Invalid JWT token: token contains an invalid number of segments");
  let claims: ReturnType<typeof decodeJwt>;
  let alg: string;
  try {
    claims = decodeJwt(token);
    alg = String(decodeProtectedHeader(token).alg);
  } catch (e) {
    // any part that is not base64url JSON of the right shape: the token is invalid, not the server broken
    throw new AuthError(401, `Invalid JWT token: ${(e as Error).message}`);
  }
  if (typeof claims.iss !== "string" || !claims.iss) throw new AuthError(401, "Invalid JWT token: Token missing iss claim");
  const role: Role | undefined = claims.iss === "admin" ? "admin" : claims.iss === "user" ? "user" : undefined;
  if (!role) throw new AuthError(401, "Invalid JWT token: Unknown user");
  if (!["HS256", "HS384", "HS512"].includes(alg)) throw new AuthError(401, `Invalid JWT token: Unexpected signing method: ${alg}`);
  // Heketi's JWT library reads a missing exp as 0: expired since 1970
  if (typeof claims.exp !== "number") throw new AuthError(401, `Invalid JWT token: Token is expired by ${goDuration(now)}`);
  const key = secretKey(role === "admin" ? keys.adminKey : keys.userKey);
  try {
    // Heketi (jwt-go) accepts a token while now <= exp, in whole seconds; jose refuses at exp <= now.
    // One second of tolerance makes jose's rule Heketi's (it also lets nbf be 1 s early; Heketi's clients send no nbf).
    await jwtVerify(token, key, { algorithms: ["HS256", "HS384", "HS512"], currentDate: new Date(now * 1000), clockTolerance: 1 });
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed) throw new AuthError(401, "Invalid JWT token: signature is invalid (client and server secrets may not match)");
    if (e instanceof errors.JWTExpired) throw new AuthError(401, `Invalid JWT token: Token is expired by ${goDuration(now - Number(claims.exp))}`);
    if (e instanceof errors.JOSEAlgNotAllowed) throw new AuthError(401, "Invalid JWT token: Unexpected signing method");
    if (e instanceof errors.JWTClaimValidationFailed && e.claim === "nbf") throw new AuthError(401, "Invalid JWT token: token is not valid yet");
    throw new AuthError(401, `Invalid JWT token: ${(e as Error).message}`);
  }
  if (typeof claims.iat === "number" && now < claims.iat - keys.iatLeewaySec) {
    throw new AuthError(401, "Invalid JWT token: Token used before issued (client and server clocks may differ)");
  }
  if (claims.qsh !== qshOf(method, path)) throw new AuthError(401, "Invalid qsh claim in token");
  return role;
}

/**
 * May a `user` token make this request? `heketi`: exactly /volumes (Heketi's literal rule).
 * `provisioner`: what the Kubernetes provisioner does — create, read, expand and delete volumes,
 * poll its queue entries, read clusters and nodes (for the endpoints). Never topology changes.
 */
export function userMay(rule: "heketi" | "provisioner", method: string, path: string): boolean {
  if (path === "/volumes") return method === "GET" || method === "POST";
  if (rule === "heketi") return false;
  const id = "[A-Fa-f0-9]+";
  const allowed: Array<[string, RegExp]> = [
    ["GET", new RegExp(`^/volumes/${id}$`)],
    ["DELETE", new RegExp(`^/volumes/${id}$`)],
    ["POST", new RegExp(`^/volumes/${id}/expand$`)],
    ["GET", new RegExp(`^/queue/${id}$`)],
    ["GET", new RegExp(`^/clusters/${id}$`)],
    ["GET", new RegExp(`^/nodes/${id}$`)],
  ];
  return allowed.some(([m, re]) => m === method && re.test(path));
}
