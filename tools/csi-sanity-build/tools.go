//go:build tools

// Package tools pins csi-sanity (github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity) for
// scripts/build-csi-sanity.sh. Nothing here is csi-test source: only the module requirement;
// go.mod/go.sum are what `go mod tidy` resolves for csi-test v5.6.0 (CSI spec v1.13.0).
package tools

import (
	_ "github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity"
)
