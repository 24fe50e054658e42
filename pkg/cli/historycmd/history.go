// Package historycmd is `a0meta history`: the recorded writes, newest first.
package historycmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"
)

// Options are the flags of `history`.
type Options struct {
	IO     *iostreams.IOStreams
	Log    func() (*history.Log, error)
	User   string
	Client string
	Run    string
	// Tenant is the configured tenant's domain ("" when none): --run last
	// is its newest run.
	Tenant func() string
	Limit  int
	Output string
}

// NewCmdHistory returns `a0meta history`; runF replaces the run in tests.
func NewCmdHistory(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Log: func() (*history.Log, error) {
		// The file's history settings are read when there is a config;
		// listing needs no tenant.
		s, _ := f.Settings()
		return f.HistoryLog(s)
	}, Tenant: func() string {
		s, err := f.Settings()
		if err != nil || s == nil {
			return ""
		}
		return s.Domain.Value
	}}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the recorded writes, newest first",
		Long: `List the writes a0meta recorded, newest first, one line each: the entry id
(for a0meta undo), the time (UTC), the tenant, the target, the field, a short
summary of the root keys changed (+ added, ~ changed, - removed), the undo
it was and the bulk run it belongs to ([run ID]; --run last: the newest
run started on the configured tenant, or on any when none is, the one
a0meta undo --run last reverts), and, unless the write is known done, its status.

Before every PATCH a0meta appends the before-value of each root key it
touches and the body to $XDG_STATE_HOME/a0meta/history.jsonl (else
~/.local/state/a0meta/history.jsonl), and after the answer whether it was
done. -o json prints one JSON object a line with id, time, profile, domain,
kind, target, field, before, body, run (bulk runs only) and status.`,
		Example: `  a0meta history --user jane.doe@example.com
  a0meta history --client myclientid123 --limit 5
  a0meta history -o json | jq -c 'select(.status != "done")'`,
		Args: cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "" {
				if err := cmdutil.OneOf("output", opts.Output, "json"); err != nil {
					return err
				}
			}
			if opts.Limit < 0 {
				return failure.Usagef("invalid --limit %d: give 0 for all, or a positive number", opts.Limit)
			}
			if opts.User != "" && opts.Client != "" {
				return failure.Usagef("--user and --client cannot be combined")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "Only writes to this user (user_id, or the email it was written as)")
	cmd.Flags().StringVar(&opts.Client, "client", "", "Only writes to this client (client_id, or the name it was written as)")
	cmd.Flags().StringVar(&opts.Run, "run", "", "Only the writes of this bulk run (last: the newest run on the tenant)")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "n", 20, "Show at most N entries (0: all)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output format: json (one object a line)")
	return cmd
}

// Run lists the entries.
func Run(opts *Options) error {
	log, err := opts.Log()
	if err != nil {
		return err
	}
	entries, starts, skipped, err := log.ReadRuns()
	if err != nil {
		return err
	}
	if skipped > 0 {
		cmdutil.Warn(opts.IO.ErrOut, fmt.Sprintf("%s: %d unreadable line(s) skipped (a write interrupted mid-record)", log.Path(), skipped))
	}
	if opts.Run == "last" {
		// The run undo --run last means: on the configured tenant, if any.
		var onTenant func(string) bool
		if opts.Tenant != nil {
			if t := opts.Tenant(); t != "" {
				onTenant = func(d string) bool { return sameTenant(d, t) }
			}
		}
		opts.Run = history.LastRun(entries, starts, onTenant)
		if opts.Run == "" {
			opts.Run = "(none)"
		}
	}
	shown := 0
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !Match(e, opts.User, opts.Client, opts.Run) {
			continue
		}
		if opts.Limit > 0 && shown == opts.Limit {
			break
		}
		shown++
		if opts.Output == "json" {
			if err := writeJSON(opts.IO.Out, e); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(opts.IO.Out, Line(e))
	}
	if shown == 0 && opts.Output == "" {
		fmt.Fprintf(opts.IO.ErrOut, "No recorded writes in %s\n", log.Path())
	}
	return nil
}

// Match applies the --user, --client and --run filters.
func Match(e history.Entry, user, client, run string) bool {
	switch {
	case run != "" && e.Run != run:
		return false
	case user != "":
		return e.Kind == "user" && (e.Target == user || strings.EqualFold(e.Input, strings.TrimSpace(user)))
	case client != "":
		return e.Kind == "client" && (e.Target == client || e.Input == client)
	}
	return true
}

func writeJSON(w io.Writer, e history.Entry) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Line is an entry's line: id, time, tenant, target, field, summary.
func Line(e history.Entry) string {
	s := fmt.Sprintf("%s  %s  %s  %s %s  %s  %s", e.ID, e.Time.UTC().Format(time.RFC3339), e.Domain, e.Kind, e.Target, e.Field, Summary(e))
	if e.Undoes != "" {
		s += "  (undo of " + e.Undoes + ")"
	}
	if e.Run != "" {
		s += "  [run " + e.Run + "]"
	}
	switch e.Status {
	case history.StatusFailed:
		s += "  FAILED: " + oneLine(e.Error)
	case history.StatusUnknown:
		s += "  UNKNOWN OUTCOME (may or may not have been applied; check with get): " + oneLine(e.Error)
	case history.StatusPending:
		s += "  PENDING (no answer recorded; check with get)"
	}
	// Targets and errors come from users and servers.
	return cmdutil.Sanitize(s)
}

// Summary names the root keys a write touched: +key added, ~key changed,
// -key removed.
func Summary(e history.Entry) string {
	field := gjson.GetBytes(e.Body, e.Field)
	var parts []string
	gjson.ParseBytes(e.Before).ForEach(func(k, before gjson.Result) bool {
		after := field.Get(metapath.Path{k.String()}.GJSON())
		removed := !after.Exists() || after.Type == gjson.Null
		switch {
		case removed:
			parts = append(parts, "-"+k.String())
		case before.Type == gjson.Null:
			parts = append(parts, "+"+k.String())
		default:
			parts = append(parts, "~"+k.String())
		}
		return true
	})
	if len(parts) == 0 {
		return "(no keys)"
	}
	return strings.Join(parts, " ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// sameTenant compares two tenant domains as configured (scheme, case).
func sameTenant(a, b string) bool {
	if a == b {
		return true
	}
	na, _, errA := config.NormalizeDomain(a)
	nb, _, errB := config.NormalizeDomain(b)
	return errA == nil && errB == nil && na == nb
}
