//go:build tools

// Package tools pins the Kubernetes control plane, kubectl and etcd for scripts/build-kubernetes.sh.
// Nothing here is Kubernetes or etcd source: only module requirements.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
