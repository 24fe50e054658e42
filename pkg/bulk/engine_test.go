package bulk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/tidwall/gjson"
)

func setPlan(t *testing.T, value string) metaops.Change {
	t.Helper()
	a, err := metapath.ParseAssignment("plan=" + value)
	if err != nil {
		t.Fatal(err)
	}
	return metaops.Change{Kind: metaops.AppMetadata, Ops: []metaedit.Op{metaedit.SetOp(a)}}
}

func at(base time.Time, step time.Duration) func(int) time.Time {
	return func(i int) time.Time { return base.Add(time.Duration(i) * step) }
}

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func targetsOf(inputs ...string) []Target {
	ts := make([]Target, len(inputs))
	for i, s := range inputs {
		ts[i] = Target{Input: s, Line: i + 1}
	}
	return ts
}

func collect(res *[]Result, mu *sync.Mutex) func(Result) {
	return func(r Result) {
		mu.Lock()
		*res = append(*res, r)
		mu.Unlock()
	}
}

func TestRunWritesEachUserOnceAndNeverTwoAtOnce(t *testing.T) {
	f := newFake()
	ids := f.seed(40, at(t0, time.Second), nil)
	f.delay = 2 * time.Millisecond
	// Each user named by id and by email, some twice: 40 users, 100 inputs.
	var inputs []string
	for i, id := range ids {
		inputs = append(inputs, id, fmt.Sprintf("u%05d@example.com", i))
		if i%2 == 0 {
			inputs = append(inputs, fmt.Sprintf("U%05d@EXAMPLE.com", i))
		}
	}
	// ReadTargets drops the exact duplicates; the engine the aliases.
	targets, dupes, err := ReadTargets(strings.NewReader(strings.Join(inputs, "\n")), "in")
	if err != nil {
		t.Fatal(err)
	}
	if dupes != 20 || len(targets) != 80 {
		t.Fatalf("targets %d, dupes %d", len(targets), dupes)
	}
	var results []Result
	var mu sync.Mutex
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 8, OnResult: collect(&results, &mu)}, targets)
	if err := sum.Err(); err != nil {
		t.Fatal(err)
	}
	if sum.Changed != 40 || sum.Skipped != 40 || sum.Total != 80 {
		t.Errorf("summary %+v", sum)
	}
	for _, id := range ids {
		if f.patches[id] != 1 {
			t.Errorf("%s patched %d times", id, f.patches[id])
		}
		if got := gjson.Get(f.users[id].app, "plan").String(); got != "pro" {
			t.Errorf("%s plan = %q", id, got)
		}
		if f.bodies[id][0] != `{"app_metadata":{"plan":"pro"}}` {
			t.Errorf("%s body %s", id, f.bodies[id][0])
		}
	}
	if f.maxActive != 1 {
		t.Errorf("at most %d operations on one user at once, want 1", f.maxActive)
	}
	if f.maxIn < 2 || f.maxIn > 8 {
		t.Errorf("max in flight %d, want 2..8", f.maxIn)
	}
	if len(results) != 80 {
		t.Errorf("%d results", len(results))
	}
}

func TestRunFailedUsersDoNotStopTheRun(t *testing.T) {
	f := newFake()
	f.seed(10, at(t0, time.Second), nil)
	f.add("auth0|twin1", "twin@example.com", "2024-02-01T00:00:00.000Z", "")
	f.add("auth0|twin2", "twin@example.com", "2024-02-01T00:00:00.000Z", "")
	f.errFor["auth0|u00003"] = &mgmt.APIError{Status: 429, Message: "Global limit has been reached", Attempts: 6}
	var results []Result
	var mu sync.Mutex
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 3, OnResult: collect(&results, &mu)},
		targetsOf("auth0|u00000", "auth0|nobody", "twin@example.com", "ghost@example.com", "auth0|u00003", "auth0|u00009"))
	if sum.Changed != 2 || sum.Failed != 4 {
		t.Fatalf("summary %+v", sum)
	}
	err := sum.Err()
	if failure.CodeOf(err) != failure.Partial || !strings.Contains(err.Error(), "4 of 6 users failed") {
		t.Errorf("err = %v (code %d)", err, failure.CodeOf(err))
	}
	byInput := map[string]Result{}
	for _, r := range results {
		byInput[r.Input] = r
	}
	if r := byInput["twin@example.com"]; r.Status != Failed || !strings.Contains(r.Err.Error(), "auth0|twin1, auth0|twin2") {
		t.Errorf("ambiguous email: %+v", r)
	}
	if r := byInput["ghost@example.com"]; r.Status != Failed || failure.CodeOf(r.Err) != failure.NotFound {
		t.Errorf("unknown email: %+v", r)
	}
	if r := byInput["auth0|nobody"]; r.Status != Failed || failure.CodeOf(r.Err) != failure.NotFound {
		t.Errorf("unknown id: %+v", r)
	}
	if f.patches["auth0|u00009"] != 1 {
		t.Error("the run stopped at a failed user")
	}
}

