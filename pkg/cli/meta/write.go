package meta

import (
	"context"
	"fmt"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/textdiff"
	"github.com/spf13/cobra"
)

// writeOptions are shared by set, unset, clear and edit.
type writeOptions struct {
	common
	DryRun bool
	Diff   bool
}

func addWriteFlags(cmd *cobra.Command, w *writeOptions) {
	cmd.Flags().BoolVar(&w.DryRun, "dry-run", false, "Read, then print the exact PATCH body on stdout instead of sending it")
	addOutputFlag(cmd, &w.Output, "", "Output format: "+formatList(writeFormats)+" prints the resulting metadata on stdout", writeFormats)
	cmd.Flags().BoolVar(&w.Diff, "diff", false, "Show a unified diff of the metadata before and after on stderr")
}

// confirmFunc may stop a planned change before it is sent.
type confirmFunc func(*metaops.ChangeResult) (bool, error)

// write plans one change, shows its diff, asks confirm (when given and
// something would be sent), sends it unless it is a dry run, and reports.
// set, unset and clear differ only in the change they build.
func (w *writeOptions) write(ctx context.Context, ch metaops.Change, confirm confirmFunc) error {
	api, err := w.API()
	if err != nil {
		return err
	}
	res, err := metaops.Plan(ctx, api, ch)
	if err != nil {
		return err
	}
	if w.Diff {
		w.printDiff(res.Edit.Before, res.Edit.After)
	}
	if !w.DryRun {
		if confirm != nil && res.Body != nil {
			ok, err := confirm(res)
			if err != nil {
				return err
			}
			if !ok {
				return cmdutil.ErrCancelled
			}
		}
		if err := metaops.Send(ctx, api, res); err != nil {
			return err
		}
	}
	return w.report(res, describeOps(res.Edit))
}

// summary is the one line every write prints on stderr: what changed (or
// would, or did not) in which field of which target on which tenant.
func (w *writeOptions) summary(res *metaops.ChangeResult, change string) string {
	what := w.targetDesc(res.Target.ID)
	switch {
	case res.Body == nil:
		return fmt.Sprintf("No change to %s: %s; nothing sent", what, change)
	case w.DryRun:
		return fmt.Sprintf("Dry run: would update %s: %s; nothing sent", what, change)
	}
	return fmt.Sprintf("Updated %s: %s", what, change)
}

// report prints the outcome of a write: on a dry run the exact body on
// stdout; the warnings and the summary line on stderr; after a real write
// with -o json, the resulting metadata on stdout.
func (w *writeOptions) report(res *metaops.ChangeResult, change string) error {
	if w.DryRun && res.Body != nil {
		fmt.Fprintf(w.IO.Out, "%s\n", res.Body)
	}
	for _, msg := range res.Warnings {
		cmdutil.Warn(w.IO.ErrOut, msg)
	}
	fmt.Fprintln(w.IO.ErrOut, w.summary(res, change))
	if w.Output == "json" && !w.DryRun {
		return printValue(w.IO.Out, res.Stored, "json", false)
	}
	return nil
}

// printDiff shows on stderr how the field changes, coloured when stderr is
// a terminal and colour is wanted; nothing when it does not change.
func (w *writeOptions) printDiff(before, after []byte) {
	d := textdiff.JSON(w.kind().Field(), before, after)
	if d == nil {
		return
	}
	if w.IO.ColorStderr() {
		d = textdiff.Colorize(d)
	}
	w.IO.ErrOut.Write(d)
}
