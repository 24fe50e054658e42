package meta

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/a0meta/a0meta/pkg/bulk"
	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/cli/user"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"
)

// bulkFlags make `user meta set|unset|clear` work on many users instead of
// one USER.
type bulkFlags struct {
	UsersFrom   string
	Query       string
	Concurrency int
	Journal     string
	Max         int
	yes         *bool
	ownYes      bool
}

func (b *bulkFlags) on() bool { return b.UsersFrom != "" || b.Query != "" }

// addBulkFlags adds the bulk flags to a user verb; yes is the verb's own
// --yes when it has one.
func addBulkFlags(cmd *cobra.Command, noun Noun, b *bulkFlags, yes *bool) {
	if noun != User {
		return
	}
	cmd.Long += bulkHelp
	if ex := bulkExamples[strings.Fields(cmd.Use)[0]]; ex != "" {
		cmd.Example += "\n\n" + ex
	}
	fl := cmd.Flags()
	fl.StringVar(&b.UsersFrom, "users-from", "", "Instead of USER, every user in FILE (- for stdin): a user_id or email a line, or NDJSON lines with a user_id")
	fl.StringVar(&b.Query, "query", "", "Instead of USER, every user matching this Lucene user search query")
	fl.IntVar(&b.Concurrency, "concurrency", bulk.DefaultConcurrency, "With --users-from or --query: users worked on at once")
	fl.StringVar(&b.Journal, "journal", "", "With --users-from or --query: record each finished user in FILE; the same command with the same FILE skips them")
	fl.IntVar(&b.Max, "max", 0, "With --users-from or --query: refuse to start when more than N users would be touched")
	// FILEs complete as files (cobra's default); the rest take no files.
	for _, name := range []string{"query", "concurrency", "max"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	b.yes = yes
	if yes == nil {
		fl.BoolVarP(&b.ownYes, "yes", "y", false, "Do not ask before writing to more than one user (--users-from, --query), or on a profile with confirm: true")
		b.yes = &b.ownYes
	}
}

const bulkHelp = `

Many users: instead of USER, --users-from FILE (- for stdin; a user_id or
email a line, blank lines and # comments skipped, or NDJSON lines with a
user_id as 'user list' prints) or --query LUCENE (every user the search
matches, collected before the first write). The whole input is checked
before any request (a bad line: exit 2, naming it). Each user is read fresh
and written like a single USER; a user named twice is done once, and
requests are paced to the tenant's rate limits. Before writing, the number
of users and the tenant are shown; more than one user needs --yes when
stdin is not a terminal, and --max N refuses more than N. --journal FILE
makes a run resumable, under the same run id (undo --run reverts all of
it); one run at a time uses FILE (it is locked through FILE.lock). Exit 6 when some users failed, 4 on a 401 or 403
(the run stops), 130 on Ctrl-C (users in flight finish; a second Ctrl-C
quits at once).`

var bulkExamples = map[string]string{
	"set": `  # every user listed in a file (a user_id or an email a line)
  a0meta user meta set --users-from users.txt --app plan=pro --yes

  # every user a search matches, resumable with its journal
  a0meta user meta set --query 'app_metadata.plan:"trial"' --app plan=pro --yes --journal plan.journal`,
	"unset": `  # remove a flag from every user who has it
  a0meta user meta unset --query '_exists_:app_metadata.legacy' --app legacy --yes`,
	"clear": `  # review, then clear the user_metadata of the users in a file
  a0meta user meta clear --users-from users.txt --dry-run
  a0meta user meta clear --users-from users.txt --yes`,
}

// bulkArgs lets a bulk run go without USER.
func bulkArgs(b *bulkFlags, single cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if b.on() {
			return nil
		}
		return single(cmd, args)
	}
}

// bulkSignals delivers Ctrl-C to a bulk run; tests replace it.
var bulkSignals = func() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// barThrottle spaces the progress bar's redraws; tests draw every step.
var barThrottle = 100 * time.Millisecond

// bulkExit ends the process on a second Ctrl-C; tests replace it.
var bulkExit = func(code int) { os.Exit(code) }

