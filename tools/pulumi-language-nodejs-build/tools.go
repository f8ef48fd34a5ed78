//go:build tools

// Package tools pins the Node.js language host (pulumi-language-nodejs) for scripts/build-pulumi-language-nodejs.sh.
// The host lives in the github.com/pulumi/pulumi/sdk/v3 module up to v3.68.0 (nodejs/cmd/pulumi-language-nodejs;
// from v3.90.0 on it has its own module, which the Go module proxy here does not serve). Its dependencies conflict
// with the v3.259 CLI's, hence a wrapper module of its own (not tools/pulumi-build). Nothing here is Pulumi source.
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
)
