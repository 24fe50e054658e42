package meta

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/tidwall/gjson"
)

// bulkTenant is a served sandbox with extra users auth0|b00 … for the
// bulk commands to work on.
type bulkTenant struct {
	srv *sandbox.Server
	env map[string]string
	dir string
}

func newBulkTenant(t *testing.T, users int) *bulkTenant {
	t.Helper()
	srv, url := sandboxtest.Serve(t)
	for i := range users {
		raw := fmt.Sprintf(`{"user_id":"auth0|b%02d","email":"b%02d@example.com","created_at":"2025-01-01T00:00:%02d.000Z","app_metadata":{"plan":"trial","since":2020}}`, i, i, i)
		if err := srv.PutUser([]byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	return &bulkTenant{srv: srv, env: sandboxtest.Env(dir, url), dir: dir}
}

// run runs `a0meta user ARGS` against the tenant.
func (bt *bulkTenant) run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IO: ios, Env: func(k string) string { return bt.env[k] }}
	cmd := NewCmdUser(f)
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	_, err := cmd.ExecuteContextC(context.Background())
	f.Close()
	if err != nil {
		fmt.Fprintf(errOut, "a0meta: %v\n", err)
	}
	return int(failure.CodeOf(err)), out.String(), errOut.String()
}

// log is the API requests received (token requests left out).
func (bt *bulkTenant) log() []string {
	var out []string
	for _, l := range strings.Split(sandboxtest.Log(bt.srv, false), "\n") {
		if l != "" && !strings.Contains(l, "/oauth/token") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func (bt *bulkTenant) app(t *testing.T, id string) string {
	t.Helper()
	u, ok := bt.srv.User(id)
	if !ok {
		t.Fatalf("no user %s", id)
	}
	return gjson.GetBytes(u, "app_metadata").Raw
}

func (bt *bulkTenant) file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(bt.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sortedLines(s string) []string {
	ls := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(ls)
	return ls
}

func TestBulkSetFromFile(t *testing.T) {
	bt := newBulkTenant(t, 3)
	users := bt.file(t, "users.txt", "# plan migration\nauth0|b00\n\nb01@example.com\nauth0|b00\nB01@EXAMPLE.COM\n{\"user_id\":\"auth0|b02\",\"email\":\"b02@example.com\"}\nauth0|b01\n")
	code, out, errOut := bt.run(t, "", "meta", "set", "--users-from", users, "--app", "plan=pro", "--yes", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The email and the user_id of b01 race: one is done, the other
	// skipped.
	want := []string{
		`{"user_id":"auth0|b00","status":"changed","error":null}`,
		`{"user_id":"auth0|b01","input":"b01@example.com","status":"changed","error":null}`,
		`{"user_id":"auth0|b01","status":"skipped","error":"the same user as an earlier input"}`,
		`{"user_id":"auth0|b02","status":"changed","error":null}`,
	}
	other := []string{want[0],
		`{"user_id":"auth0|b01","input":"b01@example.com","status":"skipped","error":"the same user as an earlier input"}`,
		`{"user_id":"auth0|b01","status":"changed","error":null}`,
		want[3]}
	if got := strings.Join(sortedLines(out), "\n"); got != strings.Join(want, "\n") && got != strings.Join(other, "\n") {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	for _, s := range []string{
		"Skipping 2 duplicate line(s) in " + users,
		"About to set app_metadata.plan for 4 user(s) on http://127.0.0.1:",
		": 3 changed, 0 unchanged, 0 failed, 1 skipped of 4 user(s)",
	} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
	for _, id := range []string{"auth0|b00", "auth0|b01", "auth0|b02"} {
		if got := bt.app(t, id); got != `{"plan":"pro","since":2020}` {
			t.Errorf("%s app_metadata %s", id, got)
		}
	}
	wantLog := []string{
		"GET /api/v2/users-by-email",
		"GET /api/v2/users/auth0%7Cb00",
		"GET /api/v2/users/auth0%7Cb01",
		"GET /api/v2/users/auth0%7Cb02",
		`PATCH /api/v2/users/auth0%7Cb00 {"app_metadata":{"plan":"pro"}}`,
		`PATCH /api/v2/users/auth0%7Cb01 {"app_metadata":{"plan":"pro"}}`,
		`PATCH /api/v2/users/auth0%7Cb02 {"app_metadata":{"plan":"pro"}}`,
	}
	if got := bt.log(); strings.Join(got, "\n") != strings.Join(wantLog, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLog, "\n"))
	}
}

func TestBulkRefusesBeforeAnyRequest(t *testing.T) {
	bt := newBulkTenant(t, 3)
	good := bt.file(t, "good.txt", "auth0|b00\nauth0|b01\nauth0|b02\n")
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"bad line", "", []string{"meta", "set", "--users-from", bt.file(t, "bad.txt", "auth0|b00\n# ok\nb01\nauth0|b02\n"), "plan=pro", "--yes"}, "bad.txt:3: \"b01\" is neither"},
		{"bad line on stdin", "auth0|b00\n{\"email\":\"x@y\"}\n", []string{"meta", "unset", "--users-from", "-", "plan", "--yes"}, `stdin:2: the JSON object has no "user_id"`},
		{"no --yes without a terminal", "", []string{"meta", "set", "--users-from", good, "plan=pro"}, "writing to 3 users needs --yes"},
		{"--max", "", []string{"meta", "clear", "--users-from", good, "--yes", "--max", "2"}, "3 users would be touched on http://127.0.0.1:"},
		{"both sources", "", []string{"meta", "set", "--users-from", good, "--query", "*:*", "plan=pro"}, "not both"},
		{"USER and clear", "", []string{"meta", "clear", "auth0|b00", "--users-from", good}, "give no USER"},
		{"bad assignment", "", []string{"meta", "set", "--users-from", good, "plan"}, "plan"},
		{"nothing to set", "", []string{"meta", "set", "--users-from", good, "--yes"}, "nothing to set"},
		{"journal on a dry run", "", []string{"meta", "set", "--users-from", good, "a=b", "--dry-run", "--journal", "j"}, "--journal records writes"},
		{"stdin twice", "x", []string{"meta", "set", "--users-from", "-", "--value-file", "a=-"}, "both want stdin"},
		{"not a journal", "", []string{"meta", "set", "--query", "*:*", "a=b", "--yes", "--journal", bt.file(t, "notes.txt", "hello\n")}, "is not an a0meta journal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := bt.run(t, tt.stdin, tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
			if l := bt.log(); len(l) > 0 {
				t.Errorf("requests were sent: %v", l)
			}
		})
	}
}

