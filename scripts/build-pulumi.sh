#!/usr/bin/env bash
# Build the Pulumi CLI from the Go module proxy into the tool cache, then the Node.js language host next to it
# (scripts/build-pulumi-language-nodejs.sh: its own wrapper module, tools/pulumi-language-nodejs-build).
# The wrapper module in tools/pulumi-build pins the versions (go.mod/go.sum); no Pulumi source is in this repo.
# Output: $PGFS_TOOLS/pulumi-v$PULUMI_VER/bin/{pulumi,pulumi-language-nodejs,pulumi-resource-pulumi-nodejs}
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
PULUMI_VER=$PGFS_PULUMI_VERSION
PREFIX=$PGFS_TOOLS/pulumi-v$PULUMI_VER
W=$ROOT/tools/pulumi-build
STAMP=$PREFIX/.built-$(cat "$W/go.mod" "$W/go.sum" "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ -x "$PREFIX/bin/pulumi" ]; then
  echo "pulumi v$PULUMI_VER: cached ($PREFIX/bin/pulumi)"
  exec bash "$ROOT/scripts/build-pulumi-language-nodejs.sh"
fi
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VER"
cd "$W"
# a copy of the pinned module files, so that `go build` never rewrites the tracked ones
TMPW=$(mktemp -d); trap 'rm -rf "$TMPW"' EXIT
cp go.mod go.sum tools.go "$TMPW/"
cd "$TMPW"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$PREFIX/bin/" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
# the dynamic-provider plugin: a 5-line script that runs @pulumi/pulumi's dynamic provider with the node on PATH
cat > "$PREFIX/bin/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
if [ ! -z "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" ]; then
    node "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" $@
fi
EOF
chmod 755 "$PREFIX/bin/pulumi-resource-pulumi-nodejs"
v=$("$PREFIX/bin/pulumi" version)
[ "$v" = "v$PULUMI_VER" ] || { echo "built pulumi reports '$v', expected v$PULUMI_VER" >&2; exit 1; }
rm -f "$PREFIX"/.built-*; touch "$STAMP"
echo "pulumi $v built in $(( $(date +%s) - t0 ))s -> $PREFIX/bin"
bash "$ROOT/scripts/build-pulumi-language-nodejs.sh"
