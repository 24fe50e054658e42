package meta

import (
	"context"
	"fmt"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/spf13/cobra"
)

// UnsetOptions are the parsed flags and arguments of `meta unset`.
type UnsetOptions struct {
	writeOptions
	Paths []metapath.Path
}

// change is the removal of the paths from one target.
func (o *UnsetOptions) change(target string) metaops.Change {
	ops := make([]metaedit.Op, len(o.Paths))
	for i, p := range o.Paths {
		ops[i] = metaedit.UnsetOp(p)
	}
	return metaops.Change{Kind: o.kind(), Target: target, Ops: ops}
}

func unsetRun(ctx context.Context, opts *UnsetOptions) error {
	return opts.write(ctx, opts.change(opts.Target), nil)
}

// NewCmdUnset returns `meta unset`; runF replaces the real run in tests.
func NewCmdUnset(f *cmdutil.Factory, noun Noun, runF func(*UnsetOptions) error) *cobra.Command {
	opts := &UnsetOptions{writeOptions: writeOptions{common: newCommon(f, noun)}}
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
that is not there changes nothing, sends nothing and exits 0.

` + asReadHelp[noun] + noun.targetHelp(),
		Example: example,
		Args:    bulkArgs(&bf, cmdutil.MinimumArgs(1, noun.target())),
		RunE: func(cmd *cobra.Command, args []string) error {
			if bf.on() {
				return runBulkUnset(cmd, f, &opts.writeOptions, &bf, args)
			}
			if err := opts.begin(args, writeFormats); err != nil {
				return err
			}
			if len(args) < 2 {
				return failure.Usagef("%s: missing PATH\nUsage: %s", cmd.CommandPath(), cmd.UseLine())
			}
			for _, a := range args[1:] {
				// "-1" is an ordinary key on an object; on an array the
				// engine refuses it once the field is read.
				p, err := metapath.Parse(a)
				if err != nil {
					return err
				}
				opts.Paths = append(opts.Paths, p)
			}
			if runF != nil {
				return runF(opts)
			}
			return unsetRun(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = completion.MetaArgs(f, noun == Client, completion.PathArgs)
	addAppFlag(cmd, noun, &opts.App)
	addWriteFlags(cmd, &opts.writeOptions)
	addBulkFlags(cmd, noun, &bf, nil)
	return cmd
}

// asReadHelp explains several PATHs; client keys are flat, so only users
// can hit the array case.
var asReadHelp = map[Noun]string{
	User: `All PATHs name elements of the document as read, as jq's del does: on
tags ["a","b","c"], "unset USER tags.0 tags.1" leaves ["c"].

`,
}
