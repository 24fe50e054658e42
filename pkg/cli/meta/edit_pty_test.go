//go:build !windows

package meta_test

// The interactive side of the meta commands, run in-process through the
// real command tree on a pseudo-terminal: the editor loop of `edit` (with a
// fake $VISUAL that rewrites the file), its lost-update guard, the `clear`
// prompt and the coloured --diff.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/creack/pty"
)

type term struct {
	t   *testing.T
	srv *sandbox.Server
	env map[string]string
	dir string // the test's own directory (state, editor scripts)
}

func newTerm(t *testing.T) *term {
	t.Helper()
	srv, url := sandboxtest.Serve(t)
	dir := t.TempDir()
	env := sandboxtest.Env(dir, url)
	env["EDITOR"] = "false" // VISUAL must win
	return &term{t: t, srv: srv, dir: dir, env: env}
}

// run executes a0meta with stdin, stdout and stderr all on one terminal;
// typed is what the user types. It returns the exit code and everything
// the terminal showed, with \r\n turned into \n.
func (tm *term) run(typed string, color bool, args ...string) (int, string) {
	tm.t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		tm.t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, ptmx) // ends with EIO once the tty is closed
		close(done)
	}()
	if typed != "" {
		if _, err := ptmx.Write([]byte(typed)); err != nil {
			tm.t.Fatal(err)
		}
	}
	ios := &iostreams.IOStreams{In: tty, Out: tty, ErrOut: tty, StdinTTY: true, StdoutTTY: true, StderrTTY: true, NoColor: !color}
	code := root.Run(context.Background(), args, ios, func(k string) string { return tm.env[k] })
	tty.Close()
	<-done
	return code, strings.ReplaceAll(out.String(), "\r\n", "\n")
}

