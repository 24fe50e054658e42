package meta

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/tidwall/gjson"
)

// seedMany adds n users auth0|m0000… to the tenant: three share each
// created_at instant, and 400 more share one instant in the middle, so
// search windows end inside groups of ties. Every third is on trial.
func (bt *bulkTenant) seedMany(t *testing.T, n int) []string {
	t.Helper()
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := make([]string, 0, n)
	for i := range n {
		at := base.Add(time.Duration(i/3) * time.Second)
		if i >= n/2 && i < n/2+400 {
			at = base.Add(time.Duration(n/6) * time.Second).Add(500 * time.Millisecond)
		}
		plan := "free"
		if i%3 == 0 {
			plan = "trial"
		}
		id := fmt.Sprintf("auth0|m%05d", i)
		raw := fmt.Sprintf(`{"user_id":%q,"email":"m%05d@example.com","created_at":%q,"app_metadata":{"plan":%q,"n":%d}}`,
			id, i, at.Format("2006-01-02T15:04:05.000Z"), plan, i)
		if err := bt.srv.PutUser([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	bt.srv.ClearRequests()
	return ids
}

// patchesPerUser counts the PATCHes each user received.
func (bt *bulkTenant) patchesPerUser() map[string]int {
	out := map[string]int{}
	for _, r := range bt.srv.Requests() {
		if r.Method == "PATCH" {
			out[strings.ReplaceAll(strings.TrimPrefix(r.Path, "/api/v2/users/"), "%7C", "|")]++
		}
	}
	bt.srv.ClearRequests()
	return out
}

// 2000 users through --users-from and through --query (past 1000 results,
// with ties, and with writes that take users out of the query): every user
// ends as intended and none is written twice.
func TestBulkIntegration(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 1200
	}
	bt := newBulkTenant(t, 0)
	ids := bt.seedMany(t, n)

	// All users by file, emails and ids mixed.
	var in strings.Builder
	for i, id := range ids {
		if i%2 == 0 {
			fmt.Fprintf(&in, "m%05d@example.com\n", i)
		} else {
			fmt.Fprintln(&in, id)
		}
	}
	code, _, errOut := bt.run(t, in.String(), "meta", "set", "--users-from", "-", "--app", "wave:=1", "--yes", "--concurrency", "16")
	if code != 0 || !strings.Contains(errOut, fmt.Sprintf(": %d changed, 0 unchanged, 0 failed, 0 skipped of %d user(s)", n, n)) {
		t.Fatalf("exit %d: %s", code, tailOf(errOut))
	}
	checkOnce(t, bt.patchesPerUser(), ids)

	// A query matching more than 1000 users, whose writes take them out
	// of it.
	code, _, errOut = bt.run(t, "", "meta", "set", "--query", `app_metadata.plan:"trial" OR app_metadata.plan:"free"`, "--app", "plan=pro", "--yes", "--concurrency", "16")
	if code != 0 || !strings.Contains(errOut, fmt.Sprintf("for %d user(s)", n+1)) {
		// +1: the seeded google-oauth2 user is on trial too.
		t.Fatalf("exit %d: %s", code, tailOf(errOut))
	}
	checkOnce(t, bt.patchesPerUser(), ids)
	for i, id := range ids {
		app := bt.app(t, id)
		if gjson.Get(app, "plan").String() != "pro" || gjson.Get(app, "wave").Int() != 1 || gjson.Get(app, "n").Int() != int64(i) {
			t.Errorf("%s: %s", id, app)
		}
	}
	code, out, _ := bt.run(t, "", "list", "--query", `app_metadata.plan:"trial" OR app_metadata.plan:"free"`)
	if code != 0 || out != "" {
		t.Errorf("users still match: exit %d, %d bytes", code, len(out))
	}
}

func checkOnce(t *testing.T, per map[string]int, ids []string) {
	t.Helper()
	bad := 0
	for _, id := range ids {
		if per[id] != 1 {
			if bad++; bad <= 10 {
				t.Errorf("%s written %d times", id, per[id])
			}
		}
	}
}

func tailOf(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}

// Faults on one request in ten (429, 500, a dropped connection, a late
// answer) are retried inside each user's work: every user ends as
// intended and the run exits 0.
func TestBulkThroughFaults(t *testing.T) {
	srv, srvURL := sandboxtest.ServeWith(t, sandbox.Options{Seed: true, RandomFaults: &sandbox.RandomFaults{Rate: 0.1, Seed: 7, Slow: 20 * time.Millisecond}})
	dir := t.TempDir()
	bt := &bulkTenant{srv: srv, env: sandboxtest.Env(dir, srvURL), dir: dir}
	ids := bt.seedMany(t, 150)
	code, _, errOut := bt.run(t, strings.Join(ids, "\n"), "meta", "set", "--users-from", "-", "--app", "wave:=3", "--yes")
	if code != 0 || !strings.Contains(errOut, ": 150 changed, 0 unchanged, 0 failed") {
		t.Fatalf("exit %d: %s", code, tailOf(errOut))
	}
	for _, id := range ids {
		if got := gjson.Get(bt.app(t, id), "wave").Raw; got != "3" {
			t.Errorf("%s: wave %s", id, got)
		}
	}
	if n := len(srv.FaultCounts()); n == 0 {
		t.Error("no fault was injected")
	}
}
