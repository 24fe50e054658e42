package config

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

func TestClosest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"domian", "domain"},
		{"client-id", "client_id"},
		{"Client_Secret", "client_secret"},
		{"clientsecret", "client_secret"},
		{"audiance", "audience"},
		{"readonly", "read_only"},
		{"read-only", "read_only"},
		{"confrim", "confirm"},
		{"secret", ""},
		{"color", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := closest(tt.in, names(profileSettings)); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := closest("default-profile", names(topSettings)); got != "default_profile" {
		t.Errorf("default-profile: %q", got)
	}
	if got := closest("profile", names(topSettings)); got != "profiles" {
		t.Errorf("profile: %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"domian", "domain", 1}, {"ab", "ba", 1}, {"é", "e", 1}, {"flaw", "lawn", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

// Every setting a0meta does not know is named, with its line and the
// closest known name; known ones are checked against their type.
func TestLoadFileSettings(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		def      string
		profiles map[string]Profile
		history  HistoryConfig
		warn     []string
		err      string
	}{
		{
			name: "typos get the closest known name",
			content: "default-profile: prod\nprofiles:\n  prod:\n    domian: d.auth0.com\n    client-id: i\n    Audiance: a\n" +
				"    color: blue\nhistroy:\n  enabled: false\n",
			profiles: map[string]Profile{"prod": {}},
			warn: []string{
				`line 1: unknown key "default-profile" ignored; did you mean "default_profile"?`,
				`line 8: unknown key "histroy" ignored; did you mean "history"?`,
				`line 4: profile "prod": unknown key "domian" ignored; did you mean "domain"?`,
				`line 5: profile "prod": unknown key "client-id" ignored; did you mean "client_id"?`,
				`line 6: profile "prod": unknown key "Audiance" ignored; did you mean "audience"?`,
				`line 7: profile "prod": unknown key "color" ignored (known: domain, client_id, client_secret, audience, read_only, confirm)`,
			},
		},
		{
			name:     "a profile setting at the top level",
			content:  "domain: d.auth0.com\nclient-id: i\nprofiles: {}\n",
			profiles: map[string]Profile{},
			warn: []string{`line 1: unknown key "domain" ignored (domain is a profile setting: put it under profiles: NAME:)`,
				`line 2: unknown key "client-id" ignored (client_id is a profile setting: put it under profiles: NAME:)`},
		},
		{
			name:     "guard rails and history",
			content:  "profiles:\n  prod:\n    domain: d.auth0.com\n    read_only: true\n    Confirm: true\n  dev:\n    read_only: false\n    confirm:\nhistory:\n  enabled: false\n  max_size_mb: 20\n  max_age_days: 90\n  keep: 3\n",
			profiles: map[string]Profile{"prod": {Domain: "d.auth0.com", ReadOnly: true, Confirm: true}, "dev": {}},
			history:  HistoryConfig{Disabled: true, MaxSizeMB: 20, MaxAgeDays: 90},
			warn:     []string{`line 13: history: unknown key "keep" ignored`},
		},
		{name: "a misspelt read_only is refused, not ignored", content: "profiles:\n  p:\n    domain: d.auth0.com\n    readonly: true\n",
			err: `line 4: profile "p": unknown key "readonly" (did you mean "read_only"?): a guard rail a0meta does not understand is refused`},
		{name: "a misspelt confirm is refused, not ignored", content: "profiles:\n  p:\n    confirn: true\n", err: `did you mean "confirm"?`},
		{name: "read_only must be a boolean", content: "profiles:\n  p:\n    read_only: yes\n", err: `profile "p": read_only must be true or false`},
		{name: "confirm must be a boolean", content: "profiles:\n  p:\n    confirm: 1\n", err: `profile "p": confirm must be true or false`},
		{name: "history must be a mapping", content: "history: off\n", err: "history must be a mapping"},
		{name: "history size must be a number", content: "history:\n  max_size_mb: 10MB\n", err: "history.max_size_mb must be a whole number"},
		{name: "history age not negative", content: "history:\n  max_age_days: -1\n", err: "history.max_age_days must be a positive whole number"},
		{name: "history size not zero", content: "history:\n  max_size_mb: 0\n", err: "history.max_size_mb must be a positive whole number"},
		{name: "history enabled a boolean", content: "history:\n  enabled: off\n", err: "history.enabled must be true or false"},
		{name: "a key given twice", content: "profiles:\n  p:\n    domain: a\n    domain: b\n", err: "not valid YAML"},
		{name: "top level not a mapping", content: "- a\n- b\n", err: "top level must be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content, 0o600)
			f, err := LoadFile(path)
			if tt.err != "" {
				if err == nil || failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want exit 2 with %q and the path", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.DefaultProfile != tt.def || !reflect.DeepEqual(f.Profiles, tt.profiles) || !reflect.DeepEqual(f.History, tt.history) {
				t.Errorf("got default %q profiles %+v history %+v", f.DefaultProfile, f.Profiles, f.History)
			}
			if len(f.Warnings) != len(tt.warn) {
				t.Fatalf("warnings %q\nwant %q", f.Warnings, tt.warn)
			}
			for i, w := range tt.warn {
				if !strings.Contains(f.Warnings[i], w) || !strings.HasPrefix(f.Warnings[i], "config file "+path+", ") {
					t.Errorf("warning %q\nwant it to contain %q", f.Warnings[i], w)
				}
			}
		})
	}
}

// The config file is opened, read and parsed once per load, and a run
// loads it once.
func TestResolveReadsTheFileOnce(t *testing.T) {
	opens := 0
	orig := openConfig
	openConfig = func(name string) (*os.File, error) { opens++; return orig(name) }
	t.Cleanup(func() { openConfig = orig })

	_, env := configAt(t, "default_profile: prod\n"+bindConfig, nil)
	if _, err := Resolve(Flags{}, mapEnv(env)); err != nil {
		t.Fatal(err)
	}
	if opens != 1 {
		t.Errorf("Resolve opened the config file %d times, want 1", opens)
	}
}

func TestSetProfileTightensItsDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	root := t.TempDir()
	own := filepath.Join(root, "a0meta")
	other := filepath.Join(root, "elsewhere")
	for _, d := range []string{own, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o775); err != nil {
			t.Fatal(err)
		}
	}
	if err := SetProfile(filepath.Join(own, "config.yaml"), "p", Profile{Domain: "d.auth0.com"}, false); err != nil {
		t.Fatal(err)
	}
	if m := fileMode(t, own); m != 0o700 {
		t.Errorf("a0meta's directory is %o, want it tightened to 700", m)
	}
	// A directory named by --config is the user's: left as it is.
	if err := SetProfile(filepath.Join(other, "a0meta.yaml"), "p", Profile{Domain: "d.auth0.com"}, false); err != nil {
		t.Fatal(err)
	}
	if m := fileMode(t, other); m != 0o775 {
		t.Errorf("another directory became %o, want 775 kept", m)
	}
}

// LoadFile never panics and classifies every input as a file, a usage
// error, or nothing.
func FuzzLoadFile(f *testing.F) {
	for _, s := range []string{stdConfig, bindConfig, "history:\n  enabled: true\n", "profiles:\n  p:\n    read_only: true\n", "- a\n", "a: [", "~", ""} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := LoadFile(path)
		if err != nil {
			if failure.CodeOf(err) != failure.Usage {
				t.Fatalf("exit code %d for %v", failure.CodeOf(err), err)
			}
			return
		}
		for name := range file.Profiles {
			if name != strings.ToLower(name) {
				t.Fatalf("profile name %q not lower-cased", name)
			}
		}
	})
}

// --config /dev/null (mode 0666) means no settings, and is not warned about.
func TestLoadFileDevNull(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null")
	}
	f, err := LoadFile("/dev/null")
	if err != nil || !f.Exists || len(f.Profiles) != 0 || len(f.Warnings) != 0 {
		t.Fatalf("err %v file %+v", err, f)
	}
}
