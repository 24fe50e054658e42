package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func (e *env) tokenRequest(contentType, body string, basic ...string) resp {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/oauth/token", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, string(b)}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

const formType = "application/x-www-form-urlencoded"

func TestTokenEndpoint(t *testing.T) {
	e := newEnv(t, Options{Seed: true, Audiences: []string{VirtualAudience}})
	aud := e.aud()
	good := func(extra ...string) string {
		return form(append([]string{"grant_type", "client_credentials", "client_id", DemoClientID,
			"client_secret", DemoClientSecret, "audience", aud}, extra...)...)
	}
	cases := []struct {
		name     string
		ctype    string
		body     string
		basic    []string
		status   int
		wantBody string // exact, for errors
		scope    string // for successes
	}{
		{name: "form", ctype: formType, body: good(), status: 200,
			scope: "read:users update:users read:clients update:clients create:users delete:users create:clients delete:clients update:users_app_metadata"},
		{name: "json", ctype: "application/json", body: `{"grant_type":"client_credentials","client_id":"` + DemoClientID +
			`","client_secret":"` + DemoClientSecret + `","audience":"` + aud + `"}`, status: 200},
		{name: "basic", ctype: formType, body: form("grant_type", "client_credentials", "audience", aud),
			basic: []string{DemoClientID, DemoClientSecret}, status: 200},
		{name: "virtual audience", ctype: formType, status: 200, body: form("grant_type", "client_credentials",
			"client_id", DemoClientID, "client_secret", DemoClientSecret, "audience", VirtualAudience)},
		{name: "scope subset", ctype: formType, body: good("scope", "read:users"), status: 200, scope: "read:users"},
		{name: "missing grant", ctype: formType, body: form("client_id", DemoClientID), status: 400,
			wantBody: `{"error":"invalid_request","error_description":"Missing required parameter: grant_type"}`},
		{name: "unsupported grant", ctype: formType, body: form("grant_type", "password"), status: 400,
			wantBody: `{"error":"unsupported_grant_type","error_description":"Unsupported grant type: password"}`},
		{name: "wrong secret", ctype: formType, body: form("grant_type", "client_credentials", "client_id", DemoClientID,
			"client_secret", "nope", "audience", aud), status: 401,
			wantBody: `{"error":"access_denied","error_description":"Unauthorized"}`},
		{name: "unknown client", ctype: formType, body: form("grant_type", "client_credentials", "client_id", "ghost",
			"client_secret", DemoClientSecret, "audience", aud), status: 401,
			wantBody: `{"error":"access_denied","error_description":"Unauthorized"}`},
		{name: "wrong audience", ctype: formType, body: form("grant_type", "client_credentials", "client_id", DemoClientID,
			"client_secret", DemoClientSecret, "audience", "https://other.example/api/v2/"), status: 403,
			wantBody: `{"error":"access_denied","error_description":"Service not enabled within domain: https://other.example/api/v2/"}`},
		{name: "no audience", ctype: formType, body: form("grant_type", "client_credentials", "client_id", DemoClientID,
			"client_secret", DemoClientSecret), status: 403,
			wantBody: `{"error":"access_denied","error_description":"Non-global clients are not allowed access to APIv1"}`},
		{name: "ungranted scope", ctype: formType, body: good("scope", "read:users read:logs"), status: 403,
			wantBody: `{"error":"access_denied","error_description":"Client has not been granted scopes: read:logs"}`},
		{name: "bad json", ctype: "application/json", body: `{`, status: 400,
			wantBody: `{"error":"invalid_request","error_description":"Invalid request body"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e.with(t)
			r := e.tokenRequest(c.ctype, c.body, c.basic...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.wantBody != "" && r.body != c.wantBody {
				t.Fatalf("body %s\nwant %s", r.body, c.wantBody)
			}
			if c.status != 200 {
				return
			}
			if r.get("token_type").String() != "Bearer" || r.get("expires_in").Int() != 86400 {
				t.Errorf("answer %s", r.body)
			}
			if c.scope != "" && r.get("scope").String() != c.scope {
				t.Errorf("scope %q, want %q", r.get("scope").String(), c.scope)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			// the token opens the API
			e2 := e.with(t)
			e2.token = r.get("access_token").String()
			e2.expect(e2.do("GET", "/api/v2/users/auth0%7Cjane1?fields=user_id", ""), 200, `{"user_id":"auth0|jane1"}`)
		})
	}
	t.Run("GET is not routed", func(t *testing.T) {
		e := e.with(t)
		e.expect(e.do("GET", "/oauth/token", ""), 404, `{"statusCode":404,"error":"Not Found","message":"Not Found"}`)
	})
}

func TestBearerValidation(t *testing.T) {
	clk := newClock()
	e := newEnv(t, Options{Seed: true, Now: clk.Now, TokenLifetime: time.Hour, Audiences: []string{VirtualAudience}})
	other := newEnv(t, Options{})
	unauth := func(msg string) string {
		return `{"statusCode":401,"error":"Unauthorized","message":"` + msg + `","attributes":{"error":"` + msg + `"}}`
	}
	valid := e.token
	tampered := valid[:len(valid)-2] + "xx"
	cases := []struct {
		name   string
		auth   string
		status int
		body   string
	}{
		{"valid", "Bearer " + valid, 200, ""},
		{"lower-case scheme", "bearer " + valid, 200, ""},
		{"virtual audience", "Bearer " + e.s.MintToken(VirtualAudience), 200, ""},
		{"missing", "", 401, unauth("Missing authentication")},
		{"not bearer", "Basic abc", 401, unauth("Bad HTTP authentication header format")},
		{"garbage", "Bearer not-a-jwt", 401, unauth("Invalid token")},
		{"tampered", "Bearer " + tampered, 401, unauth("Invalid token")},
		{"other key", "Bearer " + other.s.MintToken(e.aud()), 401, unauth("Invalid token")},
		{"wrong audience", "Bearer " + e.s.MintToken("https://x.example/api/v2/"), 401, unauth("Bad audience: https://x.example/api/v2/")},
		{"insufficient scope", "Bearer " + e.s.MintToken(e.aud(), "read:clients"), 403,
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens","errorCode":"insufficient_scope"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e.with(t)
			r := e.do("GET", "/api/v2/users/auth0%7Cjane1", "", "Authorization", c.auth)
			e.expect(r, c.status, c.body)
			if r.header.Get("X-Ratelimit-Limit") == "" {
				t.Error("no rate-limit headers")
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		e := e.with(t)
		tok := e.s.MintToken(e.aud())
		clk.Advance(time.Hour)
		e.expect(e.do("GET", "/api/v2/users/auth0%7Cjane1", "", "Authorization", "Bearer "+tok), 401,
			unauth("Expired token received for JSON Web Token validation"))
		clk.Advance(-time.Second)
		e.expect(e.do("GET", "/api/v2/users/auth0%7Cjane1", "", "Authorization", "Bearer "+tok), 200, "")
	})
	t.Run("app_metadata scope", func(t *testing.T) {
		e := e.with(t)
		tok := "Bearer " + e.s.MintToken(e.aud(), "update:users_app_metadata")
		e.expect(e.do("PATCH", "/api/v2/users/auth0%7Cjane1", `{"app_metadata":{"x":1}}`, "Authorization", tok), 200, "")
		e.expect(e.do("PATCH", "/api/v2/users/auth0%7Cjane1", `{"user_metadata":{"x":1}}`, "Authorization", tok), 403,
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: update:users","errorCode":"insufficient_scope"}`)
	})
}

// Tokens stay valid across processes sharing a state file: the CLI caches
// them between runs.
func TestTokenSurvivesReopen(t *testing.T) {
	file := t.TempDir() + "/state.json"
	s1, err := Open(Options{DataFile: file, Audiences: []string{VirtualAudience}})
	if err != nil {
		t.Fatal(err)
	}
	tok := s1.MintToken(VirtualAudience)
	s2, err := Open(Options{DataFile: file, Audiences: []string{VirtualAudience}})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, s2)
	e.token = tok
	e.expect(e.do("GET", "/api/v2/users/auth0%7Cjane1?fields=email", ""), 200, `{"email":"jane.doe@example.com"}`)
}
