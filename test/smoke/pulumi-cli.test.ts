import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { inlineStack, pulumiRoot } from "../support/pulumi";

const PINNED = "v3.259.0";

describe("engine: the real Pulumi CLI, built from Go modules", function () {
  this.timeout(30 * 60_000);
  it("prints the pinned version", function () {
    const v = execFileSync(path.join(pulumiRoot(), "bin", "pulumi"), ["version"], { encoding: "utf8" }).trim();
    assert.equal(v, PINNED);
  });

  it("takes a dynamic resource through up, preview, refresh and destroy on a file:// backend", async function () {
    // the provider writes a marker file, so every lifecycle step is seen outside the engine too
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgfs-engine-"));
    const marker = path.join(dir, "marker.txt");
    const provider: pulumi.dynamic.ResourceProvider = {
      async create(inputs) {
        require("fs").writeFileSync(inputs.file, inputs.text);
        return { id: "marker", outs: { file: inputs.file, text: inputs.text } };
      },
      async diff(_id, olds, news) {
        return { changes: olds.text !== news.text || olds.file !== news.file };
      },
      async read(id, props) {
        const fs2 = require("fs");
        return fs2.existsSync(props.file) ? { id, props: { file: props.file, text: fs2.readFileSync(props.file, "utf8") } } : { id: "", props: {} };
      },
      async update(_id, _olds, news) {
        require("fs").writeFileSync(news.file, news.text);
        return { outs: { file: news.file, text: news.text } };
      },
      async delete(_id, props) {
        require("fs").rmSync(props.file, { force: true });
      },
    };
    class Marker extends pulumi.dynamic.Resource {
      constructor(name: string, props: { file: string; text: string }) {
        super(provider, name, props, {}, "smoke", "Marker");
      }
    }
    const program = async () => {
      const r = new Marker("marker", { file: marker, text: "hello" });
      return { id: r.id };
    };
    const { stack } = await inlineStack({ projectName: "pgfs-smoke", stackName: "smoke", program });
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.summary.resourceChanges?.create, 2); // the stack and the marker
    assert.equal(fs.readFileSync(marker, "utf8"), "hello");

    const pre = await stack.preview();
    assert.equal(pre.changeSummary.same, 2);
    assert.equal(Object.keys(pre.changeSummary).filter((k) => k !== "same").length, 0, JSON.stringify(pre.changeSummary));

    fs.writeFileSync(marker, "changed by hand"); // drift
    const ref = await stack.refresh();
    assert.equal(ref.summary.result, "succeeded");
    assert.equal(ref.summary.resourceChanges?.update, 1, JSON.stringify(ref.summary.resourceChanges));

    const down = await stack.destroy();
    assert.equal(down.summary.result, "succeeded");
    assert.equal(fs.existsSync(marker), false);
    await stack.workspace.removeStack("smoke");
  });
});
