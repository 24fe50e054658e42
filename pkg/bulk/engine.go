package bulk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
)

// Status is the outcome for one user.
type Status string

const (
	Changed   Status = "changed"   // written (or, on a dry run, would be)
	Unchanged Status = "unchanged" // nothing to write
	Failed    Status = "failed"
	Skipped   Status = "skipped" // done in the journal, or the same user as an earlier input
)

// Interrupted is the exit code of a run stopped by Ctrl-C.
const Interrupted = failure.Interrupted

const reasonJournal = "done in the journal"

// errStopped ends the users in flight when another user's 401 or 403 stops
// the run.
var errStopped = errors.New("stopped: the credentials were refused for another user (401 or 403)")

// DefaultConcurrency is the number of users worked on at once.
const DefaultConcurrency = 8

// Result is what happened to one target.
type Result struct {
	Input    string
	UserID   string // "" when the input could not be resolved
	Status   Status
	Err      error  // for Failed
	Reason   string // for Skipped
	Body     []byte // the PATCH body sent (or, on a dry run, that would be); nil: none
	Warnings []string

	inJournal bool // skipped because the journal holds it: not journaled again
}

// Options configure a run.
type Options struct {
	API metaops.API
	// Change is the edit applied to every user: Kind, and Ops or Clear.
	// Its Target is ignored.
	Change metaops.Change
	// Plan, when set, computes each resolved user's change in place of
	// metaops.Plan(Change): undo --run, where every user has before-values
	// of its own. Change.Kind still names the field.
	Plan func(ctx context.Context, api metaops.API, t metaops.Target) (*metaops.ChangeResult, error)
	// DryRun reads and plans every user but sends no PATCH.
	DryRun bool
	// Concurrency is how many users are worked on at once (default 8).
	Concurrency int
	// PerUser bounds the work on one user, retries included (0: none).
	PerUser time.Duration
	// Journal, when set, skips the users it holds as done and records
	// every finished user (not on a dry run).
	Journal *Journal
	// OnResult hears each result, from one goroutine at a time.
	OnResult func(Result)
	// Stop, when closed, stops handing out users; those in flight finish.
	Stop <-chan struct{}
}

// Summary counts a run's results.
type Summary struct {
	Total       int // targets given
	Changed     int
	Unchanged   int
	Failed      int
	Skipped     int
	NotStarted  int  // left undone when the run stopped early
	Interrupted bool // Stop was closed before every user was handed out
	// Fatal is the 401 or 403 that stopped the run: the credentials
	// cannot do this, so no further user is tried.
	Fatal   error
	Elapsed time.Duration
}

// Done is the number of users finished, whatever their status.
func (s Summary) Done() int { return s.Changed + s.Unchanged + s.Failed + s.Skipped }

// Err is the run's outcome as an error with the exit code: 4 for a 401 or
// 403, then 130 for an interrupted run, then 6 when some user failed.
func (s Summary) Err() error {
	switch {
	case s.Fatal != nil:
		return failure.Wrap(failure.Auth, s.Fatal, "stopped after %d of %d users", s.Done(), s.Total)
	case s.Interrupted:
		return failure.New(Interrupted, "interrupted: %d of %d users done, %d not started", s.Done(), s.Total, s.NotStarted)
	case s.Failed > 0:
		return failure.New(failure.Partial, "%d of %d users failed", s.Failed, s.Total)
	}
	return nil
}

