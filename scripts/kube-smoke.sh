#!/usr/bin/env bash
# Proof that the control plane built by scripts/build-kubernetes.sh starts: etcd, kube-apiserver (TLS with
# generated certs, a static admin token, a service-account signing key, RBAC) and kube-controller-manager,
# all on 127.0.0.1 with their data in a temporary folder; then kubectl lists namespaces, creates a
# kubernetes.io/glusterfs Secret and a StorageClass, reads them back and deletes them, and waits for the
# controller manager to create the default ServiceAccount. Prints how long each component took to be ready.
# Everything started here is stopped, and its folder removed, on exit (PGFS_KUBE_SMOKE_KEEP=1 keeps the folder).
#   bash scripts/kube-smoke.sh
#   bash scripts/kube-smoke.sh CMD ARGS...   # also runs CMD with KUBECONFIG set while the control plane is up
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
K=$PGFS_TOOLS/kubernetes-v$PGFS_KUBERNETES_VERSION/bin
for b in etcd kube-apiserver kube-controller-manager kubectl; do
  [ -x "$K/$b" ] || { echo "$K/$b is not built: run bash scripts/build-kubernetes.sh" >&2; exit 1; }
done
D=$(mktemp -d /tmp/kube-smoke.XXXXXX)
PIDS=()
ms() { echo $(( $(date +%s%N) / 1000000 )); }
cleanup() {
  local i p t0; t0=$(ms)
  # in reverse order: the controller manager, the API server, then etcd (the API server stops fast while etcd answers)
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do p=${PIDS[i]}; kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ ${#PIDS[@]} = 0 ] || echo "TIMING stopped ${#PIDS[@]} processes in $(( $(ms) - t0 ))ms"
  [ "${PGFS_KUBE_SMOKE_KEEP:-0}" = 1 ] && echo "kept $D" || rm -rf "$D"
}
trap cleanup EXIT
# a free loopback port, from a base upward
free_port() { local p=$1; while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
# wait (up to $3 s) until command $4... succeeds while process $2 lives; else print the tail of its log $1 and fail
wait_for() {
  local log=$1 pid=$2 limit=$3; shift 3; local t=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "exited before it was ready: $log" >&2; tail -5 "$log" >&2; exit 1; }
    [ "$(date +%s)" -lt "$t" ] || { echo "timed out after ${limit}s: $*" >&2; tail -30 "$log" >&2; exit 1; }
    sleep 0.1
  done
}
ETCD_PORT=$(free_port 23790); ETCD_PEER=$(free_port $((ETCD_PORT + 1)))
API_PORT=$(free_port 16443); KCM_PORT=$(free_port 16257)

# --- certificates, token, service-account key
cd "$D"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj "/CN=pgfs-smoke-ca" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 1 -extfile apiserver.ext 2>/dev/null
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
TOKEN=$(openssl rand -hex 16)
echo "$TOKEN,admin,admin,system:masters" >tokens.csv
chmod 600 ./*.key tokens.csv
cat >kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: smoke
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$D/ca.crt"}
users:
- name: admin
  user: {token: "$TOKEN"}
contexts:
- name: smoke
  context: {cluster: smoke, user: admin}
current-context: smoke
EOF
chmod 600 kubeconfig
KC=(--kubeconfig "$D/kubeconfig")

# --- etcd
t=$(ms)
"$K/etcd" --name smoke --data-dir "$D/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "smoke=http://127.0.0.1:$ETCD_PEER" --log-level warn >etcd.log 2>&1 &
PIDS+=($!)
wait_for etcd.log $! 60 curl -fsS "http://127.0.0.1:$ETCD_PORT/readyz"
ETCD_MS=$(( $(ms) - t ))

# --- kube-apiserver
# --endpoint-reconciler-type=none: with an advertise address on loopback the default (lease) reconciler refuses
# to start ("may not be in the loopback range"); the `kubernetes` Service then has no endpoints, which nothing here uses.
# The static token's group system:masters is bound to cluster-admin by RBAC's bootstrap policy.
t=$(ms)
"$K/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
  --endpoint-reconciler-type=none \
  --tls-cert-file="$D/apiserver.crt" --tls-private-key-file="$D/apiserver.key" --client-ca-file="$D/ca.crt" \
  --token-auth-file="$D/tokens.csv" --authorization-mode=RBAC \
  --service-account-issuer="https://127.0.0.1:$API_PORT" \
  --service-account-key-file="$D/sa.pub" --service-account-signing-key-file="$D/sa.key" \
  --service-cluster-ip-range=10.96.0.0/24 >apiserver.log 2>&1 &
PIDS+=($!)
wait_for apiserver.log $! 120 curl -fsS --cacert "$D/ca.crt" -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$API_PORT/readyz"
API_MS=$(( $(ms) - t ))

# --- kube-controller-manager
t=$(ms)
"$K/kube-controller-manager" --kubeconfig="$D/kubeconfig" \
  --authentication-kubeconfig="$D/kubeconfig" --authorization-kubeconfig="$D/kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
  --service-account-private-key-file="$D/sa.key" --root-ca-file="$D/ca.crt" \
  --use-service-account-credentials=false --controllers='*' >kcm.log 2>&1 &
PIDS+=($!)
wait_for kcm.log $! 120 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
KCM_MS=$(( $(ms) - t ))

# --- kubectl: what the StorageClass resource will make
"$K/kubectl" "${KC[@]}" get ns
"$K/kubectl" "${KC[@]}" -n default create secret generic smoke-heketi --type=kubernetes.io/glusterfs --from-literal=key=smoke-secret
"$K/kubectl" "${KC[@]}" apply -f - <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: smoke-glusterfs}
provisioner: kubernetes.io/glusterfs
parameters:
  resturl: "http://127.0.0.1:8080"
  clusterid: "0123456789abcdef0123456789abcdef"
  restauthenabled: "true"
  restuser: "admin"
  secretNamespace: "default"
  secretName: "smoke-heketi"
  volumetype: "replicate:3"
EOF
"$K/kubectl" "${KC[@]}" get storageclass
[ "$("$K/kubectl" "${KC[@]}" get storageclass smoke-glusterfs -o jsonpath='{.parameters.clusterid}')" = 0123456789abcdef0123456789abcdef ]
[ "$("$K/kubectl" "${KC[@]}" -n default get secret smoke-heketi -o jsonpath='{.type}')" = kubernetes.io/glusterfs ]
[ "$("$K/kubectl" "${KC[@]}" -n default get secret smoke-heketi -o jsonpath='{.data.key}' | base64 -d)" = smoke-secret ]
"$K/kubectl" "${KC[@]}" delete storageclass smoke-glusterfs
"$K/kubectl" "${KC[@]}" -n default delete secret smoke-heketi
# the controller manager's service-account controller makes the default ServiceAccount of each namespace
t=$(ms)
wait_for kcm.log "${PIDS[2]}" 60 "$K/kubectl" "${KC[@]}" -n default get serviceaccount default
SA_MS=$(( $(ms) - t ))
if [ $# -gt 0 ]; then (cd "$ROOT" && KUBECONFIG=$D/kubeconfig "$@"); fi
echo "TIMING etcd-ready ${ETCD_MS}ms kube-apiserver-ready ${API_MS}ms kube-controller-manager-healthy ${KCM_MS}ms default-serviceaccount +${SA_MS}ms"
echo "kube-smoke: passed (kubernetes v$PGFS_KUBERNETES_VERSION, etcd v$PGFS_ETCD_VERSION)"
