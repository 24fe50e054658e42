// Package undo is `a0meta undo`: put back what a recorded write changed, as
// a new recorded write.
package undo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/bulk"
	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/textdiff"
	"github.com/spf13/cobra"
)

// Options are the dependencies, flags and argument of `undo`.
type Options struct {
	IO       *iostreams.IOStreams
	API      func() (metaops.API, error)
	Settings func() (*config.Settings, error)
	Log      func(*config.Settings) (*history.Log, error)
	// Where names the tenant (and profile) in messages, once API has run.
	Where func() string

	ID    string
	Last  bool
	Force bool
	// Run reverts a whole bulk run ("last": the newest run on this tenant).
	Run         string
	Journal     string
	Max         int
	Concurrency int
	DryRun      bool
	Diff        bool
	Output      string
}

// NewCmdUndo returns `a0meta undo`; runF replaces the run in tests.
func NewCmdUndo(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, API: f.API, Settings: f.Settings, Log: f.HistoryLog, Where: f.Where}
	cmd := &cobra.Command{
		Use:   "undo [ID | --last | --run RUN]",
		Short: "Put back the root keys a recorded write changed",
		Long: `Restore the value each root key had before a recorded write (see a0meta
history): ID names the entry (a unique prefix of at least 4 characters
will do), --last the newest write done on this run's tenant. When the
newest write there has an unknown outcome (it may or may not have been
applied), --last sends nothing and exits 1 naming it: check, then undo it
by ID.

The field is read first. If a root key the entry touched no longer holds,
by meaning, what the entry left there, someone changed it since: nothing is
sent and the exit code is 1, naming the key, unless --force. Keys the entry
did not touch are never sent. The undo is itself a recorded write, so
undoing it redoes the change. --dry-run prints the exact PATCH body instead
of sending it; --diff shows the change on stderr.

--run RUN reverts every write of a bulk run (see a0meta history --run; "last"
names the newest run on this tenant) with the machinery of bulk runs: paced,
--journal to resume, --max, --yes, progress and one result a line with -o
json. Each user's writes in the run are undone together, newest first, in
one PATCH; a user changed since the run is reported as failed (exit 6) and
the others are restored. The revert is itself a recorded run.`,
		Example: `  # take back the newest change on this tenant
  a0meta undo --last

  # look first: the exact PATCH body and a diff, nothing sent
  a0meta undo --last --dry-run --diff

  # find an entry's id (a unique prefix of 4 or more characters will do)
  a0meta history --user jane.doe@example.com

  # revert the newest bulk run, users changed since it left alone
  a0meta user meta set --users-from users.txt --app plan=pro --yes
  a0meta undo --run last --yes`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = strings.TrimSpace(args[0])
			}
			given := 0
			for _, g := range []bool{opts.ID != "", opts.Last, opts.Run != ""} {
				if g {
					given++
				}
			}
			if given != 1 {
				return failure.Usagef("undo takes one history entry: an ID (see a0meta history), --last, or a bulk run with --run")
			}
			if opts.Run == "" && (opts.Journal != "" || opts.Max != 0 || cmd.Flags().Changed("concurrency")) {
				return failure.Usagef("--journal, --max and --concurrency go with --run")
			}
			if opts.Run != "" && opts.Diff {
				return failure.Usagef("--diff works on one entry, not with --run")
			}
			if opts.Output != "" {
				if err := cmdutil.OneOf("output", opts.Output, "json"); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Run != "" {
				yes, _ := cmd.Flags().GetBool("yes")
				return RunBulk(cmd, f, opts, yes)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Last, "last", false, "Undo the newest write done on this run's tenant")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Restore even root keys that were changed since the entry")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "Read, then print the exact PATCH body on stdout instead of sending it")
	cmd.Flags().BoolVar(&opts.Diff, "diff", false, "Show a unified diff of the metadata before and after on stderr")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output format: json prints the resulting metadata on stdout (with --run: one result a line)")
	cmd.Flags().StringVar(&opts.Run, "run", "", "Revert every write of this bulk run (last: the newest run on this tenant)")
	cmd.Flags().StringVar(&opts.Journal, "journal", "", "With --run: record each finished user in FILE; the same command with the same FILE skips them")
	cmd.Flags().IntVar(&opts.Max, "max", 0, "With --run: refuse to start when more than N users would be touched")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", bulk.DefaultConcurrency, "With --run: users worked on at once")
	cmdutil.MarkWrite(cmd, false)
	return cmd
}