func TestBulkDryRun(t *testing.T) {
	bt := newBulkTenant(t, 2)
	bt.srv.PutUser([]byte(`{"user_id":"auth0|b09","created_at":"2025-02-01T00:00:00.000Z","app_metadata":{"plan":"pro"}}`))
	code, out, errOut := bt.run(t, "auth0|b00\nauth0|b01\nauth0|b09\n", "meta", "set", "--users-from", "-", "--app", "plan=pro", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := []string{
		`{"user_id":"auth0|b00","body":{"app_metadata":{"plan":"pro"}}}`,
		`{"user_id":"auth0|b01","body":{"app_metadata":{"plan":"pro"}}}`,
		`{"user_id":"auth0|b09","body":null}`,
	}
	if got := sortedLines(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "Dry run: would set app_metadata.plan for 3 user(s)") || !strings.Contains(errOut, "2 would change, 1 unchanged") {
		t.Errorf("stderr:\n%s", errOut)
	}
	for _, l := range bt.log() {
		if strings.HasPrefix(l, "PATCH") {
			t.Errorf("a dry run sent %s", l)
		}
	}
	// With -o json a rehearsed change never reads "changed".
	_, out, _ = bt.run(t, "auth0|b00\nauth0|b09\n", "meta", "set", "--users-from", "-", "--app", "plan=pro", "--dry-run", "-o", "json")
	want = []string{
		`{"user_id":"auth0|b00","status":"would_change","body":{"app_metadata":{"plan":"pro"}},"error":null}`,
		`{"user_id":"auth0|b09","status":"unchanged","body":null,"error":null}`,
	}
	if got := sortedLines(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stdout with -o json:\n%s", out)
	}
}

func TestBulkFailedUsersExit6(t *testing.T) {
	bt := newBulkTenant(t, 3)
	code, out, errOut := bt.run(t, "auth0|b00\nauth0|nobody\nsam@example.com\nghost@example.com\nauth0|b02\n", "meta", "unset", "--users-from", "-", "--app", "since", "--yes")
	if code != 6 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, s := range []string{
		"a0meta: auth0|nobody: GET /api/v2/users/auth0%7Cnobody: 404 Not Found: The user does not exist. (inexistent_user)\n",
		"a0meta: sam@example.com: 2 users have email sam@example.com",
		"a0meta: ghost@example.com: no user with email ghost@example.com\n",
		"2 changed, 0 unchanged, 3 failed, 0 skipped of 5 user(s)",
		"a0meta: 3 of 5 users failed\n",
	} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
	if out != "" || strings.Contains(errOut, "\x1b") {
		t.Errorf("stdout %q, or a raw escape on stderr", out)
	}
	if got := bt.app(t, "auth0|b02"); got != `{"plan":"trial"}` {
		t.Errorf("auth0|b02: %s", got)
	}
}

func TestBulkStopsOnForbidden(t *testing.T) {
	bt := newBulkTenant(t, 30)
	bt.srv.InjectFault(sandbox.Fault{Method: http.MethodPatch, Status: 403, Times: -1,
		Body: `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: update:users","errorCode":"insufficient_scope"}`})
	var in strings.Builder
	for i := range 30 {
		fmt.Fprintf(&in, "auth0|b%02d\n", i)
	}
	code, _, errOut := bt.run(t, in.String(), "meta", "set", "--users-from", "-", "--app", "plan=pro", "--yes", "--concurrency", "2")
	if code != 4 || !strings.Contains(errOut, "Insufficient scope") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	patches := 0
	for _, l := range bt.log() {
		if strings.HasPrefix(l, "PATCH") {
			patches++
		}
	}
	if patches > 2 {
		t.Errorf("%d PATCHes after a 403, want the run stopped at once", patches)
	}
}

// Ctrl-C: users in flight finish, the journal holds them, the exit is 130
// even with a failed user; the same command with the journal finishes the
// rest, and no user is written twice.
func TestBulkInterruptAndResume(t *testing.T) {
	bt := newBulkTenant(t, 40)
	sigs := make(chan os.Signal, 2)
	old := bulkSignals
	bulkSignals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	t.Cleanup(func() { bulkSignals = old })
	var mu sync.Mutex
	patched := map[string]int{}
	bt.srv.SetHook(func(r *http.Request) {
		if r.Method != http.MethodPatch {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		patched[r.URL.EscapedPath()]++
		if len(patched) == 10 {
			sigs <- os.Interrupt
		}
	})
	var in strings.Builder
	in.WriteString("auth0|nobody\n")
	for i := range 40 {
		fmt.Fprintf(&in, "auth0|b%02d\n", i)
	}
	users := bt.file(t, "users.txt", in.String())
	journal := filepath.Join(bt.dir, "run.journal")
	args := []string{"meta", "set", "--users-from", users, "--app", "plan=pro", "--yes", "--journal", journal, "--concurrency", "3"}
	code, _, errOut := bt.run(t, "", args...)
	if code != 130 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "Interrupted: finishing the users in flight") || !strings.Contains(errOut, "not started of 41 user(s)") {
		t.Errorf("stderr:\n%s", errOut)
	}
	mu.Lock()
	first := len(patched)
	mu.Unlock()
	if first >= 40 {
		t.Fatalf("%d users written before the interrupt took effect", first)
	}

	code, _, errOut = bt.run(t, "", args...)
	if code != 6 {
		t.Fatalf("resumed: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, fmt.Sprintf("for %d user(s) on", 41-first)) || !strings.Contains(errOut, fmt.Sprintf("(%d more already done in the journal)", first)) {
		t.Errorf("resumed stderr:\n%s", errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range 40 {
		id := fmt.Sprintf("auth0|b%02d", i)
		if n := patched["/api/v2/users/"+strings.ReplaceAll(id, "|", "%7C")]; n != 1 {
			t.Errorf("%s written %d times", id, n)
		}
		if got := bt.app(t, id); got != `{"plan":"pro","since":2020}` {
			t.Errorf("%s: %s", id, got)
		}
	}
	// Another command refuses the journal.
	code, _, errOut = bt.run(t, "", "meta", "set", "--users-from", users, "--app", "plan=free", "--yes", "--journal", journal)
	if code != 2 || !strings.Contains(errOut, "records another run (set app_metadata.plan on http://127.0.0.1:") || !strings.Contains(errOut, "not this one (set app_metadata.plan with other values on") {
		t.Errorf("other command: exit %d: %s", code, errOut)
	}
}

// A query whose writes take users out of it: every matching user is
// changed once.
func TestBulkQueryMovesUsersOut(t *testing.T) {
	bt := newBulkTenant(t, 25)
	code, _, errOut := bt.run(t, "", "meta", "set", "--query", `app_metadata.plan:"trial"`, "--app", "plan=pro", "--yes")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// 25 added users and the seeded google-oauth2 one were on trial.
	if !strings.Contains(errOut, "for 26 user(s)") || !strings.Contains(errOut, "26 changed") {
		t.Errorf("stderr:\n%s", errOut)
	}
	for i := range 25 {
		if got := bt.app(t, fmt.Sprintf("auth0|b%02d", i)); got != `{"plan":"pro","since":2020}` {
			t.Errorf("b%02d: %s", i, got)
		}
	}
	code, out, _ := bt.run(t, "", "list", "--query", `app_metadata.plan:"trial"`)
	if code != 0 || out != "" {
		t.Errorf("still matching: %q", out)
	}
}

func TestUserListPipesIntoBulk(t *testing.T) {
	bt := newBulkTenant(t, 3)
	code, out, errOut := bt.run(t, "", "list", "--query", `email:b0*`, "--fields", "email,app_metadata")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout:\n%s", out)
	}
	for i, l := range lines {
		if gjson.Get(l, "user_id").String() != fmt.Sprintf("auth0|b%02d", i) || gjson.Get(l, "app_metadata.plan").String() != "trial" || gjson.Get(l, "created_at").Exists() {
			t.Errorf("line %d: %s", i, l)
		}
	}
	code, _, errOut = bt.run(t, out, "meta", "set", "--users-from", "-", "plan=pro", "--app", "--yes")
	if code != 0 || !strings.Contains(errOut, "3 changed") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, _ = bt.run(t, "", "list", "--query", `email:b0*`, "-o", "table", "--fields", "app_metadata")
	want := "USER_ID    APP_METADATA\nauth0|b00  {\"plan\":\"pro\",\"since\":2020}\nauth0|b01  {\"plan\":\"pro\",\"since\":2020}\nauth0|b02  {\"plan\":\"pro\",\"since\":2020}\n"
	if code != 0 || out != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
	if code, _, errOut := bt.run(t, "", "list"); code != 2 || !strings.Contains(errOut, "--query is required") {
		t.Errorf("no query: %d %s", code, errOut)
	}
}

// runTTY is run with stdin and stderr flagged as a terminal.
func (bt *bulkTenant) runTTY(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.StdinTTY, ios.StderrTTY = true, true
	in.WriteString(stdin)
	f := &cmdutil.Factory{IO: ios, Env: func(k string) string { return bt.env[k] }}
	cmd := NewCmdUser(f)
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	_, err := cmd.ExecuteContextC(context.Background())
	f.Close()
	return int(failure.CodeOf(err)), out.String(), errOut.String()
}

// On a terminal: a prompt before writing to several users, and a progress
// bar with done/total and failures on stderr.
func TestBulkOnATerminal(t *testing.T) {
	old := barThrottle
	barThrottle = 0
	t.Cleanup(func() { barThrottle = old })
	bt := newBulkTenant(t, 3)
	users := bt.file(t, "users.txt", "auth0|b00\nauth0|b01\nauth0|nobody\nauth0|b02\n")
	code, _, errOut := bt.runTTY(t, "n\n", "meta", "set", "--users-from", users, "--app", "plan=pro")
	if code != 2 || !strings.Contains(errOut, "Go ahead? [y/N] ") {
		t.Fatalf("answer n: exit %d: %q", code, errOut)
	}
	for _, l := range bt.log() {
		if strings.HasPrefix(l, "PATCH") {
			t.Fatalf("sent after no: %s", l)
		}
	}
	code, _, errOut = bt.runTTY(t, "y\n", "meta", "set", "--users-from", users, "--app", "plan=pro", "--concurrency", "1")
	if code != 6 {
		t.Fatalf("answer y: exit %d: %q", code, errOut)
	}
	for _, s := range []string{"(3/4, ", "users (1 failed)", "a0meta: auth0|nobody: GET"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q: %q", s, errOut)
		}
	}
	if got := bt.app(t, "auth0|b02"); got != `{"plan":"pro","since":2020}` {
		t.Errorf("b02: %s", got)
	}
	// Without a terminal there is no bar, only the failure line.
	code, _, errOut = bt.run(t, "", "meta", "set", "--users-from", users, "--app", "plan=max", "--yes")
	if code != 6 || strings.Contains(errOut, "/4, ") || strings.Count(errOut, "a0meta: auth0|nobody:") != 1 {
		t.Errorf("no terminal: exit %d: %q", code, errOut)
	}
}

// A second Ctrl-C quits at once with 130.
func TestBulkSecondInterruptQuits(t *testing.T) {
	bt := newBulkTenant(t, 20)
	sigs := make(chan os.Signal, 2)
	oldSig, oldExit := bulkSignals, bulkExit
	var mu sync.Mutex
	exited := -1
	bulkSignals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	bulkExit = func(code int) { mu.Lock(); exited = code; mu.Unlock() }
	t.Cleanup(func() { bulkSignals, bulkExit = oldSig, oldExit })
	var once sync.Once
	bt.srv.SetHook(func(r *http.Request) {
		if r.Method == http.MethodPatch {
			once.Do(func() { sigs <- os.Interrupt; sigs <- os.Interrupt })
		}
	})
	var in strings.Builder
	for i := range 20 {
		fmt.Fprintf(&in, "auth0|b%02d\n", i)
	}
	code, out, errOut := bt.run(t, in.String(), "meta", "set", "--users-from", "-", "--app", "plan=pro", "--yes", "--concurrency", "2", "-o", "json")
	mu.Lock()
	defer mu.Unlock()
	if exited != 130 || !strings.Contains(errOut, "Interrupted again: quitting") {
		t.Errorf("exit called with %d; stderr %q", exited, errOut)
	}
	// What was printed before quitting was flushed.
	if code != 130 || !strings.Contains(out, `"status":"changed"`) {
		t.Errorf("exit %d, stdout %q", code, out)
	}
}

// clear asks for --yes even for one user.
func TestBulkClearOneUserNeedsYes(t *testing.T) {
	bt := newBulkTenant(t, 1)
	code, _, errOut := bt.run(t, "auth0|b00\n", "meta", "clear", "--users-from", "-", "--app")
	if code != 2 || !strings.Contains(errOut, "clear removes every key of app_metadata: pass --yes") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if got := bt.app(t, "auth0|b00"); got != `{"plan":"trial","since":2020}` {
		t.Errorf("cleared: %s", got)
	}
}
