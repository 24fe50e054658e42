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

func writeFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func TestLoadFile(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		mode     os.FileMode
		def      string
		profiles map[string]Profile
		warn     []string // substrings, one per expected warning
		err      string
	}{
		{
			name: "contract example",
			content: `default_profile: prod
profiles:
  prod:
    domain: example.eu.auth0.com
    client_id: AbC123
    client_secret: s3cret          # or leave out and use the environment
    audience: https://example.eu.auth0.com/api/v2/   # optional
`,
			mode: 0o600, def: "prod",
			profiles: map[string]Profile{"prod": {Domain: "example.eu.auth0.com", ClientID: "AbC123", ClientSecret: "s3cret", Audience: "https://example.eu.auth0.com/api/v2/"}},
		},
		{
			name:     "dots in names and case-insensitive",
			content:  "default_profile: Prod.EU\nprofiles:\n  Prod.EU:\n    Domain: a.eu.auth0.com\n    CLIENT_ID: id\n  dev.us.1:\n    domain: d.auth0.com\n",
			mode:     0o600,
			def:      "prod.eu",
			profiles: map[string]Profile{"prod.eu": {Domain: "a.eu.auth0.com", ClientID: "id"}, "dev.us.1": {Domain: "d.auth0.com"}},
		},
		{
			name:     "empty file",
			content:  "",
			mode:     0o600,
			profiles: map[string]Profile{},
		},
		{
			name:     "profile with nothing under it",
			content:  "profiles:\n  bare:\n",
			mode:     0o600,
			profiles: map[string]Profile{"bare": {}},
		},
		{
			name:     "unknown keys warn",
			content:  "default-profile: x\nprofiles:\n  p:\n    domain: d.auth0.com\n    secret: oops\n",
			mode:     0o600,
			profiles: map[string]Profile{"p": {Domain: "d.auth0.com"}},
			warn:     []string{`unknown key "default-profile"`, `profile "p": unknown key "secret"`},
		},
		{
			name:     "secret readable by others",
			content:  "profiles:\n  p:\n    domain: d.auth0.com\n    client_secret: s\n",
			mode:     0o644,
			profiles: map[string]Profile{"p": {Domain: "d.auth0.com", ClientSecret: "s"}},
			warn:     []string{"is readable by others and holds a client secret; chmod 600 "},
		},
		{
			name:     "secret readable by group",
			content:  "profiles:\n  p:\n    client_secret: s\n",
			mode:     0o640,
			profiles: map[string]Profile{"p": {ClientSecret: "s"}},
			warn:     []string{"readable by others"},
		},
		{
			name:     "no secret, still a warning: others can read the tenants",
			content:  "profiles:\n  p:\n    domain: d.auth0.com\n",
			mode:     0o644,
			profiles: map[string]Profile{"p": {Domain: "d.auth0.com"}},
			warn:     []string{"has mode 0644: group or others can read or change"},
		},
		{
			name:     "writable by others, secret not readable",
			content:  "profiles:\n  p:\n    domain: d.auth0.com\n    client_secret: s\n",
			mode:     0o622,
			profiles: map[string]Profile{"p": {Domain: "d.auth0.com", ClientSecret: "s"}},
			warn:     []string{"has mode 0622: group or others can read or change which tenant a0meta talks to; chmod 600 "},
		},
		{
			name:     "group execute bit alone",
			content:  "profiles:\n  p:\n    domain: d.auth0.com\n",
			mode:     0o610,
			profiles: map[string]Profile{"p": {Domain: "d.auth0.com"}},
			warn:     []string{"has mode 0610"},
		},
		{
			name:     "owner only: no warning",
			content:  "profiles:\n  p:\n    domain: d.auth0.com\n    client_secret: s\n",
			mode:     0o400,
			profiles: map[string]Profile{"p": {Domain: "d.auth0.com", ClientSecret: "s"}},
		},
		{name: "sandbox defined", content: "profiles:\n  SandBox:\n    domain: x.auth0.com\n", mode: 0o600, err: "built in"},
		{name: "malformed", content: "profiles:\n  p: [\n", mode: 0o600, err: "not valid YAML"},
		{name: "names differing in case", content: "profiles:\n  Prod:\n    domain: a\n  prod:\n    domain: b\n", mode: 0o600, err: "differ only in case"},
		{name: "number value", content: "profiles:\n  p:\n    client_id: 0123\n", mode: 0o600, err: "must be a string"},
		{name: "profiles not a map", content: "profiles:\n  - a\n", mode: 0o600, err: "profiles must be a mapping"},
		{name: "profile not a map", content: "profiles:\n  p: x\n", mode: 0o600, err: `profile "p" must be a mapping`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content, tt.mode)
			f, err := LoadFile(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want one containing %q and the path", err, tt.err)
				}
				if failure.CodeOf(err) != failure.Usage {
					t.Errorf("exit code %d, want 2", failure.CodeOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !f.Exists || f.Path != path || f.DefaultProfile != tt.def || !reflect.DeepEqual(f.Profiles, tt.profiles) {
				t.Errorf("got %+v", f)
			}
			warn := tt.warn
			if runtime.GOOS == "windows" && len(warn) > 0 && strings.Contains(warn[len(warn)-1], "chmod") {
				warn = nil
			}
			if len(f.Warnings) != len(warn) {
				t.Fatalf("warnings %q, want %q", f.Warnings, warn)
			}
			for i, w := range warn {
				if !strings.Contains(f.Warnings[i], w) {
					t.Errorf("warning %q, want it to contain %q", f.Warnings[i], w)
				}
			}
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "config.yaml")
	f, err := LoadFile(path)
	if err != nil || f.Exists || len(f.Profiles) != 0 || f.Path != path {
		t.Fatalf("got %+v, %v", f, err)
	}
}

func TestLoadFileDirectory(t *testing.T) {
	if _, err := LoadFile(t.TempDir()); failure.CodeOf(err) != failure.Usage {
		t.Fatalf("err = %v, want a usage error", err)
	}
}

func TestProfileNames(t *testing.T) {
	f := &File{Profiles: map[string]Profile{"prod": {}, "dev.eu": {}, "a": {}}}
	if got, want := f.ProfileNames(), []string{"a", "dev.eu", "prod"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