func TestRunStopsOnForbidden(t *testing.T) {
	for _, status := range []int{401, 403} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFake()
			ids := f.seed(200, at(t0, time.Second), nil)
			f.errFor[ids[5]] = &mgmt.APIError{Status: status, Message: "Insufficient scope", ErrorCode: "insufficient_scope"}
			f.errFor[ids[7]] = notFound(ids[7])
			f.delay = time.Millisecond
			sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 4}, targetsOf(ids...))
			err := sum.Err()
			if failure.CodeOf(err) != failure.Auth || sum.Fatal == nil {
				t.Fatalf("err = %v (code %d), summary %+v", err, failure.CodeOf(err), sum)
			}
			if sum.NotStarted < 150 {
				t.Errorf("%d users not started; the run went on after a %d", sum.NotStarted, status)
			}
			if f.npatch > 20 {
				t.Errorf("%d users written after a %d", f.npatch, status)
			}
		})
	}
}

func TestRunInterruptBeatsFailures(t *testing.T) {
	f := newFake()
	ids := f.seed(100, at(t0, time.Second), nil)
	f.errFor[ids[0]] = notFound(ids[0])
	stop := make(chan struct{})
	var once sync.Once
	f.onPatch = func(id string, n int) {
		if n == 10 {
			once.Do(func() { close(stop) })
		}
	}
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 4, Stop: stop}, targetsOf(ids...))
	if !sum.Interrupted || sum.Failed != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if c := failure.CodeOf(sum.Err()); c != Interrupted {
		t.Errorf("code %d, want 130", c)
	}
	// Users in flight finished: every user handed out got an outcome.
	if sum.Done()+sum.NotStarted != 100 || sum.NotStarted < 80 {
		t.Errorf("done %d + not started %d", sum.Done(), sum.NotStarted)
	}
	if f.npatch != sum.Changed {
		t.Errorf("%d patches, %d changed", f.npatch, sum.Changed)
	}
}

func TestRunDryRunSendsNothing(t *testing.T) {
	f := newFake()
	f.add("auth0|a", "", "2024-01-01T00:00:00.000Z", `{"plan":"pro"}`)
	f.add("auth0|b", "", "2024-01-01T00:00:01.000Z", `{"plan":"trial"}`)
	var results []Result
	var mu sync.Mutex
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), DryRun: true, OnResult: collect(&results, &mu)}, targetsOf("auth0|a", "auth0|b"))
	if sum.Err() != nil || sum.Changed != 1 || sum.Unchanged != 1 || f.npatch != 0 {
		t.Fatalf("summary %+v, patches %d", sum, f.npatch)
	}
	for _, r := range results {
		want := ""
		if r.UserID == "auth0|b" {
			want = `{"app_metadata":{"plan":"pro"}}`
		}
		if string(r.Body) != want {
			t.Errorf("%s body %q, want %q", r.UserID, r.Body, want)
		}
	}
}

func TestRunPerUserDeadline(t *testing.T) {
	f := newFake()
	f.seed(3, at(t0, time.Second), nil)
	f.delay = 30 * time.Millisecond
	var results []Result
	var mu sync.Mutex
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), PerUser: 10 * time.Millisecond, OnResult: collect(&results, &mu)},
		targetsOf("auth0|u00000", "auth0|u00001"))
	if sum.Failed != 2 {
		t.Fatalf("summary %+v", sum)
	}
	if !strings.Contains(results[0].Err.Error(), "within the deadline of 10ms") {
		t.Errorf("error %v", results[0].Err)
	}
}

