#!/usr/bin/env bash
# Build the REST contract program (tools/heketi-contract) into the tool cache.
# It drives a Heketi-compatible server through Heketi v10.3.0's own Go client in the order the in-tree
# Kubernetes glusterfs provisioner calls it; test/contract runs it against real Heketi and against ours.
# The module pins github.com/heketi/heketi v10.3.0+incompatible with tools/heketi-build's pins (go.mod/go.sum).
# Output: $PGFS_TOOLS/heketi-contract/bin/heketi-contract
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
PREFIX=$PGFS_TOOLS/heketi-contract
BIN=$PREFIX/bin/heketi-contract
W=$ROOT/tools/heketi-contract
STAMP=$PREFIX/.built-$(cat "$W/go.mod" "$W/go.sum" "$W"/*.go "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ -x "$BIN" ]; then
  echo "heketi-contract: cached ($BIN)"; exit 0
fi
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
cd "$W"
# -mod=readonly: go.mod/go.sum are complete and the build never rewrites them
CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$BIN" .
# the binary must carry the pinned Go client
go version -m "$BIN" | grep -qP '^\tdep\tgithub.com/heketi/heketi\tv10\.3\.0\+incompatible\t' \
  || { echo "$BIN is not built on github.com/heketi/heketi v10.3.0+incompatible:" >&2; go version -m "$BIN" >&2; exit 1; }
rm -f "$PREFIX"/.built-*; touch "$STAMP"
echo "heketi-contract built in $(( $(date +%s) - t0 ))s -> $BIN"
