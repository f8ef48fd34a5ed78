//go:build tools

// Package tools pins the Heketi server and CLI for scripts/build-heketi.sh.
// Nothing here is Heketi source: only module requirements (heketi v10.3.0 predates
// Go modules, so go.mod pins every dependency at the commit its glide.lock names).
package tools

import (
	_ "github.com/heketi/heketi"
	_ "github.com/heketi/heketi/client/cli/go"
)