// editor installs a fake $VISUAL: on its Nth call it copies the file it
// was given to seenN, records the path, then runs steps[N-1] (shell code
// that may rewrite the file "$F").
func (tm *term) editor(steps ...string) {
	tm.t.Helper()
	sdir := filepath.Join(tm.dir, "my editor") // a space: VISUAL is split like a shell word list
	if err := os.MkdirAll(sdir, 0o700); err != nil {
		tm.t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\nS='%s'\n", sdir)
	b.WriteString(`n=$(cat "$S/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$S/count"` + "\n")
	b.WriteString(`for F; do :; done` + "\n") // the file is the last argument
	b.WriteString(`cp "$F" "$S/seen$n"; echo "$F" > "$S/path"` + "\ncase $n in\n")
	for i, s := range steps {
		fmt.Fprintf(&b, "%d) %s ;;\n", i+1, s)
	}
	b.WriteString("*) echo 'editor called too often' >&2; exit 9 ;;\nesac\n")
	script := filepath.Join(sdir, "ed.sh")
	if err := os.WriteFile(script, []byte(b.String()), 0o700); err != nil {
		tm.t.Fatal(err)
	}
	tm.env["VISUAL"] = "sh '" + script + "' --wait"
}

// seen is what the editor was shown on its Nth call.
func (tm *term) seen(n int) string {
	b, err := os.ReadFile(filepath.Join(tm.dir, "my editor", fmt.Sprintf("seen%d", n)))
	if err != nil {
		tm.t.Fatalf("editor call %d: %v", n, err)
	}
	return string(b)
}

func (tm *term) calls() string {
	b, _ := os.ReadFile(filepath.Join(tm.dir, "my editor", "count"))
	return strings.TrimSpace(string(b))
}

// requests lists the API requests since the last call, token requests left
// out: "METHOD PATH[ BODY]".
func (tm *term) requests() string {
	var b strings.Builder
	for _, r := range tm.srv.Requests() {
		if r.Path == "/oauth/token" {
			continue
		}
		b.WriteString(r.Method + " " + r.Path)
		if len(r.Body) > 0 {
			b.WriteString(" " + string(r.Body))
		}
		b.WriteByte('\n')
	}
	tm.srv.ClearRequests()
	return b.String()
}

// onGet runs change when the nth GET of path arrives.
func (tm *term) onGet(n int32, path string, change func()) {
	var gets atomic.Int32
	tm.srv.SetHook(func(r *http.Request) {
		if r.Method == http.MethodGet && r.URL.EscapedPath() == path && gets.Add(1) == n {
			change()
		}
	})
}

func (tm *term) put(raw string) {
	tm.t.Helper()
	if err := tm.srv.PutUser([]byte(raw)); err != nil {
		tm.t.Fatal(err)
	}
}

func (tm *term) userField(id, field string) string {
	u, _ := tm.srv.User(id)
	i := bytes.Index(u, []byte(`"`+field+`":`))
	if i < 0 {
		return "(absent)"
	}
	return string(u[i:])
}

const janePath = "/api/v2/users/auth0%7Cjane1"
const janeGet = "GET " + janePath + "\n"

func TestEditReopensOnInvalidJSON(t *testing.T) {
	tm := newTerm(t)
	tm.editor(
		`printf '{"hobby": "diving",\n' > "$F"`,
		`printf '# my own comment\n{"hobby":"diving","addresses":{"home":"1 Main St"}}\n' > "$F"`,
	)
	code, out := tm.run("", false, "user", "meta", "edit", "auth0|jane1")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if tm.calls() != "2" {
		t.Fatalf("editor called %s times", tm.calls())
	}
	first := tm.seen(1)
	for _, want := range []string{
		"# Editing user_metadata of user auth0|jane1 on http://127.0.0.1:",
		"# Lines starting with # are ignored; an empty file cancels the edit.\n",
		"\n{\n  \"hobby\": \"surfing\"\n}\n",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first file lacks %q:\n%s", want, first)
		}
	}
	if strings.Contains(first, "ERROR") {
		t.Errorf("first file has an error:\n%s", first)
	}
	second := tm.seen(2)
	if !strings.Contains(second, "# ERROR: the edited metadata is not valid JSON: unexpected end of JSON input at line 1, column 20 of the JSON: {\"hobby\": \"diving\",\n") || !strings.HasSuffix(second, "\n{\"hobby\": \"diving\",\n") {
		t.Errorf("reopened file should hold the reason and the user's text:\n%s", second)
	}
	want := janeGet + janeGet + "PATCH " + janePath + ` {"user_metadata":{"addresses":{"home":"1 Main St"}}}` + "\n"
	want = strings.Replace(want, `{"user_metadata":{"addresses"`, `{"user_metadata":{"hobby":"diving","addresses"`, 1)
	if got := tm.requests(); got != want {
		t.Errorf("requests:\n%swant:\n%s", got, want)
	}
	if !strings.Contains(out, "Updated user_metadata of user auth0|jane1 on ") || !strings.Contains(out, ": set hobby, addresses\n") {
		t.Errorf("output:\n%s", out)
	}
	// The temporary file and its private directory are gone.
	p, _ := os.ReadFile(filepath.Join(tm.dir, "my editor", "path"))
	if _, err := os.Stat(filepath.Dir(strings.TrimSpace(string(p)))); !os.IsNotExist(err) {
		t.Errorf("temp dir of %s left behind: %v", p, err)
	}
}

func TestEditFileModeIsPrivate(t *testing.T) {
	tm := newTerm(t)
	tm.editor(`stat -c %a "$F" > "$S/mode" 2>/dev/null || stat -f %Lp "$F" > "$S/mode"; stat -c %a "$(dirname "$F")" >> "$S/mode" 2>/dev/null || stat -f %Lp "$(dirname "$F")" >> "$S/mode"`)
	if code, out := tm.run("", false, "user", "meta", "edit", "auth0|jane1"); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	b, _ := os.ReadFile(filepath.Join(tm.dir, "my editor", "mode"))
	if got := strings.Fields(string(b)); len(got) != 2 || got[0] != "600" || got[1] != "700" {
		t.Errorf("file and dir modes %q, want 600 700", got)
	}
}

func TestEditCancels(t *testing.T) {
	tests := []struct {
		name, step string
		code       int
		out        string
	}{
		{"unchanged", `:`, 0, "Edit cancelled, no changes to user_metadata of user auth0|jane1"},
		{"same meaning", `printf '{ "hobby" : "surf\\u0069ng" }' > "$F"`, 0, "Edit cancelled, no changes"},
		{"emptied", `: > "$F"`, 0, "Edit cancelled: the file was emptied; nothing sent"},
		{"only comments left", `printf '# nothing\n' > "$F"`, 0, "Edit cancelled: the file was emptied"},
		{"editor fails", `exit 1`, 1, "exited with status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := newTerm(t)
			tm.editor(tt.step)
			code, out := tm.run("", false, "user", "meta", "edit", "auth0|jane1")
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Errorf("exit %d, want %d; output:\n%s\nwant %q", code, tt.code, out, tt.out)
			}
			if got := tm.requests(); got != janeGet {
				t.Errorf("requests:\n%s", got)
			}
		})
	}
}

