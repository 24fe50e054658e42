// Package doctor is `a0meta doctor`.
package doctor

import (
	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the flags of `doctor`.
type Options struct{ Output string }

// NewCmdDoctor returns `a0meta doctor`.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return &cobra.Command{Use: "doctor", Hidden: true}
}
