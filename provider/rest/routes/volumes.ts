/**
 * Volumes: create, list, show, expand and delete (each a throttled queue job); block volumes, which
 * this server does not support, answer as Heketi does for ids it does not have.
 */
import type { Engine } from "../../engine";
import * as api from "../../heketi/api";
import { visibleVolume, volumeInfo } from "../../heketi/json";
import { ConflictError, ValidationError } from "../../model/errors";
import { accepted, HttpError, json } from "../http";
import { volumeCreateInput } from "../volume-request";
import { busy, ID, type Routes } from "./context";

export function registerVolumeRoutes(routes: Routes): void {
  const { on, body, found, engine, ledger, queue, rc } = routes;
  on("POST", "/volumes", async (c) => {
    const req = await body(c, api.VolumeCreateRequest);
    const input = volumeCreateInput(req, ledger);
    const release = rc.throttle.tryAcquire();
    if (!release) throw busy(rc);
    let started: ReturnType<Engine["startCreateVolume"]>;
    try {
      started = engine.startCreateVolume(input);
    } catch (err) {
      release();
      if (err instanceof ValidationError && err.issues.some((i) => i.field === "clusters")) throw new HttpError(400, "No clusters configured");
      throw err;
    }
    accepted(c.res, queue.start(async () => `/volumes/${(await started.done).id}`, release));
  });
  on("GET", "/volumes", async (c) => json(c.res, 200, { volumes: ledger.listVolumes().filter(visibleVolume).map((v) => v.id).sort() }));
  on("GET", `/volumes/${ID}`, async (c) => {
    const v = found(ledger.findVolume(c.params.id));
    if (!visibleVolume(v)) throw new HttpError(404, "Id not found");
    json(c.res, 200, volumeInfo(ledger, v.id));
  });
  on("POST", `/volumes/${ID}/expand`, async (c) => {
    const req = await body(c, api.VolumeExpandRequest);
    const v = found(ledger.findVolume(c.params.id));
    if (!visibleVolume(v)) throw new HttpError(404, "Id not found");
    if (!req.expand_size || req.expand_size < 1) throw new HttpError(400, "validation failed: expand_size: cannot be blank.");
    const release = rc.throttle.tryAcquire();
    if (!release) throw busy(rc);
    let started: ReturnType<Engine["startExpandVolume"]>;
    try {
      started = engine.startExpandVolume(v.id, req.expand_size);
    } catch (err) {
      release();
      if (err instanceof ConflictError) throw new HttpError(500, `Failed to allocate volume expansion: ${err.message}`);
      throw err;
    }
    accepted(c.res, queue.start(async () => `/volumes/${(await started.done).id}`, release));
  });
  on("DELETE", `/volumes/${ID}`, async (c) => {
    const v = found(ledger.findVolume(c.params.id));
    if (v.name === "heketidbstorage") throw new HttpError(409, "Cannot delete volume containing the Heketi database");
    const release = rc.throttle.tryAcquire();
    if (!release) throw busy(rc);
    let started: ReturnType<Engine["startDeleteVolume"]>;
    try {
      started = engine.startDeleteVolume(v.id);
    } catch (err) {
      release();
      if (err instanceof ConflictError) throw new HttpError(500, "Failed to set up volume delete: The target exists, contains other items, or is in use.");
      throw err;
    }
    accepted(c.res, queue.start(() => started.done, release));
  });

  // block volumes are not supported: lists are empty, creates are refused
  on("GET", "/blockvolumes", async (c) => json(c.res, 200, { blockvolumes: [] }));
  on("POST", "/blockvolumes", async () => {
    throw new HttpError(400, "Block volumes are not supported by this server (file volumes only)");
  });
  // no block volume exists, so every id is unknown, as Heketi answers for one it does not have
  for (const [method, path] of [["GET", `/blockvolumes/${ID}`], ["DELETE", `/blockvolumes/${ID}`], ["POST", `/blockvolumes/${ID}/expand`]] as const) {
    on(method, path, async (c) => {
      throw new HttpError(404, `Id not found: ${c.params.id}`);
    });
  }
  on("POST", `/volumes/${ID}/block-restriction`, async (c) => {
    ledger.getVolume(c.params.id);
    throw new HttpError(400, "Block volumes are not supported by this server (file volumes only)");
  });
}
