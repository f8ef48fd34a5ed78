#!/usr/bin/env bash
# The project's test command, on a fresh machine as on a warm one: installs Node 22 and the npm
# dependencies, builds the Pulumi CLI, Heketi, csi-sanity (and fetches the CSI spec's csi.proto), Kubernetes (etcd, kube-apiserver, kube-controller-manager,
# kubectl) and the Pulumi Kubernetes plugin from Go modules (cached), compiles, brings the QEMU lab and its
# control plane up (image and snapshot cached), and runs the unit, smoke, contract, lab and end-to-end tests. PGFS_KEEP_LAB=1 leaves the lab running.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
phase() { local name=$1; shift; local t=$(date +%s); "$@"; echo "TIMING $name $(( $(date +%s) - t ))s"; }
phase setup-node bash scripts/setup-node.sh
phase build-pulumi bash scripts/build-pulumi.sh
phase build-heketi bash scripts/build-heketi.sh
phase build-contract bash scripts/build-contract.sh
phase fetch-csi-spec bash scripts/fetch-csi-spec.sh
phase build-csi-sanity bash scripts/build-csi-sanity.sh
phase build-csi-provisioner-standin bash scripts/build-csi-provisioner-standin.sh
phase build-kubernetes bash scripts/build-kubernetes.sh
phase build-pulumi-kubernetes bash scripts/build-pulumi-kubernetes.sh
phase compile node node_modules/typescript/bin/tsc -p tsconfig.json
if [ "${PGFS_KEEP_LAB:-0}" != 1 ]; then trap 'node dist/devtools/cli.js lab down || true' EXIT; fi
phase lab-up node dist/devtools/cli.js lab up --kubernetes
phase tests node node_modules/mocha/bin/mocha.js "$@" 'dist/test/unit/**/*.test.js' 'dist/test/smoke/**/*.test.js' 'dist/test/contract/**/*.test.js' 'dist/test/lab/**/*.test.js' 'dist/test/e2e/**/*.test.js'
