package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// A run that panics leaves no exit code behind: `status` must not find the
// previous run's.
func TestStatusFileReset(t *testing.T) {
	file := filepath.Join(t.TempDir(), "status")
	if code := runRecorded(file, func() int { return 0 }); code != 0 {
		t.Fatalf("code %d", code)
	}
	func() {
		defer func() { _ = recover() }()
		runRecorded(file, func() int { panic("boom") })
	}()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the first run's status survived a run that recorded none (%v)", err)
	}
}

// Every `status N` in a script is followed, before the next exec, by an
// assertion on what the run printed: an exit code alone passes for the
// wrong reason as easily as the right one.
func TestEveryStatusChecksOutput(t *testing.T) {
	scripts, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	assertion := regexp.MustCompile(`^!?\s*(stdout|stderr|cmp(env)? (stdout|stderr))\b`)
	for _, path := range scripts {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(ar.Comment), "\n")
		for i, l := range lines {
			if !strings.HasPrefix(strings.TrimSpace(l), "status ") {
				continue
			}
			ok := false
			for _, next := range lines[i+1:] {
				next = strings.TrimSpace(next)
				if strings.Contains(next, "exec ") {
					break
				}
				if assertion.MatchString(next) {
					ok = true
					break
				}
			}
			if !ok {
				t.Errorf("%s:%d: %q is not followed by a check of stdout or stderr", filepath.Base(path), i+1, strings.TrimSpace(l))
			}
		}
	}
}
