package meta

import (
	"fmt"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/spf13/cobra"
)

// UnsetOptions are the parsed flags and arguments of `meta unset`.
type UnsetOptions struct {
	common
	writeFlags
	Paths []metapath.Path
	f     *cmdutil.Factory
}

// NewCmdUnset returns `meta unset`; runF replaces the real run in tests.
func NewCmdUnset(f *cmdutil.Factory, noun Noun, runF func(*UnsetOptions) error) *cobra.Command {
	opts := &UnsetOptions{common: common{Noun: noun}, f: f}
	var bf bulkFlags
	example := `  # remove one nested value, keeping its siblings
  a0meta user meta unset jane.doe@example.com addresses.work

  # remove a root key from app_metadata
  a0meta user meta unset 'auth0|jane1' --app trial_ends

  # remove the first element of an array
  a0meta user meta unset 'auth0|jane1' tags.0`
	if noun == Client {
		example = `  a0meta client meta unset myclientid123 myflavor`
	}
	cmd := &cobra.Command{
		Use:     fmt.Sprintf("unset %s PATH...", noun.target()),
		Aliases: []string{"delete", "rm"},
		Short:   "Remove values at paths, keeping everything else",
		Long: `Remove the value at each dotted PATH with one read and one PATCH of only the
root keys that change (a removed root key is sent as null). Removing a path
that is not there changes nothing, sends nothing and exits 0.`,
		Example: example,
		Args:    bulkArgs(&bf, cmdutil.MinimumArgs(1, noun.target())),
		RunE: func(cmd *cobra.Command, args []string) error {
			if bf.on() {
				return runBulkUnset(cmd, f, &opts.common, &bf, opts.writeFlags, args)
			}
			if err := opts.begin(args, writeFormats...); err != nil {
				return err
			}
			if len(args) < 2 {
				return failure.Usagef("%s: missing PATH\nUsage: %s", cmd.CommandPath(), cmd.UseLine())
			}
			for _, a := range args[1:] {
				p, err := metapath.Parse(a)
				if err != nil {
					return err
				}
				if last := p[len(p)-1]; last == "-1" {
					return failure.Usagef("invalid path %q: -1 means append and only set takes it", a)
				}
				opts.Paths = append(opts.Paths, p)
			}
			if runF != nil {
				return runF(opts)
			}
			ops := make([]metaedit.Op, len(opts.Paths))
			for i, p := range opts.Paths {
				ops[i] = metaedit.UnsetOp(p)
			}
			return runWrite(cmd, f, &opts.common, opts.writeFlags, metaops.Change{
				Kind: opts.kind(), Target: opts.Target, Ops: ops, DryRun: opts.DryRun,
			}, nil)
		},
	}
	addAppFlag(cmd, noun, &opts.App)
	addWriteFlags(cmd, &opts.common, &opts.writeFlags)
	addBulkFlags(cmd, noun, &bf, nil)
	return cmd
}
