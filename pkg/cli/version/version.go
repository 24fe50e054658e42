// Package version is `a0meta version` and the text of `a0meta --version`.
package version

import (
	"fmt"
	"io"
	"runtime"

	"github.com/a0meta/a0meta/pkg/build"
	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are what `version` uses.
type Options struct {
	Out io.Writer
}

// Line is the one line both `a0meta version` and `a0meta --version` print.
func Line() string {
	b := build.Get()
	return fmt.Sprintf("a0meta %s (commit %s, built %s, %s %s/%s)",
		b.Version, b.Commit, b.Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// NewCmdVersion returns `a0meta version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Example: "  a0meta version\n  a0meta --version",
		Args:    cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			return versionRun(&Options{Out: f.IO.Out})
		},
	}
}

func versionRun(opts *Options) error {
	_, err := fmt.Fprintln(opts.Out, Line())
	return err
}
