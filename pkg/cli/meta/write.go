package meta

import (
	"fmt"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/textdiff"
	"github.com/spf13/cobra"
)

// writeFlags are shared by set, unset, clear and edit.
type writeFlags struct {
	DryRun bool
	Diff   bool
}

func addWriteFlags(cmd *cobra.Command, c *common, w *writeFlags) {
	cmd.Flags().BoolVar(&w.DryRun, "dry-run", false, "Read, then print the exact PATCH body on stdout instead of sending it")
	cmd.Flags().StringVarP(&c.Output, "output", "o", "", "Output format: json prints the resulting metadata on stdout")
	cmd.Flags().BoolVar(&w.Diff, "diff", false, "Show a unified diff of the metadata before and after on stderr")
}

// writeFormats are the -o values of the writing verbs.
var writeFormats = []string{"json"}

// confirmFunc may stop a planned change before it is sent.
type confirmFunc func(*metaops.ChangeResult) (bool, error)

// runWrite plans the change, reports it and sends it unless it is a dry run.
func runWrite(cmd *cobra.Command, f *cmdutil.Factory, c *common, w writeFlags, ch metaops.Change, confirm confirmFunc) error {
	dryRun := w.DryRun
	api, err := f.API()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	res, err := metaops.Plan(ctx, api, ch)
	if err != nil {
		return err
	}
	if w.Diff {
		printDiff(f, ch.Kind, res.Edit.Before, res.Edit.After)
	}
	if !dryRun {
		if confirm != nil && res.Body != nil {
			ok, err := confirm(res)
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(f.IO.ErrOut, "Cancelled; nothing sent")
				return nil
			}
		}
		if err := metaops.Send(ctx, api, res); err != nil {
			return err
		}
	}
	return report(f, c, dryRun, res, summary(f, res, ch.Kind, dryRun))
}

// report prints the outcome of a write: on a dry run the exact body on
// stdout; the warnings and the summary line on stderr; after a real write
// with -o json, the resulting metadata on stdout.
func report(f *cmdutil.Factory, c *common, dryRun bool, res *metaops.ChangeResult, line string) error {
	if dryRun && res.Body != nil {
		fmt.Fprintf(f.IO.Out, "%s\n", res.Body)
	}
	printWarnings(f, res)
	fmt.Fprintln(f.IO.ErrOut, line)
	if c.Output == "json" && !dryRun {
		return printValue(f.IO.Out, res.Stored, "json", false)
	}
	return nil
}

// printDiff shows on stderr how the field changes, coloured when stderr is
// a terminal and NO_COLOR is unset; nothing when it does not change.
func printDiff(f *cmdutil.Factory, kind metaops.Kind, before, after []byte) {
	d := textdiff.JSON(kind.Field(), before, after)
	if d == nil {
		return
	}
	if f.IO.ColorStderr() {
		d = textdiff.Colorize(d)
	}
	f.IO.ErrOut.Write(d)
}

func printWarnings(f *cmdutil.Factory, res *metaops.ChangeResult) {
	for _, w := range res.Warnings {
		cmdutil.Warn(f.IO.ErrOut, w)
	}
}
