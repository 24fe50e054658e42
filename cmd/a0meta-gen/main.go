// Command a0meta-gen writes the files derived from a0meta's command tree,
// which are committed so that packages and readers get them without a
// build: the shell completion scripts (completions/), the command reference
// (docs/reference/*.md) and the man pages (docs/man/*.1).
//
// Run it from anywhere in the repository after changing a command:
//
//	go run ./cmd/a0meta-gen          # or: go generate ./...
//	go run ./cmd/a0meta-gen -check   # CI: exit 1 listing stale files
//
// The output depends only on the code: no generation date (man pages carry
// the fixed ManDate) and no environment, so every machine writes the same
// bytes.
//
//go:generate go run .
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

const modulePath = "github.com/a0meta/a0meta"

// ManDate is the date every man page shows. It is fixed, not today's (a
// freshness check would fail each new month) and not SOURCE_DATE_EPOCH
// (build systems set that to the build's time, so the committed pages
// would differ from machine to machine). Move it forward when the pages
// change in substance.
var ManDate = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// Generated directories whose files all come from this generator: a file
// there that it no longer writes (a removed command's page) is stale.
var ownedDirs = []struct{ dir, ext string }{
	{"docs/reference", ".md"},
	{"docs/man", ".1"},
}

func main() {
	check := flag.Bool("check", false, "write nothing; list stale files and exit 1 if any")
	dir := flag.String("dir", "", "repository root (default: the directory above with a0meta's go.mod)")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintf(os.Stderr, "a0meta-gen: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	if dir == "" {
		var err error
		if dir, err = findRoot(); err != nil {
			return err
		}
	}
	files, err := Generate()
	if err != nil {
		return err
	}
	if check {
		stale, err := Check(dir, files)
		if err != nil {
			return err
		}
		if len(stale) > 0 {
			return fmt.Errorf("generated files are stale (run: go run ./cmd/a0meta-gen):\n  %s", strings.Join(stale, "\n  "))
		}
		fmt.Printf("a0meta-gen: %d generated files are up to date\n", len(files))
		return nil
	}
	changed, err := Write(dir, files)
	if err != nil {
		return err
	}
	for _, c := range changed {
		fmt.Println(c)
	}
	fmt.Printf("a0meta-gen: %d files, %d changed\n", len(files), len(changed))
	return nil
}

// findRoot walks up from the working directory to a0meta's go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the a0meta repository (no go.mod of " + modulePath + " above); use -dir")
		}
		dir = parent
	}
}

// noEnv keeps the environment out of the output.
func noEnv(string) string { return "" }

// Generate returns every generated file by slash-separated path relative to
// the repository root.
func Generate() (map[string][]byte, error) {
	files := map[string][]byte{}
	// The scripts are what `a0meta completion SHELL` prints, byte for byte.
	for _, sh := range completion.Shells() {
		io, _, out, errOut := iostreams.Test()
		if code := root.Run(context.Background(), []string{"completion", sh.Name}, io, noEnv); code != 0 {
			return nil, fmt.Errorf("a0meta completion %s: exit %d: %s", sh.Name, code, errOut)
		}
		files["completions/"+sh.File] = out.Bytes()
	}

	tmp, err := os.MkdirTemp("", "a0meta-gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	md, man := filepath.Join(tmp, "md"), filepath.Join(tmp, "man")
	for _, d := range []string{md, man} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := doc.GenMarkdownTree(tree(), md); err != nil {
		return nil, err
	}
	header := &doc.GenManHeader{Title: "A0META", Section: "1", Date: &ManDate, Source: "a0meta", Manual: "a0meta manual"}
	if err := doc.GenManTree(tree(), header, man); err != nil {
		return nil, err
	}
	for rel, d := range map[string]string{"docs/reference": md, "docs/man": man} {
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(d, e.Name()))
			if err != nil {
				return nil, err
			}
			if rel == "docs/man" {
				data = addManSections(data)
			}
			files[rel+"/"+e.Name()] = data
		}
	}
	return files, nil
}

