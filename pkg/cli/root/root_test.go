package root_test

// root.Run end to end against a sandbox tenant served by this test: exit
// codes decided in one place, and the -o json error line.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
)

// env points a0meta at a fresh seeded sandbox, with every XDG directory in a
// temporary one.
func env(t *testing.T, extra ...string) func(string) string {
	t.Helper()
	_, url := sandboxtest.Serve(t)
	m := sandboxtest.Env(t.TempDir(), url)
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func run(t *testing.T, e func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code = root.Run(context.Background(), args, ios, e)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string // a prefix of stderr; "" means stderr must be empty
		extra  []string
	}{
		{args: []string{"user", "meta", "get", "auth0|jane1", "hobby", "-o", "raw"}, code: 0, stdout: "surfing\n"},
		{args: []string{"users", "metadata", "set", "jane.doe@example.com", "hobby=surfing"}, code: 0, stderr: "No change"},
		{args: []string{"user", "meta", "get", "auth0|jane1", "--nope"}, code: 2, stderr: "a0meta: unknown flag: --nope\n"},
		{args: []string{"--nope", "version"}, code: 2, stderr: "a0meta: unknown flag: --nope\n"},
		{args: []string{"user", "meta", "get", "auth0|jane1", "-x"}, code: 2, stderr: "a0meta: unknown shorthand flag: 'x' in -x\n"},
		{args: []string{"user", "meta", "get", "auth0|jane1", "-o"}, code: 2, stderr: "a0meta: flag needs an argument: 'o' in -o\n"},
		{args: []string{"--timeout", "soon", "version"}, code: 2, stderr: "a0meta: invalid argument"},
		{args: []string{"--timeout", "0s", "version"}, code: 2, stderr: "a0meta: invalid --timeout"},
		{args: []string{"--debug=loud", "version"}, code: 2, stderr: "a0meta: invalid --debug"},
		{args: []string{"frobnicate"}, code: 2, stderr: `a0meta: unknown command "frobnicate" for "a0meta"`},
		{args: []string{"user", "frobnicate"}, code: 2, stderr: `a0meta: unknown command "frobnicate" for "a0meta user"`},
		{args: []string{"user", "meta", "gte", "auth0|jane1"}, code: 2, stderr: `a0meta: unknown command "gte" for "a0meta user meta"`},
		{args: []string{"client", "meta", "get", "myclientid123", "--app"}, code: 2, stderr: "a0meta: unknown flag: --app\n"},
		{args: []string{"user", "meta", "get"}, code: 2, stderr: "a0meta: missing USER\nUsage: a0meta user meta get USER [PATH...]"},
		{args: []string{"user", "meta", "get", "abc123"}, code: 2, stderr: "a0meta: \"abc123\" is neither"},
		{args: []string{"user", "meta", "get", "sam@example.com"}, code: 2, stderr: "a0meta: 2 users have email sam@example.com"},
		{args: []string{"user", "meta", "get", "auth0|ghost"}, code: 3, stderr: "a0meta: GET /api/v2/users/auth0%7Cghost: 404"},
		{args: []string{"user", "meta", "get", "auth0|jane1", "nothere"}, code: 3, stderr: "a0meta: not in user_metadata of auth0|jane1: nothere\n"},
		{args: []string{"user", "meta", "get", "auth0|jane1", "x\x1b[2J\rq"}, code: 3, stderr: `a0meta: not in user_metadata of auth0|jane1: x\x1b[2J\rq` + "\n"},
		{args: []string{"user", "meta", "get", " jane.doe@example.com ", "hobby", "-o", "raw"}, code: 0, stdout: "surfing\n"},
		{args: []string{"user", "meta", "get", "auth0|jane1"}, code: 4, extra: []string{"A0META_CLIENT_SECRET=wrong"}, stderr: "a0meta: token request"},
		{args: []string{"user", "meta", "get", "auth0|jane1"}, code: 2, extra: []string{"A0META_DOMAIN="}, stderr: "a0meta: no Auth0 tenant configured"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, env(t, tt.extra...), tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			if stdout != tt.stdout {
				t.Errorf("stdout %q, want %q", stdout, tt.stdout)
			}
			if tt.stderr == "" && stderr != "" || !strings.HasPrefix(stderr, tt.stderr) {
				t.Errorf("stderr %q, want it to start with %q", stderr, tt.stderr)
			}
			if strings.Contains(stderr, "wrong") || strings.Contains(stderr, sandbox.DemoClientSecret) {
				t.Errorf("stderr holds a secret: %s", stderr)
			}
		})
	}
}