func TestEditGivesUpWhenSavedUnchangedAfterAnError(t *testing.T) {
	tm := newTerm(t)
	tm.editor(`printf '{"hobby": 1,}' > "$F"`, `:`)
	code, out := tm.run("", false, "user", "meta", "edit", "auth0|jane1", "--app")
	if code != 2 || !strings.Contains(out, "edit cancelled, nothing sent; your text is saved in ") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	matches, _ := filepath.Glob(filepath.Join(tm.dir, "state", "a0meta", "unsent", "app_metadata-auth0_jane1-*.json"))
	if len(matches) != 1 {
		t.Fatalf("saved files %q", matches)
	}
	if b, _ := os.ReadFile(matches[0]); string(b) != "{\"hobby\": 1,}\n" {
		t.Errorf("saved %q", b)
	}
	if got := tm.requests(); strings.Contains(got, "PATCH") {
		t.Errorf("sent:\n%s", got)
	}
}

func TestEditClientRulesReopen(t *testing.T) {
	tm := newTerm(t)
	tm.editor(
		`printf '{"mycolor":"red","myflavor":"grape","count":3}' > "$F"`,
		`printf '{"mycolor":"red","count":"3","a=b":"c"}' > "$F"`,
	)
	code, out := tm.run("", false, "client", "meta", "edit", "myclient")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if s := tm.seen(1); !strings.Contains(s, "# client_metadata: string values only, at most 10 keys") {
		t.Errorf("first file lacks the client rules:\n%s", s)
	}
	if s := tm.seen(2); !strings.Contains(s, `# ERROR: client_metadata values must be strings: "count" is a number`) {
		t.Errorf("second file lacks the reason:\n%s", s)
	}
	const getMy = "GET /api/v2/clients/myclientid123\n"
	want := "GET /api/v2/clients/myclient\nGET /api/v2/clients\n" + getMy + getMy +
		`PATCH /api/v2/clients/myclientid123 {"client_metadata":{"count":"3","a=b":"c","myflavor":null}}` + "\n"
	if got := tm.requests(); got != want {
		t.Errorf("requests:\n%swant:\n%s", got, want)
	}
	c, _ := tm.srv.Client("myclientid123")
	if !bytes.Contains(c, []byte(`"client_metadata":{"mycolor":"red","count":"3","a=b":"c"}`)) {
		t.Errorf("client now %s", c)
	}
}

func TestEditGuard(t *testing.T) {
	t.Run("edited root changed meanwhile: saved, not sent", func(t *testing.T) {
		tm := newTerm(t)
		tm.editor(`printf '{\n  "hobby": "diving"\n}\n' > "$F"`)
		tm.onGet(2, janePath, func() {
			tm.put(`{"user_id":"auth0|jane1","email":"jane.doe@example.com","user_metadata":{"hobby":"chess"}}`)
		})
		code, out := tm.run("", false, "user", "meta", "edit", "auth0|jane1")
		if code != 1 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if got := tm.requests(); got != janeGet+janeGet {
			t.Errorf("requests:\n%s", got)
		}
		matches, _ := filepath.Glob(filepath.Join(tm.dir, "state", "a0meta", "unsent", "user_metadata-auth0_jane1-*.json"))
		if len(matches) != 1 {
			t.Fatalf("saved files %q\n%s", matches, out)
		}
		b, _ := os.ReadFile(matches[0])
		if string(b) != "{\n  \"hobby\": \"diving\"\n}\n" {
			t.Errorf("saved %q", b)
		}
		for path, mode := range map[string]os.FileMode{matches[0]: 0o600, filepath.Dir(matches[0]): 0o700} {
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
				t.Errorf("%s: mode %v, want %v", path, fi.Mode(), mode)
			}
		}
		for _, want := range []string{
			`a0meta: user_metadata of user auth0|jane1 changed on the tenant while you edited it (root key(s) "hobby"); nothing sent`,
			"Your edited document is saved in " + matches[0],
			"a0meta user meta edit 'auth0|jane1' --file " + matches[0] + " --diff --dry-run",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if got := tm.userField("auth0|jane1", "user_metadata"); !strings.HasPrefix(got, `"user_metadata":{"hobby":"chess"}`) {
			t.Errorf("the concurrent change was overwritten: %s", got)
		}
	})

	t.Run("another root changed meanwhile: only the edit's roots are sent", func(t *testing.T) {
		tm := newTerm(t)
		tm.put(`{"user_id":"auth0|jane1","email":"jane.doe@example.com","user_metadata":{"hobby":"surfing","theme":"dark"}}`)
		tm.editor(`printf '{"hobby":"diving","theme":"dark"}' > "$F"`)
		tm.onGet(2, janePath, func() {
			tm.put(`{"user_id":"auth0|jane1","email":"jane.doe@example.com","user_metadata":{"hobby":"surfing","theme":"light","lang":"fr"}}`)
		})
		code, out := tm.run("", false, "user", "meta", "edit", "auth0|jane1", "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if got, want := tm.requests(), janeGet+janeGet+"PATCH "+janePath+` {"user_metadata":{"hobby":"diving"}}`+"\n"; got != want {
			t.Errorf("requests:\n%swant:\n%s", got, want)
		}
		if !strings.Contains(out, "{\n  \"hobby\": \"diving\",\n  \"theme\": \"light\",\n  \"lang\": \"fr\"\n}\n") {
			t.Errorf("-o json output:\n%s", out)
		}
	})
}

