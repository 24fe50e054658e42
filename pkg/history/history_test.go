package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/mgmt"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newLog(t *testing.T) *Log {
	t.Helper()
	return &Log{Dir: filepath.Join(t.TempDir(), "state", "a0meta"), Settings: DefaultSettings(), Now: func() time.Time { return t0 }}
}

func entry(target string) Entry {
	return Entry{Profile: "prod", Domain: "example.auth0.com", Kind: "user", Target: target, Field: "user_metadata",
		Before: json.RawMessage(`{"hobby":"surfing"}`), Body: json.RawMessage(`{"user_metadata":{}}`)}
}

func TestBeginFinishRead(t *testing.T) {
	l := newLog(t)
	id1, err := l.Begin(entry("auth0|a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Finish(id1, nil); err != nil {
		t.Fatal(err)
	}
	id2, _ := l.Begin(entry("auth0|b"))
	if err := l.Finish(id2, errors.New("500 Internal Server Error")); err != nil {
		t.Fatal(err)
	}
	id3, _ := l.Begin(entry("auth0|c")) // interrupted: no completion
	id4, _ := l.Begin(entry("auth0|d"))
	lost := fmt.Errorf("patching: %w", &mgmt.UncertainError{Method: "PATCH", Path: "/api/v2/users/auth0%7Cd", Err: errors.New("connection reset")})
	if err := l.Finish(id4, lost); err != nil {
		t.Fatal(err)
	}
	got, skipped, err := l.Read()
	if err != nil || skipped != 0 {
		t.Fatalf("Read: %v, skipped %d", err, skipped)
	}
	want := []struct{ id, target, status, err string }{
		{id1, "auth0|a", StatusDone, ""},
		{id2, "auth0|b", StatusFailed, "500 Internal Server Error"},
		{id3, "auth0|c", StatusPending, ""},
		{id4, "auth0|d", StatusUnknown, lost.Error()},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Target != w.target || g.Status != w.status || g.Error != w.err || !g.Time.Equal(t0) {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
		if string(g.Before) != `{"hobby":"surfing"}` || string(g.Body) != `{"user_metadata":{}}` {
			t.Errorf("entry %d before/body = %s / %s", i, g.Before, g.Body)
		}
	}
	if runtime.GOOS != "windows" {
		for path, mode := range map[string]os.FileMode{l.Dir: 0o700, l.Path(): 0o600} {
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != mode {
				t.Errorf("%s: mode %v (%v), want %v", path, info.Mode().Perm(), err, mode)
			}
		}
	}
}

// A line break inside the recorded JSON (insignificant whitespace) would
// split the record: it is compacted, and nothing else is touched.
func TestMultilineValuesStayOneLine(t *testing.T) {
	l := newLog(t)
	e := entry("auth0|a")
	e.Before = json.RawMessage("{\"a\": {\n  \"n\": 1.0,\r\n \"s\":\"x\\ny\"}}")
	if _, err := l.Begin(e); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(l.Path())
	if n := strings.Count(string(data), "\n"); n != 1 {
		t.Fatalf("%d lines: %s", n, data)
	}
	got, _, _ := l.Read()
	if string(got[0].Before) != `{"a":{"n":1.0,"s":"x\ny"}}` {
		t.Errorf("before = %s", got[0].Before)
	}
}

// A crash mid-record leaves a torn last line: readers skip it, and the
// next record is still whole.
func TestTornLastLine(t *testing.T) {
	l := newLog(t)
	id1, _ := l.Begin(entry("auth0|a"))
	f, err := os.OpenFile(l.Path(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"rec":"intent","id":"deadbeef0000","time":"2030-01-02T03:0`)
	f.Close()

	got, skipped, err := l.Read()
	if err != nil || skipped != 1 || len(got) != 1 || got[0].ID != id1 {
		t.Fatalf("after the tear: %v, skipped %d, %+v", err, skipped, got)
	}
	if err := l.Finish(id1, nil); err != nil {
		t.Fatal(err)
	}
	id2, err := l.Begin(entry("auth0|b"))
	if err != nil {
		t.Fatal(err)
	}
	got, skipped, err = l.Read()
	if err != nil || skipped != 1 || len(got) != 2 {
		t.Fatalf("after appending: %v, skipped %d, %d entries", err, skipped, len(got))
	}
	if got[0].Status != StatusDone || got[1].ID != id2 {
		t.Errorf("entries = %+v", got)
	}
}

// Lines that are JSON but not records, and garbage, are skipped too.
func TestReadSkipsForeignLines(t *testing.T) {
	l := newLog(t)
	os.MkdirAll(l.Dir, 0o700)
	os.WriteFile(l.Path(), []byte("not json\n{}\n{\"rec\":\"intent\",\"id\":\"x\"}\n\n"), 0o600)
	got, skipped, err := l.Read()
	if err != nil || len(got) != 0 || skipped != 3 {
		t.Fatalf("got %v entries, skipped %d, err %v", got, skipped, err)
	}
}

func TestRotationBySize(t *testing.T) {
	l := newLog(t)
	l.Settings.MaxSizeMB = 1
	l.Now = nil // rotated files are aged by their mtime: the real clock
	big := entry("auth0|a")
	big.Before = json.RawMessage(`{"blob":"` + strings.Repeat("x", 100<<10) + `"}`)
	var ids []string
	for range 14 { // 14 × ~100 KB passes half a megabyte twice
		id, err := l.Begin(big)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	a, _ := os.Stat(l.Path())
	b, err := os.Stat(l.Path() + ".1")
	if err != nil {
		t.Fatalf("no rotated file: %v", err)
	}
	// Each file passes half the limit by at most one record.
	if total := a.Size() + b.Size(); total > 1<<20+2*(101<<10) {
		t.Errorf("history takes %d bytes, past 1 MB and two records", total)
	}
	got, _, _ := l.Read()
	if len(got) == 0 || got[len(got)-1].ID != ids[len(ids)-1] || len(got) >= len(ids) {
		t.Errorf("read %d entries; the newest must be kept and the oldest dropped", len(got))
	}
}

func TestRotationByAge(t *testing.T) {
	l := newLog(t)
	l.Settings.MaxAgeDays = 10
	now := t0
	l.Now = func() time.Time { return now }
	old, _ := l.Begin(entry("auth0|old"))
	now = t0.Add(11 * 24 * time.Hour)
	mid, _ := l.Begin(entry("auth0|mid")) // rotates the 11-day-old file away
	if _, err := os.Stat(l.Path() + ".1"); err != nil {
		t.Fatalf("not rotated by age: %v", err)
	}
	got, _, _ := l.Read()
	if len(got) != 2 || got[0].ID != old || got[1].ID != mid {
		t.Fatalf("entries %+v", got)
	}
	// The rotated file is deleted once its newest record is past the age.
	os.Chtimes(l.Path()+".1", t0, t0)
	now = t0.Add(22 * 24 * time.Hour)
	l.Begin(entry("auth0|new"))
	got, _, _ = l.Read()
	for _, e := range got {
		if e.ID == old {
			t.Errorf("a record older than twice max_age_days survived")
		}
	}
}

func TestFind(t *testing.T) {
	es := []Entry{{ID: "abc123000000"}, {ID: "abc124000000"}, {ID: "ffff00000000"}}
	if e, err := Find(es, "ffff"); err != nil || e.ID != "ffff00000000" {
		t.Errorf("unique prefix: %v %v", e.ID, err)
	}
	if e, err := Find(es, "abc123000000"); err != nil || e.ID != "abc123000000" {
		t.Errorf("full id: %v %v", e.ID, err)
	}
	var amb *AmbiguousError
	if _, err := Find(es, "abc12"); !errors.As(err, &amb) || len(amb.IDs) != 2 {
		t.Errorf("ambiguous prefix: %v", err)
	}
	var nf *NotFoundError
	if _, err := Find(es, "fff"); !errors.As(err, &nf) { // too short for a prefix
		t.Errorf("short prefix: %v", err)
	}
}

// TestConcurrentProcesses appends from several processes at once: every
// record arrives whole, none interleaved or lost.
func TestConcurrentProcesses(t *testing.T) {
	if os.Getenv("A0META_HISTORY_HELPER") != "" {
		t.Skip("helper")
	}
	l := newLog(t)
	const procs, each = 6, 40
	var cmds []*exec.Cmd
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppend$", "-test.count=1")
		cmd.Env = append(os.Environ(), "A0META_HISTORY_HELPER="+l.Dir, "A0META_HISTORY_N="+strconv.Itoa(each), "A0META_HISTORY_P="+strconv.Itoa(p))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	got, skipped, err := l.Read()
	if err != nil || skipped != 0 {
		t.Fatalf("Read: %v, %d lines skipped", err, skipped)
	}
	if len(got) != procs*each {
		t.Fatalf("%d entries, want %d", len(got), procs*each)
	}
	seen := map[string]bool{}
	for _, e := range got {
		if e.Status != StatusDone || seen[e.Target] {
			t.Fatalf("entry %+v: status or duplicate", e)
		}
		seen[e.Target] = true
	}
}

// TestHelperAppend is run by TestConcurrentProcesses in child processes.
func TestHelperAppend(t *testing.T) {
	dir := os.Getenv("A0META_HISTORY_HELPER")
	if dir == "" {
		t.Skip("only as a child of TestConcurrentProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("A0META_HISTORY_N"))
	l := &Log{Dir: dir, Settings: DefaultSettings()}
	for i := range n {
		e := entry(fmt.Sprintf("auth0|p%s-%d", os.Getenv("A0META_HISTORY_P"), i))
		e.Before = json.RawMessage(`{"blob":"` + strings.Repeat("y", 5000) + `"}`)
		id, err := l.Begin(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Finish(id, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkRecord measures one recorded write: an intent and a completion
// record, each under the lock.
func BenchmarkRecord(b *testing.B) {
	l := &Log{Dir: filepath.Join(b.TempDir(), "a0meta"), Settings: DefaultSettings()}
	e := entry("auth0|bench")
	for b.Loop() {
		id, err := l.Begin(e)
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Finish(id, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// A bulk run whose oldest records were rotated away has lost its start
// record; one that is whole keeps it.
func TestRunStarted(t *testing.T) {
	l := newLog(t)
	l.Settings.MaxSizeMB = 1
	l.Now = nil
	big := entry("auth0|a")
	big.Before = json.RawMessage(`{"blob":"` + strings.Repeat("x", 100<<10) + `"}`)
	for _, run := range []string{"r1", "r2"} {
		if err := l.StartRun(run, "x.auth0.com"); err != nil {
			t.Fatal(err)
		}
		big.Run = run
		for range 5 {
			id, err := l.Begin(big)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.FinishRun(id, run, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	// r2's second write rotated the file: both starts are in .1 with every
	// record of both runs. Three more writes rotate again and drop .1 with
	// r1's records and r2's first: neither run is whole any more.
	for _, want := range []struct {
		more     int
		started  bool
		runsKept int
	}{{0, true, 10}, {3, false, 7}} {
		for range want.more {
			id, _ := l.Begin(big)
			l.FinishRun(id, "r2", nil)
		}
		r1, err := l.RunStarted("r1")
		r2, _ := l.RunStarted("r2")
		entries, _, _ := l.Read()
		if err != nil || r1 != want.started || r2 != want.started || len(entries) != want.runsKept {
			t.Errorf("after %d more: r1 started %v, r2 %v, %d entries (%v); want %v and %d", want.more, r1, r2, len(entries), err, want.started, want.runsKept)
		}
	}
}