func TestJSONErrorLine(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		extra []string
		code  int
		want  string // the exact stderr
	}{
		{
			name: "server answered: status and error_code",
			args: []string{"user", "meta", "get", "auth0|ghost", "-o", "json"},
			code: 3,
			want: `{"error":{"exit_code":3,"status":404,"error_code":"inexistent_user","message":"GET /api/v2/users/auth0%7Cghost: 404 Not Found: The user does not exist. (inexistent_user)"}}` + "\n",
		},
		{
			name:  "401 without an error code",
			args:  []string{"user", "meta", "set", "auth0|jane1", "a=1", "-o", "json"},
			extra: []string{"A0META_TOKEN=not-a-token"},
			code:  4,
			want:  `{"error":{"exit_code":4,"status":401,"message":"GET /api/v2/users/auth0%7Cjane1: 401 Unauthorized: Invalid token"}}` + "\n",
		},
		{
			name: "refused before sending: no status",
			args: []string{"user", "meta", "get", "sam@example.com", "-o", "json"},
			code: 2,
			want: `{"error":{"exit_code":2,"message":"2 users have email sam@example.com; name one by user_id: auth0|sam3, google-oauth2|1089347"}}` + "\n",
		},
		{
			name: "missing path",
			args: []string{"user", "meta", "get", "auth0|jane1", "hobby", "nothere", "-o", "json"},
			code: 3,
			want: `{"error":{"exit_code":3,"message":"not in user_metadata of auth0|jane1: nothere"}}` + "\n",
		},
		{
			name: "an unknown flag before -o json",
			args: []string{"user", "meta", "get", "auth0|jane1", "--nope", "-o", "json"},
			code: 2,
			want: `{"error":{"exit_code":2,"message":"unknown flag: --nope\nRun 'a0meta user meta get --help' for usage."}}` + "\n",
		},
		{
			name: "an unknown shorthand before --output=json",
			args: []string{"user", "meta", "set", "-z", "auth0|jane1", "--output=json"},
			code: 2,
			want: `{"error":{"exit_code":2,"message":"unknown shorthand flag: 'z' in -z\nRun 'a0meta user meta set --help' for usage."}}` + "\n",
		},
		{
			name: "characters a shell or HTML would mind are not escaped",
			args: []string{"client", "meta", "get", "<a&b>", "-o", "json"},
			code: 3,
			want: `{"error":{"exit_code":3,"status":404,"error_code":"inexistent_client","message":"no client has id or name \"<a&b>\": GET /api/v2/clients/%3Ca&b%3E: 404 Not Found: The client does not exist (inexistent_client)"}}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, env(t, tt.extra...), tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if stderr != tt.want {
				t.Errorf("stderr\n got %s\nwant %s", stderr, tt.want)
			}
			var v struct{ Error map[string]json.RawMessage }
			if err := json.Unmarshal([]byte(stderr), &v); err != nil || len(v.Error) == 0 {
				t.Errorf("not one JSON object: %v", err)
			}
		})
	}

	// Without -o json the same error is the plain line.
	_, _, stderr := run(t, env(t), "user", "meta", "get", "auth0|ghost")
	if want := "a0meta: GET /api/v2/users/auth0%7Cghost: 404 Not Found: The user does not exist. (inexistent_user)\n"; stderr != want {
		t.Errorf("plain error %q, want %q", stderr, want)
	}
}

// Without -o json before the bad flag's end, the error stays plain: an
// -o after `--` is an argument, not the flag.
func TestPlainErrorAfterDoubleDash(t *testing.T) {
	code, _, stderr := run(t, env(t), "user", "meta", "set", "auth0|jane1", "--nope", "--", "-o", "json")
	if code != 2 || !strings.HasPrefix(stderr, "a0meta: unknown flag: --nope") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// An interrupted run (Ctrl-C cancels the context) exits 130 and says
// "interrupted", never Go's "context canceled".
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ios, _, out, errOut := iostreams.Test()
	code := root.Run(ctx, []string{"user", "meta", "set", "auth0|jane1", "a=1"}, ios, env(t))
	if code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	if s := errOut.String(); !strings.HasPrefix(s, "a0meta: ") || !strings.Contains(s, "interrupted") || strings.Contains(s, "context canceled") {
		t.Errorf("stderr %q", s)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out)
	}
}

// --version prints what `version` prints.
func TestVersionFlag(t *testing.T) {
	e := env(t)
	code, flag, stderr := run(t, e, "--version")
	_, cmd, _ := run(t, e, "version")
	if code != 0 || stderr != "" || flag != cmd || !strings.HasPrefix(flag, "a0meta ") {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; version printed %q", code, flag, stderr, cmd)
	}
}

// The root help lists the exit codes.
func TestHelpHasExitStatus(t *testing.T) {
	_, out, _ := run(t, env(t), "--help")
	for _, want := range []string{"Exit status:\n", "  2    usage:", "  130  interrupted"} {
		if !strings.Contains(out, want) {
			t.Errorf("root help lacks %q", want)
		}
	}
	if _, sub, _ := run(t, env(t), "user", "meta", "get", "--help"); strings.Contains(sub, "Exit status:") {
		t.Error("a subcommand's help repeats the exit codes")
	}
}

// A data directory a0meta cannot write names what it was writing.
func TestUnwritableDataDir(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, env(t, "XDG_DATA_HOME="+blocker), "-p", "sandbox", "user", "meta", "get", "auth0|jane1")
	want := "a0meta: cannot keep the sandbox tenant's state in " + filepath.Join(blocker, "a0meta", "sandbox.json") + ": "
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, want) {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, stderr, want)
	}
}
