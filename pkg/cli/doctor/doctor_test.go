package doctor_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/doctor"
	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/tidwall/gjson"
)

// run runs `a0meta doctor ARGS` against a served sandbox with a token
// holding exactly scopes.
func run(t *testing.T, scopes []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	srv, base := sandboxtest.Serve(t)
	u, _ := url.Parse(base)
	env := sandboxtest.Dirs(t.TempDir())
	env["A0META_DOMAIN"] = base
	env["A0META_TOKEN"] = srv.MintToken("https://"+u.Host+"/api/v2/", scopes...)
	io, _, out, errOut := iostreams.Test()
	code = root.Run(context.Background(), append([]string{"doctor"}, args...), io, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestDoctorNamesMissingScope(t *testing.T) {
	code, out, errOut := run(t, []string{"read:users", "read:clients", "update:clients", "update:users_app_metadata"})
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "missing scope(s): update:users (user meta writes needs update:users)") {
		t.Errorf("stderr does not name update:users for user writes:\n%s", errOut)
	}
	for _, want := range []string{
		"MISSING  user meta writes         needs update:users",
		"ok       user meta writes --app   read:users, update:users or update:users_app_metadata",
		"ok       client meta writes",
		"(from the token's claims)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestDoctorAllScopes(t *testing.T) {
	code, out, errOut := run(t, nil, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !gjson.Get(out, "ok").Bool() || gjson.Get(out, "missing_scopes.#").Int() != 0 || gjson.Get(out, "sources.token").String() != "A0META_TOKEN" {
		t.Errorf("json: %s", out)
	}
	if gjson.Get(out, "expires").String() == "" {
		t.Errorf("no expiry: %s", out)
	}
}

func TestDoctorJSONMissing(t *testing.T) {
	code, out, _ := run(t, []string{"read:users", "update:users"}, "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if got := gjson.Get(out, "missing_scopes").Raw; got != `["read:clients","update:clients"]` {
		t.Errorf("missing_scopes = %s", got)
	}
}

func TestCheckScopes(t *testing.T) {
	tests := []struct {
		granted  []string
		readOnly bool
		missing  map[string]string
	}{
		{granted: nil, missing: map[string]string{"user meta get": "read:users", "user meta writes": "read:users update:users",
			"user meta writes --app": "read:users update:users or update:users_app_metadata", "client meta get": "read:clients", "client meta writes": "read:clients update:clients"}},
		{granted: []string{"read:users", "update:users_app_metadata"}, missing: map[string]string{"user meta writes": "update:users",
			"client meta get": "read:clients", "client meta writes": "read:clients update:clients"}},
		{granted: []string{"read:users", "read:clients"}, readOnly: true, missing: map[string]string{}},
	}
	for _, tt := range tests {
		got := map[string]string{}
		for _, c := range doctor.CheckScopes(tt.granted, tt.readOnly) {
			if !c.OK {
				got[c.Command] = strings.Join(c.Missing, " ")
			}
		}
		if len(got) != len(tt.missing) {
			t.Errorf("%v: missing %v, want %v", tt.granted, got, tt.missing)
		}
		for k, v := range tt.missing {
			if got[k] != v {
				t.Errorf("%v: %s missing %q, want %q", tt.granted, k, got[k], v)
			}
		}
	}
}
