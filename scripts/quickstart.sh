#!/usr/bin/env bash
# The main job: the quickstart stack against the local lab, through the real Pulumi engine.
#   bash scripts/quickstart.sh            # lab up (and its Kubernetes control plane), pulumi up: prints the volume's
#                                         # mount command, the cluster id and the StorageClass made on the API server
#   bash scripts/quickstart.sh destroy    # pulumi destroy (the nodes are left clean)
#   bash scripts/quickstart.sh preview --config quickstart:volumeSizeGiB=2
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
bash scripts/setup-node.sh >/dev/null
bash scripts/build-pulumi.sh
bash scripts/build-kubernetes.sh
bash scripts/build-pulumi-kubernetes.sh
node node_modules/typescript/bin/tsc -p tsconfig.json
node dist/devtools/cli.js lab up --kubernetes
action=${1:-up}; shift || true
exec node dist/examples/run.js quickstart "$action" "$@"