func TestJournalResume(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.journal")
	h := JournalHeader{Tenant: "t.example.com", Operation: "op1", Command: "set app_metadata plan=pro"}
	f := newFake()
	ids := f.seed(60, at(t0, time.Second), nil)
	stop := make(chan struct{})
	var once sync.Once
	f.onPatch = func(id string, n int) {
		if n == 25 {
			once.Do(func() { close(stop) })
		}
	}
	j, err := OpenJournal(path, h)
	if err != nil {
		t.Fatal(err)
	}
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 4, Journal: j, Stop: stop}, targetsOf(ids...))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted {
		t.Fatalf("summary %+v", sum)
	}
	first := sum.Changed
	// A torn last line, as a kill mid-write leaves it.
	fh, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(`{"input":"auth0|u00059","user_id":"auth0|u000`)
	fh.Close()

	// Another operation or tenant refuses the journal.
	for _, other := range []JournalHeader{{Tenant: "t.example.com", Operation: "op2", Command: "x"}, {Tenant: "prod.example.com", Operation: "op1", Command: "x"}} {
		if _, err := OpenJournal(path, other); failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), "records another run") {
			t.Errorf("other run: %v", err)
		}
	}

	j, err = OpenJournal(path, h)
	if err != nil {
		t.Fatal(err)
	}
	if j.DoneCount() < first {
		t.Errorf("journal holds %d done, first run changed %d", j.DoneCount(), first)
	}
	f.onPatch = nil
	sum2 := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 4, Journal: j}, targetsOf(ids...))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if sum2.Err() != nil || sum2.Skipped != first || sum2.Changed != 60-first {
		t.Fatalf("resumed summary %+v (first run changed %d)", sum2, first)
	}
	for _, id := range ids {
		if f.patches[id] != 1 {
			t.Errorf("%s patched %d times", id, f.patches[id])
		}
	}
	data, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(data), "\n") || strings.Contains(string(data), `"user_id":"auth0|u000`+"\n") {
		t.Errorf("journal not repaired:\n%s", data)
	}
	if n := strings.Count(string(data), "\n"); n != 61 {
		t.Errorf("journal has %d lines, want header + 60", n)
	}
}

func TestJournalRefusesOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(path, []byte("hello\n"), 0o600)
	if _, err := OpenJournal(path, JournalHeader{Tenant: "t", Operation: "o"}); failure.CodeOf(err) != failure.Usage {
		t.Errorf("err = %v", err)
	}
}

func TestRunContextCancelAbandons(t *testing.T) {
	f := newFake()
	ids := f.seed(50, at(t0, time.Second), nil)
	f.delay = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	f.onPatch = func(string, int) { cancel() }
	sum := Run(ctx, Options{API: f, Change: setPlan(t, "pro"), Concurrency: 2}, targetsOf(ids...))
	if sum.NotStarted < 40 {
		t.Errorf("summary %+v", sum)
	}
	if errors.Is(sum.Fatal, context.Canceled) {
		t.Error("a cancel is no fatal error")
	}
}

// A write whose outcome is unknown says so once, with a command to check
// that keeps the field and quotes the user_id for the shell.
func TestRunUnconfirmedWriteSaysHowToCheckOnce(t *testing.T) {
	f := newFake()
	ids := f.seed(1, at(t0, time.Second), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.failPatch = func(id string) error {
		cancel()
		return &mgmt.UncertainError{Method: "PATCH", Path: mgmt.UserPath(id), Err: context.Canceled}
	}
	var results []Result
	var mu sync.Mutex
	ch := setPlan(t, "pro")
	Run(ctx, Options{API: f, Change: ch, Concurrency: 1, OnResult: collect(&results, &mu)}, targetsOf(ids...))
	if len(results) != 1 || results[0].Err == nil {
		t.Fatalf("results %+v", results)
	}
	msg := results[0].Err.Error()
	if strings.Count(msg, "check with") != 1 || !strings.Contains(msg, "may or may not have been applied") ||
		!strings.Contains(msg, "'"+ids[0]+"'") {
		t.Errorf("message %q: want one quoted check command", msg)
	}
}

// A user named by id and by email is tried once even when the try fails.
func TestRunDuplicateTriedOnceWhenItFails(t *testing.T) {
	f := newFake()
	f.add("auth0|dup1", "dup@example.com", "2024-02-01T00:00:00.000Z", "")
	tries := 0
	var mu sync.Mutex
	f.failPatch = func(string) error {
		mu.Lock()
		tries++
		mu.Unlock()
		return &mgmt.APIError{Status: 500, Message: "boom", Attempts: 6}
	}
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 2},
		targetsOf("auth0|dup1", "dup@example.com"))
	if tries != 1 || sum.Failed != 1 || sum.Skipped != 1 {
		t.Errorf("%d PATCH tries, summary %+v; want 1 try, 1 failed, 1 skipped", tries, sum)
	}
}
