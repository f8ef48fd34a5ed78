/**
 * Heketi endpoints this server does not implement: they answer 501 with what to use instead, rather
 * than Heketi's "Invalid path".
 */
import { HttpError } from "../http";
import { ID, type Routes } from "./context";

export function registerUnsupportedRoutes(routes: Routes): void {
  const { on } = routes;
  for (const [method, path, what] of UNSUPPORTED) {
    on(method, path, async () => {
      throw new HttpError(501, what);
    });
  }
}

/** Heketi endpoints answered with 501 and what the operator can do instead. */
const UNSUPPORTED: ReadonlyArray<readonly ["GET" | "POST", string, string]> = [
  ["POST", `/volumes/${ID}/clone`, "Volume clone is not supported by this server (pulumi-glusterfs): create a new volume and copy the data"],
  ["GET", "/backup/db", "backup/db is not supported by this server (pulumi-glusterfs): its database is SQLite, not Heketi's BoltDB; GET /db/dump exports it in Heketi's JSON, or copy the ledger file with sqlite3 .backup"],
  ["GET", "/internal/state/examine/gluster", "state examine gluster is not supported by this server (pulumi-glusterfs): for clusters managed by Pulumi, pulumi refresh compares the resources with the nodes"],
];
