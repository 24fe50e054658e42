// Package version is `a0meta version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/a0meta/a0meta/pkg/build"
	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdVersion returns `a0meta version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Example: "  a0meta version",
		Args:    cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			b := build.Get()
			_, err := fmt.Fprintf(f.IO.Out, "a0meta %s (commit %s, built %s, %s %s/%s)\n",
				b.Version, b.Commit, b.Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
