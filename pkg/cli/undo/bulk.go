package undo

import (
	"context"
	"fmt"

	"github.com/a0meta/a0meta/pkg/bulk"
	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/meta"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/spf13/cobra"
)

// RunBulk reverts the bulk run opts.Run: every user's writes in the run
// composed into one entry (history.RunTargets) and undone like a single
// entry, through the bulk machinery. A user changed since the run fails
// with the changed-since refusal, so the run exits 6.
func RunBulk(cmd *cobra.Command, f *cmdutil.Factory, opts *Options, yes bool) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	log, err := opts.Log(s)
	if err != nil {
		return err
	}
	entries, starts, _, err := log.ReadRuns()
	if err != nil {
		return err
	}
	run := opts.Run
	if run == "last" {
		run = history.LastRun(entries, starts, func(d string) bool { return sameTenant(d, s.Domain.Value) })
		if run == "" {
			return failure.NotFoundf("no bulk run recorded on %s to undo (see a0meta history)", s.Domain.Value)
		}
		wrote := false
		for _, e := range entries {
			if e.Run == run {
				wrote = true
				break
			}
		}
		if !wrote {
			// Not an older run instead: the user means this one.
			fmt.Fprintf(opts.IO.ErrOut, "The last bulk run %s on %s wrote nothing; nothing to undo, nothing sent\n", run, s.Domain.Value)
			return nil
		}
	}
	composed := history.RunTargets(entries, run)
	if len(composed) == 0 {
		return failure.NotFoundf("no history entry of bulk run %q (see a0meta history)", run)
	}
	byID := make(map[string]history.Entry, len(composed))
	targets := make([]bulk.Target, 0, len(composed))
	var kind metaops.Kind
	for i, e := range composed {
		if !sameTenant(e.Domain, s.Domain.Value) {
			hint := ""
			if e.Profile != "" {
				hint = fmt.Sprintf(" (run it with -p %s)", e.Profile)
			}
			return failure.Usagef("bulk run %s wrote to %s%s, not to this run's tenant %s; nothing sent", run, e.Domain, hint, s.Domain.Value)
		}
		k, err := kindOf(e)
		if err != nil {
			return err
		}
		if i == 0 {
			kind = k
		} else if k != kind || k == metaops.ClientMetadata {
			return failure.Usagef("bulk run %s wrote more than one field; undo its entries one by one", run)
		}
		byID[e.Target] = e
		targets = append(targets, bulk.Target{Input: e.Target})
	}
	plan := func(ctx context.Context, api metaops.API, t metaops.Target) (*metaops.ChangeResult, error) {
		e, ok := byID[t.ID]
		if !ok {
			return nil, failure.New(failure.General, "%s has no write in run %s", t.ID, run)
		}
		t2, doc, err := metaops.Read(ctx, api, kind, t.ID)
		if err != nil {
			return nil, err
		}
		up, err := history.PlanUndo(e, doc, opts.Force)
		if err != nil {
			return nil, err
		}
		return metaops.Prepared(t2, up.Edit(doc))
	}
	// The id is always named, so what "last" meant can be checked.
	what := fmt.Sprintf("undo run %s (%s)", run, kind.Field())
	if opts.Run == "last" {
		what = fmt.Sprintf("undo the last bulk run %s (%s)", run, kind.Field())
	}
	// Writes of the run whose records were rotated away cannot be undone:
	// say so first, and fail the run (exit 6) at the end.
	whole, err := log.RunStarted(run)
	if err != nil {
		return err
	}
	if !whole {
		cmdutil.Warn(opts.IO.ErrOut, fmt.Sprintf("the oldest writes of run %s are no longer in the history (rotated away; see history.max_size_mb): only the %d user(s) still recorded are reverted", run, len(targets)))
	}
	err = meta.RunBulkPlan(cmd, f, meta.BulkPlan{
		Concurrency: opts.Concurrency, Journal: opts.Journal, Max: opts.Max, Yes: yes,
		DryRun: opts.DryRun, JSON: opts.Output == "json", Kind: kind,
		What: what, Operation: "undo run " + run + " " + kind.Field(),
		Undoes: "run " + run, Targets: targets, Plan: plan,
	})
	if err == nil && !whole {
		return failure.New(failure.Partial, "run %s is only partly in the history: users whose writes were rotated away are not reverted", run)
	}
	return err
}
