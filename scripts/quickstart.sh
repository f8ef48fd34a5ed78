#!/usr/bin/env bash
# The main job: the quickstart stack on the local lab, with the real Pulumi CLI in examples/quickstart,
# an ordinary Pulumi project (Pulumi.yaml; a file:// backend in .pulumi-state; the passphrase secrets provider).
#   bash scripts/quickstart.sh            # builds what is missing, lab up (and its Kubernetes control plane), then
#                                         # `pulumi up`; proves the volume (written through a FUSE mount on one
#                                         # lab node, read on another) and prints the cluster id and StorageClass
#   bash scripts/quickstart.sh preview --diff -c quickstart:volumeSizeGiB=2
#   bash scripts/quickstart.sh destroy    # pulumi destroy (the nodes are left clean)
# Any other arguments go to `pulumi <action>`. After the first run, `. scripts/env.sh; cd examples/quickstart;
# pulumi preview` works the same by hand (set PULUMI_CONFIG_PASSPHRASE as below).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
. scripts/lib/progress.sh
step "npm dependencies and Node 22" "about 30 s" bash scripts/setup-node.sh
step "the Pulumi CLI and Node.js language host, built from Go modules" "about 8 min" bash scripts/build-pulumi.sh
step "Kubernetes (etcd, kube-apiserver, kube-controller-manager, kubectl), built from Go modules" "6 to 17 min" bash scripts/build-kubernetes.sh
step "the Pulumi Kubernetes provider plugin, built from Go modules" "7 to 13 min" bash scripts/build-pulumi-kubernetes.sh
step "compile the TypeScript" "about 40 s" node node_modules/typescript/bin/tsc -p tsconfig.json
step "the lab: 3 QEMU VMs (node image and snapshot built once) and a control plane" "about 4 min" node dist/devtools/cli.js lab up --kubernetes

export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-lab-only-passphrase}  # the lab's stack only
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
# plugins come from here, never from a download: the Kubernetes plugin built above, installed once
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
K8S_PLUGIN=$PGFS_TOOLS/pulumi-kubernetes-v$PGFS_PULUMI_KUBERNETES_VERSION/bin/pulumi-resource-kubernetes
if ! pulumi plugin ls 2>/dev/null | grep -Eq "^kubernetes +resource +$PGFS_PULUMI_KUBERNETES_VERSION "; then
  pulumi plugin install resource kubernetes "v$PGFS_PULUMI_KUBERNETES_VERSION" --file "$K8S_PLUGIN" >/dev/null 2>&1
fi
mkdir -p .pulumi-state   # the backend examples/*/Pulumi.yaml names

cd examples/quickstart
pulumi stack select --create lab >/dev/null
action=${1:-up}; shift || true
case "$action" in
  up)
    echo "==> pulumi up (first run: about 30 s for 16 resources on the lab)"
    pulumi up --yes "$@"
    volume=$(pulumi stack output volumeName)
    echo "==> the volume works: written through a FUSE mount on one lab node, read on another"
    node "$ROOT/dist/devtools/cli.js" lab mount-check "$volume"
    echo
    echo "cluster id (StorageClass clusterid): $(pulumi stack output clusterId)"
    echo "StorageClass on the lab's API server: $(pulumi stack output storageClassName 2>/dev/null || echo '(none: quickstart:storageClass=false)')"
    echo "on a client in the storage network (here a lab node: node dist/devtools/cli.js lab ssh gnode1):"
    echo "  $(pulumi stack output mount)"
    ;;
  preview) pulumi preview "$@" ;;
  destroy) pulumi destroy --yes "$@" ;;
  *) pulumi "$action" "$@" ;;
esac