// addManSections puts EXIT STATUS, ENVIRONMENT and FILES, which cobra does
// not write, before SEE ALSO (or at the end).
func addManSections(page []byte) []byte {
	var b bytes.Buffer
	b.WriteString(".SH EXIT STATUS\n")
	for _, line := range strings.Split(strings.TrimRight(root.ExitStatus, "\n"), "\n") {
		code, what, _ := strings.Cut(strings.TrimSpace(line), " ")
		fmt.Fprintf(&b, ".TP\n\\fB%s\\fP\n%s\n", code, roffText(strings.TrimSpace(what)))
	}
	b.WriteString("\n\n.SH ENVIRONMENT\n")
	for _, e := range manEnvironment {
		fmt.Fprintf(&b, ".TP\n\\fB%s\\fP\n%s\n", e[0], roffText(e[1]))
	}
	b.WriteString("\n\n.SH FILES\n")
	for _, e := range manFiles {
		fmt.Fprintf(&b, ".TP\n\\fI%s\\fP\n%s\n", roffText(e[0]), roffText(e[1]))
	}
	b.WriteString("\n\n")
	if i := bytes.Index(page, []byte(".SH SEE ALSO")); i >= 0 {
		return append(append(append([]byte(nil), page[:i]...), b.Bytes()...), page[i:]...)
	}
	return append(append(append([]byte(nil), page...), '\n'), b.Bytes()...)
}

// roffText escapes what roff would read as requests or escapes.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

var manEnvironment = [][2]string{
	{"A0META_PROFILE", "Profile to use, as --profile (which wins over it)."},
	{"A0META_DOMAIN", "Tenant domain, host or URL."},
	{"A0META_CLIENT_ID", "Client ID of the machine-to-machine application."},
	{"A0META_CLIENT_SECRET", "Its client secret; sent only to A0META_DOMAIN when that is set."},
	{"A0META_TOKEN", "A ready Management API access token; no token request is made."},
	{"A0META_AUDIENCE", "Management API audience (default https://DOMAIN/api/v2/)."},
	{"A0META_CONFIG", "Config file, as --config."},
	{"AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET", "Read last, as other Auth0 tools name them; the secret goes only to AUTH0_DOMAIN."},
	{"VISUAL, EDITOR", "The editor of meta edit (default vi)."},
	{"NO_COLOR", "When set to a non-empty value, no colour; TERM=dumb likewise."},
	{"XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_DATA_HOME, XDG_STATE_HOME", "Where the files below live."},
}

var manFiles = [][2]string{
	{"$XDG_CONFIG_HOME/a0meta/config.yaml", "Profiles (default ~/.config/a0meta/config.yaml), mode 0600."},
	{"$XDG_CACHE_HOME/a0meta/tokens/", "Cached access tokens (default ~/.cache/a0meta/), only the owner can read them."},
	{"$XDG_DATA_HOME/a0meta/sandbox.json", "State of the built-in sandbox tenant (--profile sandbox)."},
	{"$XDG_STATE_HOME/a0meta/unsent/", "Edited documents meta edit could not send."},
}

// tree is a fresh command tree with cobra's "Auto generated … on DATE"
// line turned off everywhere (the setting is per command).
func tree() *cobra.Command {
	io, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(&cmdutil.Factory{IO: io, Env: noEnv})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
	return cmd
}

// Check lists, sorted, the files under dir that differ from files, are
// missing, or sit in a generated directory without being generated.
func Check(dir string, files map[string][]byte) ([]string, error) {
	var stale []string
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			stale = append(stale, rel+" (missing)")
		case err != nil:
			return nil, err
		case !bytes.Equal(got, want):
			stale = append(stale, rel+" (differs)")
		}
	}
	extra, err := extras(dir, files)
	if err != nil {
		return nil, err
	}
	for _, rel := range extra {
		stale = append(stale, rel+" (no longer generated)")
	}
	sort.Strings(stale)
	return stale, nil
}

// Write brings dir up to date: it writes the files whose content differs
// (others keep their modification time) and removes generated files no
// longer generated. It returns what it changed, sorted.
func Write(dir string, files map[string][]byte) ([]string, error) {
	var changed []string
	for rel, want := range files {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if got, err := os.ReadFile(path); err == nil && bytes.Equal(got, want) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			return nil, err
		}
		changed = append(changed, "wrote "+rel)
	}
	extra, err := extras(dir, files)
	if err != nil {
		return nil, err
	}
	for _, rel := range extra {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			return nil, err
		}
		changed = append(changed, "removed "+rel)
	}
	sort.Strings(changed)
	return changed, nil
}

// extras are the files in the generated directories that files lacks.
func extras(dir string, files map[string][]byte) ([]string, error) {
	var out []string
	for _, o := range ownedDirs {
		entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(o.dir)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			rel := o.dir + "/" + e.Name()
			if !e.IsDir() && strings.HasSuffix(e.Name(), o.ext) && files[rel] == nil {
				out = append(out, rel)
			}
		}
	}
	return out, nil
}
