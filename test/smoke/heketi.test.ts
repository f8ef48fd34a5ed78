import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HeketiServer, heketiBin, startHeketi } from "../support/heketi-server";

const execFileP = promisify(execFile);

describe("heketi: the reference implementation, built from Go modules", function () {
  this.timeout(30 * 60_000);
  let server: HeketiServer;

  before(async function () {
    server = await startHeketi();
  });
  after(async () => server?.stop());

  const cli = (...args: string[]) =>
    execFileP(heketiBin("heketi-cli"), ["--server", server.url, "--user", "admin", "--secret", server.adminKey, ...args]);

  it("answers /hello without auth", async function () {
    const r = await fetch(`${server.url}/hello`);
    assert.equal(await r.text(), "Hello from Heketi");
  });

  it("refuses a request without a token", async function () {
    const r = await fetch(`${server.url}/clusters`);
    assert.equal(r.status, 401);
  });

  it("creates a cluster with heketi-cli on the mock executor", async function () {
    const { stdout } = await cli("cluster", "create");
    const id = /Cluster id: ([0-9a-f]{32})/.exec(stdout)?.[1];
    assert.ok(id, stdout);
    const list = JSON.parse((await cli("--json", "cluster", "list")).stdout) as { clusters: string[] };
    assert.deepEqual(list.clusters, [id]);
  });
});
