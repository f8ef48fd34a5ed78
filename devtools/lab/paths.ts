import * as fs from "node:fs";
import * as path from "node:path";

let cachedRoot: string | undefined;

/** The repository root: the nearest folder above this module holding package.json. */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the project root above ${__dirname}`);
    dir = up;
  }
  cachedRoot = dir;
  return dir;
}

/** Shell and text assets of the lab (image build script, package list, guest identity script). */
export function assetDir(): string {
  return path.join(repoRoot(), "devtools", "lab", "assets");
}
