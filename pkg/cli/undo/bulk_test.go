package undo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/tidwall/gjson"
)

// A bulk run over 1000 users, reverted with undo --run, leaves every user
// as before it, byte for byte; a user changed after the run is left alone
// and reported as failed (exit 6).
func TestUndoRun1k(t *testing.T) {
	const n = 1000
	srv, srvURL := sandboxtest.ServeWith(t, sandbox.Options{Seed: true, Synthetic: sandbox.SeedSpec{Users: n}})
	dir := t.TempDir()
	vars := sandboxtest.Env(dir, srvURL)
	run := func(args ...string) (int, string) {
		io, _, _, errOut := iostreams.Test()
		code := root.Run(context.Background(), args, io, func(k string) string { return vars[k] })
		return code, errOut.String()
	}
	var ids strings.Builder
	before := map[string]string{}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("auth0|user%05d", i)
		fmt.Fprintln(&ids, id)
		u, _ := srv.User(id)
		before[id] = string(u)
	}
	users := filepath.Join(dir, "users.txt")
	os.WriteFile(users, []byte(ids.String()), 0o600)

	// Every user's plan becomes pro and its legacy flag goes.
	if code, errOut := run("user", "meta", "set", "--users-from", users, "--app", "plan=pro", "--yes"); code != 0 {
		t.Fatalf("set: exit %d: %s", code, errOut)
	}
	if code, errOut := run("user", "meta", "unset", "--users-from", users, "--app", "legacy", "--yes"); code != 0 {
		t.Fatalf("unset: exit %d: %s", code, errOut)
	}
	log := &history.Log{Dir: filepath.Join(vars["XDG_STATE_HOME"], "a0meta"), Settings: history.DefaultSettings()}
	entries, _, _ := log.Read()
	setRun := ""
	for _, e := range entries {
		if e.Run != "" {
			setRun = e.Run
			break
		}
	}

	// Undo the unset run, then the set run: every user as before.
	if code, errOut := run("undo", "--run", "last", "--yes", "--concurrency", "16"); code != 0 {
		t.Fatalf("undo --run last: exit %d: %s", code, errOut)
	}
	if code, errOut := run("undo", "--run", setRun, "--yes", "--concurrency", "16"); code != 0 {
		t.Fatalf("undo --run %s: exit %d: %s", setRun, code, errOut)
	}
	for id, b := range before {
		u, _ := srv.User(id)
		if gjson.Get(string(u), "app_metadata").Raw != gjson.Get(b, "app_metadata").Raw ||
			gjson.Get(string(u), "user_metadata").Raw != gjson.Get(b, "user_metadata").Raw {
			t.Fatalf("%s not as before the runs:\n got %s\nwant %s", id, u, b)
		}
	}

	// Redo the set run by undoing its undo, change two users by hand, and
	// undo it again: those two are failed, the rest restored.
	if code, errOut := run("undo", "--run", "last", "--yes"); code != 0 {
		t.Fatalf("redo: exit %d: %s", code, errOut)
	}
	for _, id := range []string{"auth0|user00007", "auth0|user00501"} {
		if code, errOut := run("--no-history", "user", "meta", "set", id, "--app", "plan=enterprise"); code != 0 {
			t.Fatalf("%s: exit %d: %s", id, code, errOut)
		}
	}
	code, errOut := run("undo", "--run", "last", "--yes")
	if code != 6 || !strings.Contains(errOut, "2 failed") || !strings.Contains(errOut, `auth0|user00501: root key(s) "plan" of app_metadata of user auth0|user00501 changed since that write`) {
		t.Fatalf("undo after changes: exit %d: %s", code, errOut)
	}
	for id, b := range before {
		u, _ := srv.User(id)
		got, want := gjson.Get(string(u), "app_metadata.plan").String(), gjson.Get(b, "app_metadata.plan").String()
		if id == "auth0|user00007" || id == "auth0|user00501" {
			want = "enterprise"
		}
		if got != want {
			t.Fatalf("%s: plan %q, want %q", id, got, want)
		}
	}
}

// newBulkEnv is a seeded sandbox of n synthetic users, a run func for the
// CLI against it, and the file listing the users.
func newBulkEnv(t *testing.T, n int) (*sandbox.Server, func(args ...string) (int, string), map[string]string, string) {
	t.Helper()
	srv, srvURL := sandboxtest.ServeWith(t, sandbox.Options{Seed: true, Synthetic: sandbox.SeedSpec{Users: n}})
	dir := t.TempDir()
	vars := sandboxtest.Env(dir, srvURL)
	run := func(args ...string) (int, string) {
		io, _, _, errOut := iostreams.Test()
		code := root.Run(context.Background(), args, io, func(k string) string { return vars[k] })
		return code, errOut.String()
	}
	var ids strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&ids, "auth0|user%05d\n", i)
	}
	users := filepath.Join(dir, "users.txt")
	os.WriteFile(users, []byte(ids.String()), 0o600)
	return srv, run, vars, users
}

// Run A changes three users, run B finds them all unchanged: the last run
// is B, which wrote nothing, so undo --run last sends nothing and says so
// rather than reverting A; history --run last agrees.
func TestUndoRunLastWroteNothing(t *testing.T) {
	srv, run, vars, users := newBulkEnv(t, 3)
	for _, name := range []string{"A", "B"} {
		if code, errOut := run("user", "meta", "set", "--users-from", users, "--app", "plan=pro", "--yes"); code != 0 {
			t.Fatalf("run %s: exit %d: %s", name, code, errOut)
		}
	}
	log := &history.Log{Dir: filepath.Join(vars["XDG_STATE_HOME"], "a0meta"), Settings: history.DefaultSettings()}
	_, starts, _, err := log.ReadRuns()
	if err != nil || len(starts) != 2 {
		t.Fatalf("starts %+v, %v", starts, err)
	}
	b := starts[1].Run
	code, errOut := run("undo", "--run", "last", "--yes")
	if code != 0 || !strings.Contains(errOut, "The last bulk run "+b+" on ") || !strings.Contains(errOut, "wrote nothing; nothing to undo, nothing sent") {
		t.Fatalf("undo --run last: exit %d: %s", code, errOut)
	}
	for i := 1; i <= 3; i++ {
		u, _ := srv.User(fmt.Sprintf("auth0|user%05d", i))
		if p := gjson.GetBytes(u, "app_metadata.plan").String(); p != "pro" {
			t.Errorf("user %d: plan %q, want pro (run A reverted)", i, p)
		}
	}
	if code, errOut := run("history", "--run", "last"); code != 0 || !strings.Contains(errOut, "No recorded writes") {
		t.Errorf("history --run last: exit %d: %s", code, errOut)
	}
	// Undoing A by its id names it in the summary.
	a := starts[0].Run
	code, errOut = run("undo", "--run", a, "--yes")
	if code != 0 || !strings.Contains(errOut, "Undo run "+a+" (app_metadata) on ") {
		t.Fatalf("undo --run A: exit %d: %s", code, errOut)
	}
	// Now the last run is that undo, which wrote: undoing it redoes A,
	// and the summary names its id.
	_, starts, _, _ = log.ReadRuns()
	last := starts[len(starts)-1].Run
	code, errOut = run("undo", "--run", "last", "--yes")
	if code != 0 || !strings.Contains(errOut, "Undo the last bulk run "+last+" (app_metadata) on ") {
		t.Fatalf("redo: exit %d: %s", code, errOut)
	}
}
