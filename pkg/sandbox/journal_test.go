package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJournal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s, err := Open(Options{DataFile: file, CompactBytes: 2000})
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := os.ReadFile(file)
	e := serve(t, s)
	e.expect(e.do("PATCH", jane, `{"user_metadata":{"k":1}}`), 200, "")
	e.expect(e.do("DELETE", "/api/v2/users/auth0%7Cjohn2", ""), 204, "")
	e.expect(e.do("PATCH", "/api/v2/clients/myclientid123", `{"client_metadata":{"mycolor":null}}`), 200, "")
	e.expect(e.do("DELETE", "/api/v2/clients/dupB2", ""), 204, "")
	j, _ := os.ReadFile(file + ".journal")
	if n := strings.Count(string(j), "\n"); n != 4 {
		t.Fatalf("journal has %d records:\n%s", n, j)
	}
	if now, _ := os.ReadFile(file); string(now) != string(snap) {
		t.Fatal("a write rewrote the snapshot")
	}
	// below CompactBytes nothing is compacted
	if err := s.MaybeCompact(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(file + ".journal"); st.Size() == 0 {
		t.Fatal("compacted below the threshold")
	}
	// a crash: reopen from snapshot + journal, with a torn last line
	f, _ := os.OpenFile(file+".journal", os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"u":{"user_id":"auth0|torn","emai`)
	f.Close()
	s2, err := Open(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *Server) {
		t.Helper()
		if u, _ := s.User("auth0|jane1"); !strings.Contains(string(u), `"user_metadata":{"hobby":"surfing","k":1}`) {
			t.Errorf("jane: %s", u)
		}
		if _, ok := s.User("auth0|john2"); ok {
			t.Error("john2 is back")
		}
		if _, ok := s.User("auth0|torn"); ok {
			t.Error("the torn record was applied")
		}
		if c, _ := s.Client("myclientid123"); !strings.Contains(string(c), `"client_metadata":{"myflavor":"grape"}`) {
			t.Errorf("client: %s", c)
		}
		if _, ok := s.Client("dupB2"); ok {
			t.Error("dupB2 is back")
		}
	}
	check(s2)
	// the torn tail is dropped, so what follows is a line of its own;
	// Release keeps the journal (and the snapshot as it was)
	if err := s2.PutUser([]byte(`{"user_id":"auth0|after","email":"after@example.com"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s2.Release(); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(file); string(now) != string(snap) {
		t.Fatal("Release rewrote the snapshot")
	}
	// a last record without its newline is kept and ended
	f, _ = os.OpenFile(file+".journal", os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"du":"auth0|after"}`)
	f.Close()
	s2b, err := Open(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s2b.User("auth0|after"); ok {
		t.Error("the unterminated last record was not applied")
	}
	s2b.PutUser([]byte(`{"user_id":"auth0|later","email":"later@example.com"}`))
	s2b.Release()
	s3, err := Open(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	check(s3)
	if _, ok := s3.User("auth0|later"); !ok {
		t.Error("auth0|later lost")
	}
	s3.Close()
	if st, _ := os.Stat(file + ".journal"); st.Size() != 0 {
		t.Error("Close did not compact the journal")
	}
	s3, _ = Open(Options{DataFile: file})
	check(s3)
	// past CompactBytes, MaybeCompact writes the snapshot
	s.mu.Lock()
	s.jsize = 0
	s.mu.Unlock()
	e3 := serve(t, s3)
	for i := 0; i < 10; i++ {
		e3.expect(e3.do("PATCH", jane, `{"user_metadata":{"pad":"`+strings.Repeat("x", 200)+`"}}`), 200, "")
	}
	s3.opts.CompactBytes = 2000
	if err := s3.MaybeCompact(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(file + ".journal"); st.Size() != 0 {
		t.Error("MaybeCompact left the journal")
	}
	if data, _ := os.ReadFile(file); !strings.Contains(string(data), `"pad":"xxx`) {
		t.Error("snapshot lacks the compacted write")
	}
	s3.Close()

	// a bad line before the end is damage, not a torn write
	os.WriteFile(file+".journal", []byte("{\"x\":1}\n{\"du\":\"auth0|jane1\"}\n"), 0o600)
	if _, err := Open(Options{DataFile: file}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("bad journal: %v", err)
	}
	// Reseed replaces both, damaged or not
	if err := Reseed(file, SeedSpec{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file + ".journal"); !os.IsNotExist(err) {
		t.Errorf("journal after Reseed: %v", err)
	}
}

// FuzzReplay: any journal content is applied, ignored as a torn tail, or
// reported as damage; never a panic.
func FuzzReplay(f *testing.F) {
	f.Add([]byte("{\"u\":{\"user_id\":\"auth0|a\",\"email\":\"a@x\"}}\n{\"du\":\"auth0|a\"}\n"))
	f.Add([]byte("{\"c\":{\"client_id\":\"c1\"}}\n{\"dc\":\"c1\"}\n{\"u\":{\"user_"))
	f.Add([]byte("{\"u\":[]}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "j")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st := seedState(newKey(), true)
		if _, _, _, err := replay(st, path); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("replay: %v", err)
		}
		for email, ids := range st.byEmail {
			for _, id := range ids {
				if st.users[id].str("email") != email {
					t.Fatalf("index: %s → %s, whose email is %q", email, id, st.users[id].str("email"))
				}
			}
		}
	})
}
