package config

import (
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

// A config with one profile holding a secret (prod) and one without (ci).
const bindConfig = `profiles:
  prod:
    domain: prod.auth0.com
    client_id: prod-id
    client_secret: prod-secret
  ci:
    domain: ci.auth0.com
    client_id: ci-id
`

// Every credential goes only to the domain its own source names; one whose
// source names no domain goes with the domain in effect.
func TestResolveBindings(t *testing.T) {
	tests := []struct {
		name   string
		config string // "" = bindConfig
		flags  Flags
		env    map[string]string
		// ok: the domain and the credential in effect (by source);
		// else refuse: substrings of the exit-2 message.
		domain, cred string
		refuse       []string
	}{
		// A0META_CLIENT_SECRET belongs to A0META_DOMAIN when that is set.
		{name: "A0META secret and domain together",
			env:    map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_CLIENT_ID": "i", "A0META_CLIENT_SECRET": "s"},
			domain: "A0META_DOMAIN", cred: "A0META_CLIENT_SECRET"},
		{name: "A0META secret with no A0META_DOMAIN goes with --domain",
			flags: Flags{Domain: "f.auth0.com"}, env: map[string]string{"A0META_CLIENT_ID": "i", "A0META_CLIENT_SECRET": "s"},
			domain: "--domain flag", cred: "A0META_CLIENT_SECRET"},
		{name: "A0META secret refused for another --domain",
			flags: Flags{Domain: "f.auth0.com"}, env: map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_CLIENT_ID": "i", "A0META_CLIENT_SECRET": "s"},
			refuse: []string{"client secret comes from A0META_CLIENT_SECRET, which goes with A0META_DOMAIN (a.auth0.com)", "domain comes from --domain flag (f.auth0.com)", "refusing to send A0META_CLIENT_SECRET"}},
		{name: "A0META secret with --domain naming the same tenant",
			flags: Flags{Domain: "https://A.auth0.com/"}, env: map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_CLIENT_ID": "i", "A0META_CLIENT_SECRET": "s"},
			domain: "--domain flag", cred: "A0META_CLIENT_SECRET"},
		{name: "A0META secret refused for an explicit profile's domain",
			flags: Flags{Profile: "ci"}, env: map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_CLIENT_SECRET": "s"},
			refuse: []string{"A0META_CLIENT_SECRET, which goes with A0META_DOMAIN (a.auth0.com)", `domain comes from profile "ci" in $CFG (ci.auth0.com)`}},
		{name: "A0META secret fills an explicit profile without one",
			flags: Flags{Profile: "ci"}, env: map[string]string{"A0META_CLIENT_SECRET": "s"},
			domain: `profile "ci" in $CFG`, cred: "A0META_CLIENT_SECRET"},

		// AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET belong to AUTH0_DOMAIN.
		{name: "AUTH0 trio together", config: "-",
			env:    map[string]string{"AUTH0_DOMAIN": "z.auth0.com", "AUTH0_CLIENT_ID": "i", "AUTH0_CLIENT_SECRET": "s"},
			domain: "AUTH0_DOMAIN", cred: "AUTH0_CLIENT_SECRET"},
		{name: "AUTH0 secret refused for A0META_DOMAIN", config: "-",
			env:    map[string]string{"A0META_DOMAIN": "a.auth0.com", "AUTH0_DOMAIN": "z.auth0.com", "AUTH0_CLIENT_ID": "i", "AUTH0_CLIENT_SECRET": "s"},
			refuse: []string{"client secret comes from AUTH0_CLIENT_SECRET, which goes with AUTH0_DOMAIN (z.auth0.com)", "domain comes from A0META_DOMAIN (a.auth0.com)"}},
		{name: "AUTH0 secret refused for an explicit profile's domain",
			flags: Flags{Profile: "ci"}, env: map[string]string{"AUTH0_DOMAIN": "z.auth0.com", "AUTH0_CLIENT_SECRET": "s"},
			refuse: []string{"AUTH0_CLIENT_SECRET, which goes with AUTH0_DOMAIN (z.auth0.com)", `profile "ci" in $CFG (ci.auth0.com)`}},
		{name: "AUTH0 client id refused for another domain, secret from A0META", config: "-",
			flags: Flags{Domain: "f.auth0.com"}, env: map[string]string{"AUTH0_DOMAIN": "z.auth0.com", "AUTH0_CLIENT_ID": "i", "A0META_CLIENT_SECRET": "s"},
			refuse: []string{"client_id comes from AUTH0_CLIENT_ID, which goes with AUTH0_DOMAIN (z.auth0.com)", "--domain flag (f.auth0.com)"}},
		{name: "AUTH0 secret without AUTH0_DOMAIN goes with --domain", config: "-",
			flags: Flags{Domain: "f.auth0.com"}, env: map[string]string{"AUTH0_CLIENT_ID": "i", "AUTH0_CLIENT_SECRET": "s"},
			domain: "--domain flag", cred: "AUTH0_CLIENT_SECRET"},

		// A profile's stored secret belongs to the profile's domain.
		{name: "profile secret with its own domain", flags: Flags{Profile: "prod"},
			domain: `profile "prod" in $CFG`, cred: `profile "prod" in $CFG`},
		{name: "profile secret refused for --domain", flags: Flags{Profile: "prod", Domain: "f.auth0.com"},
			refuse: []string{`client secret comes from profile "prod" in $CFG (whose domain is prod.auth0.com) but domain comes from --domain flag (f.auth0.com)`}},
		{name: "implicit profile secret refused for A0META_DOMAIN", config: "default_profile: prod\n" + bindConfig,
			env:    map[string]string{"A0META_DOMAIN": "a.auth0.com"},
			refuse: []string{`profile "prod" in $CFG (whose domain is prod.auth0.com) but domain comes from A0META_DOMAIN (a.auth0.com)`}},

		// A0META_TOKEN is a ready secret: it belongs to A0META_DOMAIN too.
		{name: "token with A0META_DOMAIN", config: "-", env: map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_TOKEN": "t"},
			domain: "A0META_DOMAIN", cred: "A0META_TOKEN"},
		{name: "token without A0META_DOMAIN goes with --domain", config: "-",
			flags: Flags{Domain: "f.auth0.com"}, env: map[string]string{"A0META_TOKEN": "t"},
			domain: "--domain flag", cred: "A0META_TOKEN"},
		{name: "token refused for another --domain", config: "-",
			flags: Flags{Domain: "f.auth0.com"}, env: map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_TOKEN": "t"},
			refuse: []string{"token comes from A0META_TOKEN, which goes with A0META_DOMAIN (a.auth0.com)", "--domain flag (f.auth0.com)", "refusing to send A0META_TOKEN"}},
		{name: "token refused for an explicit profile's domain",
			flags: Flags{Profile: "ci"}, env: map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_TOKEN": "t"},
			refuse: []string{"token comes from A0META_TOKEN", `profile "ci" in $CFG (ci.auth0.com)`}},
		{name: "a token in effect: an unused mismatched secret does not matter", config: "-",
			env:    map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_TOKEN": "t", "AUTH0_DOMAIN": "z.auth0.com", "AUTH0_CLIENT_SECRET": "s"},
			domain: "A0META_DOMAIN", cred: "A0META_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := tt.config
			switch content {
			case "":
				content = bindConfig
			case "-":
				content = ""
			}
			cfg, env := configAt(t, content, tt.env)
			s, err := Resolve(tt.flags, mapEnv(env))
			if tt.refuse != nil {
				if err == nil {
					t.Fatalf("no error: domain %+v secret %+v token %+v", s.Domain, s.ClientSecret, s.Token)
				}
				if failure.CodeOf(err) != failure.Usage {
					t.Errorf("exit code %d, want 2", failure.CodeOf(err))
				}
				for _, w := range tt.refuse {
					if w = strings.ReplaceAll(w, "$CFG", cfg); !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\nwant it to contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cred := s.ClientSecret.Source
			if s.Token.Value != "" {
				cred = s.Token.Source
			}
			if want := strings.ReplaceAll(tt.domain, "$CFG", cfg); s.Domain.Source != want {
				t.Errorf("domain from %q, want %q", s.Domain.Source, want)
			}
			if want := strings.ReplaceAll(tt.cred, "$CFG", cfg); cred != want {
				t.Errorf("credential from %q, want %q", cred, want)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	tests := []struct {
		name   string
		config string
		flags  Flags
		env    map[string]string
		want   string
	}{
		{"the default profile supplied the domain", "default_profile: prod\n" + bindConfig, Flags{}, nil,
			"prod.auth0.com (profile prod)"},
		{"default profile selected, everything from A0META_*", "default_profile: prod\n" + bindConfig, Flags{},
			map[string]string{"A0META_DOMAIN": "example.auth0.com", "A0META_CLIENT_ID": "i", "A0META_CLIENT_SECRET": "s"},
			"example.auth0.com (from A0META_DOMAIN)"},
		{"--domain with an explicit profile's id", bindConfig, Flags{Profile: "ci", Domain: "f.auth0.com"},
			map[string]string{"A0META_CLIENT_SECRET": "s"}, "f.auth0.com (from --domain)"},
		{"explicit profile", bindConfig, Flags{Profile: "ci"}, map[string]string{"A0META_CLIENT_SECRET": "s"},
			"ci.auth0.com (profile ci)"},
		{"AUTH0_DOMAIN", "", Flags{}, map[string]string{"AUTH0_DOMAIN": "z.auth0.com"}, "z.auth0.com (from AUTH0_DOMAIN)"},
		{"sandbox", "", Flags{Profile: "sandbox"}, nil, "sandbox.a0meta.local (profile sandbox)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, env := configAt(t, tt.config, tt.env)
			s, err := Resolve(tt.flags, mapEnv(env))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Where(); got != tt.want {
				t.Errorf("Where() = %q, want %q", got, tt.want)
			}
		})
	}
	if got := (&Settings{}).Where(); got != "(no tenant)" {
		t.Errorf("empty settings: %q", got)
	}
}

// No silent defaults: profiles without a default_profile choose nothing.
func TestResolveNoDefaultProfile(t *testing.T) {
	cfg, env := configAt(t, bindConfig, nil)
	_, err := Resolve(Flags{}, mapEnv(env))
	if err == nil || failure.CodeOf(err) != failure.Usage {
		t.Fatalf("err = %v, want exit 2", err)
	}
	for _, w := range []string{"no profile chosen", cfg, "profiles (ci, prod)", "-p NAME", "a0meta config set-profile NAME --default"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\nwant it to contain %q", err, w)
		}
	}
	// The environment alone still works.
	_, env = configAt(t, bindConfig, map[string]string{"A0META_DOMAIN": "a.auth0.com"})
	if _, err := Resolve(Flags{}, mapEnv(env)); err != nil {
		t.Errorf("A0META_DOMAIN with profiles and no default: %v", err)
	}
}

func TestResolveGuardRails(t *testing.T) {
	const guarded = `default_profile: prod
profiles:
  prod:
    domain: prod.auth0.com
    client_id: prod-id
    client_secret: prod-secret
    read_only: true
    confirm: true
  dev:
    domain: dev.auth0.com
    client_id: dev-id
    client_secret: dev-secret
    read_only: false
`
	tests := []struct {
		name              string
		flags             Flags
		env               map[string]string
		readOnly, confirm bool
	}{
		{"implicit profile", Flags{}, nil, true, true},
		{"explicit profile", Flags{Profile: "prod"}, nil, true, true},
		{"same tenant by --domain", Flags{Profile: "prod", Domain: "https://prod.auth0.com"}, nil, true, true},
		{"profile without them", Flags{Profile: "dev"}, nil, false, false},
		// When in doubt, guard: the profile in use guards even a domain
		// from elsewhere.
		{"default profile not supplying the tenant",
			Flags{}, map[string]string{"A0META_DOMAIN": "a.auth0.com", "A0META_CLIENT_SECRET": "s"}, true, true},
		{"no profile in use", Flags{ConfigFile: "/dev/null"}, map[string]string{"A0META_DOMAIN": "a.auth0.com"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, env := configAt(t, guarded, tt.env)
			s, err := Resolve(tt.flags, mapEnv(env))
			if err != nil {
				t.Fatal(err)
			}
			if s.ReadOnly != tt.readOnly || s.Confirm != tt.confirm {
				t.Errorf("read_only %v confirm %v, want %v %v", s.ReadOnly, s.Confirm, tt.readOnly, tt.confirm)
			}
		})
	}
}

func TestResolveInternationalDomain(t *testing.T) {
	_, env := configAt(t, "", map[string]string{"A0META_DOMAIN": "exämple.auth0.com", "A0META_TOKEN": "t"})
	s, err := Resolve(Flags{}, mapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	if s.Domain.Value != "xn--exmple-cua.auth0.com" || s.BaseURL != "https://xn--exmple-cua.auth0.com" ||
		s.Audience.Value != "https://xn--exmple-cua.auth0.com/api/v2/" {
		t.Errorf("domain %+v base %q audience %+v", s.Domain, s.BaseURL, s.Audience)
	}
	w := strings.Join(s.Warnings, "\n")
	for _, want := range []string{`domain "exämple.auth0.com" (from A0META_DOMAIN) has non-ASCII characters`, "punycode form xn--exmple-cua.auth0.com", "imitate"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q, want %q", w, want)
		}
	}
	// A URL keeps its scheme and port.
	_, env = configAt(t, "", map[string]string{"A0META_DOMAIN": "https://exämple.auth0.com:8443", "A0META_TOKEN": "t"})
	if s, err = Resolve(Flags{}, mapEnv(env)); err != nil || s.Domain.Value != "https://xn--exmple-cua.auth0.com:8443" {
		t.Errorf("URL form: %v %+v", err, s)
	}
	// An ASCII domain is untouched and not warned about.
	_, env = configAt(t, "", map[string]string{"A0META_DOMAIN": "Example.auth0.com", "A0META_TOKEN": "t"})
	if s, err = Resolve(Flags{}, mapEnv(env)); err != nil || s.Domain.Value != "Example.auth0.com" || len(s.Warnings) != 0 {
		t.Errorf("ASCII: %v %+v", err, s)
	}
}
