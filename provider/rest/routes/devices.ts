/**
 * Devices: add (a queue job: pvcreate/vgcreate), show, delete (forceforget too), state changes,
 * resync and tags.
 */
import * as api from "../../heketi/api";
import { deviceInfo } from "../../heketi/json";
import { newId } from "../../model/ids";
import { DevicePath } from "../../model/schemas";
import { decode, HttpError, json, readBody } from "../http";
import { ID, type Routes } from "./context";
import { onStateChange, onTagsChange } from "./state-and-tags";

export function registerDeviceRoutes(routes: Routes): void {
  const { on, body, start, found, engine, ledger } = routes;
  on("POST", "/devices", async (c) => {
    const req = await body(c, api.DeviceAddRequest);
    if (!req.name) throw new HttpError(400, "validation failed: name: cannot be blank.");
    if (!req.node) throw new HttpError(400, "validation failed: node: cannot be blank.");
    if (!/^\/[a-zA-Z0-9_.:/-]+$/.test(req.name)) throw new HttpError(400, "validation failed: name: must be in a valid format.");
    if (!DevicePath.safeParse(req.name).success) throw new HttpError(400, `validation failed: name: ${DevicePath.safeParse(req.name).error!.issues[0].message}.`);
    const node = ledger.findNode(req.node);
    if (!node) throw new HttpError(404, "Node id does not exist");
    if (ledger.listDevices(node.id).some((d) => d.path === req.name)) throw new HttpError(409, `Device ${req.name} is already used on node ${node.id}`);
    const input = { id: newId(), nodeId: node.id, path: req.name, destroyData: req.destroydata ?? false, tags: req.tags ?? {} };
    start(c, async () => void (await engine.addDevice(input)));
  });
  on("GET", `/devices/${ID}`, async (c) => {
    const d = found(ledger.findDevice(c.params.id));
    if (d.state === "adding") throw new HttpError(404, "Id not found");
    json(c.res, 200, deviceInfo(ledger, d));
  });
  on("DELETE", `/devices/${ID}`, async (c) => {
    const raw = Number(c.req.headers["content-length"] ?? 0) > 0 ? await readBody(c.req) : "";
    const opts = raw ? decode(api.DeviceDeleteOptions, raw) : {};
    const d = found(ledger.findDevice(c.params.id));
    if (d.state !== "failed") throw new HttpError(400, `device: ${d.id} is not in failed state`);
    if (ledger.listBricksOnDevice(d.id).length) throw new HttpError(409, `Unable to delete device [${d.id}] because it contains bricks`);
    start(c, async () => {
      try {
        await engine.removeDevice(d.id);
      } catch (err) {
        if (!opts.forceforget) throw err;
        engine.forgetDevice(d.id); // forceforget: drop it regardless
      }
    });
  });
  onStateChange(routes, "devices", (id) => ledger.findDevice(id), (id, st, opts) => engine.setDeviceState(id, st, opts));
  on("GET", `/devices/${ID}/resync`, async (c) => {
    const d = found(ledger.findDevice(c.params.id));
    start(c, () => engine.resyncDevice(d.id));
  });
  onTagsChange(routes, "devices", (id) => ledger.findDevice(id), (id, tags) => engine.setDeviceTags(id, tags));
}