func TestClearPrompt(t *testing.T) {
	tests := []struct {
		typed string
		sent  bool
	}{
		{"y\n", true},
		{"yes\n", true},
		{"n\n", false},
		{"\n", false},
		{"\x04", false}, // EOF
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.typed), func(t *testing.T) {
			tm := newTerm(t)
			code, out := tm.run(tt.typed, false, "user", "meta", "clear", "auth0|jane1", "--app")
			// Declining is not success: exit 2, as without --yes.
			if want := map[bool]int{true: 0, false: 2}[tt.sent]; code != want {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if !strings.Contains(out, "Remove all 1 root key(s) of app_metadata of user auth0|jane1 on ") {
				t.Errorf("no prompt:\n%s", out)
			}
			got := tm.requests()
			if sent := strings.Contains(got, `PATCH `+janePath+` {"app_metadata":{}}`); sent != tt.sent {
				t.Errorf("sent %v, want %v:\n%s", sent, tt.sent, got)
			}
			if !tt.sent && !strings.Contains(out, "a0meta: cancelled at the prompt; nothing sent") {
				t.Errorf("output:\n%s", out)
			}
		})
	}
}

func TestDiffColour(t *testing.T) {
	tm := newTerm(t)
	code, out := tm.run("", true, "user", "meta", "set", "auth0|jane1", "hobby=diving", "--diff", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		"\x1b[1m--- a/user_metadata\x1b[0m\n",
		"\x1b[36m@@ -1,3 +1,3 @@\x1b[0m\n",
		"\x1b[31m-  \"hobby\": \"surfing\"\x1b[0m\n",
		"\x1b[32m+  \"hobby\": \"diving\"\x1b[0m\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("coloured diff lacks %q:\n%q", want, out)
		}
	}
	// NO_COLOR (or stderr not a terminal) keeps it plain.
	_, out = tm.run("", false, "user", "meta", "set", "auth0|jane1", "hobby=diving", "--diff", "--dry-run")
	if strings.Contains(out, "\x1b[") || !strings.Contains(out, "-  \"hobby\": \"surfing\"\n+  \"hobby\": \"diving\"\n") {
		t.Errorf("plain diff:\n%q", out)
	}
}

func TestEditKeepsTheDocumentWhenTheServerRefuses(t *testing.T) {
	tm := newTerm(t)
	tm.editor(`printf '{"hobby":"diving"}' > "$F"`)
	tm.srv.InjectFault(sandbox.Fault{Method: http.MethodPatch, PathPrefix: janePath, Status: 400,
		Body: `{"statusCode":400,"error":"Bad Request","message":"Payload validation error","errorCode":"invalid_body"}`})
	code, out := tm.run("", false, "user", "meta", "edit", "auth0|jane1")
	if code != 1 || !strings.Contains(out, "a0meta: edit not applied; your edited document is saved in ") || !strings.Contains(out, "Payload validation error") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	matches, _ := filepath.Glob(filepath.Join(tm.dir, "state", "a0meta", "unsent", "user_metadata-auth0_jane1-*.json"))
	if len(matches) != 1 {
		t.Fatalf("saved files %q", matches)
	}
	if b, _ := os.ReadFile(matches[0]); string(b) != "{\"hobby\":\"diving\"}\n" {
		t.Errorf("saved %q", b)
	}
}
