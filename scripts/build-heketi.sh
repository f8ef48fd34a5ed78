#!/usr/bin/env bash
# Build the Heketi server and CLI from the Go module proxy into the tool cache.
# The wrapper module in tools/heketi-build pins the versions (go.mod/go.sum); no Heketi source is in this repo.
# Heketi v10.3.0 predates Go modules: it is fetched as github.com/heketi/heketi v10.3.0+incompatible and
# its glide.lock dependencies are pinned in the wrapper's go.mod.
# Output: $PGFS_HEKETI_ROOT/bin/{heketi,heketi-cli}
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
HEKETI_VER=v10.3.0
PREFIX=$PGFS_HEKETI_ROOT
W=$ROOT/tools/heketi-build
STAMP=$PREFIX/.built-$(cat "$W/go.mod" "$W/go.sum" "$W/tools.go" "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ -x "$PREFIX/bin/heketi" ] && [ -x "$PREFIX/bin/heketi-cli" ]; then
  echo "heketi $HEKETI_VER: cached ($PREFIX/bin/heketi, $PREFIX/bin/heketi-cli)"; exit 0
fi
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
# the version variables heketi's Makefiles set (main.HEKETI_VERSION, client/cli/go: main.HEKETI_CLI_VERSION)
cd "$W"
# a copy of the pinned module files, so that `go build` never rewrites the tracked ones
TMPW=$(mktemp -d); trap 'rm -rf "$TMPW"' EXIT
cp go.mod go.sum tools.go "$TMPW/"
cd "$TMPW"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
go build -trimpath -ldflags "-s -w -X main.HEKETI_VERSION=$HEKETI_VER" -o "$PREFIX/bin/heketi" \
  github.com/heketi/heketi
go build -trimpath -ldflags "-s -w -X main.HEKETI_CLI_VERSION=$HEKETI_VER" -o "$PREFIX/bin/heketi-cli" \
  github.com/heketi/heketi/client/cli/go
v=$("$PREFIX/bin/heketi" --version)
[ "$v" = "Heketi $HEKETI_VER" ] || { echo "built heketi reports '$v', expected 'Heketi $HEKETI_VER'" >&2; exit 1; }
v=$("$PREFIX/bin/heketi-cli" --version)
[ "$v" = "heketi-cli $HEKETI_VER" ] || { echo "built heketi-cli reports '$v', expected 'heketi-cli $HEKETI_VER'" >&2; exit 1; }
rm -f "$PREFIX"/.built-*; touch "$STAMP"
echo "heketi $HEKETI_VER built in $(( $(date +%s) - t0 ))s -> $PREFIX/bin"
