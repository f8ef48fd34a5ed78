//go:build tools

// Package tools pins the Pulumi Kubernetes provider plugin for scripts/build-pulumi-kubernetes.sh.
// Nothing here is pulumi-kubernetes source: only module requirements. The plugin's main package
// (cmd/pulumi-resource-kubernetes) embeds generated files, so the build script copies it from the module
// cache into a temporary folder of this module and generates them there; these are its imports and
// those of its generate.go, so that go.sum covers them.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
