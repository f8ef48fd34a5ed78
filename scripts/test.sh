#!/usr/bin/env bash
# The project's test command, on a fresh machine as on a warm one: installs Node 22 and the npm
# dependencies, builds the Pulumi CLI, Heketi, csi-sanity (and fetches the CSI spec's csi.proto), Kubernetes (etcd, kube-apiserver, kube-controller-manager,
# kubectl) and the Pulumi Kubernetes plugin from Go modules (cached), compiles, brings the QEMU lab and its
# control plane up (image and snapshot cached), and runs the unit, smoke, contract, lab and end-to-end tests. PGFS_KEEP_LAB=1 leaves the lab running.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
. scripts/lib/progress.sh
# each setup step says what it does and about how long it takes the first time (nothing cached; this machine, 2 cores)
phase() { local name=$1 first=$2; shift 2; local t=$(date +%s); step "$name" "$first" "$@"; echo "TIMING $name $(( $(date +%s) - t ))s"; }
phase setup-node "about 30 s" bash scripts/setup-node.sh
phase build-pulumi "about 8 min (the CLI, then the Node.js language host)" bash scripts/build-pulumi.sh
phase build-heketi "about 1 min" bash scripts/build-heketi.sh
phase build-contract "seconds" bash scripts/build-contract.sh
phase fetch-csi-spec "seconds" bash scripts/fetch-csi-spec.sh
phase build-csi-sanity "about 1 min" bash scripts/build-csi-sanity.sh
phase build-csi-provisioner-standin "about 3 min" bash scripts/build-csi-provisioner-standin.sh
phase build-kubernetes "6 to 17 min" bash scripts/build-kubernetes.sh
phase build-pulumi-kubernetes "7 to 13 min" bash scripts/build-pulumi-kubernetes.sh
phase compile "about 40 s" node node_modules/typescript/bin/tsc -p tsconfig.json
if [ "${PGFS_KEEP_LAB:-0}" != 1 ]; then trap 'node dist/devtools/cli.js lab down || true' EXIT; fi
phase lab-up "about 4 min (the node image and VM snapshot, then 3 VMs and a control plane)" node dist/devtools/cli.js lab up --kubernetes
t=$(date +%s); node node_modules/mocha/bin/mocha.js "$@" 'dist/test/unit/**/*.test.js' 'dist/test/smoke/**/*.test.js' 'dist/test/contract/**/*.test.js' 'dist/test/lab/**/*.test.js' 'dist/test/e2e/**/*.test.js'
echo "TIMING tests $(( $(date +%s) - t ))s"
