//go:build tools

// Package tools pins the Pulumi CLI and Node.js language host for scripts/build-pulumi.sh.
// Nothing here is Pulumi source: only module requirements.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
