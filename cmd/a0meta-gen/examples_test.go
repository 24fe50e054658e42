package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/spf13/cobra"
)

// Every command shows how it is used: the reference and man pages are made
// from these fields.
func TestEveryCommandHasExamples(t *testing.T) {
	walk(tree(), func(c *cobra.Command) {
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
	})
}

// notRunnable tells why an example line cannot run in a test, or "".
func notRunnable(line string) string {
	switch {
	case strings.HasPrefix(line, "a0meta sandbox serve"):
		return "serves until interrupted"
	case strings.Contains(line, " meta edit ") && !strings.Contains(line, "--file"):
		return "opens an editor"
	case strings.HasPrefix(line, "a0meta undo --run"):
		return "needs a bulk run in the history (each line runs on a fresh sandbox)"
	}
	return ""
}

// The examples work: each a0meta line (shell pipelines, redirections and
// substitutions aside) runs and exits 0 against a fresh built-in sandbox in
// which Jane also has the addresses and tags the examples name, with a
// config file holding the profile "prod" that examples refer to.
func TestExamplesRun(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"notes.txt":     "Prefers email.\n",
		"plan.json":     `{"plan":"gold"}`,
		"metadata.json": `{"mycolor":"blue"}`,
		"users.txt":     "auth0|jane1\njohn.smith@example.com\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	ran := 0
	walk(tree(), func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "a0meta ") {
				continue
			}
			args, ok := shellWords(line)
			if !ok || notRunnable(line) != "" {
				continue
			}
			home := t.TempDir()
			env := map[string]string{
				"HOME":            home,
				"XDG_CONFIG_HOME": filepath.Join(home, "config"),
				"XDG_CACHE_HOME":  filepath.Join(home, "cache"),
				"XDG_DATA_HOME":   filepath.Join(home, "data"),
				"XDG_STATE_HOME":  filepath.Join(home, "state"),
				"A0META_PROFILE":  "sandbox",
			}
			cfg := filepath.Join(env["XDG_CONFIG_HOME"], "a0meta", "config.yaml")
			if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfg, []byte("profiles:\n  prod:\n    domain: example.eu.auth0.com\n    client_id: AbC123\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			exec := func(stdin string, args ...string) (int, string) {
				io, in, _, errOut := iostreams.Test()
				in.WriteString(stdin)
				code := root.Run(context.Background(), args, io, func(k string) string { return env[k] })
				return code, errOut.String()
			}
			if code, errOut := exec("", "user", "meta", "set", "auth0|jane1", "addresses.home=1 Main St", `tags:=["a","b"]`); code != 0 {
				t.Fatalf("setting up Jane: exit %d: %s", code, errOut)
			}
			if code, errOut := exec("example-secret\n", args[1:]...); code != 0 {
				t.Errorf("example of %s fails with exit %d:\n  %s\n%s", c.CommandPath(), code, line, errOut)
			}
			ran++
		}
	})
	t.Logf("%d example lines ran", ran)
	if ran < 30 {
		t.Errorf("only %d examples ran; is the line filter broken?", ran)
	}
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	if !c.IsAvailableCommand() && c.HasParent() {
		return
	}
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// shellWords splits a command line as a POSIX shell would for the simple
// lines of examples: single quotes, double quotes, backslashes. It reports
// false for anything needing a real shell (pipes, redirections,
// substitutions, variables, lists).
func shellWords(line string) ([]string, bool) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '$' || line[i] == '`' {
					return nil, false
				}
				if line[i] == '\\' && i+1 < len(line) {
					i++
				}
				cur.WriteByte(line[i])
			}
			if i == len(line) {
				return nil, false
			}
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case strings.IndexByte("|&;<>()$`#", c) >= 0:
			return nil, false
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, true
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
		ok   bool
	}{
		{`a0meta user meta get 'auth0|jane1' x`, []string{"a0meta", "user", "meta", "get", "auth0|jane1", "x"}, true},
		{`a0meta set u a.b="100 Main, St" 'tags:=["a"]'`, []string{"a0meta", "set", "u", "a.b=100 Main, St", `tags:=["a"]`}, true},
		{`a0meta completion bash > f`, nil, false},
		{`pass show x | a0meta config`, nil, false},
		{`a0meta "$HOME"`, nil, false},
		{`a0meta 'open`, nil, false},
	}
	for _, tt := range tests {
		got, ok := shellWords(tt.line)
		if ok != tt.ok || strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
			t.Errorf("shellWords(%q) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}
