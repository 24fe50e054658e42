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

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func mustLoad(t *testing.T, path string) *File {
	t.Helper()
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSetProfileNewFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "a0meta")
	path := filepath.Join(dir, "config.yaml")
	if err := SetProfile(path, "Prod", Profile{Domain: "example.eu.auth0.com", ClientID: "0123", ClientSecret: "true"}, false); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if m := fileMode(t, path); m != 0o600 {
			t.Errorf("file mode %o, want 600", m)
		}
		if m := fileMode(t, dir); m != 0o700 {
			t.Errorf("dir mode %o, want 700", m)
		}
	}
	f := mustLoad(t, path)
	// The first profile does not become the default by itself; "0123"
	// and "true" stay strings.
	want := map[string]Profile{"prod": {Domain: "example.eu.auth0.com", ClientID: "0123", ClientSecret: "true"}}
	if f.DefaultProfile != "" || !reflect.DeepEqual(f.Profiles, want) || len(f.Warnings) != 0 {
		t.Fatalf("got %+v", f)
	}
}

const commented = `# my a0meta settings
default_profile: prod   # the usual one
profiles:
  # production tenant
  Prod:
    domain: example.eu.auth0.com
    client_id: AbC123
    client_secret: s3cret          # or leave out and use the environment
    color: blue
  dev.eu:
    domain: dev.auth0.com
editor: vim
`

func TestSetProfileEdits(t *testing.T) {
	tests := []struct {
		name        string
		start       string
		profile     string
		p           Profile
		makeDefault bool
		def         string
		want        map[string]Profile
		keep        []string // substrings the file must still hold
		gone        []string // substrings it must not
	}{
		{
			name: "add a profile, keep the rest", start: commented, profile: "staging",
			p:   Profile{Domain: "staging.auth0.com", ClientID: "st"},
			def: "prod",
			want: map[string]Profile{
				"prod":    {Domain: "example.eu.auth0.com", ClientID: "AbC123", ClientSecret: "s3cret"},
				"dev.eu":  {Domain: "dev.auth0.com"},
				"staging": {Domain: "staging.auth0.com", ClientID: "st"},
			},
			keep: []string{"# my a0meta settings", "# the usual one", "# production tenant", "# or leave out and use the environment", "color: blue", "editor: vim"},
		},
		{
			name: "update in place, case-insensitively; an empty secret keeps the stored one", start: commented, profile: "PROD",
			p:   Profile{ClientID: "New1", Audience: "https://example.eu.auth0.com/api/v2/"},
			def: "prod",
			want: map[string]Profile{
				"prod":   {Domain: "example.eu.auth0.com", ClientID: "New1", ClientSecret: "s3cret", Audience: "https://example.eu.auth0.com/api/v2/"},
				"dev.eu": {Domain: "dev.auth0.com"},
			},
			keep: []string{"  Prod:\n", "# or leave out and use the environment", "color: blue"},
			gone: []string{"AbC123"},
		},
		{
			name: "same domain spelled differently keeps the credentials", start: commented, profile: "prod",
			p:   Profile{Domain: "https://example.eu.auth0.com/"},
			def: "prod",
			want: map[string]Profile{
				"prod":   {Domain: "https://example.eu.auth0.com/", ClientID: "AbC123", ClientSecret: "s3cret"},
				"dev.eu": {Domain: "dev.auth0.com"},
			},
		},
		{
			name: "a new domain drops the old tenant's credentials", start: commented, profile: "prod",
			p:   Profile{Domain: "other.auth0.com", ClientID: "o"},
			def: "prod",
			want: map[string]Profile{
				"prod":   {Domain: "other.auth0.com", ClientID: "o"},
				"dev.eu": {Domain: "dev.auth0.com"},
			},
			keep: []string{"color: blue"},
			gone: []string{"s3cret"},
		},
		{
			name: "make default", start: commented, profile: "dev.eu", p: Profile{ClientSecret: "d"}, makeDefault: true,
			def: "dev.eu",
			want: map[string]Profile{
				"prod":   {Domain: "example.eu.auth0.com", ClientID: "AbC123", ClientSecret: "s3cret"},
				"dev.eu": {Domain: "dev.auth0.com", ClientSecret: "d"},
			},
			keep: []string{"# the usual one"},
		},
		{
			name: "a later profile does not become the default by itself", start: "profiles:\n  a:\n    domain: a.auth0.com\n", profile: "b",
			p:    Profile{Domain: "b.auth0.com"},
			want: map[string]Profile{"a": {Domain: "a.auth0.com"}, "b": {Domain: "b.auth0.com"}},
		},
		{
			name: "comment-only file", start: "# just a note\n", profile: "a", p: Profile{Domain: "a.auth0.com"},
			want: map[string]Profile{"a": {Domain: "a.auth0.com"}},
			keep: []string{"# just a note"},
		},
		{
			name: "empty profiles mapping", start: "# head\nprofiles: {}\n", profile: "a", p: Profile{Domain: "a.auth0.com"},
			want: map[string]Profile{"a": {Domain: "a.auth0.com"}},
			keep: []string{"# head\nprofiles:\n  a:\n    domain: a.auth0.com\n"},
		},
		{
			name: "the first profile becomes the default only when asked", start: "# head\n", profile: "a", p: Profile{Domain: "a.auth0.com"},
			makeDefault: true, def: "a", want: map[string]Profile{"a": {Domain: "a.auth0.com"}},
			keep: []string{"# head\n", "default_profile: a\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.start, 0o644)
			if err := SetProfile(path, tt.profile, tt.p, tt.makeDefault); err != nil {
				t.Fatal(err)
			}
			f := mustLoad(t, path)
			if f.DefaultProfile != tt.def || !reflect.DeepEqual(f.Profiles, tt.want) {
				t.Errorf("got default %q profiles %+v\nwant %q %+v", f.DefaultProfile, f.Profiles, tt.def, tt.want)
			}
			if runtime.GOOS != "windows" && fileMode(t, path) != 0o600 {
				t.Errorf("mode %o, want the existing file tightened to 600", fileMode(t, path))
			}
			data, _ := os.ReadFile(path)
			for _, k := range tt.keep {
				if !strings.Contains(string(data), k) {
					t.Errorf("file lost %q:\n%s", k, data)
				}
			}
			for _, g := range tt.gone {
				if strings.Contains(string(data), g) {
					t.Errorf("file still holds %q:\n%s", g, data)
				}
			}
		})
	}
}

