#!/usr/bin/env bash
# `lab up|down|status|ssh` with the project's tools set up (Node 22, compiled sources).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
[ -x "$PGFS_NODE_BIN/node" ] && [ -d node_modules ] || bash scripts/setup-node.sh >&2
[ -f dist/provider/cli/main.js ] || node node_modules/typescript/bin/tsc -p tsconfig.json
exec node dist/devtools/cli.js lab "$@"
