package user

import (
	"reflect"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/tidwall/gjson"
)

func TestParseFields(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", []string{"user_id"}, ""},
		{"email", []string{"user_id", "email"}, ""},
		{"user_id, email ,app_metadata", []string{"user_id", "email", "app_metadata"}, ""},
		{"email,,name", []string{"user_id", "email", "name"}, ""},
		{"app_metadata.plan", nil, "name root fields"},
		{"a b", nil, "name root fields"},
	}
	for _, tt := range tests {
		got, err := parseFields(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || failure.CodeOf(err) != failure.Usage {
				t.Errorf("parseFields(%q) error %v", tt.in, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseFields(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestCell(t *testing.T) {
	doc := `{"s":"plain","c":"a\tb\u001bc","n":12345678901234567890,"o":{"a": [1, 2]},"z":null}`
	for path, want := range map[string]string{
		"s": "plain", "c": "a?b?c", "n": "12345678901234567890", "o": `{"a":[1,2]}`, "z": "null", "missing": "-",
	} {
		if got := cell(gjson.Get(doc, path)); got != want {
			t.Errorf("cell(%s) = %q, want %q", path, got, want)
		}
	}
}

func TestListFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "--query is required"},
		{[]string{"--query", "*:*", "-o", "yaml"}, `invalid --output "yaml"`},
		{[]string{"--query", "*:*", "--fields", "a.b"}, "name root fields"},
		{[]string{"--query", "*:*", "extra"}, "unexpected argument"},
	} {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IO: ios, Env: func(k string) string {
			t.Errorf("the environment (%s) was read", k)
			return ""
		}}
		ran := false
		cmd := NewCmdList(f, func(*ListOptions) error { ran = true; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if ran || failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: ran %v, err %v; want %q", tt.args, ran, err, tt.want)
		}
	}
	ios, _, _, _ := iostreams.Test()
	var got *ListOptions
	cmd := NewCmdList(&cmdutil.Factory{IO: ios}, func(o *ListOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--query", `app_metadata.plan:"trial"`, "--fields", "email"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Query != `app_metadata.plan:"trial"` || !reflect.DeepEqual(got.Fields, []string{"user_id", "email"}) {
		t.Errorf("options %+v", got)
	}
}
