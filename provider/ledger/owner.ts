import * as fs from "node:fs";

/**
 * Who owns an operation, and is it still alive?
 *
 * An owner is "<pid>:<start time in clock ticks>@<boot id>/<pid namespace>". Two processes that share a
 * kernel boot and a pid namespace can see each other in /proc: a process is alive iff its pid still has
 * the same start time (a reused pid does not). Processes that cannot see each other (a `serve` in a
 * container and a `pulumi up` on the host, or two hosts on one shared ledger file) rely on the owner's
 * heartbeat instead: an owner whose heartbeat is older than OWNER_LEASE_MS is taken for dead.
 */
export const OWNER_LEASE_MS = 60_000;
/** How often a process renews the heartbeat of the operations it owns (well inside the lease). */
export const HEARTBEAT_MS = 15_000;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

function pidNamespace(): string {
  try {
    return fs.readlinkSync("/proc/self/ns/pid");
  } catch {
    return "?";
  }
}

/** Where a process lives: the kernel boot and pid namespace it shares /proc with. */
const HERE = `${read("/proc/sys/kernel/random/boot_id") ?? "?"}/${pidNamespace()}`;

export function processIdentity(pid = process.pid): string {
  return `${pid}:${startTime(pid) ?? "?"}@${HERE}`;
}

function startTime(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/**
 * Is the process that wrote `identity` still running? Seen in /proc when it lives here; otherwise
 * alive while its heartbeat (`heartbeatAt`, ISO time) is younger than the lease. An identity without a
 * place (written by an older release) is looked up in /proc.
 */
export function ownerAlive(identity: string, heartbeatAt?: string | null, now = Date.now()): boolean {
  const [proc, place] = identity.split("@");
  if (place === undefined || place === HERE) {
    const [pidStr, start] = proc.split(":");
    const pid = Number(pidStr);
    if (!pid) return false;
    const cur = startTime(pid);
    return cur !== undefined && cur === start;
  }
  const beat = heartbeatAt ? Date.parse(heartbeatAt) : NaN;
  return Number.isFinite(beat) && now - beat < OWNER_LEASE_MS;
}
