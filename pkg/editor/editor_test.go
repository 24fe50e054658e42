package editor

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{"vi", []string{"vi"}, ""},
		{"  code   --wait ", []string{"code", "--wait"}, ""},
		{`"/Applications/Sublime Text.app/subl" -w`, []string{"/Applications/Sublime Text.app/subl", "-w"}, ""},
		{`'/opt/my editor/bin/ed' -n`, []string{"/opt/my editor/bin/ed", "-n"}, ""},
		{`emacs -nw --eval '(setq x "y")'`, []string{"emacs", "-nw", "--eval", `(setq x "y")`}, ""},
		{`a\ b c`, []string{"a b", "c"}, ""},
		{`"a \"q\" \$x \n"`, []string{`a "q" $x \n`}, ""},
		{`x''y ""`, []string{"xy", ""}, ""},
		{"ed \\\n-n", []string{"ed", "-n"}, ""},
		{"vim\t-f", []string{"vim", "-f"}, ""},
		{`$HOME/bin/ed -w`, []string{"/home/jane/bin/ed", "-w"}, ""},
		{`'open`, nil, "quote"},
		{`"open`, nil, "quote"},
	}
	env := func(k string) string { return map[string]string{"HOME": "/home/jane"}[k] }
	for _, tt := range tests {
		got, err := Split(tt.in, env)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Split(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCommand(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{}, []string{"vi"}},
		{map[string]string{"EDITOR": "nano"}, []string{"nano"}},
		{map[string]string{"EDITOR": "nano", "VISUAL": "code --wait"}, []string{"code", "--wait"}},
		{map[string]string{"EDITOR": "nano", "VISUAL": "   "}, []string{"nano"}},
		{map[string]string{"VISUAL": `""`}, []string{""}},
	}
	for _, tt := range tests {
		got, err := Command(func(k string) string { return tt.env[k] })
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Command(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
	if _, err := Command(func(k string) string { return map[string]string{"VISUAL": "'x"}[k] }); err == nil || !strings.Contains(err.Error(), "$VISUAL") {
		t.Errorf("bad VISUAL: %v", err)
	}
}

func TestHeaderAndStripComments(t *testing.T) {
	h := Header("Editing x.", "", "ERROR: bad\nsecond line")
	want := "# Editing x.\n#\n# ERROR: bad\n# second line\n\n"
	if string(h) != want {
		t.Errorf("Header = %q, want %q", h, want)
	}
	doc := "{\n  \"#tag\": \"a # b\",\n  # a note\n\t#x\n  \"k\": 1\n}"
	text := append(h, doc...)
	got := StripComments(text)
	if want := "\n{\n  \"#tag\": \"a # b\",\n  \"k\": 1\n}"; string(got) != want {
		t.Errorf("StripComments = %q, want %q", got, want)
	}
	if got := StripComments([]byte("# only\n#\n")); len(bytes.TrimSpace(got)) != 0 {
		t.Errorf("comments only: %q", got)
	}
}

func TestSessionAndRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as the editor")
	}
	s, err := NewSession("user_metadata-x.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write([]byte("before")); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{filepath.Dir(s.Path): 0o700, s.Path: 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, %v; want mode %v", path, fi.Mode(), err, mode)
		}
	}
	script := filepath.Join(t.TempDir(), "ed.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s|' \"$@\" > \"$2\"\n"), 0o700)
	if err := Run([]string{"sh", script, "--flag"}, s.Path, Streams{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Read(); string(got) != "--flag|"+s.Path+"|" {
		t.Errorf("editor saw args %q", got)
	}
	err = Run([]string{"sh", "-c", "exit 3"}, s.Path, Streams{})
	if err == nil || !strings.Contains(err.Error(), "status 3") {
		t.Errorf("failing editor: %v", err)
	}
	err = Run([]string{filepath.Join(t.TempDir(), "no-such-editor")}, s.Path, Streams{})
	if err == nil || !strings.Contains(err.Error(), "set VISUAL or EDITOR") {
		t.Errorf("missing editor: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(s.Path)); !os.IsNotExist(err) {
		t.Errorf("session dir still there: %v", err)
	}
}
