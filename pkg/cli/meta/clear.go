package meta

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/spf13/cobra"
)

// ClearOptions are the parsed flags and arguments of `meta clear`.
type ClearOptions struct {
	writeOptions
	Yes bool
}

func clearRun(ctx context.Context, opts *ClearOptions) error {
	var confirm confirmFunc
	if !opts.Yes {
		confirm = func(res *metaops.ChangeResult) (bool, error) {
			return opts.prompt(fmt.Sprintf("Remove all %d root key(s) of %s? [y/N] ",
				len(res.Edit.ChangedRoots), opts.targetDesc(res.Target.ID)))
		}
	}
	return opts.write(ctx, metaops.Change{Kind: opts.kind(), Target: opts.Target, Clear: true}, confirm)
}

// NewCmdClear returns `meta clear`; runF replaces the real run in tests.
func NewCmdClear(f *cmdutil.Factory, noun Noun, runF func(*ClearOptions) error) *cobra.Command {
	opts := &ClearOptions{writeOptions: writeOptions{common: newCommon(f, noun)}}
	var bf bulkFlags
	long := `Remove every key of the field. user_metadata and app_metadata are cleared with
one PATCH of {} (Auth0 then drops app_metadata from the user entirely).

Asks for confirmation on a terminal; elsewhere --yes is required, and without
it nothing is read or sent (exit 2). --dry-run needs no --yes.`
	example := `  a0meta user meta clear 'auth0|jane1' --yes
  a0meta user meta clear 'auth0|jane1' --app --dry-run`
	if noun == Client {
		long = `Remove every key of client_metadata. Auth0 documents only null removal for
client_metadata, so every existing key is sent as null.

Asks for confirmation on a terminal; elsewhere --yes is required, and without
it nothing is read or sent (exit 2). --dry-run needs no --yes.`
		example = `  a0meta client meta clear myclientid123 --yes`
	}
	cmd := &cobra.Command{
		Use:     fmt.Sprintf("clear %s", noun.target()),
		Short:   "Remove all metadata of the field",
		Long:    long + "\n\n" + noun.targetHelp(),
		Example: example,
		Args:    bulkArgs(&bf, cmdutil.ExactArgs(1, noun.target())),
		RunE: func(cmd *cobra.Command, args []string) error {
			if bf.on() {
				return runBulkClear(cmd, f, &opts.writeOptions, &bf, args)
			}
			if err := opts.begin(args, writeFormats); err != nil {
				return err
			}
			if !opts.Yes && !opts.DryRun && !opts.IO.StdinTTY {
				return failure.Usagef("clear removes every key of %s: pass --yes to confirm (stdin is not a terminal, so a0meta cannot ask); nothing was sent", opts.kind().Field())
			}
			if runF != nil {
				return runF(opts)
			}
			return clearRun(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = completion.MetaArgs(f, noun == Client, completion.TargetOnly)
	addAppFlag(cmd, noun, &opts.App)
	addWriteFlags(cmd, &opts.writeOptions)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation")
	addBulkFlags(cmd, noun, &bf, &opts.Yes)
	return cmd
}

func (o *ClearOptions) prompt(question string) (bool, error) {
	fmt.Fprint(o.IO.ErrOut, question)
	line, err := bufio.NewReader(o.IO.In).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}