func TestSetProfileRefuses(t *testing.T) {
	tests := []struct {
		name, start, profile string
		p                    Profile
		want                 string
	}{
		{"sandbox", "", "Sandbox", Profile{Domain: "a.auth0.com"}, "built in"},
		{"empty name", "", "", Profile{Domain: "a.auth0.com"}, "empty profile name"},
		{"spaces", "", " a", Profile{Domain: "a.auth0.com"}, "spaces"},
		{"new profile without domain", "", "a", Profile{ClientID: "i"}, "give its domain"},
		{"bad domain", "", "a", Profile{Domain: "http://example.com"}, "loopback"},
		{"malformed file", "profiles: [\n", "a", Profile{Domain: "a.auth0.com"}, "not valid YAML"},
		{"top level not a mapping", "- a\n", "a", Profile{Domain: "a.auth0.com"}, "must be a mapping"},
		{"profile not a mapping", "profiles:\n  a: x\n", "a", Profile{Domain: "a.auth0.com"}, "must be a mapping"},
		{"names differing in case", "profiles:\n  A: {}\n  a: {}\n", "a", Profile{Domain: "a.auth0.com"}, "two profiles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if tt.start != "" {
				path = writeFile(t, tt.start, 0o600)
			}
			err := SetProfile(path, tt.profile, tt.p, false)
			if err == nil || failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tt.want)
			}
			data, _ := os.ReadFile(path)
			if string(data) != tt.start {
				t.Errorf("file changed to %q", data)
			}
		})
	}
}

// TestSetProfileAtomic checks the file is replaced by a rename: a reader
// holding the old file keeps seeing the old text, never a half-written one,
// and no temporary file is left behind.
func TestSetProfileAtomic(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("an open file cannot be renamed over on Windows")
	}
	path := writeFile(t, commented, 0o600)
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := SetProfile(path, "x", Profile{Domain: "x.auth0.com"}, true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(commented)+100)
	n, _ := old.ReadAt(buf, 0)
	if string(buf[:n]) != commented {
		t.Errorf("the old file was modified in place: %q", buf[:n])
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the config file", len(entries))
	}
}

func TestSetProfileFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	target := writeFile(t, "profiles:\n  a:\n    domain: a.auth0.com\n", 0o600)
	link := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := SetProfile(link, "b", Profile{Domain: "b.auth0.com"}, false); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if f := mustLoad(t, target); len(f.Profiles) != 2 {
		t.Errorf("target holds %+v", f.Profiles)
	}
}
