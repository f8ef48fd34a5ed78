import { HeketiServer, startHeketi, topologyOn } from "../support/heketi-server";
import { ContractTarget, provisionerContract } from "./provisioner";

describe("contract: real Heketi v10.3.0 (mock executor)", function () {
  let server: HeketiServer | undefined;
  let target: Promise<ContractTarget> | undefined;

  // one server and topology for every suite below, started by the first that asks
  const getTarget = () =>
    (target ??= (async () => {
      server = await startHeketi();
      const topo = await topologyOn(server.url, server.adminKey);
      return { url: server.url, adminKey: server.adminKey, userKey: server.userKey, clusterId: topo.clusterId };
    })());

  after(async () => server?.stop());

  provisionerContract(getTarget);
});
