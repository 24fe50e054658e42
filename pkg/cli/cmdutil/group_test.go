package cmdutil_test

import (
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/spf13/cobra"
)

// tree is noun -> meta -> get|set, each group made with Group, as the real
// command tree is.
func tree(ran *string) *cobra.Command {
	leaf := func(name string) *cobra.Command {
		return &cobra.Command{Use: name, RunE: func(*cobra.Command, []string) error { *ran = name; return nil }}
	}
	meta := &cobra.Command{Use: "meta", Aliases: []string{"metadata"}}
	meta.AddCommand(leaf("get"), leaf("set"))
	noun := &cobra.Command{Use: "user", SilenceErrors: true, SilenceUsage: true}
	noun.AddCommand(cmdutil.Group(meta))
	return cmdutil.Group(noun)
}

func TestGroup(t *testing.T) {
	tests := []struct {
		args     []string
		code     failure.Code
		ran      string
		mentions []string
	}{
		{[]string{"meta", "get"}, failure.OK, "get", nil},
		{[]string{"metadata", "set"}, failure.OK, "set", nil},
		{[]string{"meta"}, failure.OK, "", []string{"Available Commands", "get", "set"}},
		{[]string{}, failure.OK, "", []string{"meta"}},
		{[]string{"meta", "frobnicate"}, failure.Usage, "", []string{`unknown command "frobnicate" for "user meta"`, "user meta --help"}},
		{[]string{"meta", "gte"}, failure.Usage, "", []string{"Did you mean get?"}},
		{[]string{"mta", "get"}, failure.Usage, "", []string{`unknown command "mta" for "user"`, "Did you mean meta?"}},
		{[]string{"frobnicate", "x", "y"}, failure.Usage, "", []string{`"frobnicate"`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var ran string
			cmd := tree(&ran)
			var out strings.Builder
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			if code := failure.CodeOf(err); code != tt.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.code)
			}
			if ran != tt.ran {
				t.Errorf("ran %q, want %q", ran, tt.ran)
			}
			text := out.String()
			if err != nil {
				text = err.Error()
			}
			for _, m := range tt.mentions {
				if !strings.Contains(text, m) {
					t.Errorf("%q does not mention %q", text, m)
				}
			}
		})
	}
}
