package bulk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

var jh = JournalHeader{Tenant: "t.example.com", Operation: "op1", Command: "set app_metadata plan=pro"}

// A second run on a journal in use is refused (exit 2) until the first
// closes it.
func TestJournalLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(path, jh)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenJournal(path, jh)
	if failure.CodeOf(err) != failure.Usage || err.Error() != "journal "+path+" is in use by another a0meta run" {
		t.Fatalf("second open: %v (code %d)", err, failure.CodeOf(err))
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = OpenJournal(path, jh)
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	j.Close()
}

// Lines are appended at the end of the file even when it grew since it
// was opened: nothing written there is overwritten.
func TestJournalAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(path, jh)
	if err != nil {
		t.Fatal(err)
	}
	fh, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(`{"input":"auth0|other","user_id":"auth0|other","status":"changed"}` + "\n")
	fh.Close()
	j.Record(Result{Input: "auth0|mine", UserID: "auth0|mine", Status: Changed})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"auth0|other"`) || !strings.Contains(string(data), `"auth0|mine"`) || strings.Count(string(data), "\n") != 3 {
		t.Errorf("journal:\n%s", data)
	}
}

// The run id is the journal's: a resumed run keeps it. A journal written
// without one takes the id given.
func TestJournalRunID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.journal")
	h := jh
	h.Run = "first"
	j, err := OpenJournal(path, h)
	if err != nil || j.Run != "first" {
		t.Fatalf("new journal: run %q, %v", j.Run, err)
	}
	j.Close()
	h.Run = "second"
	j, err = OpenJournal(path, h)
	if err != nil || j.Run != "first" {
		t.Fatalf("resumed: run %q, %v", j.Run, err)
	}
	j.Close()

	old := filepath.Join(t.TempDir(), "old.journal")
	os.WriteFile(old, []byte(`{"a0meta_journal":1,"tenant":"t.example.com","operation":"op1","command":"x"}`+"\n"), 0o600)
	j, err = OpenJournal(old, h)
	if err != nil || j.Run != "second" {
		t.Fatalf("old journal: run %q, %v", j.Run, err)
	}
	j.Close()
}
