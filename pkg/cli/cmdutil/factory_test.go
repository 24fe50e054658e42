package cmdutil_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/iostreams"
)

func factory(t *testing.T, config string, env map[string]string) (*cmdutil.Factory, string, func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	io, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: io, Env: func(k string) string { return env[k] }, Global: cmdutil.GlobalOptions{Config: path}}
	return f, path, errOut.String
}

// The settings are resolved once per run, a failure included: the file is
// not read again, and every caller gets the same answer.
func TestSettingsResolvedOnce(t *testing.T) {
	f, path, stderr := factory(t, "profiles:\n  prod:\n    domian: prod.auth0.com\n", nil)
	_, err1 := f.Settings()
	if err1 == nil || !strings.Contains(err1.Error(), "no profile chosen") {
		t.Fatalf("first: %v", err1)
	}
	// Fixing the file mid-run changes nothing: it was read already.
	if err := os.WriteFile(path, []byte("default_profile: prod\nprofiles:\n  prod:\n    domain: prod.auth0.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err2 := f.Settings(); err2 != err1 {
		t.Errorf("second call: %v, want the first answer %v", err2, err1)
	}
	// The misspelt key that explains the failure is shown, once.
	if got := strings.Count(stderr(), `unknown key "domian" ignored; did you mean "domain"?`); got != 1 {
		t.Errorf("stderr %q: want the typo warning once", stderr())
	}
}

func TestWhere(t *testing.T) {
	const cfg = "default_profile: prod\nprofiles:\n  prod:\n    domain: prod.auth0.com\n    client_id: i\n    client_secret: s\n"
	tests := []struct {
		name    string
		env     map[string]string
		profile string
		want    string
	}{
		{"profile supplied the domain", nil, "", "prod.auth0.com (profile prod)"},
		{"everything from A0META_*", map[string]string{"A0META_DOMAIN": "example.auth0.com", "A0META_CLIENT_ID": "x", "A0META_CLIENT_SECRET": "y"}, "",
			"example.auth0.com (from A0META_DOMAIN)"},
		{"sandbox", nil, "sandbox", "sandbox.a0meta.local (profile sandbox)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := factory(t, cfg, tt.env)
			f.Global.Profile = tt.profile
			if got := f.Where(); got != "(no tenant)" {
				t.Errorf("before resolving: %q", got)
			}
			if _, err := f.Settings(); err != nil {
				t.Fatal(err)
			}
			if got := f.Where(); got != tt.want {
				t.Errorf("Where() = %q, want %q", got, tt.want)
			}
		})
	}
}
