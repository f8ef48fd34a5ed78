import * as assert from "node:assert/strict";
import { RESOURCES } from "../../provider/resources";
import { NEVER_A_CHANGE, replacePaths, updatePaths } from "../../provider/resources/resource";
import { clusterProvider, deviceProvider, nodeProvider, volumeProvider } from "../../provider/dynamic/shims";

const providers = { cluster: clusterProvider, node: nodeProvider, device: deviceProvider, volume: volumeProvider };

describe("resources: each one's inputs and what a change of each does agree", function () {
  for (const [kind, r] of Object.entries(RESOURCES)) {
    it(`${r.title}: every input but pool and adopt replaces or updates it, and the REST form has the same inputs`, function () {
      const inputs = Object.keys(r.engine.shape).sort();
      assert.deepEqual([...replacePaths(r), ...updatePaths(r)].sort(), inputs.filter((k) => !NEVER_A_CHANGE.includes(k)));
      assert.deepEqual(Object.keys(r.rest.shape).sort(), inputs);
    });

    it(`${r.title}: the provider's diff does what the rules say, input by input`, async function () {
      const p = providers[kind as keyof typeof providers];
      const olds = Object.fromEntries(Object.keys(r.engine.shape).map((k) => [k, { was: k }]));
      for (const k of replacePaths(r)) assert.deepEqual(await p.diff!("id", olds, { ...olds, [k]: "new" }), { changes: true, replaces: [k], deleteBeforeReplace: true }, k);
      for (const k of updatePaths(r)) assert.deepEqual(await p.diff!("id", olds, { ...olds, [k]: "new" }), { changes: true, replaces: [], deleteBeforeReplace: true }, k);
    });
  }
});
