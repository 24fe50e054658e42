package completion_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
)

func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	code = root.Run(context.Background(), args, io, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func testEnv(t *testing.T) map[string]string { return sandboxtest.Dirs(t.TempDir()) }

// Another a0meta holding the sandbox (say, waiting at clear's prompt) must
// not make Tab wait: completion gives up at once and stays silent.
func TestSandboxLockedIsSilent(t *testing.T) {
	env := testEnv(t)
	args := []string{"__complete", "--profile", "sandbox", "user", "meta", "get", "auth0|jane1", ""}
	if _, out, _ := run(t, env, args...); !strings.HasPrefix(out, "hobby\tstring\n") {
		t.Fatalf("unlocked: got %q, want Jane's paths", out)
	}
	unlock, err := sandbox.Lock(filepath.Join(env["XDG_DATA_HOME"], "a0meta", "sandbox.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	done := make(chan string, 1)
	go func() { _, out, _ := run(t, env, args...); done <- out }()
	select {
	case out := <-done:
		if out != ":4\n" {
			t.Errorf("locked: got %q, want only the directive :4", out)
		}
	case <-time.After(time.Minute): // a deadlock guard, not a timing assertion
		t.Fatal("completion waited for the sandbox lock")
	}
}

// `a0meta completion SHELL` prints cobra's script for the whole tree,
// exactly (the committed scripts are made from the command's output).
func TestCompletionCommand(t *testing.T) {
	env := testEnv(t)
	for _, sh := range completion.Shells() {
		code, out, errOut := run(t, env, "completion", sh.Name)
		if code != 0 || errOut != "" {
			t.Fatalf("completion %s: exit %d, stderr %q", sh.Name, code, errOut)
		}
		ios, _, _, _ := iostreams.Test()
		tree := root.NewCmdRoot(&cmdutil.Factory{IO: ios, Env: func(k string) string { return env[k] }})
		var want bytes.Buffer
		var err error
		switch sh.Name {
		case "bash":
			err = tree.GenBashCompletionV2(&want, true)
		case "zsh":
			err = tree.GenZshCompletion(&want)
		case "fish":
			err = tree.GenFishCompletion(&want, true)
		case "powershell":
			err = tree.GenPowerShellCompletionWithDesc(&want)
		default:
			t.Fatalf("a shell this test does not know: %s", sh.Name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if out != want.String() {
			t.Errorf("completion %s differs from cobra's script for a0meta", sh.Name)
		}
		_, noDesc, _ := run(t, env, "completion", sh.Name, "--no-descriptions")
		if noDesc == out {
			t.Errorf("completion %s --no-descriptions printed the same script", sh.Name)
		}
	}
	code, _, errOut := run(t, env, "completion", "tcsh")
	if code != 2 || !strings.Contains(errOut, "tcsh") {
		t.Errorf("completion tcsh: exit %d, stderr %q; want a usage error naming it", code, errOut)
	}
}

// Each verb completes the -o values it accepts, from its declared list.
func TestOutputCompletion(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"user", "meta", "get", "auth0|jane1", "-o", ""}, "json\tJSON\nraw\tstrings without quotes, other values as JSON\nyaml\tYAML\n:4\n"},
		{[]string{"user", "meta", "set", "auth0|jane1", "-o", ""}, "json\tJSON\n:4\n"},
		{[]string{"client", "meta", "clear", "x", "--output", "r"}, ":4\n"},
		{[]string{"--debug=r"}, "redact-values\ttrace requests, every value masked too\n:4\n"},
	}
	for _, tt := range tests {
		_, out, _ := run(t, env, append([]string{"__complete"}, tt.args...)...)
		if out != tt.want {
			t.Errorf("%q: got %q, want %q", tt.args, out, tt.want)
		}
	}
	// A value the completion offers is one the verb accepts, and no other.
	code, _, errOut := run(t, env, "user", "meta", "set", "auth0|jane1", "a=1", "-o", "raw")
	if code != 2 || !strings.Contains(errOut, "use one of json") {
		t.Errorf("set -o raw: exit %d, %q", code, errOut)
	}
}
