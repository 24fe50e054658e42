package config

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	cfg, env := configAt(t, "default_profile: prod\nprofiles:\n  prod:\n    domain: example.eu.auth0.com\n    client_id: AbC123\n    client_secret: TOPSECRETVALUE\n", nil)
	s, err := Resolve(Flags{Profile: "prod"}, mapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	s.Token = Value{"TOKENVALUE", "A0META_TOKEN"} // as if the profile had no secret
	for _, redact := range []bool{true, false} {
		var buf bytes.Buffer
		s.Describe(&buf, redact)
		out := buf.String()
		if strings.Contains(out, "TOPSECRET") || strings.Contains(out, "TOKENVALUE") {
			t.Fatalf("redact=%v printed a secret:\n%s", redact, out)
		}
		for _, want := range []string{
			"profile:       prod           (--profile flag)\n",
			"config file:   " + cfg + "\n",
			`domain:        example.eu.auth0.com  (profile "prod" in ` + cfg + ")\n",
			"base url:      https://example.eu.auth0.com\n",
			`client_id:     AbC123  (profile "prod" in ` + cfg + ")\n",
			"audience:      https://example.eu.auth0.com/api/v2/  (default for the domain)\n",
		} {
			// Compare with runs of spaces squeezed: the padding is cosmetic.
			if !strings.Contains(squeeze(out), squeeze(want)) {
				t.Errorf("redact=%v: output lacks %q:\n%s", redact, want, out)
			}
		}
		wantSecret := `client_secret: [REDACTED] (profile "prod" in ` + cfg + ")"
		if !redact {
			wantSecret = `client_secret: [REDACTED] (14 characters) (profile "prod" in ` + cfg + ")"
		}
		if !strings.Contains(squeeze(out), squeeze(wantSecret)) {
			t.Errorf("redact=%v: output lacks %q:\n%s", redact, wantSecret, out)
		}
	}

	var buf bytes.Buffer
	(&Settings{ConfigFile: "/nowhere/config.yaml", Sandbox: true, Profile: "sandbox"}).Describe(&buf, true)
	out := squeeze(buf.String())
	for _, want := range []string{"config file: /nowhere/config.yaml (does not exist)", "token: (not set)", "client_secret: (not set)", "base url: (the in-process sandbox server)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func squeeze(s string) string { return regexp.MustCompile(` +`).ReplaceAllString(s, " ") }

func TestTokenCacheKey(t *testing.T) {
	base := Settings{Profile: "prod", BaseURL: "https://example.auth0.com", ClientID: Value{"id", "x"}, Audience: Value{"https://example.auth0.com/api/v2/", "x"}}
	k := base.TokenCacheKey()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(k) {
		t.Fatalf("key %q is not sha256 hex", k)
	}
	same := base
	same.ClientSecret = Value{"other secret", "y"}
	same.Domain = Value{"example.auth0.com", "z"}
	if same.TokenCacheKey() != k {
		t.Error("key depends on more than profile, domain, client_id and audience")
	}
	variants := map[string]func(*Settings){
		"profile":          func(s *Settings) { s.Profile = "dev" },
		"no profile":       func(s *Settings) { s.Profile = "" },
		"domain":           func(s *Settings) { s.BaseURL = "https://other.auth0.com" },
		"port":             func(s *Settings) { s.BaseURL = "https://example.auth0.com:8443" },
		"client_id":        func(s *Settings) { s.ClientID.Value = "id2" },
		"audience":         func(s *Settings) { s.Audience.Value = "https://x/" },
		"shifted boundary": func(s *Settings) { s.Profile, s.ClientID.Value = "pro", "d"+s.ClientID.Value },
	}
	seen := map[string]string{k: "base"}
	for name, change := range variants {
		s := base
		change(&s)
		got := s.TokenCacheKey()
		if prev, ok := seen[got]; ok {
			t.Errorf("%s: same key as %s", name, prev)
		}
		seen[got] = name
	}
	sb := Settings{Sandbox: true, Profile: "sandbox", ClientID: Value{SandboxClientID, ""}, Audience: Value{SandboxAudience, ""}}
	k1 := sb.TokenCacheKey()
	sb.BaseURL = "http://127.0.0.1:39999"
	if sb.TokenCacheKey() != k1 {
		t.Error("the sandbox key changes with its server's port")
	}
}
