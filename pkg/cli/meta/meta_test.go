package meta_test

// Argument parsing of the meta verbs, gh-style: each command line is parsed
// by the real command with runF capturing the options. Nothing here may
// reach a tenant: the factory's environment fails the test if read, and
// every API call starts by reading it.

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/meta"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/spf13/cobra"
)

// factory returns a factory whose environment must never be consulted, and
// whose stdin holds stdin.
func factory(t *testing.T, stdin string, tty bool) *cmdutil.Factory {
	t.Helper()
	ios, in, _, _ := iostreams.Test()
	in.WriteString(stdin)
	ios.StdinTTY = tty
	return &cmdutil.Factory{IO: ios, Env: func(k string) string {
		t.Errorf("the environment (%s) was read: argument parsing reached for the tenant", k)
		return ""
	}}
}

// run executes cmd with args, its own output discarded.
func run(t *testing.T, cmd *cobra.Command, args []string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	_, err := cmd.ExecuteC()
	return err
}

// asg is an expected assignment: path text, kind and raw JSON value.
type asg struct {
	path  string
	json  bool
	value string
}

func toAsg(as []metapath.Assignment) []asg {
	var out []asg
	for _, a := range as {
		out = append(out, asg{a.Path.String(), a.Kind == metapath.JSON, string(a.Value)})
	}
	return out
}

// files writes name=content pairs into a temporary directory; "@NAME" in
// args is replaced by the file's path.
func files(t *testing.T, args []string, contents map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	for name, c := range contents {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if j := strings.Index(a, "@"); j >= 0 && contents[a[j+1:]] != "" {
			out[i] = a[:j] + filepath.Join(dir, a[j+1:])
		}
	}
	return out
}

var testFiles = map[string]string{
	"addr.txt":  "100 Industrial Way\nAnytown\n",
	"twonl.txt": "x\n\n",
	"crlf.txt":  "dos\r\n",
	"obj.json":  "  {\"theme\": \"dark\", \"n\": 12345678901234567890}\n",
	"bad.json":  "{nope",
	"keys.json": `{"a.b":1}`,
	"null.json": "null\n",
	"latin1":    "\xff\xfe",
}

