package completion

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/spf13/cobra"
)

func TestPaths(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		append bool
		want   []string // "path type"
	}{
		{"empty", `{}`, false, nil},
		{"not an object", `[1]`, false, nil},
		{"invalid", `{"a":`, false, nil},
		{
			"depth first, document order",
			`{"b":{"y":1,"x":[true,null]},"a":"s"}`, false,
			[]string{"b object", "b.y number", "b.x array", "b.x.0 boolean", "b.x.1 null", "a string"},
		},
		{
			"append slots for set",
			`{"r":["a",["b"]],"e":[]}`, true,
			[]string{"r array", "r.0 string", "r.1 array", "r.1.0 string", "r.1.-1 append", "r.-1 append", "e array", "e.-1 append"},
		},
		{
			"unnameable keys and what is under them are left out",
			`{"a.b":{"c":1},"$x":1,"":{"d":1},"t\tab":1,"ok":{"n\nl":2,"k":3},"日本":"語"}`, false,
			[]string{"ok object", "ok.k number", "日本 string"},
		},
		{
			"escaped keys come back unescaped",
			`{"say \"hi\"":1,"a\u00e9":2}`, false,
			[]string{`say "hi" number`, "aé number"},
		},
		{
			"numeric object keys are keys",
			`{"0":{"1":"x"}}`, false,
			[]string{"0 object", "0.1 string"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range Paths([]byte(tt.doc), tt.append) {
				got = append(got, e.Path+" "+e.Type)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Paths(%s)\n got %q\nwant %q", tt.doc, got, tt.want)
			}
		})
	}
}

func TestPathsBounded(t *testing.T) {
	doc := "[" + strings.Repeat("0,", 5000) + "0]"
	got := Paths([]byte(`{"a":`+doc+`}`), true)
	if len(got) != maxEntries {
		t.Fatalf("got %d entries, want %d", len(got), maxEntries)
	}
}

func TestFixed(t *testing.T) {
	fn := Fixed(Choice{"json", "JSON"}, Choice{"raw", "plain"}, Choice{"yaml", "YAML"})
	got, d := fn(nil, nil, "r")
	if !reflect.DeepEqual(got, []cobra.Completion{"raw\tplain"}) || d != quiet {
		t.Errorf("Fixed(..)(r) = %q, %d", got, d)
	}
	if got := Names([]Choice{{"a", ""}, {"b", ""}}); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Names = %q", got)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"notes.txt", "note.json", ".hidden", "sub/inner.txt"} {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := dir + string(filepath.Separator)
	tests := []struct {
		partial string
		want    []string
		noSpace bool
	}{
		{d, []string{"k=" + d + "note.json", "k=" + d + "notes.txt", "k=" + d + "sub/"}, false},
		{d + "note", []string{"k=" + d + "note.json", "k=" + d + "notes.txt"}, false},
		{d + ".", []string{"k=" + d + ".hidden"}, false},
		{d + "s", []string{"k=" + d + "sub/"}, true},
		{d + "sub/", []string{"k=" + d + "sub/inner.txt"}, false},
		{d + "missing/x", nil, false},
	}
	for _, tt := range tests {
		got, directive := files("k=", tt.partial)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("files(%q)\n got %q\nwant %q", tt.partial, got, tt.want)
		}
		if noSpace := directive&cobra.ShellCompDirectiveNoSpace != 0; noSpace != tt.noSpace {
			t.Errorf("files(%q): NoSpace = %v, want %v", tt.partial, noSpace, tt.noSpace)
		}
		if directive&cobra.ShellCompDirectiveNoFileComp == 0 {
			t.Errorf("files(%q): directive %d lets the shell add file names of its own", tt.partial, directive)
		}
	}
	// Stdin is offered before anything is typed.
	if got, _ := files("k=", ""); len(got) == 0 || got[0] != "k=-\tstdin" {
		t.Errorf("files(\"\") = %q, want k=- (stdin) first", got)
	}
}

// A command that others wired themselves keeps its completion; everything
// that takes no file names says so.
func TestRegisterKeepsOwnCompletion(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: io, Env: func(string) string { return "" }}
	root := &cobra.Command{Use: "a0meta"}
	user := &cobra.Command{Use: "user"}
	meta := &cobra.Command{Use: "meta"}
	own := func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{"mine"}, cobra.ShellCompDirectiveNoFileComp
	}
	edit := &cobra.Command{Use: "edit", ValidArgsFunction: own, RunE: func(*cobra.Command, []string) error { return nil }}
	get := &cobra.Command{Use: "get", RunE: func(*cobra.Command, []string) error { return nil }}
	other := &cobra.Command{Use: "version", RunE: func(*cobra.Command, []string) error { return nil }}
	meta.AddCommand(edit, get)
	user.AddCommand(meta)
	root.AddCommand(user, other)
	Register(root, f)

	if got, _ := edit.ValidArgsFunction(edit, nil, ""); !reflect.DeepEqual(got, []cobra.Completion{"mine"}) {
		t.Errorf("edit's own completion replaced: %q", got)
	}
	if get.ValidArgsFunction == nil || other.ValidArgsFunction == nil {
		t.Error("leaf commands left without argument completion (the shell would offer files)")
	}
	if child(root, "completion") == nil {
		t.Error("no completion command")
	}
}
