package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/spf13/cobra"
)

func TestCheckGuards(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  prod:\n    domain: a.auth0.com\n    read_only: true\n  careful:\n    domain: b.auth0.com\n    confirm: true\n  plain:\n    domain: c.auth0.com\n"), 0o600)
	tests := []struct {
		name    string
		profile string
		tty     bool
		stdin   string
		args    []string
		asks    bool
		read    bool // not a write command
		code    failure.Code
		cancel  bool
		prompt  bool
	}{
		{name: "read_only refuses", profile: "prod", code: failure.Usage},
		{name: "read_only refuses with --yes", profile: "prod", args: []string{"--yes"}, code: failure.Usage},
		{name: "read_only lets a dry run through", profile: "prod", args: []string{"--dry-run"}},
		{name: "read_only lets reads through", profile: "prod", read: true},
		{name: "confirm without a terminal wants --yes", profile: "careful", code: failure.Usage},
		{name: "confirm with --yes", profile: "careful", args: []string{"-y"}},
		{name: "confirm asks on a terminal: yes", profile: "careful", tty: true, stdin: "y\n", prompt: true},
		{name: "confirm asks on a terminal: no", profile: "careful", tty: true, stdin: "n\n", prompt: true, cancel: true},
		{name: "confirm asks on a terminal: end of input", profile: "careful", tty: true, prompt: true, cancel: true},
		{name: "a command that asks itself is not asked twice", profile: "careful", tty: true, asks: true},
		{name: "plain profile", profile: "plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, in, _, errOut := iostreams.Test()
			io.StdinTTY = tt.tty
			in.WriteString(tt.stdin)
			f := &Factory{IO: io, Env: func(string) string { return "" }, Global: GlobalOptions{Profile: tt.profile, Config: cfg}}
			cmd := &cobra.Command{Use: "set"}
			cmd.Flags().Bool("dry-run", false, "")
			if !tt.read {
				MarkWrite(cmd, tt.asks)
			}
			root := &cobra.Command{Use: "a0meta"}
			root.AddCommand(cmd)
			AddYesFlags(root)
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			err := f.CheckGuards(cmd)
			switch {
			case tt.cancel:
				if !errors.Is(err, ErrCancelled) {
					t.Fatalf("err = %v, want cancelled", err)
				}
			case failure.CodeOf(err) != tt.code:
				t.Fatalf("err = %v (exit %d), want exit %d", err, failure.CodeOf(err), tt.code)
			}
			if tt.code == failure.Usage && !strings.Contains(err.Error(), `profile "`+tt.profile+`"`) {
				t.Errorf("the refusal does not name the profile: %v", err)
			}
			if asked := strings.Contains(errOut.String(), `Profile "careful" asks before every write`); asked != tt.prompt {
				t.Errorf("prompted = %v, want %v (stderr %q)", asked, tt.prompt, errOut.String())
			}
		})
	}
}
