/**
 * Heketi's endpoints (heketi.md §1.3) on the engine, one file per endpoint family. Synchronous checks
 * answer at once with Heketi's status codes and texts; remote work runs as a queue job (202 + /queue/<id>).
 */
import type Router from "find-my-way";
import { registerAdminRoutes } from "./admin";
import { registerBrickRoutes } from "./bricks";
import { registerClusterRoutes } from "./clusters";
import { RouteContext, routesOn } from "./context";
import { registerDeviceRoutes } from "./devices";
import { registerNodeRoutes } from "./nodes";
import { registerOperationRoutes } from "./operations";
import { registerQueueRoutes } from "./queue";
import { registerTopologyRoutes } from "./topology";
import { registerUnsupportedRoutes } from "./unsupported";
import { registerVolumeRoutes } from "./volumes";

export type { Call, RouteContext } from "./context";

export function registerRoutes(router: Router.Instance<Router.HTTPVersion.V1>, rc: RouteContext): void {
  const routes = routesOn(router, rc);
  registerQueueRoutes(routes);
  registerClusterRoutes(routes);
  registerNodeRoutes(routes);
  registerDeviceRoutes(routes);
  registerVolumeRoutes(routes);
  registerBrickRoutes(routes);
  registerUnsupportedRoutes(routes);
  registerTopologyRoutes(routes);
  registerOperationRoutes(routes);
  registerAdminRoutes(routes);
}