// runBulk applies ch to every user named by --users-from or --query.
func runBulk(cmd *cobra.Command, f *cmdutil.Factory, w *writeOptions, b *bulkFlags, ch metaops.Change) error {
	c := &w.common
	if c.Output != "" {
		if err := cmdutil.OneOf("output", c.Output, completion.Names(writeFormats)...); err != nil {
			return err
		}
	}
	switch {
	case b.UsersFrom != "" && b.Query != "":
		return failure.Usagef("give --users-from or --query, not both")
	case w.Diff:
		return failure.Usagef("--diff works on one USER, not with --users-from or --query")
	}
	if err := checkBulkFlags(b.Concurrency, b.Max, b.Journal, w.DryRun); err != nil {
		return err
	}
	if err := metaops.Validate(ch.Kind, ch.Ops); err != nil {
		return err
	}
	stderr := f.IO.ErrOut
	// The whole input is read and checked before any request.
	var targets []bulk.Target
	if b.UsersFrom != "" {
		var in io.Reader = f.IO.In
		name := "stdin"
		if b.UsersFrom != "-" {
			fh, err := os.Open(b.UsersFrom)
			if err != nil {
				return failure.Wrap(failure.Usage, err, "--users-from")
			}
			defer fh.Close()
			in, name = fh, b.UsersFrom
		}
		ts, dupes, err := bulk.ReadTargets(in, name)
		if err != nil {
			return err
		}
		if dupes > 0 {
			fmt.Fprintf(stderr, "Skipping %d duplicate line(s) in %s\n", dupes, name)
		}
		targets = ts
	}

	what := bulk.Describe(ch)
	return executeBulk(cmd, f, bulkExec{
		concurrency: b.Concurrency, journal: b.Journal, max: b.Max, yes: *b.yes,
		stdinUsed: b.UsersFrom == "-", json: c.Output == "json", dryRun: w.DryRun,
		change: &ch, what: what, operation: bulk.Fingerprint(ch),
		targets: func(ctx context.Context, api *mgmt.Client) ([]bulk.Target, error) {
			if b.Query == "" {
				return targets, nil
			}
			ts, err := collectQuery(ctx, user.PageDeadline(api, f.Global.Deadline), b.Query)
			if err != nil {
				return nil, interrupted(ctx, err)
			}
			return ts, nil
		},
	})
}

// bulkExec is one bulk run: its flags, what it does to each user, and
// where its users come from.
type bulkExec struct {
	concurrency int
	journal     string
	max         int
	yes         bool
	stdinUsed   bool // stdin holds the input: no prompt
	json        bool
	dryRun      bool
	// change is the edit of every user; or plan computes each user's
	// (undo --run), with kind the field.
	change    *metaops.Change
	plan      func(ctx context.Context, api metaops.API, t metaops.Target) (*metaops.ChangeResult, error)
	kind      metaops.Kind
	what      string // "set app_metadata.plan", in messages
	operation string // the journal's fingerprint of the run
	undoes    string // recorded with every write (undo --run)
	// targets gives the users once the client exists (a query needs it).
	targets func(ctx context.Context, api *mgmt.Client) ([]bulk.Target, error)
}

