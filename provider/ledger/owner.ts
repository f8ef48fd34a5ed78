import * as fs from "node:fs";

/** "<pid>:<start time in clock ticks>": identifies a process even after its pid is reused. */
export function processIdentity(pid = process.pid): string {
  return `${pid}:${startTime(pid) ?? "?"}`;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Is the process that wrote `identity` still running? */
export function ownerAlive(identity: string): boolean {
  const [pidStr, start] = identity.split(":");
  const pid = Number(pidStr);
  if (!pid) return false;
  const cur = startTime(pid);
  return cur !== undefined && cur === start;
}
