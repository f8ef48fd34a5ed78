#!/usr/bin/env bash
# Build csi-provisioner-standin (tools/csi-provisioner-standin: TEST TOOLING, a stand-in for Kubernetes'
# csi-provisioner and csi-resizer sidecars, whose modules the Go module proxy does not serve) into the
# tool cache. Its go.mod/go.sum pin sig-storage-lib-external-provisioner v13.1.0, the CSI spec v1.13.0 and
# the k8s.io client modules v0.37.2 (the lab's control plane). test/support/provisioner-standin.ts starts it.
# Output: $PGFS_TOOLS/csi-provisioner-standin/bin/csi-provisioner-standin
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
LIB_VER=v13.1.0
PREFIX=$PGFS_TOOLS/csi-provisioner-standin
BIN=$PREFIX/bin/csi-provisioner-standin
W=$ROOT/tools/csi-provisioner-standin
STAMP=$PREFIX/.built-$(cat "$W/go.mod" "$W/go.sum" "$W"/*.go "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ -x "$BIN" ]; then
  echo "csi-provisioner-standin: cached ($BIN)"; exit 0
fi
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
echo "csi-provisioner-standin: building from the Go module proxy (tools/csi-provisioner-standin)"
cd "$W"
# -mod=readonly: go.mod/go.sum are complete and the build never rewrites them; -p 2: the CI machine has 2 cores
CGO_ENABLED=0 go build -mod=readonly -p 2 -trimpath -ldflags "-s -w" -o "$BIN" .
# the binary must carry the pinned library
go version -m "$BIN" | grep -qP "^\tdep\tsigs.k8s.io/sig-storage-lib-external-provisioner/v13\t${LIB_VER//./\\.}\t" \
  || { echo "$BIN is not built on sigs.k8s.io/sig-storage-lib-external-provisioner/v13 $LIB_VER:" >&2; go version -m "$BIN" >&2; exit 1; }
rm -f "$PREFIX"/.built-*; touch "$STAMP"
echo "csi-provisioner-standin built in $(( $(date +%s) - t0 ))s -> $BIN"