// executeBulk runs a bulk run: the journal, the paced client, the users,
// --max, the confirmation, progress, the run itself (recorded in the
// history under a run id of its own), and the summary.
func executeBulk(cmd *cobra.Command, f *cmdutil.Factory, e bulkExec) error {
	stderr := f.IO.ErrOut
	settings, err := f.Settings()
	if err != nil {
		return err
	}
	// The journal is checked (another run's? in use? a torn line?) before
	// any request too. A resumed run keeps the run id in its journal, so
	// undo --run reverts the whole run.
	run := history.NewID()
	var journal *bulk.Journal
	if e.journal != "" {
		journal, err = bulk.OpenJournal(e.journal, bulk.JournalHeader{
			Tenant:    settings.Domain.Value,
			Operation: e.operation,
			Command:   e.what,
			Run:       run,
		})
		if err != nil {
			return err
		}
		defer journal.Close()
		run = journal.Run
	}

	pacer := bulk.NewPacer()
	f.Transport = mgmt.GatedTransport(mgmt.PooledTransport(e.concurrency+2), pacer)
	// The client without the command's overall deadline: --deadline
	// bounds each user instead.
	api, err := f.Client()
	if err != nil {
		return err
	}
	tenant := f.Where()
	targets, err := e.targets(cmd.Context(), api)
	if err != nil {
		return err
	}

	pending := len(targets)
	if journal != nil {
		pending = 0
		for _, t := range targets {
			if !journal.Done(t.Key()) {
				pending++
			}
		}
	}
	what := e.what
	done := len(targets) - pending
	note := ""
	if done > 0 {
		note = fmt.Sprintf(" (%d more already done in the journal)", done)
	}
	if e.max > 0 && pending > e.max {
		return failure.Usagef("%d users would be touched on %s, more than --max %d; nothing was sent", pending, tenant, e.max)
	}
	clear := e.change != nil && e.change.Clear
	if e.dryRun {
		fmt.Fprintf(stderr, "Dry run: would %s for %d user(s) on %s%s; nothing is sent\n", what, pending, tenant, note)
	} else {
		fmt.Fprintf(stderr, "About to %s for %d user(s) on %s%s\n", what, pending, tenant, note)
		// clear asks even for one user, as it does for a single USER, and
		// so does every write on a profile with confirm: true.
		if (pending > 1 || (clear || settings.Confirm) && pending == 1) && !e.yes {
			if !f.IO.StdinTTY || e.stdinUsed {
				if clear {
					return failure.Usagef("clear removes every key of %s: pass --yes to confirm (stdin is not a terminal, so a0meta cannot ask); nothing was sent", e.change.Kind.Field())
				}
				return failure.Usagef("writing to %d users needs --yes (stdin is not a terminal, so a0meta cannot ask); nothing was sent", pending)
			}
			ok, err := bulkPrompt(cmd.Context(), f, "Go ahead? [y/N] ")
			if err != nil {
				return err
			}
			if !ok {
				return cmdutil.ErrCancelled
			}
		}
	}

	rep := newBulkReporter(f, e.json, e.dryRun, pending)
	stop := make(chan struct{})
	finished := make(chan struct{})
	sigs, release := bulkSignals()
	defer release()
	go func() {
		select {
		case <-sigs:
		case <-finished:
			return
		}
		close(stop)
		rep.note("Interrupted: finishing the users in flight; Ctrl-C again to quit at once")
		select {
		case <-sigs:
			rep.note("Interrupted again: quitting")
			rep.flush()
			bulkExit(int(bulk.Interrupted))
		case <-finished:
		}
	}()
	// The run outlives the first Ctrl-C (which cancels the command's
	// context) so the users in flight finish. Its writes are recorded in
	// the history under one run id (a0meta history --run, undo --run).
	if !e.dryRun {
		f.StartRun(run)
	}
	runCtx := history.WithTags(context.WithoutCancel(cmd.Context()), history.Tags{Run: run, Undoes: e.undoes})
	opts := bulk.Options{
		API:         api,
		DryRun:      e.dryRun,
		Concurrency: e.concurrency,
		PerUser:     f.Global.Deadline,
		Journal:     journal,
		OnResult:    rep.result,
		Stop:        stop,
		Plan:        e.plan,
	}
	if e.change != nil {
		opts.Change = *e.change
	} else {
		opts.Change = metaops.Change{Kind: e.kind}
	}
	sum := bulk.Run(runCtx, opts, targets)
	close(finished)
	rep.finish()
	var journalErr error
	if journal != nil {
		journalErr = journal.Close()
	}
	fmt.Fprintln(stderr, bulkSummary(sum, what, tenant, e.dryRun))
	if os.Getenv("A0META_BULK_STATS") != "" {
		// Figures for benchmarks (docs/performance.md).
		fmt.Fprintf(stderr, "run: %d changed in %.3fs\n", sum.Changed, sum.Elapsed.Seconds())
		for bk, st := range pacer.Stats() {
			fmt.Fprintf(stderr, "bucket %s: %d answers, %d answered 429, limit %d, rate %.2f/s\n", bk, st.Answers, st.Throttled, st.Limit, st.Rate)
		}
	}
	if err := sum.Err(); err != nil || journalErr == nil {
		if journalErr != nil {
			cmdutil.Warn(stderr, journalErr.Error())
		}
		return err
	}
	// Every user is done, but a rerun could not tell which.
	return failure.Wrap(failure.General, journalErr, "the run is complete but its journal is not")
}

func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return failure.New(bulk.Interrupted, "interrupted while searching; nothing was sent")
	}
	return err
}

// collectQuery takes every matching user_id before anything is written,
// so the run's own writes cannot move users out of a page still to come.
func collectQuery(ctx context.Context, s bulk.Searcher, q string) ([]bulk.Target, error) {
	var ts []bulk.Target
	seen := make(map[string]struct{})
	err := bulk.WalkQuery(ctx, s, q, []string{"user_id"}, func(u json.RawMessage) error {
		id := gjson.GetBytes(u, "user_id").String()
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			ts = append(ts, bulk.Target{Input: id})
		}
		return nil
	})
	return ts, err
}

