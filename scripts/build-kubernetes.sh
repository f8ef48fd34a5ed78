#!/usr/bin/env bash
# Build a Kubernetes control plane from the Go module proxy into the tool cache: etcd, kube-apiserver,
# kube-controller-manager and kubectl, all from one release. The wrapper module in tools/kubernetes-build
# pins the versions (go.mod/go.sum): k8s.io/kubernetes with every k8s.io/* staging module replaced by its
# released v0.x twin (its own `replace ./staging/...` lines make `go install ...@v` impossible), and the
# etcd server that release pins (hack/lib/etcd.sh). No Kubernetes or etcd source is in this repo.
# Output: $PGFS_TOOLS/kubernetes-v$PGFS_KUBERNETES_VERSION/bin/{etcd,kube-apiserver,kube-controller-manager,kubectl}
# Builds run under `nice -n 19` (a 2-core machine shared with the rest of the test run).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
KVER=$PGFS_KUBERNETES_VERSION
EVER=$PGFS_ETCD_VERSION
PREFIX=$PGFS_TOOLS/kubernetes-v$KVER
W=$ROOT/tools/kubernetes-build
BINS="etcd kube-apiserver kube-controller-manager kubectl"
STAMP=$PREFIX/.built-$(cat "$W/go.mod" "$W/go.sum" "$0" | sha256sum | cut -c1-16)
all_built() { local b; for b in $BINS; do [ -x "$PREFIX/bin/$b" ] || return 1; done; }
if [ -f "$STAMP" ] && all_built; then
  echo "kubernetes v$KVER + etcd v$EVER: cached ($PREFIX/bin)"; exit 0
fi
grep -q "k8s.io/kubernetes v$KVER\$" "$W/go.mod" || { echo "tools/kubernetes-build/go.mod does not pin k8s.io/kubernetes v$KVER" >&2; exit 1; }
grep -q "go.etcd.io/etcd/server/v3 v$EVER\$" "$W/go.mod" || { echo "tools/kubernetes-build/go.mod does not pin go.etcd.io/etcd/server/v3 v$EVER" >&2; exit 1; }
mkdir -p "$PREFIX/bin"
t0=$(date +%s)
# what hack/lib/version.sh stamps into a release build (the tree is the released module: clean)
KMAJ=${KVER%%.*} KMIN=${KVER#*.}; KMIN=${KMIN%%.*}
BUILD_DATE=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$KVER.info" 2>/dev/null || true)
KLDF="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  KLDF="$KLDF -X $pkg.gitVersion=v$KVER -X $pkg.gitMajor=$KMAJ -X $pkg.gitMinor=$KMIN -X $pkg.gitTreeState=clean"
  [ -n "$BUILD_DATE" ] && KLDF="$KLDF -X $pkg.buildDate=$BUILD_DATE"
done
cd "$W"
# a copy of the pinned module files, so that `go build` never rewrites the tracked ones
TMPW=$(mktemp -d); trap 'rm -rf "$TMPW"' EXIT
cp go.mod go.sum tools.go "$TMPW/"
cd "$TMPW"
# the tags of a Kubernetes release build (hack/lib/golang.sh): selinux,notest,grpcnotrace
CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$KLDF" -o "$PREFIX/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
# etcd's main package is the root of go.etcd.io/etcd/server/v3 (a wrapper of its etcdmain package)
CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -trimpath -ldflags "-s -w" \
  -o "$PREFIX/bin/etcd" go.etcd.io/etcd/server/v3
# version checks of what was built
v=$("$PREFIX/bin/kube-apiserver" --version)
[ "$v" = "Kubernetes v$KVER" ] || { echo "built kube-apiserver reports '$v', expected Kubernetes v$KVER" >&2; exit 1; }
v=$("$PREFIX/bin/kube-controller-manager" --version)
[ "$v" = "Kubernetes v$KVER" ] || { echo "built kube-controller-manager reports '$v', expected Kubernetes v$KVER" >&2; exit 1; }
v=$("$PREFIX/bin/kubectl" version --client -o yaml | sed -n 's/^ *gitVersion: //p')
[ "$v" = "v$KVER" ] || { echo "built kubectl reports '$v', expected v$KVER" >&2; exit 1; }
v=$("$PREFIX/bin/etcd" --version | sed -n 's/^etcd Version: //p')
[ "$v" = "$EVER" ] || { echo "built etcd reports '$v', expected $EVER" >&2; exit 1; }
rm -f "$PREFIX"/.built-*; touch "$STAMP"
echo "kubernetes v$KVER (kube-apiserver, kube-controller-manager, kubectl) + etcd v$EVER built in $(( $(date +%s) - t0 ))s -> $PREFIX/bin"
