#!/usr/bin/env bash
# Build the Pulumi Node.js language host (pulumi-language-nodejs) from the Go module proxy into the tool cache,
# next to the Pulumi CLI (scripts/build-pulumi.sh calls this script).
# The host lives in the github.com/pulumi/pulumi/sdk/v3 module up to v3.68.0 (nodejs/cmd/pulumi-language-nodejs);
# from v3.90.0 on it is a module of its own, which the Go module proxy here does not serve. Its dependencies
# conflict with the v3.259 CLI's, so it has its own wrapper module, tools/pulumi-language-nodejs-build
# (go.mod/go.sum pin it); no Pulumi source is in this repo.
# Output: $PGFS_PULUMI_ROOT/bin/pulumi-language-nodejs. The CLI looks for its bundled language hosts next to its
# own binary: found there (and that folder on PATH, as scripts/env.sh puts it), it runs without the
# "using pulumi-language-nodejs from $PATH" warning, which it prints when the host on PATH is anywhere else.
# The v3.259 CLI talks to the v3.68 host (Handshake/GetRequiredPackages answer Unimplemented; the CLI falls
# back), but passes it no runtime options (Pulumi.yaml `runtime.options`): see the README.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
HOST_VER=3.68.0
PREFIX=$PGFS_PULUMI_ROOT
BIN=$PREFIX/bin/pulumi-language-nodejs
W=$ROOT/tools/pulumi-language-nodejs-build
MOD=github.com/pulumi/pulumi/sdk/v3
# its own stamp name: build-pulumi.sh removes $PREFIX/.built-* when it rebuilds the CLI
STAMP=$PREFIX/.language-nodejs-built-$(cat "$W/go.mod" "$W/go.sum" "$W/tools.go" "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ -x "$BIN" ]; then
  echo "pulumi-language-nodejs v$HOST_VER: cached ($BIN)"; exit 0
fi
grep -q "^require $MOD v$HOST_VER\$" "$W/go.mod" || { echo "tools/pulumi-language-nodejs-build/go.mod does not pin $MOD v$HOST_VER" >&2; exit 1; }
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
cd "$W"
# a copy of the pinned module files, so that `go build` never rewrites the tracked ones
TMPW=$(mktemp -d); trap 'rm -rf "$TMPW"' EXIT
cp go.mod go.sum tools.go "$TMPW/"
cd "$TMPW"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
nice -n 19 go build -p 2 -trimpath -ldflags "-s -w -X $MOD/go/common/version.Version=v$HOST_VER" -o "$BIN.tmp" \
  "$MOD/nodejs/cmd/pulumi-language-nodejs"
# the binary must be the pinned module's host (-trimpath keeps -ldflags out of the build info: check the module)
go version -m "$BIN.tmp" | grep -Eq "^[[:space:]]+(mod|dep)[[:space:]]+$MOD[[:space:]]+v$HOST_VER([[:space:]]|\$)" \
  || { echo "built pulumi-language-nodejs is not from $MOD v$HOST_VER:" >&2; go version -m "$BIN.tmp" | head -5 >&2; exit 1; }
mv -f "$BIN.tmp" "$BIN"
rm -f "$PREFIX"/.language-nodejs-built-*; touch "$STAMP"
echo "pulumi-language-nodejs v$HOST_VER built in $(( $(date +%s) - t0 ))s ($(( $(stat -c %s "$BIN") / 1048576 )) MiB) -> $BIN"
