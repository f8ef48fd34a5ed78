/**
 * The transcript's first steps: plumbing, every way a token can be wrong, and the router's answers.
 */
import type { Run } from "./run";
import { UNKNOWN_ID } from "./types";

export async function authAndRouterSteps(run: Run): Promise<void> {
  const { S } = run;
  // ---- plumbing and authentication ----------------------------------------------------------
  await S("hello", "GET", "/hello", { auth: "none" });
  await S("hello ignores a bad token", "GET", "/hello", { auth: { key: { literal: "not-the-key" } } });
  await S("metrics need no token", "GET", "/metrics", { auth: "none", opaqueText: true });
  await S("auth: no token", "GET", "/clusters", { auth: "none" });
  await S("auth: no token on an unknown path", "GET", "/no-such-path", { auth: "none" });
  await S("auth: scheme is not Bearer", "GET", "/clusters", { auth: { header: "Basic YWRtaW46c2VjcmV0" } });
  await S("auth: Bearer without token", "GET", "/clusters", { auth: { header: "Bearer" } });
  await S("auth: token is not a JWT", "GET", "/clusters", { auth: { header: "Bearer not-a-jwt" } });
  await S("auth: lowercase bearer (Go client)", "GET", "/clusters", { auth: { scheme: "bearer " } });
  await S("auth: wrong key", "GET", "/clusters", { auth: { key: { literal: "not-the-admin-key" } } });
  await S("auth: expired", "GET", "/clusters", { auth: { claims: (now) => ({ iat: now - 7200, exp: now - 3600 }) } });
  await S("auth: no exp", "GET", "/clusters", { auth: { claims: () => ({ exp: undefined }) } });
  await S("auth: iat 600 s in the future", "GET", "/clusters", { auth: { claims: (now) => ({ iat: now + 600, exp: now + 900 }) } });
  await S("auth: iat 60 s in the future (leeway)", "GET", "/clusters", { auth: { claims: (now) => ({ iat: now + 60 }) } });
  await S("auth: no iat", "GET", "/clusters", { auth: { claims: () => ({ iat: undefined }) } });
  await S("auth: nbf in the future", "GET", "/clusters", { auth: { claims: (now) => ({ nbf: now + 600 }) } });
  await S("auth: qsh for another path", "GET", "/clusters", { auth: { claims: (_n, q) => ({ qsh: q("GET", "/volumes") }) } });
  await S("auth: qsh for another method", "GET", "/clusters", { auth: { claims: (_n, q) => ({ qsh: q("POST", "/clusters") }) } });
  await S("auth: qsh in upper case", "GET", "/clusters", { auth: { claims: (_n, q) => ({ qsh: q("GET", "/clusters").toUpperCase() }) } });
  await S("auth: no qsh", "GET", "/clusters", { auth: { claims: () => ({ qsh: undefined }) } });
  await S("auth: query string is not part of qsh", "GET", "/clusters?verbose=1");
  await S("auth: no iss", "GET", "/clusters", { auth: { claims: () => ({ iss: undefined }) } });
  await S("auth: unknown iss", "GET", "/clusters", { auth: { claims: () => ({ iss: "operator" }) } });
  await S("auth: HS512", "GET", "/clusters", { auth: { alg: "HS512" } });
  await S("auth: alg none", "GET", "/clusters", { auth: { alg: "none" } });
  await S("auth: admin claim signed with the user key", "GET", "/clusters", { auth: { key: "user" } });
  await S("auth: user key on an admin endpoint", "GET", "/clusters", { auth: "user" });
  await S("auth: user key may list volumes", "GET", "/volumes", { auth: "user" });
  await S("auth: user key may not read a volume", "GET", `/volumes/${UNKNOWN_ID}`, { auth: "user" });
  await S("auth: user key may not poll the queue", "GET", `/queue/${UNKNOWN_ID}`, { auth: "user" });
  await S("auth: user key may create volumes (reaches validation)", "POST", "/volumes", { auth: "user", body: { size: 0 } });

  // ---- router ------------------------------------------------------------------------------
  await S("router: unknown path", "GET", "/no-such-path");
  await S("router: wrong method", "PUT", "/clusters", { body: {} });
  await S("router: trailing slash redirects", "GET", "/clusters/");
  await S("router: id that is not hex", "GET", "/clusters/not-hex");
  await S("router: short hex id", "GET", "/clusters/abc");
  await S("queue: unknown id", "GET", `/queue/${UNKNOWN_ID}`);
}