func bulkSummary(s bulk.Summary, what, tenant string, dryRun bool) string {
	var b strings.Builder
	if dryRun {
		fmt.Fprintf(&b, "Dry run: %s on %s: ", what, tenant)
	} else {
		fmt.Fprintf(&b, "%s on %s: ", capitalize(what), tenant)
	}
	verb := "changed"
	if dryRun {
		verb = "would change"
	}
	fmt.Fprintf(&b, "%d %s, %d unchanged, %d failed, %d skipped", s.Changed, verb, s.Unchanged, s.Failed, s.Skipped)
	if s.NotStarted > 0 {
		fmt.Fprintf(&b, ", %d not started", s.NotStarted)
	}
	fmt.Fprintf(&b, " of %d user(s)", s.Total)
	if secs := s.Elapsed.Seconds(); secs >= 1 {
		fmt.Fprintf(&b, " in %s (%.1f users/s)", s.Elapsed.Round(time.Second), float64(s.Done())/secs)
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// bulkReporter shows a run's results: NDJSON lines on stdout (-o json,
// --dry-run), a progress bar on a terminal, else one line per failure.
type bulkReporter struct {
	mu     sync.Mutex
	out    *bufio.Writer
	errOut io.Writer
	json   bool
	dryRun bool
	bar    *progressbar.ProgressBar
	failed int
}

func newBulkReporter(f *cmdutil.Factory, asJSON, dryRun bool, total int) *bulkReporter {
	r := &bulkReporter{out: bufio.NewWriter(f.IO.Out), errOut: f.IO.ErrOut, json: asJSON, dryRun: dryRun}
	if f.IO.StderrTTY && total > 0 {
		r.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(f.IO.ErrOut),
			progressbar.OptionSetDescription("users"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("users"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(barThrottle),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
		)
	}
	return r
}

// resultLine is one -o json line.
type resultLine struct {
	UserID *string         `json:"user_id"`
	Input  string          `json:"input,omitempty"`
	Status bulk.Status     `json:"status"`
	Body   json.RawMessage `json:"body,omitempty"`
	Error  *string         `json:"error"`
}

// dryRunLine is one --dry-run line: the exact body, or null.
type dryRunLine struct {
	UserID string          `json:"user_id"`
	Body   json.RawMessage `json:"body"`
}

func (r *bulkReporter) result(res bulk.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if res.Status == bulk.Failed {
		r.failed++
		if r.bar != nil {
			r.bar.Describe(fmt.Sprintf("users (%d failed)", r.failed))
		}
	}
	switch {
	case r.json:
		l := resultLine{Status: res.Status}
		if res.UserID != "" {
			id := res.UserID
			l.UserID = &id
		}
		if res.Input != res.UserID {
			l.Input = res.Input
		}
		if r.dryRun && res.Status == bulk.Changed {
			// A rehearsal must not read as a change to a filter on "changed".
			l.Status = "would_change"
		}
		if r.dryRun && res.Status != bulk.Failed {
			l.Body = res.Body
			if l.Body == nil {
				l.Body = json.RawMessage("null")
			}
		}
		if res.Err != nil {
			e := res.Err.Error()
			l.Error = &e
		} else if res.Reason != "" {
			e := res.Reason
			l.Error = &e
		}
		writeJSONLine(r.out, l)
	case r.dryRun && res.UserID != "" && res.Status != bulk.Failed && res.Status != bulk.Skipped:
		body := res.Body
		if body == nil {
			body = json.RawMessage("null")
		}
		writeJSONLine(r.out, dryRunLine{UserID: res.UserID, Body: body})
	}
	if res.Status == bulk.Failed || len(res.Warnings) > 0 {
		r.clearBar()
		who := res.UserID
		if who == "" {
			who = res.Input
		}
		// Inputs and server answers may hold terminal control sequences.
		who = cmdutil.Sanitize(who)
		for _, w := range res.Warnings {
			fmt.Fprintf(r.errOut, "a0meta: warning: %s: %s\n", who, cmdutil.Sanitize(w))
		}
		if res.Status == bulk.Failed {
			fmt.Fprintf(r.errOut, "a0meta: %s: %s\n", who, cmdutil.Sanitize(res.Err.Error(), true))
		}
	}
	if r.bar != nil {
		_ = r.bar.Add(1)
	}
}

func (r *bulkReporter) clearBar() {
	if r.bar != nil {
		_ = r.bar.Clear()
	}
}

// note prints a line on stderr, above the bar.
func (r *bulkReporter) note(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clearBar()
	fmt.Fprintln(r.errOut, msg)
}

func (r *bulkReporter) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.out.Flush()
}

func (r *bulkReporter) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar != nil {
		_ = r.bar.Finish()
		_ = r.bar.Clear()
	}
	_ = r.out.Flush()
}

func writeJSONLine(w io.Writer, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	_, _ = w.Write(b.Bytes())
}

// runBulkSet is `set` with --users-from or --query: every argument is an
// assignment.
func runBulkSet(cmd *cobra.Command, f *cmdutil.Factory, w *writeOptions, b *bulkFlags, args []string, specs []fileSpec) error {
	for i, s := range specs {
		if b.UsersFrom == "-" && strings.HasSuffix(s.spec, "=-") {
			return failure.Usagef("--users-from - and %q both want stdin", s.spec)
		}
		// No USER came before the file flags: count as if one had.
		specs[i].seen++
	}
	as, err := collectAssignments(args, specs, f.IO.In)
	if err != nil {
		return err
	}
	if len(as) == 0 {
		return failure.Usagef("%s: nothing to set: give PATH=VALUE, PATH:=JSON, --value-file or --json-file", cmd.CommandPath())
	}
	ops := make([]metaedit.Op, len(as))
	for i, a := range as {
		ops[i] = metaedit.SetOp(a)
	}
	return runBulk(cmd, f, w, b, metaops.Change{Kind: w.kind(), Ops: ops})
}

// runBulkUnset is `unset` with --users-from or --query: every argument is
// a PATH.
func runBulkUnset(cmd *cobra.Command, f *cmdutil.Factory, w *writeOptions, b *bulkFlags, args []string) error {
	if len(args) == 0 {
		return failure.Usagef("%s: missing PATH", cmd.CommandPath())
	}
	ops := make([]metaedit.Op, 0, len(args))
	for _, a := range args {
		p, err := metapath.Parse(a)
		if err != nil {
			return err
		}
		ops = append(ops, metaedit.UnsetOp(p))
	}
	return runBulk(cmd, f, w, b, metaops.Change{Kind: w.kind(), Ops: ops})
}

// runBulkClear is `clear` with --users-from or --query: no argument.
func runBulkClear(cmd *cobra.Command, f *cmdutil.Factory, w *writeOptions, b *bulkFlags, args []string) error {
	if len(args) > 0 {
		return failure.Usagef("unexpected argument(s) %s: with --users-from or --query give no USER", strings.Join(args, " "))
	}
	return runBulk(cmd, f, w, b, metaops.Change{Kind: w.kind(), Clear: true})
}

// bulkPrompt asks a yes/no question on the terminal; Ctrl-C while it
// waits is an interruption (130), nothing sent.
func bulkPrompt(ctx context.Context, f *cmdutil.Factory, question string) (bool, error) {
	fmt.Fprint(f.IO.ErrOut, question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	case <-ctx.Done():
		fmt.Fprintln(f.IO.ErrOut)
		return false, failure.New(bulk.Interrupted, "interrupted; nothing was sent")
	}
}

// BulkPlan is a bulk run in which every user has a change of its own
// (undo --run), run with the machinery of the bulk verbs: pacing, the
// journal, --max, the confirmation, progress and the summary.
type BulkPlan struct {
	Concurrency int
	Journal     string
	Max         int
	Yes         bool
	DryRun      bool
	JSON        bool // -o json: one result a line
	Kind        metaops.Kind
	What        string // "undo run R", in messages
	Operation   string // the journal's fingerprint of the run
	Undoes      string // recorded with every write
	Targets     []bulk.Target
	// Plan computes one resolved user's change; nil Body: nothing to do.
	Plan func(ctx context.Context, api metaops.API, t metaops.Target) (*metaops.ChangeResult, error)
}

// RunBulkPlan runs p.
func RunBulkPlan(cmd *cobra.Command, f *cmdutil.Factory, p BulkPlan) error {
	if err := checkBulkFlags(p.Concurrency, p.Max, p.Journal, p.DryRun); err != nil {
		return err
	}
	return executeBulk(cmd, f, bulkExec{
		concurrency: p.Concurrency, journal: p.Journal, max: p.Max, yes: p.Yes,
		json: p.JSON, dryRun: p.DryRun, plan: p.Plan, kind: p.Kind,
		what: p.What, operation: p.Operation, undoes: p.Undoes,
		targets: func(context.Context, *mgmt.Client) ([]bulk.Target, error) { return p.Targets, nil },
	})
}

// checkBulkFlags checks the flags every bulk run shares, before any input
// is read or request made.
func checkBulkFlags(concurrency, max int, journal string, dryRun bool) error {
	switch {
	case concurrency < 1:
		return failure.Usagef("invalid --concurrency %d: it must be at least 1", concurrency)
	case max < 0:
		return failure.Usagef("invalid --max %d", max)
	case journal != "" && dryRun:
		return failure.Usagef("--journal records writes; a --dry-run makes none")
	}
	return nil
}
