#!/usr/bin/env bash
# Build the Pulumi Kubernetes provider plugin (pulumi-resource-kubernetes) from the Go module proxy into the
# tool cache. The wrapper module in tools/pulumi-kubernetes-build pins github.com/pulumi/pulumi-kubernetes/provider/v4
# (served only as an untagged snapshot) and its dependencies (go.mod/go.sum); no pulumi-kubernetes source is in
# this repo. The plugin's main package embeds two generated files (schema-embed.json, terraform-mapping-embed.json),
# which the module zip does not carry: this script copies that main package from the module cache into a
# temporary folder of the wrapper module and generates them there with the package's own generate.go, the
# schema's version set to the plugin version.
# The plugin version is the one the npm package @pulumi/kubernetes requests (its package.json "pulumi" field):
# PGFS_PULUMI_KUBERNETES_VERSION in scripts/env.sh.
# Output: $PGFS_TOOLS/pulumi-kubernetes-v$PGFS_PULUMI_KUBERNETES_VERSION/bin/pulumi-resource-kubernetes
# The Pulumi CLI finds it offline, without any download, through one of:
#   - a project plugin: Pulumi.yaml (or the Automation API's projectSettings)
#       plugins: { providers: [ { name: kubernetes, path: <that bin folder> } ] }
#   - `pulumi plugin install resource kubernetes <version> --file <that binary>` into a PULUMI_HOME's plugin cache
#   - that bin folder on PATH (an "ambient" plugin: works, but the engine warns "using ... from $PATH")
# Builds run under `nice -n 19` (a 2-core machine shared with the rest of the test run).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
VER=$PGFS_PULUMI_KUBERNETES_VERSION
PREFIX=$PGFS_TOOLS/pulumi-kubernetes-v$VER
BIN=$PREFIX/bin/pulumi-resource-kubernetes
W=$ROOT/tools/pulumi-kubernetes-build
MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
STAMP=$PREFIX/.built-$(cat "$W/go.mod" "$W/go.sum" "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ -x "$BIN" ]; then
  echo "pulumi-resource-kubernetes v$VER: cached ($BIN)"; exit 0
fi
# the npm package must ask for the version built here (it names the plugin version the engine looks for)
NPMPKG=$ROOT/node_modules/@pulumi/kubernetes/package.json
if [ -f "$NPMPKG" ]; then
  want=$(node -p "require('$NPMPKG').pulumi.version" 2>/dev/null || true)
  [ -z "$want" ] || [ "$want" = "$VER" ] || { echo "@pulumi/kubernetes requests plugin v$want, scripts/env.sh pins v$VER" >&2; exit 1; }
fi
MODVER=$(sed -n "s|^require $MOD \(v[^ ]*\)\$|\1|p; s|^[[:space:]]*$MOD \(v[^ ]*\)\$|\1|p" "$W/go.mod" | head -1)
[ -n "$MODVER" ] || { echo "tools/pulumi-kubernetes-build/go.mod does not require $MOD" >&2; exit 1; }
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
cd "$W"
# a copy of the pinned module files, so that `go build` never rewrites the tracked ones
TMPW=$(mktemp -d); trap 'rm -rf "$TMPW"' EXIT
cp go.mod go.sum tools.go "$TMPW/"
cd "$TMPW"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
# the plugin's main package, from the module cache, into this module (as local.invalid/.../cmd/pulumi-resource-kubernetes)
DIR=$(go mod download -json "$MOD@$MODVER" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$DIR" ] && [ -f "$DIR/cmd/pulumi-resource-kubernetes/main.go" ] || { echo "cannot find $MOD@$MODVER in the module cache" >&2; exit 1; }
PKG=$TMPW/cmd/pulumi-resource-kubernetes
mkdir -p "$PKG"
cp "$DIR"/cmd/pulumi-resource-kubernetes/{main.go,generate.go,schema.json,terraform-mapping.json} "$PKG/"
chmod u+w "$PKG"/*
# what its `//go:generate go run ./generate.go` does: schema-embed.json (schema.json, version set) and terraform-mapping-embed.json
(cd "$PKG" && VERSION=$VER nice -n 19 go run ./generate.go)
[ -s "$PKG/schema-embed.json" ] && [ -s "$PKG/terraform-mapping-embed.json" ] || { echo "generate.go made no embed files" >&2; exit 1; }
nice -n 19 go build -trimpath -ldflags "-s -w -X $MOD/pkg/version.Version=$VER" -o "$BIN" ./cmd/pulumi-resource-kubernetes
# version checks (-trimpath keeps -ldflags out of the binary's build info, so `go version -m` cannot show it):
# the embedded schema carries the version, and, where the Pulumi CLI is built, the plugin starts and answers it
grep -aq "\"version\":\"$VER\"" "$BIN" || { echo "built plugin's embedded schema does not say version $VER" >&2; exit 1; }
if [ -x "$PGFS_PULUMI_ROOT/bin/pulumi" ]; then
  mkdir -p "$TMPW/home"
  PULUMI_HOME=$TMPW/home PULUMI_SKIP_UPDATE_CHECK=true "$PGFS_PULUMI_ROOT/bin/pulumi" package get-schema "$BIN" >"$TMPW/schema.out"
  grep -Eq "^ *\"version\": ?\"$VER\"" "$TMPW/schema.out" || { echo "the plugin's GetSchema does not answer version $VER" >&2; exit 1; }
fi
rm -f "$PREFIX"/.built-*; touch "$STAMP"
echo "pulumi-resource-kubernetes v$VER ($MOD@$MODVER) built in $(( $(date +%s) - t0 ))s -> $PREFIX/bin"