// Run undoes the entry the options name.
func Run(ctx context.Context, opts *Options) error {
	s, err := opts.Settings()
	if err != nil {
		return withProfileHint(opts, err)
	}
	log, err := opts.Log(s)
	if err != nil {
		return err
	}
	entries, _, err := log.Read()
	if err != nil {
		return err
	}
	e, err := pick(entries, opts, s)
	if err != nil {
		return err
	}
	if !sameTenant(e.Domain, s.Domain.Value) {
		hint := ""
		if e.Profile != "" {
			hint = fmt.Sprintf(" (run it with -p %s)", e.Profile)
		}
		return failure.Usagef("history entry %s was written to %s%s, not to this run's tenant %s; nothing sent", e.ID, e.Domain, hint, s.Domain.Value)
	}
	kind, err := kindOf(e)
	if err != nil {
		return err
	}
	api, err := opts.API()
	if err != nil {
		return err
	}
	t, doc, err := metaops.Read(ctx, api, kind, e.Target)
	if err != nil {
		return err
	}
	// With --last the entry is named by what it changed, not by its id,
	// so the lines of a scripted undo do not vary from run to run.
	name := e.ID
	if opts.Last {
		name = "the last write"
	}
	plan, err := history.PlanUndo(e, doc, opts.Force)
	var changed *history.ChangedSinceError
	if errors.As(err, &changed) {
		return failure.Wrap(failure.General, err, "not undoing %s", name) // exit 1, naming the keys
	}
	if err != nil {
		return err
	}
	if opts.Diff {
		if d := textdiff.JSON(kind.Field(), doc, plan.After); d != nil {
			if opts.IO.ColorStderr() {
				d = textdiff.Colorize(d)
			}
			opts.IO.ErrOut.Write(d)
		}
	}
	what := fmt.Sprintf("%s of %s %s on %s", kind.Field(), kind.Noun(), t.ID, opts.Where())
	if plan.Patch == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Nothing to undo for %s: %s already as before it; nothing sent\n", name, what)
		return printStored(opts, plan.After)
	}
	res, err := metaops.Prepared(t, plan.Edit(doc))
	if err != nil {
		return err
	}
	if opts.DryRun {
		fmt.Fprintf(opts.IO.Out, "%s\n", res.Body)
		fmt.Fprintf(opts.IO.ErrOut, "Dry run: would undo %s in %s: restore %s; nothing sent\n", name, what, strings.Join(plan.Roots, ", "))
		return nil
	}
	if err := metaops.Send(history.WithTags(ctx, history.Tags{Undoes: e.ID}), api, res); err != nil {
		return err
	}
	for _, w := range res.Warnings {
		cmdutil.Warn(opts.IO.ErrOut, w)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Undid %s in %s: restored %s\n", name, what, strings.Join(plan.Roots, ", "))
	return printStored(opts, res.Stored)
}

func printStored(opts *Options, doc []byte) error {
	if opts.Output != "json" || opts.DryRun {
		return nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err := opts.IO.Out.Write(out.Bytes())
	return err
}

// pick finds the entry: by id, or the newest done on this run's tenant.
func pick(entries []history.Entry, opts *Options, s *config.Settings) (history.Entry, error) {
	if !opts.Last {
		e, err := history.Find(entries, opts.ID)
		var nf *history.NotFoundError
		var amb *history.AmbiguousError
		switch {
		case errors.As(err, &nf):
			return e, failure.Wrap(failure.NotFound, err, "")
		case errors.As(err, &amb):
			return e, failure.Wrap(failure.Usage, err, "")
		}
		return e, err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !sameTenant(e.Domain, s.Domain.Value) {
			continue
		}
		switch e.Status {
		case history.StatusDone:
			return e, nil
		case history.StatusUnknown, history.StatusPending:
			// Skipping it would undo the write before it while this one
			// may stand (a pending write's process died, or is still
			// sending): the user must look first.
			check := "a0meta get"
			if kind, err := kindOf(e); err == nil {
				check = metaops.CheckCommand(metaops.Target{Kind: kind, ID: e.Target})
			}
			return e, failure.New(failure.General, "the newest write on %s, history entry %s, may or may not have been applied (its outcome is unknown, see a0meta history); nothing sent\ncheck with: %s\nthen, to put back what it changed: a0meta undo %s",
				s.Domain.Value, e.ID, check, e.ID)
		}
	}
	return history.Entry{}, failure.NotFoundf("no recorded write done on %s to undo (see a0meta history)", s.Domain.Value)
}

func sameTenant(a, b string) bool {
	if a == b {
		return true
	}
	na, _, errA := config.NormalizeDomain(a)
	nb, _, errB := config.NormalizeDomain(b)
	return errA == nil && errB == nil && na == nb
}

func kindOf(e history.Entry) (metaops.Kind, error) {
	for _, k := range []metaops.Kind{metaops.UserMetadata, metaops.AppMetadata, metaops.ClientMetadata} {
		if k.Field() == e.Field && k.Noun() == e.Kind {
			return k, nil
		}
	}
	return 0, failure.New(failure.General, "history entry %s has an unknown field %s of %s", e.ID, e.Field, e.Kind)
}

// withProfileHint adds to a failure to find the tenant (no profile chosen,
// none configured) the profile the entry to undo was written with, so the
// user can repeat the command with -p. It never picks the tenant itself:
// which tenant a write goes to is always the user's explicit choice.
func withProfileHint(opts *Options, err error) error {
	if failure.CodeOf(err) != failure.Usage || opts.Run != "" {
		return err
	}
	log, lerr := opts.Log(nil)
	if lerr != nil {
		return err
	}
	entries, _, lerr := log.Read()
	if lerr != nil || len(entries) == 0 {
		return err
	}
	var e history.Entry
	if opts.Last {
		for i := len(entries) - 1; i >= 0 && e.ID == ""; i-- {
			if st := entries[i].Status; st == history.StatusDone || st == history.StatusUnknown {
				e = entries[i]
			}
		}
	} else if e, lerr = history.Find(entries, opts.ID); lerr != nil {
		return err
	}
	if e.Profile == "" {
		return err
	}
	return failure.Usagef("%s\nthe write to undo went to %s with profile %s: add -p %s", strings.TrimSuffix(err.Error(), "\n"), e.Domain, e.Profile, e.Profile)
}
