#!/usr/bin/env bash
# Build csi-sanity (github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity) from the Go module proxy into
# the tool cache. The wrapper module in tools/csi-sanity-build pins the versions (go.mod/go.sum); no
# csi-test source is in this repo. test/smoke/csi-sanity.test.ts runs it against `pulumi-glusterfs csi`.
# Output: $PGFS_TOOLS/csi-sanity-<version>/bin/csi-sanity
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
VER=$PGFS_CSI_TEST_VERSION
PREFIX=$PGFS_TOOLS/csi-sanity-$VER
BIN=$PREFIX/bin/csi-sanity
W=$ROOT/tools/csi-sanity-build
STAMP=$PREFIX/.built-$(cat "$W/go.mod" "$W/go.sum" "$W/tools.go" "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ -x "$BIN" ]; then
  echo "csi-sanity $VER: cached ($BIN)"; exit 0
fi
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
echo "csi-sanity $VER: building from the Go module proxy (tools/csi-sanity-build)"
cd "$W"
# -mod=readonly: go.mod/go.sum are complete and the build never rewrites them; -p 2: the CI machine has 2 cores
CGO_ENABLED=0 go build -mod=readonly -p 2 -trimpath -ldflags "-s -w" -o "$BIN" github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity
# the binary must carry the pinned csi-test
go version -m "$BIN" | grep -qP "^\tmod\tgithub.com/kubernetes-csi/csi-test/v5\t${VER//./\\.}\t" \
  || go version -m "$BIN" | grep -qP "^\tdep\tgithub.com/kubernetes-csi/csi-test/v5\t${VER//./\\.}\t" \
  || { echo "$BIN is not built on github.com/kubernetes-csi/csi-test/v5 $VER:" >&2; go version -m "$BIN" >&2; exit 1; }
rm -f "$PREFIX"/.built-*; touch "$STAMP"
echo "csi-sanity $VER built in $(( $(date +%s) - t0 ))s -> $BIN"
