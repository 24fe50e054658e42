//go:build linux || darwin

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/tidwall/gjson"
)

// The large bulk test runs the a0meta binary against sandboxes of 10000
// users served from this process. It takes a minute or two, so it runs only
// when asked:
//
//	A0META_LARGE=1 go test ./cmd/a0meta -run TestBulkLarge -v

type largeTenant struct {
	srv *sandbox.Server
	url string
	ids []string
}

func newLargeTenant(t *testing.T, n int) *largeTenant {
	t.Helper()
	srv, srvURL := sandboxtest.ServeWith(t, sandbox.Options{Seed: true, MaxRequests: 0})
	lt := &largeTenant{srv: srv, url: srvURL}
	base := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := base.Add(time.Duration(i) * time.Minute)
		if i >= 4000 && i < 4300 {
			at = base.Add(4000*time.Minute + 30*time.Second) // 300 users on one instant
		}
		plan := [...]string{"trial", "free", "pro"}[i%3]
		id := fmt.Sprintf("auth0|big%05d", i)
		raw := fmt.Sprintf(`{"user_id":%q,"email":"big%05d@example.com","created_at":%q,"app_metadata":{"plan":%q,"n":%d},"user_metadata":{"lang":"en"}}`,
			id, i, at.Format("2006-01-02T15:04:05.000Z"), plan, i)
		if err := srv.PutUser([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		lt.ids = append(lt.ids, id)
	}
	srv.ClearRequests()
	return lt
}

func (lt *largeTenant) env() []string {
	return []string{"A0META_DOMAIN=" + lt.url, "A0META_CLIENT_ID=" + sandbox.DemoClientID, "A0META_CLIENT_SECRET=" + sandbox.DemoClientSecret}
}

// patches counts the PATCHes each user got since the last call.
func (lt *largeTenant) patches() map[string]int {
	out := map[string]int{}
	for _, r := range lt.srv.Requests() {
		if r.Method == "PATCH" && r.Status == 200 {
			out[strings.ReplaceAll(strings.TrimPrefix(r.Path, "/api/v2/users/"), "%7C", "|")]++
		}
	}
	lt.srv.ClearRequests()
	return out
}

func (lt *largeTenant) field(t *testing.T, id, field string) string {
	t.Helper()
	u, ok := lt.srv.User(id)
	if !ok {
		t.Fatalf("no user %s", id)
	}
	return gjson.GetBytes(u, field).Raw
}

func eachOnce(t *testing.T, per map[string]int, ids []string) {
	t.Helper()
	bad := 0
	for _, id := range ids {
		if per[id] != 1 {
			if bad++; bad <= 10 {
				t.Errorf("%s written %d times", id, per[id])
			}
		}
	}
	if bad > 10 {
		t.Errorf("… %d users in all", bad)
	}
}

func TestBulkLarge(t *testing.T) {
	if os.Getenv("A0META_LARGE") == "" {
		t.Skip("set A0META_LARGE=1 to run the 10000-user bulk test")
	}
	const n = 10000
	bin := a0metaBinary(t)
	dir := t.TempDir()
	var list strings.Builder
	for i := range n {
		if i%4 == 0 {
			fmt.Fprintf(&list, "big%05d@example.com\n", i)
		} else {
			fmt.Fprintf(&list, "auth0|big%05d\n", i)
		}
	}
	users := filepath.Join(dir, "users.txt")
	if err := os.WriteFile(users, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("users-from and query", func(t *testing.T) {
		lt := newLargeTenant(t, n)
		r := runClient(t, bin, dir, lt.env(), "user", "meta", "set", "--users-from", users, "--app", "wave:=1", "--yes", "--concurrency", "16")
		if r.Code != 0 || !strings.Contains(r.Stderr, fmt.Sprintf(": %d changed, 0 unchanged, 0 failed", n)) {
			t.Fatalf("exit %d: %s", r.Code, tail(r.Stderr, 2000))
		}
		eachOnce(t, lt.patches(), lt.ids)
		// More than 1000 match, 300 share one instant, and the writes
		// take every user out of the query.
		var trial []string
		for i, id := range lt.ids {
			if i%3 == 0 {
				trial = append(trial, id)
			}
		}
		r = runClient(t, bin, dir, lt.env(), "user", "meta", "set", "--query", `app_metadata.plan:"trial" AND email:big*`, "--app", "plan=pro", "--yes", "--concurrency", "16")
		if r.Code != 0 || !strings.Contains(r.Stderr, fmt.Sprintf(": %d changed, 0 unchanged, 0 failed", len(trial))) {
			t.Fatalf("exit %d: %s", r.Code, tail(r.Stderr, 2000))
		}
		eachOnce(t, lt.patches(), trial)
		for i, id := range lt.ids {
			want := []string{`"pro"`, `"free"`, `"pro"`}[i%3]
			if got := lt.field(t, id, "app_metadata"); gjson.Get(got, "plan").Raw != want || gjson.Get(got, "wave").Raw != "1" || gjson.Get(got, "n").Int() != int64(i) {
				t.Fatalf("%s: %s", id, got)
			}
		}
		r = runClient(t, bin, dir, lt.env(), "user", "list", "--query", `app_metadata.plan:"trial" AND email:big*`)
		if r.Code != 0 || r.Stdout != "" {
			t.Errorf("still matching: exit %d, %d bytes", r.Code, len(r.Stdout))
		}
	})

	// kill -9 in the middle of a run, then the same command with the same
	// journal: the tenant ends as after an uninterrupted run, and no user
	// is written twice.
	t.Run("killed and resumed", func(t *testing.T) {
		args := []string{"user", "meta", "set", "--users-from", users, "--app", "wave:=2", "tier=gold", "--yes", "--concurrency", "16"}
		whole := newLargeTenant(t, n)
		if r := runClient(t, bin, dir, whole.env(), args...); r.Code != 0 {
			t.Fatalf("uninterrupted run: exit %d: %s", r.Code, tail(r.Stderr, 2000))
		}
		killed := newLargeTenant(t, n)
		journal := filepath.Join(dir, "killed.journal")
		jargs := append(append([]string{}, args...), "--journal", journal)
		cmd := exec.Command(bin, jargs...)
		cmd.Env = procEnv(dir, killed.env()...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			data, _ := os.ReadFile(journal)
			if bytes.Count(data, []byte("\n")) >= 3000 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("the journal never reached 3000 lines: %s", errOut.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		data, _ := os.ReadFile(journal)
		done := bytes.Count(data, []byte("\n")) - 1
		if done >= n {
			t.Fatalf("the run finished (%d) before it was killed", done)
		}
		r := runClient(t, bin, dir, killed.env(), jargs...)
		if r.Code != 0 || !strings.Contains(r.Stderr, "more already done in the journal") {
			t.Fatalf("resumed run: exit %d: %s", r.Code, tail(r.Stderr, 2000))
		}
		t.Logf("killed after %d journaled users; resumed: %s", done, strings.TrimSpace(lastLine(r.Stderr, "Set ")))
		eachOnce(t, killed.patches(), killed.ids)
		for _, id := range whole.ids {
			for _, f := range []string{"app_metadata", "user_metadata"} {
				if a, b := whole.field(t, id, f), killed.field(t, id, f); a != b {
					t.Fatalf("%s %s: uninterrupted %s, killed and resumed %s", id, f, a, b)
				}
			}
		}
	})
}

func lastLine(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