// Run applies opts.Change to every target, at most Concurrency at a time
// and never two at once for the same user; a user named twice (an email
// and its user_id) is done once. Each user is read fresh by id and written
// through metaops, exactly as the single-user commands do. A user that
// fails (not found, an ambiguous email, retries run out) is reported and
// the run goes on; a 401 or 403 stops it. Cancelling ctx abandons the
// users in flight; closing opts.Stop lets them finish.
func Run(ctx context.Context, opts Options, targets []Target) Summary {
	start := time.Now()
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := &runner{opts: opts, locks: make(map[string]*userLock), done: make(map[string]struct{})}
	sum := Summary{Total: len(targets)}

	jobs := make(chan Target)
	results := make(chan Result, n)
	var dispatched int
	var stopped bool
	go func() {
		defer close(jobs)
		for i, t := range targets {
			if opts.Journal != nil && opts.Journal.Done(t.Key()) {
				results <- Result{Input: t.Input, Status: Skipped, Reason: reasonJournal, inJournal: true}
				dispatched = i + 1
				continue
			}
			select {
			case jobs <- t:
				dispatched = i + 1
			case <-opts.Stop:
				stopped = true
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		fatalOnce sync.Once
		fatal     error
	)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				res := r.one(ctx, t)
				if res.Status == Failed && failure.CodeOf(res.Err) == failure.Auth && !errors.Is(res.Err, context.Canceled) {
					// The users in flight end with errStopped, not with this
					// error: the client may still scrub the error's fields
					// while the caller reads them.
					fatalOnce.Do(func() { fatal = res.Err })
					cancel(errStopped)
				}
				results <- res
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for res := range results {
		switch res.Status {
		case Changed:
			sum.Changed++
		case Unchanged:
			sum.Unchanged++
		case Failed:
			sum.Failed++
		case Skipped:
			sum.Skipped++
		}
		if opts.Journal != nil && !opts.DryRun && !res.inJournal {
			opts.Journal.Record(res)
		}
		if opts.OnResult != nil {
			opts.OnResult(res)
		}
	}
	// Every goroutine has ended: dispatched and stopped are settled.
	sum.Fatal = fatal
	sum.NotStarted = len(targets) - dispatched
	sum.Interrupted = stopped && sum.NotStarted > 0
	sum.Elapsed = time.Since(start)
	return sum
}

type runner struct {
	opts Options

	mu    sync.Mutex
	locks map[string]*userLock
	done  map[string]struct{} // user_ids tried in this run
}

type userLock struct {
	mu   sync.Mutex
	refs int
}

// lock serialises the work on one user_id.
func (r *runner) lock(id string) func() {
	r.mu.Lock()
	l := r.locks[id]
	if l == nil {
		l = &userLock{}
		r.locks[id] = l
	}
	l.refs++
	r.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		r.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(r.locks, id)
		}
		r.mu.Unlock()
	}
}

// one resolves, reads, edits and writes one user.
func (r *runner) one(ctx context.Context, t Target) Result {
	res := Result{Input: t.Input}
	if r.opts.PerUser > 0 {
		var cancel context.CancelFunc
		ctx, cancel = mgmt.WithDeadline(ctx, r.opts.PerUser)
		defer cancel()
	}
	fail := func(err error) Result {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.Cause(ctx)) {
			err = fmt.Errorf("%w (%v)", context.Cause(ctx), err)
		}
		res.Status, res.Err = Failed, err
		return res
	}
	api := r.opts.API
	kind := r.opts.Change.Kind
	tg, err := metaops.Resolve(ctx, api, kind, t.Input)
	if err != nil {
		return fail(err)
	}
	res.UserID = tg.ID
	if r.opts.Journal != nil && tg.ID != t.Input && r.opts.Journal.Done(tg.ID) {
		res.Status, res.Reason, res.inJournal = Skipped, reasonJournal, true
		return res
	}
	unlock := r.lock(tg.ID)
	defer unlock()
	// A user named twice (by id and by email) is tried once, whatever the
	// outcome: a second try of an append whose answer was lost would
	// append twice.
	r.mu.Lock()
	_, dup := r.done[tg.ID]
	r.done[tg.ID] = struct{}{}
	r.mu.Unlock()
	if dup {
		res.Status, res.Reason = Skipped, "the same user as an earlier input"
		return res
	}
	ch := r.opts.Change
	ch.Target = tg.ID
	var plan *metaops.ChangeResult
	if r.opts.Plan != nil {
		plan, err = r.opts.Plan(ctx, api, tg)
	} else {
		plan, err = metaops.Plan(ctx, api, ch)
	}
	if err != nil {
		return fail(err)
	}
	res.Warnings = plan.Warnings
	res.Body = plan.Body
	if plan.Body == nil {
		res.Status = Unchanged
	} else if !r.opts.DryRun {
		// Send says itself when a change may have been applied.
		if err := metaops.Send(ctx, api, plan); err != nil {
			return fail(err)
		}
		res.Warnings = plan.Warnings
		res.Status = Changed
	} else {
		res.Status = Changed
	}
	return res
}
