package main

import (
	"bytes"
	"github.com/a0meta/a0meta/pkg/cli/root"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs generated different files")
	}
	for _, want := range []string{"completions/a0meta.bash", "completions/_a0meta", "completions/a0meta.fish", "completions/a0meta.ps1",
		"docs/reference/a0meta.md", "docs/reference/a0meta_user_meta_get.md", "docs/man/a0meta.1", "docs/man/a0meta-user-meta-get.1"} {
		if len(a[want]) == 0 {
			t.Errorf("%s not generated", want)
		}
	}
	for name, data := range a {
		if bytes.Contains(data, []byte("Auto generated")) {
			t.Errorf("%s carries cobra's generation stamp", name)
		}
		if strings.HasSuffix(name, ".1") && !bytes.Contains(data, []byte(`"`+ManDate.Format("Jan 2006")+`"`)) {
			t.Errorf("%s does not carry the fixed date %s", name, ManDate.Format("Jan 2006"))
		}
	}
}

func TestCheckAndWrite(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"completions/a0meta.bash":  []byte("bash\n"),
		"docs/reference/a0meta.md": []byte("# a0meta\n"),
		"docs/man/a0meta.1":        []byte(".TH\n"),
	}
	stale, err := Check(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"completions/a0meta.bash (missing)", "docs/man/a0meta.1 (missing)", "docs/reference/a0meta.md (missing)"}; !reflect.DeepEqual(stale, want) {
		t.Errorf("empty dir: stale %q, want %q", stale, want)
	}

	if _, err := Write(dir, files); err != nil {
		t.Fatal(err)
	}
	if stale, _ := Check(dir, files); len(stale) != 0 {
		t.Errorf("after Write: stale %q", stale)
	}

	// An edited file, a page of a removed command, and files that are
	// not the generator's business.
	put := func(rel, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("docs/man/a0meta.1", ".TH edited\n")
	put("docs/reference/a0meta_gone.md", "old\n")
	put("docs/reference/notes.txt", "kept\n")
	put("completions/README", "kept\n")
	stale, _ = Check(dir, files)
	if want := []string{"docs/man/a0meta.1 (differs)", "docs/reference/a0meta_gone.md (no longer generated)"}; !reflect.DeepEqual(stale, want) {
		t.Errorf("stale %q, want %q", stale, want)
	}
	changed, err := Write(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"removed docs/reference/a0meta_gone.md", "wrote docs/man/a0meta.1"}; !reflect.DeepEqual(changed, want) {
		t.Errorf("Write changed %q, want %q", changed, want)
	}
	for _, kept := range []string{"docs/reference/notes.txt", "completions/README"} {
		if _, err := os.Stat(filepath.Join(dir, kept)); err != nil {
			t.Errorf("%s: %v", kept, err)
		}
	}
	if stale, _ := Check(dir, files); len(stale) != 0 {
		t.Errorf("after second Write: stale %q", stale)
	}
}

// The committed scripts are what `a0meta completion SHELL` prints, and
// they ask a0meta itself for candidates.
func TestCompletionScripts(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, marker := range map[string]string{
		"completions/a0meta.bash": "__start_a0meta",
		"completions/_a0meta":     "#compdef a0meta",
		"completions/a0meta.fish": "complete -c a0meta",
		"completions/a0meta.ps1":  "Register-ArgumentCompleter",
	} {
		if !bytes.Contains(files[name], []byte(marker)) || !bytes.Contains(files[name], []byte("__complete")) {
			t.Errorf("%s: no %q or no __complete call", name, marker)
		}
	}
}

// Every man page has EXIT STATUS, ENVIRONMENT and FILES, before SEE ALSO.
func TestManSections(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if !strings.HasSuffix(name, ".1") {
			continue
		}
		page := string(data)
		last := -1
		for _, sec := range []string{".SH EXIT STATUS\n", ".SH ENVIRONMENT\n", ".SH FILES\n", ".SH SEE ALSO\n"} {
			i := strings.Index(page, sec)
			if i < 0 {
				t.Errorf("%s: no %q", name, strings.TrimSpace(sec))
				continue
			}
			if i < last {
				t.Errorf("%s: %q out of order", name, strings.TrimSpace(sec))
			}
			last = i
		}
		for _, want := range []string{"\\fB130\\fP\ninterrupted", "\\fBA0META_TOKEN\\fP", "config.yaml"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}

// Text lines of one man paragraph start at the same column: an indented
// line after an unindented one (outside examples) renders misaligned.
func TestManParagraphsAligned(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if !strings.HasSuffix(name, ".1") {
			continue
		}
		inExample, prevText := false, false
		for i, line := range strings.Split(string(data), "\n") {
			switch {
			case line == ".EX" || line == ".nf":
				inExample = true
			case line == ".EE" || line == ".fi":
				inExample = false
			case inExample:
			case line == "" || strings.HasPrefix(line, "."):
				prevText = false
			case strings.HasPrefix(line, " "):
				if prevText {
					t.Errorf("%s:%d: indented line inside a paragraph: %q", name, i+1, line)
				}
			default:
				prevText = true
			}
		}
	}
}

// The docs describe --debug=redact-values in the words of its help.
func TestDebugWordingMatchesDocs(t *testing.T) {
	_, phrase, ok := strings.Cut(root.DebugHelp, "--debug=redact-values ")
	if !ok {
		t.Fatalf("the --debug help does not describe redact-values: %q", root.DebugHelp)
	}
	docs, _ := filepath.Glob("../../docs/*.md")
	readme, _ := filepath.Glob("../../README.md")
	for _, path := range append(docs, readme...) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(data)), " ")
		for _, part := range strings.Split(text, "`--debug=redact-values`")[1:] {
			if !strings.HasPrefix(strings.TrimSpace(part), phrase) {
				t.Errorf("%s: `--debug=redact-values`%.80s..., want it followed by %q", filepath.Base(path), part, phrase)
			}
		}
	}
}
