// Command a0meta edits Auth0 metadata by path. See README.md.
package main

import (
	"os"

	"github.com/a0meta/a0meta/pkg/cli/root"
)

func main() { os.Exit(root.Main()) }