func TestSetParsing(t *testing.T) {
	tests := []struct {
		name   string
		noun   meta.Noun
		args   []string
		stdin  string
		target string
		want   []asg
		app    bool
		out    string
		dry    bool
	}{
		{name: "string and JSON", args: []string{"auth0|jane1", "zip=02134", "age:=42", `tags:=["a", "b"]`},
			target: "auth0|jane1", want: []asg{{"zip", false, `"02134"`}, {"age", true, "42"}, {"tags", true, `["a", "b"]`}}},
		{name: "first = splits; value keeps = and :=", args: []string{"auth0|jane1", "a=b=c", "u=x:=y", "j:={\"k\":\"=\"}"},
			target: "auth0|jane1", want: []asg{{"a", false, `"b=c"`}, {"u", false, `"x:=y"`}, {"j", true, `{"k":"="}`}}},
		{name: "empty string value", args: []string{"auth0|jane1", "a="},
			target: "auth0|jane1", want: []asg{{"a", false, `""`}}},
		{name: "flags anywhere", args: []string{"--app", "auth0|jane1", "plan=pro", "--dry-run", "-o", "json"},
			target: "auth0|jane1", want: []asg{{"plan", false, `"pro"`}}, app: true, out: "json", dry: true},
		{name: "email target as typed", args: []string{"Jane.Doe@Example.com", "a.b=1"},
			target: "Jane.Doe@Example.com", want: []asg{{"a.b", false, `"1"`}}},
		{name: "special keys", args: []string{"auth0|x", "a*b.#tag.@home=1", "q?|k=2", "tags.-1=z", "ids.2313=x"},
			target: "auth0|x", want: []asg{{"a*b.#tag.@home", false, `"1"`}, {"q?|k", false, `"2"`}, {"tags.-1", false, `"z"`}, {"ids.2313", false, `"x"`}}},
		{name: "file flags interleaved in command-line order",
			args:   []string{"auth0|jane1", "a=1", "--value-file", "addr=@addr.txt", "b:=2", "--json-file=prefs=@obj.json", "c=3"},
			target: "auth0|jane1",
			want: []asg{{"a", false, `"1"`}, {"addr", false, `"100 Industrial Way\nAnytown"`}, {"b", true, "2"},
				{"prefs", true, `{"theme": "dark", "n": 12345678901234567890}`}, {"c", false, `"3"`}}},
		{name: "file flags before the target come first",
			args:   []string{"--json-file", "p=@obj.json", "--value-file", "v=@twonl.txt", "auth0|jane1", "a=1"},
			target: "auth0|jane1",
			want:   []asg{{"p", true, `{"theme": "dark", "n": 12345678901234567890}`}, {"v", false, `"x\n"`}, {"a", false, `"1"`}}},
		{name: "file flag between the target and the first assignment",
			args:   []string{"auth0|jane1", "--value-file", "v=@twonl.txt", "a=1"},
			target: "auth0|jane1", want: []asg{{"v", false, `"x\n"`}, {"a", false, `"1"`}}},
		{name: "file flags after the last assignment",
			args:   []string{"auth0|jane1", "a=1", "--value-file", "v=@crlf.txt"},
			target: "auth0|jane1", want: []asg{{"a", false, `"1"`}, {"v", false, `"dos"`}}}, // CRLF is one newline
		{name: "only file flags", args: []string{"auth0|jane1", "--value-file", "v=@addr.txt"},
			target: "auth0|jane1", want: []asg{{"v", false, `"100 Industrial Way\nAnytown"`}}},
		{name: "value from stdin", args: []string{"auth0|jane1", "a=1", "--value-file", "secret=-", "b=2"}, stdin: "s3cret\n",
			target: "auth0|jane1", want: []asg{{"a", false, `"1"`}, {"secret", false, `"s3cret"`}, {"b", false, `"2"`}}},
		{name: "JSON from stdin", args: []string{"auth0|jane1", "--json-file", "o=-"}, stdin: "\n {\"x\": [1, 2.50]}\n\n",
			target: "auth0|jane1", want: []asg{{"o", true, `{"x": [1, 2.50]}`}}},
		{name: "a null file value below the root", args: []string{"auth0|jane1", "--json-file", "a.b=@null.json"},
			target: "auth0|jane1", want: []asg{{"a.b", true, "null"}}},
		{name: "after --, a leading dash is an assignment", args: []string{"auth0|jane1", "--", "-x=1"},
			target: "auth0|jane1", want: []asg{{"-x", false, `"1"`}}},
		{name: "client", noun: meta.Client, args: []string{"My App", "mycolor=blue"},
			target: "My App", want: []asg{{"mycolor", false, `"blue"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := factory(t, tt.stdin, false)
			var got *meta.SetOptions
			cmd := meta.NewCmdSet(f, tt.noun, func(o *meta.SetOptions) error { got = o; return nil })
			if err := run(t, cmd, files(t, tt.args, testFiles)); err != nil {
				t.Fatalf("error: %v", err)
			}
			if got == nil {
				t.Fatal("runF not called")
			}
			if got.Target != tt.target || got.App != tt.app || got.Output != tt.out || got.DryRun != tt.dry || got.Noun != tt.noun {
				t.Errorf("target %q app %v output %q dry-run %v noun %v; want %q %v %q %v %v",
					got.Target, got.App, got.Output, got.DryRun, got.Noun, tt.target, tt.app, tt.out, tt.dry, tt.noun)
			}
			if a := toAsg(got.Assignments); !reflect.DeepEqual(a, tt.want) {
				t.Errorf("assignments\n got %+v\nwant %+v", a, tt.want)
			}
		})
	}
}

func TestGetUnsetClearParsing(t *testing.T) {
	type opts struct {
		Target string
		Paths  []string
		App    bool
		Output string
		DryRun bool
		Yes    bool
	}
	paths := func(ps []metapath.Path) []string {
		var out []string
		for _, p := range ps {
			out = append(out, strings.Join(p, "\x00")) // segments, not their joined text
		}
		return out
	}
	tests := []struct {
		name string
		verb string
		noun meta.Noun
		args []string
		tty  bool
		want opts
	}{
		{"get whole field", "get", meta.User, []string{"auth0|jane1"}, false,
			opts{Target: "auth0|jane1", Output: "json"}},
		{"get paths in order", "get", meta.User, []string{"auth0|jane1", "b", "a.x", "tags.0", "q?*|#@"}, false,
			opts{Target: "auth0|jane1", Paths: []string{"b", "a\x00x", "tags\x000", "q?*|#@"}, Output: "json"}},
		{"get --app -o raw", "get", meta.User, []string{"-o", "raw", "auth0|jane1", "plan", "--app"}, false,
			opts{Target: "auth0|jane1", Paths: []string{"plan"}, App: true, Output: "raw"}},
		{"get -o yaml by email", "get", meta.User, []string{"jane@example.com", "--output=yaml"}, false,
			opts{Target: "jane@example.com", Output: "yaml"}},
		{"client get by name", "get", meta.Client, []string{"Shared Name", "team"}, false,
			opts{Target: "Shared Name", Paths: []string{"team"}, Output: "json"}},
		{"unset", "unset", meta.User, []string{"auth0|jane1", "addresses.work", "hobby"}, false,
			opts{Target: "auth0|jane1", Paths: []string{"addresses\x00work", "hobby"}}},
		{"unset --app --dry-run -o json", "unset", meta.User, []string{"auth0|jane1", "--app", "x.0", "--dry-run", "-o", "json"}, false,
			opts{Target: "auth0|jane1", Paths: []string{"x\x000"}, App: true, DryRun: true, Output: "json"}},
		{"clear --yes", "clear", meta.User, []string{"auth0|jane1", "--yes"}, false,
			opts{Target: "auth0|jane1", Yes: true}},
		{"clear -y --app", "clear", meta.User, []string{"-y", "--app", "auth0|jane1"}, false,
			opts{Target: "auth0|jane1", Yes: true, App: true}},
		{"clear --dry-run needs no --yes", "clear", meta.User, []string{"auth0|jane1", "--dry-run"}, false,
			opts{Target: "auth0|jane1", DryRun: true}},
		{"clear on a terminal may ask", "clear", meta.User, []string{"auth0|jane1"}, true,
			opts{Target: "auth0|jane1"}},
		{"client clear", "clear", meta.Client, []string{"myclientid123", "--yes", "-o", "json"}, false,
			opts{Target: "myclientid123", Yes: true, Output: "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := factory(t, "", tt.tty)
			var got *opts
			var cmd *cobra.Command
			switch tt.verb {
			case "get":
				cmd = meta.NewCmdGet(f, tt.noun, func(o *meta.GetOptions) error {
					got = &opts{Target: o.Target, Paths: paths(o.Paths), App: o.App, Output: o.Output}
					return nil
				})
			case "unset":
				cmd = meta.NewCmdUnset(f, tt.noun, func(o *meta.UnsetOptions) error {
					got = &opts{Target: o.Target, Paths: paths(o.Paths), App: o.App, Output: o.Output, DryRun: o.DryRun}
					return nil
				})
			case "clear":
				cmd = meta.NewCmdClear(f, tt.noun, func(o *meta.ClearOptions) error {
					got = &opts{Target: o.Target, App: o.App, Output: o.Output, DryRun: o.DryRun, Yes: o.Yes}
					return nil
				})
			}
			if err := run(t, cmd, tt.args); err != nil {
				t.Fatalf("error: %v", err)
			}
			if got == nil {
				t.Fatal("runF not called")
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		verb    string
		noun    meta.Noun
		args    []string
		stdin   string
		mention string // part of the message
	}{
		// Targets.
		{"set", meta.User, nil, "", "missing USER"},
		{"set", meta.User, []string{"abc123", "a=1"}, "", "abc123"},
		{"set", meta.User, []string{"a@b@c", "a=1"}, "", "a@b@c"},
		{"get", meta.User, []string{"@example.com"}, "", "@example.com"},
		{"get", meta.User, []string{""}, "", "empty"},
		{"get", meta.Client, nil, "", "missing CLIENT"},
		{"clear", meta.User, []string{"auth0|a", "auth0|b", "--yes"}, "", "auth0|b"},
		// Assignments.
		{"set", meta.User, []string{"auth0|jane1"}, "", "nothing to set"},
		{"set", meta.User, []string{"auth0|jane1", "novalue"}, "", "novalue"},
		{"set", meta.User, []string{"auth0|jane1", "a..b=1"}, "", "a..b"},
		{"set", meta.User, []string{"auth0|jane1", "=1"}, "", "=1"},
		{"set", meta.User, []string{"auth0|jane1", ".a=1"}, "", ".a"},
		{"set", meta.User, []string{"auth0|jane1", "a$=1"}, "", "$"},
		{"set", meta.User, []string{"auth0|jane1", "a:=nope"}, "", "JSON"},
		{"set", meta.User, []string{"auth0|jane1", "a:="}, "", "JSON"},
		{"set", meta.User, []string{"auth0|jane1", "a:=null"}, "", "unset"},
		{"set", meta.User, []string{"auth0|jane1", `a:={"b.c":1}`}, "", "b.c"},
		{"set", meta.User, []string{"auth0|jane1", `a:={"$b":1}`}, "", "$b"},
		{"set", meta.User, []string{"auth0|jane1", "a:=1 2"}, "", "JSON"},
		{"set", meta.User, []string{"auth0|jane1", "ok=1", "bad"}, "", "bad"},
		// File flags.
		{"set", meta.User, []string{"auth0|jane1", "--value-file", "nofile"}, "", "PATH=FILE"},
		{"set", meta.User, []string{"auth0|jane1", "--value-file", "a=/nonexistent/a0meta-test"}, "", "nonexistent"},
		{"set", meta.User, []string{"auth0|jane1", "--value-file", "a..b=@addr.txt"}, "", "a..b"},
		{"set", meta.User, []string{"auth0|jane1", "--json-file", "a=@bad.json"}, "", "JSON"},
		{"set", meta.User, []string{"auth0|jane1", "--json-file", "a=@keys.json"}, "", "a.b"},
		{"set", meta.User, []string{"auth0|jane1", "--json-file", "a=@null.json"}, "", "unset"},
		{"set", meta.User, []string{"auth0|jane1", "--value-file", "a=@latin1"}, "", "UTF-8"},
		{"set", meta.User, []string{"auth0|jane1", "--value-file", "a=-", "--json-file", "b=-"}, `{"x":1}`, "stdin"},
		// Paths.
		{"get", meta.User, []string{"auth0|jane1", "a..b"}, "", "a..b"},
		{"get", meta.User, []string{"auth0|jane1", "ok", "$"}, "", "$"},
		{"unset", meta.User, []string{"auth0|jane1"}, "", "missing PATH"},
		{"unset", meta.User, []string{"auth0|jane1", "a."}, "", "a."},
		// Output formats.
		{"get", meta.User, []string{"auth0|jane1", "-o", "xml"}, "", "xml"},
		{"set", meta.User, []string{"auth0|jane1", "a=1", "-o", "yaml"}, "", "yaml"},
		{"unset", meta.User, []string{"auth0|jane1", "a", "-o", "raw"}, "", "raw"},
		{"clear", meta.User, []string{"auth0|jane1", "--yes", "-o", "raw"}, "", "raw"},
		// clear without --yes and without a terminal.
		{"clear", meta.User, []string{"auth0|jane1"}, "", "--yes"},
		{"clear", meta.User, []string{"auth0|jane1", "--app"}, "y\n", "--yes"},
		{"clear", meta.Client, []string{"myclientid123"}, "", "--yes"},
	}
	for _, tt := range tests {
		t.Run(tt.verb+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			f := factory(t, tt.stdin, false)
			called := false
			var cmd *cobra.Command
			switch tt.verb {
			case "get":
				cmd = meta.NewCmdGet(f, tt.noun, func(*meta.GetOptions) error { called = true; return nil })
			case "set":
				cmd = meta.NewCmdSet(f, tt.noun, func(*meta.SetOptions) error { called = true; return nil })
			case "unset":
				cmd = meta.NewCmdUnset(f, tt.noun, func(*meta.UnsetOptions) error { called = true; return nil })
			case "clear":
				cmd = meta.NewCmdClear(f, tt.noun, func(*meta.ClearOptions) error { called = true; return nil })
			}
			err := run(t, cmd, files(t, tt.args, testFiles))
			if code := failure.CodeOf(err); code != failure.Usage {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
			if called {
				t.Error("runF was called despite the usage error")
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("message %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func helpOf(t *testing.T, cmd *cobra.Command) string {
	t.Helper()
	var b strings.Builder
	cmd.SetOut(&b)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Every user verb says what USER may be; client verbs say what CLIENT may be.
func TestHelpNamesTargets(t *testing.T) {
	for _, noun := range []meta.Noun{meta.User, meta.Client} {
		want := "USER is a user_id or an email address."
		if noun == meta.Client {
			want = "CLIENT is a client_id or an exact application name."
		}
		f := factory(t, "", false)
		for _, cmd := range []*cobra.Command{meta.NewCmdGet(f, noun, nil), meta.NewCmdSet(f, noun, nil),
			meta.NewCmdUnset(f, noun, nil), meta.NewCmdClear(f, noun, nil), meta.NewCmdEdit(f, noun, nil)} {
			if h := helpOf(t, cmd); !strings.Contains(strings.Join(strings.Fields(h), " "), want) {
				t.Errorf("%s --help (noun %d) lacks %q", cmd.Name(), noun, want)
			}
		}
	}
}

// client meta set --help shows only what client_metadata takes.
func TestClientSetHelpShowsOnlyFlatStrings(t *testing.T) {
	h := helpOf(t, meta.NewCmdSet(factory(t, "", false), meta.Client, nil))
	for _, absent := range []string{":=", "-1", "dotted", "PATH", "path", "--json-file"} {
		if strings.Contains(h, absent) {
			t.Errorf("client meta set --help mentions %q:\n%s", absent, h)
		}
	}
	for _, present := range []string{"KEY=VALUE", "string", "--value-file KEY=FILE"} {
		if !strings.Contains(h, present) {
			t.Errorf("client meta set --help lacks %q", present)
		}
	}
}
