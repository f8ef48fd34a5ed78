import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { changesTable, README, tableIn } from "../../devtools/readme-table";

describe("README: the table of what each change does", function () {
  it("is the one the resources' rules render (else: node dist/devtools/readme-table.js --write)", function () {
    const readme = fs.readFileSync(README, "utf8");
    const { start, end } = tableIn(readme);
    assert.equal(readme.split("\n").slice(start, end + 1).join("\n"), changesTable());
  });
});
