package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

const stdConfig = `default_profile: prod
profiles:
  prod:
    domain: prod.eu.auth0.com
    client_id: prod-id
    client_secret: prod-secret
  nosecret:
    domain: ns.auth0.com
    client_id: ns-id
  custom:
    domain: login.example.com
    client_id: c-id
    client_secret: c-secret
    audience: https://tenant.eu.auth0.com/api/v2/
  bare: {}
  Dev.EU:
    domain: dev.eu.auth0.com
    client_id: dev-id
`

const noDefaultConfig = `profiles:
  prod:
    domain: prod.eu.auth0.com
    client_id: prod-id
    client_secret: prod-secret
`

// allEnv sets every A0META_* and AUTH0_* credential variable.
var allEnv = map[string]string{
	"A0META_DOMAIN": "env.auth0.com", "A0META_CLIENT_ID": "env-id", "A0META_CLIENT_SECRET": "env-secret",
	"A0META_AUDIENCE": "https://env-aud/", "AUTH0_DOMAIN": "auth0.auth0.com", "AUTH0_CLIENT_ID": "auth0-id",
	"AUTH0_CLIENT_SECRET": "auth0-secret",
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// The expected Source strings; $CFG stands for the config file's path.
const (
	pProd     = `profile "prod" in $CFG`
	pNoSecret = `profile "nosecret" in $CFG`
	pCustom   = `profile "custom" in $CFG`
	pDev      = `profile "dev.eu" in $CFG`
	defAud    = SourceDefaultAudience
)

type want struct {
	profile, profileSource string
	explicit, sandbox      bool
	domain, clientID       Value
	secret, token          Value
	audience               Value
	baseURL                string
	warn                   string // substring of some warning
}

// configAt writes content (unless "") where $XDG_CONFIG_HOME points and
// returns the file's path and the environment to use.
func configAt(t *testing.T, content string, env map[string]string) (string, map[string]string) {
	t.Helper()
	xdg := t.TempDir()
	cfg := filepath.Join(xdg, "a0meta", "config.yaml")
	if content != "" {
		if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfg, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cfg, with(env, "XDG_CONFIG_HOME", xdg, "HOME", t.TempDir())
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name   string
		config string // "" = no file
		flags  Flags
		env    map[string]string
		want   want
	}{
		// Explicit profile: flags > profile > A0META_* > AUTH0_* > defaults.
		{
			name: "explicit via flag: profile beats every variable", config: stdConfig,
			flags: Flags{Profile: "prod"}, env: with(allEnv, "A0META_TOKEN", "tok"),
			want: want{profile: "prod", profileSource: "--profile flag", explicit: true,
				domain: Value{"prod.eu.auth0.com", pProd}, clientID: Value{"prod-id", pProd}, secret: Value{"prod-secret", pProd},
				audience: Value{"https://env-aud/", "A0META_AUDIENCE"}, baseURL: "https://prod.eu.auth0.com",
				warn: "A0META_TOKEN is ignored"},
		},
		{
			name: "explicit via A0META_PROFILE: env fills what the profile leaves out", config: stdConfig,
			env: with(allEnv, "A0META_PROFILE", "nosecret", "A0META_TOKEN", "tok", "A0META_DOMAIN", ""),
			want: want{profile: "nosecret", profileSource: "A0META_PROFILE", explicit: true,
				domain: Value{"ns.auth0.com", pNoSecret}, clientID: Value{"ns-id", pNoSecret}, secret: Value{"env-secret", "A0META_CLIENT_SECRET"},
				token: Value{"tok", "A0META_TOKEN"}, audience: Value{"https://env-aud/", "A0META_AUDIENCE"}, baseURL: "https://ns.auth0.com"},
		},
		{
			name: "--profile beats A0META_PROFILE, case-insensitive", config: stdConfig,
			flags: Flags{Profile: "DEV.eu"}, env: map[string]string{"A0META_PROFILE": "prod"},
			want: want{profile: "dev.eu", profileSource: "--profile flag", explicit: true,
				domain: Value{"dev.eu.auth0.com", pDev}, clientID: Value{"dev-id", pDev},
				audience: Value{"https://dev.eu.auth0.com/api/v2/", defAud}, baseURL: "https://dev.eu.auth0.com"},
		},
		{
			name: "explicit empty profile: A0META_* fill every gap", config: stdConfig,
			flags: Flags{Profile: "bare"}, env: allEnv,
			want: want{profile: "bare", profileSource: "--profile flag", explicit: true,
				domain: Value{"env.auth0.com", "A0META_DOMAIN"}, clientID: Value{"env-id", "A0META_CLIENT_ID"},
				secret: Value{"env-secret", "A0META_CLIENT_SECRET"}, audience: Value{"https://env-aud/", "A0META_AUDIENCE"},
				baseURL: "https://env.auth0.com"},
		},
		{
			name: "explicit empty profile: AUTH0_* as last fallback", config: stdConfig,
			flags: Flags{Profile: "bare"}, env: map[string]string{"AUTH0_DOMAIN": "a.auth0.com", "AUTH0_CLIENT_ID": "a-id", "AUTH0_CLIENT_SECRET": "a-s"},
			want: want{profile: "bare", profileSource: "--profile flag", explicit: true,
				domain: Value{"a.auth0.com", "AUTH0_DOMAIN"}, clientID: Value{"a-id", "AUTH0_CLIENT_ID"}, secret: Value{"a-s", "AUTH0_CLIENT_SECRET"},
				audience: Value{"https://a.auth0.com/api/v2/", defAud}, baseURL: "https://a.auth0.com"},
		},
		{
			name: "explicit: flags beat the profile (no secret in it)", config: stdConfig,
			flags: Flags{Profile: "nosecret", Domain: "flag.auth0.com", ClientID: "flag-id", Audience: "https://flag-aud/"},
			env:   with(allEnv, "A0META_DOMAIN", ""),
			want: want{profile: "nosecret", profileSource: "--profile flag", explicit: true,
				domain: Value{"flag.auth0.com", "--domain flag"}, clientID: Value{"flag-id", "--client-id flag"},
				secret: Value{"env-secret", "A0META_CLIENT_SECRET"}, audience: Value{"https://flag-aud/", "--audience flag"},
				baseURL: "https://flag.auth0.com"},
		},
		{
			name: "explicit: --domain naming the profile's own host keeps its secret", config: stdConfig,
			flags: Flags{Profile: "prod", Domain: "https://PROD.eu.auth0.com/"},
			want: want{profile: "prod", profileSource: "--profile flag", explicit: true,
				domain: Value{"https://PROD.eu.auth0.com/", "--domain flag"}, clientID: Value{"prod-id", pProd}, secret: Value{"prod-secret", pProd},
				audience: Value{"https://prod.eu.auth0.com/api/v2/", defAud}, baseURL: "https://prod.eu.auth0.com"},
		},
		{
			name: "profile audience for a custom domain", config: stdConfig,
			flags: Flags{Profile: "custom"},
			want: want{profile: "custom", profileSource: "--profile flag", explicit: true,
				domain: Value{"login.example.com", pCustom}, clientID: Value{"c-id", pCustom}, secret: Value{"c-secret", pCustom},
				audience: Value{"https://tenant.eu.auth0.com/api/v2/", pCustom}, baseURL: "https://login.example.com"},
		},

		// Implicit profile: flags > A0META_* > profile > AUTH0_* > defaults.
		{
			name: "implicit via default_profile", config: stdConfig,
			env: map[string]string{"AUTH0_DOMAIN": "a.auth0.com", "AUTH0_CLIENT_ID": "a-id", "AUTH0_CLIENT_SECRET": "a-s"},
			want: want{profile: "prod", profileSource: "default_profile in $CFG",
				domain: Value{"prod.eu.auth0.com", pProd}, clientID: Value{"prod-id", pProd}, secret: Value{"prod-secret", pProd},
				audience: Value{"https://prod.eu.auth0.com/api/v2/", defAud}, baseURL: "https://prod.eu.auth0.com"},
		},
		{
			name: "A0META_* beat the implicit profile", config: stdConfig, env: allEnv,
			want: want{profile: "prod", profileSource: "default_profile in $CFG",
				domain: Value{"env.auth0.com", "A0META_DOMAIN"}, clientID: Value{"env-id", "A0META_CLIENT_ID"},
				secret: Value{"env-secret", "A0META_CLIENT_SECRET"}, audience: Value{"https://env-aud/", "A0META_AUDIENCE"},
				baseURL: "https://env.auth0.com"},
		},
		{
			name: "A0META_CLIENT_ID alone overrides one field of the implicit profile", config: stdConfig,
			env: map[string]string{"A0META_CLIENT_ID": "env-id"},
			want: want{profile: "prod", profileSource: "default_profile in $CFG",
				domain: Value{"prod.eu.auth0.com", pProd}, clientID: Value{"env-id", "A0META_CLIENT_ID"}, secret: Value{"prod-secret", pProd},
				audience: Value{"https://prod.eu.auth0.com/api/v2/", defAud}, baseURL: "https://prod.eu.auth0.com"},
		},
		{
			name: "implicit: a token wins over the profile's secret, which goes nowhere", config: stdConfig,
			env: map[string]string{"A0META_DOMAIN": "other.auth0.com", "A0META_TOKEN": "tok"},
			want: want{profile: "prod", profileSource: "default_profile in $CFG",
				domain: Value{"other.auth0.com", "A0META_DOMAIN"}, clientID: Value{"prod-id", pProd}, secret: Value{"prod-secret", pProd},
				token: Value{"tok", "A0META_TOKEN"}, audience: Value{"https://other.auth0.com/api/v2/", defAud}, baseURL: "https://other.auth0.com"},
		},
		{
			name: "implicit profile's audience with another domain warns", config: "default_profile: custom\n" + stdConfig[len("default_profile: prod\n"):],
			env: map[string]string{"A0META_DOMAIN": "env.auth0.com", "A0META_CLIENT_SECRET": "env-secret"},
			want: want{profile: "custom", profileSource: "default_profile in $CFG",
				domain: Value{"env.auth0.com", "A0META_DOMAIN"}, clientID: Value{"c-id", pCustom}, secret: Value{"env-secret", "A0META_CLIENT_SECRET"},
				audience: Value{"https://tenant.eu.auth0.com/api/v2/", pCustom}, baseURL: "https://env.auth0.com",
				warn: `audience https://tenant.eu.auth0.com/api/v2/ comes from profile "custom"`},
		},
		{
			name: "flags beat everything", config: stdConfig,
			flags: Flags{Domain: "flag.auth0.com", ClientID: "flag-id", Audience: "https://flag-aud/"}, env: with(allEnv, "A0META_DOMAIN", ""),
			want: want{profile: "prod", profileSource: "default_profile in $CFG",
				domain: Value{"flag.auth0.com", "--domain flag"}, clientID: Value{"flag-id", "--client-id flag"},
				secret: Value{"env-secret", "A0META_CLIENT_SECRET"}, audience: Value{"https://flag-aud/", "--audience flag"},
				baseURL: "https://flag.auth0.com"},
		},
		{
			name: "no profile: AUTH0_* as last fallback", config: noDefaultConfig,
			env: map[string]string{"AUTH0_DOMAIN": "a.auth0.com", "AUTH0_CLIENT_ID": "a-id", "AUTH0_CLIENT_SECRET": "a-s"},
			want: want{domain: Value{"a.auth0.com", "AUTH0_DOMAIN"}, clientID: Value{"a-id", "AUTH0_CLIENT_ID"}, secret: Value{"a-s", "AUTH0_CLIENT_SECRET"},
				audience: Value{"https://a.auth0.com/api/v2/", defAud}, baseURL: "https://a.auth0.com"},
		},
		{
			name: "no file: A0META_* beat AUTH0_*, token kept", env: with(allEnv, "A0META_TOKEN", "tok", "A0META_DOMAIN", "http://127.0.0.1:4280"),
			want: want{domain: Value{"http://127.0.0.1:4280", "A0META_DOMAIN"}, clientID: Value{"env-id", "A0META_CLIENT_ID"},
				secret: Value{"env-secret", "A0META_CLIENT_SECRET"}, token: Value{"tok", "A0META_TOKEN"},
				audience: Value{"https://env-aud/", "A0META_AUDIENCE"}, baseURL: "http://127.0.0.1:4280"},
		},
		{
			name: "no file: loopback default audience is https", env: map[string]string{"A0META_DOMAIN": "http://localhost:4280"},
			want: want{domain: Value{"http://localhost:4280", "A0META_DOMAIN"},
				audience: Value{"https://localhost:4280/api/v2/", defAud}, baseURL: "http://localhost:4280"},
		},

		// The built-in sandbox.
		{
			name: "sandbox ignores the environment", config: stdConfig,
			flags: Flags{Profile: "SandBox"}, env: with(allEnv, "A0META_TOKEN", "tok"),
			want: want{profile: "sandbox", profileSource: "--profile flag", explicit: true, sandbox: true,
				domain: Value{SandboxDomain, SourceSandbox}, clientID: Value{SandboxClientID, SourceSandbox},
				secret: Value{SandboxClientSecret, SourceSandbox}, audience: Value{SandboxAudience, SourceSandbox},
				warn: "A0META_TOKEN is ignored"},
		},
		{
			name: "sandbox as default_profile", config: "default_profile: sandbox\n",
			env: map[string]string{"AUTH0_DOMAIN": "a.auth0.com"},
			want: want{profile: "sandbox", profileSource: "default_profile in $CFG", sandbox: true,
				domain: Value{SandboxDomain, SourceSandbox}, clientID: Value{SandboxClientID, SourceSandbox},
				secret: Value{SandboxClientSecret, SourceSandbox}, audience: Value{SandboxAudience, SourceSandbox}},
		},
		{
			name: "implicit sandbox steps aside for A0META_*", config: "default_profile: sandbox\n",
			env: map[string]string{"A0META_DOMAIN": "env.auth0.com", "A0META_TOKEN": "tok"},
			want: want{domain: Value{"env.auth0.com", "A0META_DOMAIN"}, token: Value{"tok", "A0META_TOKEN"},
				audience: Value{"https://env.auth0.com/api/v2/", defAud}, baseURL: "https://env.auth0.com",
				warn: `default_profile "sandbox"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, env := configAt(t, tt.config, tt.env)
			s, err := Resolve(tt.flags, mapEnv(env))
			if err != nil {
				t.Fatal(err)
			}
			fix := func(v Value) Value { v.Source = strings.ReplaceAll(v.Source, "$CFG", cfg); return v }
			w := tt.want
			check := func(what string, got, want any) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %#v, want %#v", what, got, want)
				}
			}
			check("Profile", s.Profile, w.profile)
			check("ProfileSource", s.ProfileSource, strings.ReplaceAll(w.profileSource, "$CFG", cfg))
			check("ProfileExplicit", s.ProfileExplicit, w.explicit)
			check("Sandbox", s.Sandbox, w.sandbox)
			check("ConfigFile", s.ConfigFile, cfg)
			check("ConfigExists", s.ConfigExists, tt.config != "")
			check("Domain", s.Domain, fix(w.domain))
			check("ClientID", s.ClientID, fix(w.clientID))
			check("ClientSecret", s.ClientSecret, fix(w.secret))
			check("Token", s.Token, fix(w.token))
			check("Audience", s.Audience, fix(w.audience))
			check("BaseURL", s.BaseURL, w.baseURL)
			joined := strings.Join(s.Warnings, "\n")
			if w.warn == "" && joined != "" || !strings.Contains(joined, w.warn) {
				t.Errorf("warnings %q, want %q", s.Warnings, w.warn)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		flags  Flags
		env    map[string]string
		want   []string // substrings of the message
	}{
		// A profile's secret only goes to the profile's domain.
		{"flag domain with the explicit profile's secret", stdConfig, Flags{Profile: "prod", Domain: "evil.example.com"}, nil,
			[]string{`client secret comes from profile "prod" in $CFG`, "domain comes from --domain flag (evil.example.com)", "refusing"}},
		{"A0META_DOMAIN with the implicit profile's secret", stdConfig, Flags{}, map[string]string{"A0META_DOMAIN": "evil.example.com"},
			[]string{`client secret comes from profile "prod" in $CFG`, "domain comes from A0META_DOMAIN (evil.example.com)"}},
		{"AUTH0_DOMAIN filling a profile that has a secret but no domain", "profiles:\n  p:\n    client_id: i\n    client_secret: s\n",
			Flags{Profile: "p"}, map[string]string{"AUTH0_DOMAIN": "a.auth0.com"},
			[]string{"no domain of its own", "AUTH0_DOMAIN (a.auth0.com)"}},
		{"--domain with an explicit profile ignores A0META_TOKEN", stdConfig, Flags{Profile: "prod", Domain: "evil.example.com"},
			map[string]string{"A0META_TOKEN": "tok"}, []string{"refusing"}},

		// No domain anywhere.
		{"nothing configured", "", Flags{}, nil, []string{"no Auth0 tenant configured", "--profile sandbox", "config set-profile", "A0META_DOMAIN"}},
		{"profile without a domain", stdConfig, Flags{Profile: "bare"}, nil, []string{`profile "bare" in $CFG has no domain`, "--profile sandbox"}},

		// Unknown profiles.
		{"unknown explicit profile", stdConfig, Flags{Profile: "staging"}, nil,
			[]string{`profile "staging" (from --profile flag) is not defined in $CFG`, "profiles: bare, custom, dev.eu, nosecret, prod"}},
		{"unknown profile from A0META_PROFILE", "", Flags{}, map[string]string{"A0META_PROFILE": "x", "A0META_DOMAIN": "d.auth0.com"},
			[]string{`profile "x" (from A0META_PROFILE)`, "does not exist"}},
		{"default_profile names no profile", "default_profile: gone\nprofiles:\n  p: {}\n", Flags{}, nil,
			[]string{`profile "gone" (from default_profile in $CFG)`, "profiles: p"}},

		// The sandbox cannot be redirected.
		{"sandbox with --domain", "", Flags{Profile: "sandbox", Domain: "x.auth0.com"}, nil, []string{"--domain flag cannot be used with the sandbox profile", "built in"}},
		{"sandbox from A0META_PROFILE with --client-id", "", Flags{ClientID: "i"}, map[string]string{"A0META_PROFILE": "SANDBOX"},
			[]string{"--client-id flag cannot be used", "A0META_PROFILE"}},
		{"sandbox with --audience", "", Flags{Profile: "sandbox", Audience: "a"}, nil, []string{"--audience flag"}},

		// Bad domains name their source.
		{"http to a remote host", "", Flags{}, map[string]string{"A0META_DOMAIN": "http://evil.example.com"}, []string{"A0META_DOMAIN", "loopback"}},
		{"bad domain in a profile", "profiles:\n  p:\n    domain: ftp://x\n", Flags{Profile: "p"}, nil, []string{`profile "p" in $CFG`, "scheme"}},
		{"malformed file", "profiles: [\n", Flags{}, nil, []string{"$CFG", "not valid YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, env := configAt(t, tt.config, tt.env)
			s, err := Resolve(tt.flags, mapEnv(env))
			if err == nil {
				t.Fatalf("no error; got %+v", s)
			}
			if failure.CodeOf(err) != failure.Usage {
				t.Errorf("exit code %d, want 2 (%v)", failure.CodeOf(err), err)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "$CFG", cfg); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestResolveConfigLocation(t *testing.T) {
	home := t.TempDir()
	xdg := filepath.Join(home, "xdg")
	xdgFile := filepath.Join(xdg, "a0meta", "config.yaml")
	if err := SetProfile(xdgFile, "x", Profile{Domain: "xdg.auth0.com"}, true); err != nil {
		t.Fatal(err)
	}
	envFile := writeFile(t, "default_profile: e\nprofiles:\n  e:\n    domain: envfile.auth0.com\n", 0o600)
	flagFile := writeFile(t, "default_profile: f\nprofiles:\n  f:\n    domain: flagfile.auth0.com\n", 0o600)
	tests := []struct {
		name   string
		flags  Flags
		env    map[string]string
		file   string
		domain string
	}{
		{"XDG_CONFIG_HOME", Flags{}, map[string]string{"XDG_CONFIG_HOME": xdg}, xdgFile, "xdg.auth0.com"},
		{"A0META_CONFIG beats XDG", Flags{}, map[string]string{"XDG_CONFIG_HOME": xdg, "A0META_CONFIG": envFile}, envFile, "envfile.auth0.com"},
		{"--config beats A0META_CONFIG", Flags{ConfigFile: flagFile}, map[string]string{"A0META_CONFIG": envFile}, flagFile, "flagfile.auth0.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(tt.flags, mapEnv(with(tt.env, "HOME", home)))
			if err != nil {
				t.Fatal(err)
			}
			if s.ConfigFile != tt.file || !s.ConfigExists || s.Domain.Value != tt.domain {
				t.Errorf("got file %q exists %v domain %q", s.ConfigFile, s.ConfigExists, s.Domain.Value)
			}
		})
	}
	t.Run("missing --config file warns", func(t *testing.T) {
		missing := filepath.Join(home, "missing.yaml")
		s, err := Resolve(Flags{ConfigFile: missing}, mapEnv(map[string]string{"HOME": home, "A0META_DOMAIN": "d.auth0.com"}))
		if err != nil {
			t.Fatal(err)
		}
		if s.ConfigExists || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "does not exist") {
			t.Errorf("exists %v warnings %q", s.ConfigExists, s.Warnings)
		}
	})
}

func TestCredentialsError(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want string // "" = nil
	}{
		{"client credentials", Settings{ClientID: Value{"i", "x"}, ClientSecret: Value{"s", "x"}}, ""},
		{"token", Settings{Token: Value{"t", "A0META_TOKEN"}}, ""},
		{"sandbox", Settings{Sandbox: true}, ""},
		{"no secret", Settings{Domain: Value{"d.auth0.com", "x"}, ClientID: Value{"i", "x"}}, "client secret"},
		{"nothing", Settings{Domain: Value{"d.auth0.com", "x"}}, "client_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.CredentialsError()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "no credentials for d.auth0.com") || !strings.Contains(err.Error(), "A0META_TOKEN") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
