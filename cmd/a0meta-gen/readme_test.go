package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's way in works from a clone: two set-up commands (the main job
// on the sandbox, every test), the first the same command as the executed
// example below it, the second the test command .ci/run runs; and an
// install from the clone, not from a module path that is not published.
func TestReadmeSetUp(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	try := section(t, readme, "## Try it")
	m := regexp.MustCompile("(?s)```sh\n(.*?)```\n.*?```console\n\\$ ([^\n]*)\n").FindStringSubmatch(try)
	if m == nil {
		t.Fatal("## Try it has no ```sh block followed by a ```console example")
	}
	cmds := strings.Split(strings.TrimSpace(m[1]), "\n")
	if len(cmds) != 2 {
		t.Fatalf("## Try it shows %d set-up commands, want 2: %q", len(cmds), cmds)
	}
	run, ok := strings.CutPrefix(cmds[0], "go run ./cmd/a0meta ")
	if !ok || !strings.Contains(run, "--profile sandbox") {
		t.Errorf("first set-up command %q: want go run ./cmd/a0meta --profile sandbox ...", cmds[0])
	}
	if m[2] != "a0meta "+run {
		t.Errorf("the example below shows %q, not the set-up command %q", m[2], cmds[0])
	}
	if cmds[1] != "go test ./..." {
		t.Errorf("second set-up command %q, want go test ./...", cmds[1])
	}
	ci, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(string(ci), "\n") {
		var words []string
		for _, w := range strings.Fields(line) {
			if !strings.HasPrefix(w, "-") {
				words = append(words, w)
			}
		}
		if strings.Join(words, " ") == "go test ./..." {
			found = true
		}
	}
	if !found {
		t.Errorf(".ci/run does not run the README's test command (go test [flags] ./...)")
	}

	install := section(t, readme, "## Install")
	for _, want := range []string{"go install ./cmd/a0meta\n", "$(go env GOPATH)/bin", "PATH"} {
		if !strings.Contains(install, want) {
			t.Errorf("## Install lacks %q", want)
		}
	}
	if strings.Contains(readme, "@latest") {
		t.Error("README installs with @latest, which needs a published module")
	}
	if !strings.Contains(readme, "(docs/real-tenant.md)") {
		t.Error("README does not link docs/real-tenant.md")
	}
}

// section returns the text of a README section, up to the next "## ".
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("no %q section", heading)
	}
	rest := doc[i+len(heading)+2:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
