package history

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestRunTargets(t *testing.T) {
	mk := func(id, target, run, status, before, body string) Entry {
		return Entry{ID: id, Domain: "t", Kind: "user", Field: "app_metadata", Target: target, Run: run, Status: status,
			Before: json.RawMessage(before), Body: json.RawMessage(`{"app_metadata":` + body + `}`)}
	}
	entries := []Entry{
		mk("1", "u1", "r", StatusDone, `{"plan":"trial"}`, `{"plan":"pro"}`),
		mk("2", "u2", "r", StatusDone, `{"plan":null}`, `{"plan":"pro"}`),
		mk("3", "u9", "other", StatusDone, `{"plan":"x"}`, `{"plan":"y"}`),
		mk("4", "u1", "r", StatusDone, `{"plan":"pro","legacy":true}`, `{"plan":"gold","legacy":null}`),
		mk("5", "u3", "r", StatusFailed, `{"plan":"a"}`, `{"plan":"b"}`),
		mk("6", "u2", "r", StatusFailed, `{"plan":"pro"}`, `{"plan":"zzz"}`),
	}
	got := RunTargets(entries, "r")
	want := []struct{ id, target, before, body string }{
		{"2", "u2", `{"plan":null}`, `{"app_metadata":{"plan":"pro"}}`}, // its failed write is not composed
		{"5", "u3", `{"plan":"a"}`, `{"app_metadata":{"plan":"b"}}`},
		{"4", "u1", `{"plan":"trial","legacy":true}`, `{"app_metadata":{"plan":"gold","legacy":null}}`},
	}
	if len(got) != len(want) {
		t.Fatalf("%d targets: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Target != w.target || string(g.Before) != w.before || string(g.Body) != w.body {
			t.Errorf("target %d = %s %s %s %s, want %+v", i, g.ID, g.Target, g.Before, g.Body, w)
		}
	}
	// Undoing the composed entry restores the state before the run.
	p, err := PlanUndo(got[2], []byte(`{"plan":"gold","keep":1}`), false)
	if err != nil || string(p.After) != `{"plan":"trial","keep":1,"legacy":true}` {
		t.Errorf("undo: %v %s", err, p.After)
	}
	if len(RunTargets(entries, "")) != 0 {
		t.Error("an empty run id matched entries")
	}
}

// A run of 100,000 users, in run order (ascending, the common case):
// ordering its targets must not be quadratic (an insertion sort took
// minutes here). The order is newest first.
func TestRunTargetsLargeRun(t *testing.T) {
	const n = 100_000
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = Entry{ID: fmt.Sprint(i), Domain: "t", Kind: "user", Field: "app_metadata", Target: fmt.Sprintf("auth0|%06d", i),
			Run: "r", Status: StatusDone, Before: json.RawMessage(`{"plan":null}`), Body: json.RawMessage(`{"app_metadata":{"plan":"pro"}}`)}
	}
	got := RunTargets(entries, "r")
	if len(got) != n {
		t.Fatalf("%d targets, want %d", len(got), n)
	}
	for i, e := range got {
		if want := fmt.Sprintf("auth0|%06d", n-1-i); e.Target != want {
			t.Fatalf("target %d = %s, want %s", i, e.Target, want)
		}
	}
}

func BenchmarkRunTargets(b *testing.B) {
	entries := make([]Entry, 20_000)
	for i := range entries {
		entries[i] = Entry{ID: fmt.Sprint(i), Domain: "t", Kind: "user", Field: "app_metadata", Target: fmt.Sprint("u", i),
			Run: "r", Status: StatusDone, Before: json.RawMessage(`{"plan":null}`), Body: json.RawMessage(`{"app_metadata":{"plan":"pro"}}`)}
	}
	for b.Loop() {
		RunTargets(entries, "r")
	}
}

func TestLastRun(t *testing.T) {
	w := func(run, domain string) Entry {
		return Entry{ID: run + domain, Domain: domain, Kind: "user", Field: "app_metadata", Target: "u", Run: run}
	}
	a, b := "a.auth0.com", "b.auth0.com"
	on := func(d string) func(string) bool { return func(x string) bool { return x == d } }
	for _, c := range []struct {
		name     string
		entries  []Entry
		starts   []RunStart
		onTenant func(string) bool
		want     string
	}{
		// Run B wrote nothing (every user unchanged): it is still the last.
		{"newest start wins even without writes", []Entry{w("A", a)}, []RunStart{{"A", a}, {"B", a}}, on(a), "B"},
		{"other tenant's runs skipped", []Entry{w("A", a), w("B", b)}, []RunStart{{"A", a}, {"B", b}}, on(a), "A"},
		{"no tenant: newest overall", []Entry{w("A", a), w("B", b)}, []RunStart{{"A", a}, {"B", b}}, nil, "B"},
		{"old start record takes its writes' tenant", []Entry{w("A", a), w("B", b)}, []RunStart{{"A", ""}, {"B", ""}}, on(a), "A"},
		{"resumed run starts again", []Entry{w("A", a), w("B", a)}, []RunStart{{"A", a}, {"B", a}, {"A", a}}, on(a), "A"},
		{"starts rotated away: newest write's run", []Entry{w("A", a), w("B", a), {ID: "s", Domain: a}}, nil, on(a), "B"},
		{"none on this tenant", []Entry{w("A", b)}, []RunStart{{"A", b}}, on(a), ""},
	} {
		if got := LastRun(c.entries, c.starts, c.onTenant); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Start records carry the tenant and are read back in order.
func TestReadRuns(t *testing.T) {
	l := newLog(t)
	for _, s := range []RunStart{{"r1", "a.auth0.com"}, {"r2", "b.auth0.com"}} {
		if err := l.StartRun(s.Run, s.Domain); err != nil {
			t.Fatal(err)
		}
	}
	_, starts, _, err := l.ReadRuns()
	if err != nil || len(starts) != 2 || starts[0] != (RunStart{"r1", "a.auth0.com"}) || starts[1] != (RunStart{"r2", "b.auth0.com"}) {
		t.Errorf("starts %+v, %v", starts, err)
	}
}
