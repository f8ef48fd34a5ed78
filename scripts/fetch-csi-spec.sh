#!/usr/bin/env bash
# Fetch the CSI spec's own csi.proto (github.com/container-storage-interface/spec) from the Go module
# proxy into the tool cache; the CSI driver (provider/csi/proto.ts) loads it at run time, so no message
# of the spec is retyped here. The version is the one csi-test (csi-sanity) pins: PGFS_CSI_SPEC_VERSION.
# Output: $PGFS_TOOLS/csi-spec-<version>/csi.proto (override at run time with PGFS_CSI_PROTO).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
VER=$PGFS_CSI_SPEC_VERSION
DEST=$PGFS_TOOLS/csi-spec-$VER
if [ -s "$DEST/csi.proto" ] && [ -f "$DEST/.sum" ]; then
  echo "csi spec $VER: cached ($DEST/csi.proto)"; exit 0
fi
t0=$(date +%s)
echo "csi spec $VER: go mod download github.com/container-storage-interface/spec@$VER"
# outside any module: `go mod download path@version` only fetches (and checks against sum.golang.org)
json=$(cd "$(mktemp -d)" && GOFLAGS= go mod download -json "github.com/container-storage-interface/spec@$VER")
dir=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
sum=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p')
[ -n "$dir" ] && [ -s "$dir/csi.proto" ] || { echo "go mod download gave no csi.proto for spec $VER:" >&2; printf '%s\n' "$json" >&2; exit 1; }
grep -q '^package csi.v1;' "$dir/csi.proto" || { echo "$dir/csi.proto is not the csi.v1 package" >&2; exit 1; }
mkdir -p "$DEST"
install -m 0644 "$dir/csi.proto" "$DEST/csi.proto.tmp" && mv "$DEST/csi.proto.tmp" "$DEST/csi.proto"
echo "$sum" > "$DEST/.sum"
echo "csi spec $VER ($sum) -> $DEST/csi.proto in $(( $(date +%s) - t0 ))s"
