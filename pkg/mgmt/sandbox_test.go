package mgmt_test

// The client against the real sandbox tenant over loopback HTTP: what the
// server received, byte for byte, and how retries, token refresh, the rate
// limiter and the debug trace behave end to end. The package's other tests
// use hand-written stubs; these check the two halves agree.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/a0meta/a0meta/pkg/sandbox"
)

// clock is a fake time shared by the sandbox and the client; sleeping
// advances it instead of waiting.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newClock() *clock { return &clock{now: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// tenant is a sandbox served over httptest.
type tenant struct {
	srv   *sandbox.Server
	url   string
	host  string
	clock *clock
}

func newTenant(t *testing.T, opts sandbox.Options) *tenant {
	t.Helper()
	clk := newClock()
	opts.Now = clk.Now
	srv, err := sandbox.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	u, _ := url.Parse(hs.URL)
	return &tenant{srv: srv, url: hs.URL, host: u.Host, clock: clk}
}

func (tn *tenant) audience() string { return "https://" + tn.host + "/api/v2/" }

// staticClient is a client holding a valid ready token: no token requests.
func (tn *tenant) staticClient(t *testing.T, mod func(*mgmt.Options)) *mgmt.Client {
	t.Helper()
	return tn.client(t, mgmt.StaticToken(tn.srv.MintToken(tn.audience())), mod)
}

func (tn *tenant) client(t *testing.T, tokens mgmt.TokenProvider, mod func(*mgmt.Options)) *mgmt.Client {
	t.Helper()
	opts := mgmt.Options{
		BaseURL:   tn.url,
		Tokens:    tokens,
		UserAgent: "a0meta/test",
		Sleep:     tn.clock.Sleep,
		Now:       tn.clock.Now,
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := mgmt.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// credentials is a client-credentials provider for the demo application;
// its token request goes through c's retrying, tracing HTTP client.
func (tn *tenant) credentials(cache mgmt.TokenCache) *mgmt.ClientCredentials {
	return &mgmt.ClientCredentials{
		TokenURL:     tn.url + "/oauth/token",
		ClientID:     sandbox.DemoClientID,
		ClientSecret: sandbox.DemoClientSecret,
		Audience:     tn.audience(),
		Cache:        cache,
		CacheKey:     "test",
		Now:          tn.clock.Now,
	}
}

func (tn *tenant) ccClient(t *testing.T, cache mgmt.TokenCache, mod func(*mgmt.Options)) (*mgmt.Client, *mgmt.ClientCredentials) {
	t.Helper()
	cc := tn.credentials(cache)
	c := tn.client(t, cc, mod)
	return c, cc
}

func (tn *tenant) putUser(t *testing.T, raw string) {
	t.Helper()
	if err := tn.srv.PutUser(json.RawMessage(raw)); err != nil {
		t.Fatal(err)
	}
}

// lines renders requests as "METHOD PATH[?QUERY]" for compact comparison.
func lines(reqs []sandbox.Request) string {
	var b strings.Builder
	for _, r := range reqs {
		b.WriteString(r.Method + " " + r.Path)
		if r.Query != "" {
			b.WriteString("?" + r.Query)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// memCache is an in-memory TokenCache.
type memCache struct {
	mu   sync.Mutex
	toks map[string]oauth2.Token
}

func (m *memCache) Load(key string) (*oauth2.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.toks[key]
	if !ok {
		return nil, nil
	}
	return &t, nil
}

func (m *memCache) Store(key string, t *oauth2.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.toks == nil {
		m.toks = map[string]oauth2.Token{}
	}
	m.toks[key] = *t
	return nil
}

func (m *memCache) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.toks, key)
	return nil
}

const janeDoc = `{"user_id":"auth0|jane1","email":"jane.doe@example.com",` +
	`"user_metadata":{"hobby":"surfing","n":12345678901234567890,"f":1.0,"e":"caf\u00e9"},` +
	`"app_metadata":{"plan":"full"}}`

func TestSandboxPatchBodiesExact(t *testing.T) {
	tn := newTenant(t, sandbox.Options{Seed: true})
	c := tn.staticClient(t, nil)
	ctx := context.Background()

	t.Run("user", func(t *testing.T) {
		const id = "samlp|acme|jdoe@acme.example/ops"
		body := []byte(`{"app_metadata":{"employee_no":12345678901234567891,"ratio":1.50,"x":"\u00e9\"q"}}`)
		tn.srv.ClearRequests()
		resp, err := c.PatchUser(ctx, id, body)
		if err != nil {
			t.Fatal(err)
		}
		reqs := tn.srv.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests:\n%s", len(reqs), lines(reqs))
		}
		r := reqs[0]
		if r.Method != http.MethodPatch || r.Path != "/api/v2/users/samlp%7Cacme%7Cjdoe@acme.example%2Fops" || r.Query != "" {
			t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
		}
		if !bytes.Equal(r.Body, body) {
			t.Errorf("body received\n%s\nwant\n%s", r.Body, body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if ua := r.Header.Get("User-Agent"); ua != "a0meta/test" {
			t.Errorf("User-Agent %q", ua)
		}
		// The big integer and number spellings survive the round trip.
		const want = `"app_metadata":{"employee_no":12345678901234567891,"roles":["ops","admin"],"ratio":1.50,"x":"\u00e9\"q"}`
		if !bytes.Contains(resp, []byte(want)) {
			t.Errorf("answer lacks %s:\n%s", want, resp)
		}
		stored, _ := tn.srv.User(id)
		if !bytes.Contains(stored, []byte(want)) {
			t.Errorf("stored user lacks %s:\n%s", want, stored)
		}
	})

	t.Run("client", func(t *testing.T) {
		body := []byte(`{"client_metadata":{"myflavor":null,"note":"a \"b\" \u00e9"}}`)
		tn.srv.ClearRequests()
		resp, err := c.PatchClient(ctx, "myclientid123", body)
		if err != nil {
			t.Fatal(err)
		}
		reqs := tn.srv.Requests()
		if len(reqs) != 1 || reqs[0].Method != http.MethodPatch || reqs[0].Path != "/api/v2/clients/myclientid123" {
			t.Fatalf("requests:\n%s", lines(reqs))
		}
		if !bytes.Equal(reqs[0].Body, body) {
			t.Errorf("body received\n%s\nwant\n%s", reqs[0].Body, body)
		}
		const want = `"client_metadata":{"mycolor":"red","note":"a \"b\" \u00e9"}`
		if !bytes.Contains(resp, []byte(want)) {
			t.Errorf("answer lacks %s:\n%s", want, resp)
		}
		if bytes.Contains(resp, []byte("client_secret")) {
			t.Errorf("answer holds the client secret: %s", resp)
		}
	})
}

func TestSandboxFieldsQueries(t *testing.T) {
	tn := newTenant(t, sandbox.Options{Seed: true})
	tn.putUser(t, janeDoc)
	c := tn.staticClient(t, nil)
	ctx := context.Background()

	tests := []struct {
		name      string
		call      func() (json.RawMessage, error)
		wantPath  string
		wantQuery string
		want      string
	}{
		{
			name:      "user field",
			call:      func() (json.RawMessage, error) { return c.GetUserField(ctx, "auth0|jane1", "user_metadata") },
			wantPath:  "/api/v2/users/auth0%7Cjane1",
			wantQuery: "fields=user_metadata&include_fields=true",
			want:      `{"hobby":"surfing","n":12345678901234567890,"f":1.0,"e":"caf\u00e9"}`,
		},
		{
			name:      "absent field is {}",
			call:      func() (json.RawMessage, error) { return c.GetUserField(ctx, "auth0|john2", "app_metadata") },
			wantPath:  "/api/v2/users/auth0%7Cjohn2",
			wantQuery: "fields=app_metadata&include_fields=true",
			want:      `{}`,
		},
		{
			name:      "user with fields",
			call:      func() (json.RawMessage, error) { return c.GetUser(ctx, "auth0|jane1", "user_id", "app_metadata") },
			wantPath:  "/api/v2/users/auth0%7Cjane1",
			wantQuery: "fields=user_id,app_metadata&include_fields=true",
			want:      `{"user_id":"auth0|jane1","app_metadata":{"plan":"full"}}`,
		},
		{
			name:      "client field",
			call:      func() (json.RawMessage, error) { return c.GetClientField(ctx, "myclientid123", "client_metadata") },
			wantPath:  "/api/v2/clients/myclientid123",
			wantQuery: "fields=client_metadata&include_fields=true",
			want:      `{"mycolor":"red","myflavor":"grape"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn.srv.ClearRequests()
			got, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			reqs := tn.srv.Requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != tt.wantPath || reqs[0].Query != tt.wantQuery {
				t.Errorf("requests:\n%swant GET %s?%s", lines(reqs), tt.wantPath, tt.wantQuery)
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		_, err := c.GetUserField(ctx, "auth0|ghost", "user_metadata")
		var ae *mgmt.APIError
		if !errors.As(err, &ae) || ae.Status != 404 || ae.ErrorCode != "inexistent_user" || failure.CodeOf(err) != failure.NotFound {
			t.Errorf("err %v (code %d)", err, failure.CodeOf(err))
		}
	})
}

func TestSandboxUsersByEmail(t *testing.T) {
	tn := newTenant(t, sandbox.Options{Seed: true})
	c := tn.staticClient(t, nil)
	ctx := context.Background()

	tests := []struct {
		email     string
		wantQuery string
		want      []string
	}{
		{"sam@example.com", "email=sam%40example.com&fields=user_id&include_fields=true",
			[]string{`{"user_id":"auth0|sam3"}`, `{"user_id":"google-oauth2|1089347"}`}},
		{"jane.doe@example.com", "email=jane.doe%40example.com&fields=user_id&include_fields=true",
			[]string{`{"user_id":"auth0|jane1"}`}},
		{"a+b@example.com", "email=a%2Bb%40example.com&fields=user_id&include_fields=true", nil},
		// Auth0 matches case-sensitively; callers lower-case first.
		{"Jane.Doe@example.com", "email=Jane.Doe%40example.com&fields=user_id&include_fields=true", nil},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			tn.srv.ClearRequests()
			users, err := c.UsersByEmail(ctx, tt.email, "user_id")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range users {
				got = append(got, string(u))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			reqs := tn.srv.Requests()
			if len(reqs) != 1 || reqs[0].Path != "/api/v2/users-by-email" || reqs[0].Query != tt.wantQuery {
				t.Errorf("requests:\n%swant GET /api/v2/users-by-email?%s", lines(reqs), tt.wantQuery)
			}
		})
	}
}

func TestSandboxListClientsPaging(t *testing.T) {
	// An unseeded tenant holds only the demo application; add n-1 more.
	for _, n := range []int{1, 100, 101, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			tn := newTenant(t, sandbox.Options{})
			for i := 1; i < n; i++ {
				if err := tn.srv.PutClient(json.RawMessage(fmt.Sprintf(`{"client_id":"c%03d","name":"app %d","client_secret":"s"}`, i, i))); err != nil {
					t.Fatal(err)
				}
			}
			c := tn.staticClient(t, nil)
			tn.srv.ClearRequests()
			refs, err := c.ListClients(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(refs) != n {
				t.Fatalf("%d clients, want %d", len(refs), n)
			}
			seen := map[string]bool{}
			for i, r := range refs {
				if seen[r.ClientID] {
					t.Errorf("client %s listed twice", r.ClientID)
				}
				seen[r.ClientID] = true
				if i > 0 && (r.ClientID != fmt.Sprintf("c%03d", i) || r.Name != fmt.Sprintf("app %d", i)) {
					t.Errorf("client %d = %+v", i, r)
				}
			}
			if refs[0].ClientID != sandbox.DemoClientID {
				t.Errorf("first client %+v", refs[0])
			}
			// Exactly as many pages as needed: the total ends the paging.
			pages := (n + 99) / 100
			var want strings.Builder
			for p := range pages {
				fmt.Fprintf(&want, "GET /api/v2/clients?fields=client_id,name&include_fields=true&page=%d&per_page=100&include_totals=true\n", p)
			}
			if got := lines(tn.srv.Requests()); got != want.String() {
				t.Errorf("requests:\n%swant:\n%s", got, want.String())
			}
		})
	}
}

func TestSandboxRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("429 Retry-After 0, 503, hangup, then success; the same body each time", func(t *testing.T) {
		tn := newTenant(t, sandbox.Options{Seed: true})
		c := tn.staticClient(t, nil)
		tn.srv.InjectFault(sandbox.Fault{Method: "PATCH", PathPrefix: "/api/v2/users/", Status: 429,
			Header: http.Header{"Retry-After": {"0"}}, Body: `{"statusCode":429,"error":"Too Many Requests","message":"slow down"}`})
		tn.srv.InjectFault(sandbox.Fault{Method: "PATCH", PathPrefix: "/api/v2/users/", Status: 503})
		tn.srv.InjectFault(sandbox.Fault{Method: "PATCH", PathPrefix: "/api/v2/users/", Hangup: true})
		body := []byte(`{"user_metadata":{"n":12345678901234567890}}`)
		if _, err := c.PatchUser(ctx, "auth0|jane1", body); err != nil {
			t.Fatal(err)
		}
		reqs := tn.srv.Requests()
		wantStatus := []int{429, 503, 0, 200}
		if len(reqs) != len(wantStatus) {
			t.Fatalf("%d requests, want %d:\n%s", len(reqs), len(wantStatus), lines(reqs))
		}
		for i, r := range reqs {
			if r.Status != wantStatus[i] || r.Path != "/api/v2/users/auth0%7Cjane1" || !bytes.Equal(r.Body, body) {
				t.Errorf("attempt %d: status %d %s body %s", i+1, r.Status, r.Path, r.Body)
			}
		}
		waits := tn.clock.Waits()
		if len(waits) != 3 {
			t.Fatalf("waits %v, want 3", waits)
		}
		for i, w := range waits {
			// Retry-After 0, then jittered backoff whose ceiling doubles.
			if w <= 0 || w > mgmt.DefaultRetryPolicy.BaseDelay<<i {
				t.Errorf("wait %v out of range in %v", w, waits)
			}
		}
		if u, _ := tn.srv.User("auth0|jane1"); !bytes.Contains(u, []byte(`"n":12345678901234567890`)) {
			t.Errorf("stored user %s", u)
		}
	})

	t.Run("Retry-After is honoured", func(t *testing.T) {
		tn := newTenant(t, sandbox.Options{Seed: true})
		c := tn.staticClient(t, nil)
		tn.srv.InjectFault(sandbox.Fault{Method: "GET", Status: 429, Header: http.Header{"Retry-After": {"7"}}})
		tn.srv.InjectFault(sandbox.Fault{Method: "GET", Status: 503, Header: http.Header{"Retry-After": {"3"}}})
		if _, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata"); err != nil {
			t.Fatal(err)
		}
		if got := tn.clock.Waits(); fmt.Sprint(got) != "[7s 3s]" {
			t.Errorf("waits %v, want [7s 3s]", got)
		}
	})

	t.Run("bounded: a persistent 503 is exit 1 after MaxAttempts", func(t *testing.T) {
		tn := newTenant(t, sandbox.Options{Seed: true})
		c := tn.staticClient(t, func(o *mgmt.Options) { o.Retry = mgmt.RetryPolicy{MaxAttempts: 3} })
		tn.srv.InjectFault(sandbox.Fault{Method: "GET", Status: 503, Times: -1, Header: http.Header{"Retry-After": {"0"}},
			Body: `{"statusCode":503,"error":"Service Unavailable","message":"down"}`})
		_, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata")
		var ae *mgmt.APIError
		if !errors.As(err, &ae) || ae.Status != 503 || ae.Attempts != 3 || failure.CodeOf(err) != failure.General {
			t.Fatalf("err %v (code %d)", err, failure.CodeOf(err))
		}
		if n := len(tn.srv.Requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		if n := len(tn.clock.Waits()); n != 2 {
			t.Errorf("%d waits, want 2", n)
		}
	})

	t.Run("a 400 is not retried", func(t *testing.T) {
		tn := newTenant(t, sandbox.Options{Seed: true})
		c := tn.staticClient(t, nil)
		_, err := c.PatchUser(ctx, "auth0|jane1", []byte(`{"user_metadata":{"a.b":1}}`))
		var ae *mgmt.APIError
		if !errors.As(err, &ae) || ae.Status != 400 || failure.CodeOf(err) != failure.General {
			t.Fatalf("err %v", err)
		}
		if n := len(tn.srv.Requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func TestSandboxUnauthorizedRefresh(t *testing.T) {
	ctx := context.Background()
	tn := newTenant(t, sandbox.Options{Seed: true})
	cache := &memCache{}
	c, _ := tn.ccClient(t, cache, nil)

	if _, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	reqs := tn.srv.Requests()
	if got := lines(reqs); got != "POST /oauth/token\nGET /api/v2/users/auth0%7Cjane1?fields=user_metadata&include_fields=true\n" {
		t.Fatalf("requests:\n%s", got)
	}
	form, err := url.ParseQuery(string(reqs[0].Body))
	if err != nil || form.Get("grant_type") != "client_credentials" || form.Get("client_id") != sandbox.DemoClientID ||
		form.Get("audience") != tn.audience() || reqs[0].Header.Get("Authorization") != "" {
		t.Errorf("token request %s (Authorization %q)", reqs[0].Body, reqs[0].Header.Get("Authorization"))
	}
	first := reqs[1].Header.Get("Authorization")
	if tok, _ := cache.Load(mgmt.CacheKeyOf(tn.credentials(nil))); tok == nil || "Bearer "+tok.AccessToken != first {
		t.Fatalf("cache holds %v, request sent %q", tok, first)
	}

	// A second client (another run) uses the cached token: no token request.
	c2, _ := tn.ccClient(t, cache, nil)
	tn.srv.ClearRequests()
	if _, err := c2.GetUserField(ctx, "auth0|jane1", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	if got := lines(tn.srv.Requests()); strings.Contains(got, "oauth") || strings.Count(got, "\n") != 1 {
		t.Errorf("with a cached token:\n%s", got)
	}

	// One 401: one new token, one retry, with the new token; the body is
	// sent again.
	tn.srv.ClearRequests()
	tn.srv.InjectFault(sandbox.Fault{Method: "PATCH", PathPrefix: "/api/v2/users/", Status: 401,
		Body: `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`})
	body := []byte(`{"user_metadata":{"k":"v"}}`)
	if _, err := c2.PatchUser(ctx, "auth0|jane1", body); err != nil {
		t.Fatal(err)
	}
	reqs = tn.srv.Requests()
	if got := lines(reqs); got != "PATCH /api/v2/users/auth0%7Cjane1\nPOST /oauth/token\nPATCH /api/v2/users/auth0%7Cjane1\n" {
		t.Fatalf("requests after a 401:\n%s", got)
	}
	second := reqs[2].Header.Get("Authorization")
	if reqs[0].Header.Get("Authorization") != first || second == first || !strings.HasPrefix(second, "Bearer ey") {
		t.Errorf("tokens: first %q, refused %q, retried with %q", first, reqs[0].Header.Get("Authorization"), second)
	}
	if !bytes.Equal(reqs[2].Body, body) || reqs[2].Status != 200 {
		t.Errorf("retry: status %d body %s", reqs[2].Status, reqs[2].Body)
	}
	if tok, _ := cache.Load(mgmt.CacheKeyOf(tn.credentials(nil))); tok == nil || "Bearer "+tok.AccessToken != second {
		t.Errorf("cache holds %v, want the new token", tok)
	}

	// Two 401s: exit 4 after exactly one refresh.
	tn.srv.ClearRequests()
	tn.srv.InjectFault(sandbox.Fault{Method: "GET", PathPrefix: "/api/v2/users/", Status: 401, Times: 2})
	_, err = c2.GetUserField(ctx, "auth0|jane1", "user_metadata")
	if failure.CodeOf(err) != failure.Auth {
		t.Errorf("err %v (code %d), want exit 4", err, failure.CodeOf(err))
	}
	if got := lines(tn.srv.Requests()); got != "GET /api/v2/users/auth0%7Cjane1?fields=user_metadata&include_fields=true\nPOST /oauth/token\nGET /api/v2/users/auth0%7Cjane1?fields=user_metadata&include_fields=true\n" {
		t.Errorf("requests after two 401s:\n%s", got)
	}
}

func TestSandboxStaticToken401(t *testing.T) {
	tn := newTenant(t, sandbox.Options{Seed: true})
	for name, tok := range map[string]string{
		"garbage":        "not-a-token",
		"wrong audience": tn.srv.MintToken("https://other.example/api/v2/"),
	} {
		t.Run(name, func(t *testing.T) {
			c := tn.client(t, mgmt.StaticToken(tok), nil)
			tn.srv.ClearRequests()
			_, err := c.GetUserField(context.Background(), "auth0|jane1", "user_metadata")
			var ae *mgmt.APIError
			if !errors.As(err, &ae) || ae.Status != 401 || failure.CodeOf(err) != failure.Auth {
				t.Fatalf("err %v (code %d), want a 401 and exit 4", err, failure.CodeOf(err))
			}
			// A fixed token: no token request, no retry.
			if got := lines(tn.srv.Requests()); got != "GET /api/v2/users/auth0%7Cjane1?fields=user_metadata&include_fields=true\n" {
				t.Errorf("requests:\n%s", got)
			}
		})
	}
}

func TestSandboxRateLimit(t *testing.T) {
	ctx := context.Background()
	t.Run("waits for x-ratelimit-reset, then succeeds", func(t *testing.T) {
		tn := newTenant(t, sandbox.Options{Seed: true, RateLimit: 1, Burst: 1})
		c := tn.staticClient(t, nil)
		for i := range 3 {
			if _, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata"); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		// The first call takes the only token; each later one is refused once
		// with a reset one second ahead, waits exactly that, and goes through.
		if got := tn.clock.Waits(); fmt.Sprint(got) != "[1s 1s]" {
			t.Errorf("waits %v, want [1s 1s]", got)
		}
		var statuses []int
		for _, r := range tn.srv.Requests() {
			statuses = append(statuses, r.Status)
		}
		if fmt.Sprint(statuses) != "[200 429 200 429 200]" {
			t.Errorf("statuses %v", statuses)
		}
	})

	t.Run("budget exhausted: exit 5", func(t *testing.T) {
		// One token every 200 s: more than the whole retry budget.
		tn := newTenant(t, sandbox.Options{Seed: true, RateLimit: 0.005, Burst: 1})
		c := tn.staticClient(t, nil)
		if _, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata"); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata")
		var ae *mgmt.APIError
		if !errors.As(err, &ae) || ae.Status != 429 || failure.CodeOf(err) != failure.RateLimited {
			t.Fatalf("err %v (code %d), want exit 5", err, failure.CodeOf(err))
		}
		var total time.Duration
		for _, w := range tn.clock.Waits() {
			// The reset is far ahead: each wait is capped.
			if w != mgmt.DefaultRetryPolicy.MaxDelay {
				t.Errorf("wait %v, want the cap %v", w, mgmt.DefaultRetryPolicy.MaxDelay)
			}
			total += w
		}
		if total == 0 || total > mgmt.DefaultRetryPolicy.MaxTotalWait {
			t.Errorf("waited %v in all, budget %v", total, mgmt.DefaultRetryPolicy.MaxTotalWait)
		}
		if n := len(tn.srv.Requests()); n != 1+ae.Attempts || ae.Attempts != len(tn.clock.Waits())+1 {
			t.Errorf("%d requests, %d attempts, %d waits", n, ae.Attempts, len(tn.clock.Waits()))
		}
	})
}

func TestSandboxDebugTraceHidesCredentials(t *testing.T) {
	ctx := context.Background()
	tn := newTenant(t, sandbox.Options{Seed: true})
	var trace bytes.Buffer
	cache := &memCache{}
	c, _ := tn.ccClient(t, cache, func(o *mgmt.Options) { o.Debug = &trace })

	if _, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	// A refused token forces a second token request and a retry.
	tn.srv.InjectFault(sandbox.Fault{Method: "PATCH", PathPrefix: "/api/v2/users/", Status: 401})
	if _, err := c.PatchUser(ctx, "auth0|jane1", []byte(`{"user_metadata":{"k":"v"}}`)); err != nil {
		t.Fatal(err)
	}
	// A token the server echoes in an error body is redacted too.
	tok, _ := cache.Load(mgmt.CacheKeyOf(tn.credentials(nil)))
	if tok == nil {
		t.Fatal("no cached token")
	}
	tn.srv.InjectFault(sandbox.Fault{Method: "GET", Status: 400,
		Body: `{"statusCode":400,"error":"Bad Request","message":"token ` + tok.AccessToken + ` refused"}`})
	if _, err := c.GetUserField(ctx, "auth0|jane1", "user_metadata"); err == nil {
		t.Fatal("the injected 400 was not seen")
	}

	tokens := map[string]bool{}
	tokenRequests := 0
	for _, r := range tn.srv.Requests() {
		if r.Path == "/oauth/token" {
			tokenRequests++
		}
		if a := r.Header.Get("Authorization"); a != "" {
			tokens[strings.TrimPrefix(a, "Bearer ")] = true
		}
	}
	if tokenRequests != 2 || len(tokens) != 2 {
		t.Fatalf("%d token requests, %d tokens used; want 2 and 2", tokenRequests, len(tokens))
	}
	out := trace.String()
	for _, want := range []string{"/oauth/token", "/api/v2/users/auth0%7Cjane1", "PATCH", "401"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q", want)
		}
	}
	if strings.Contains(out, sandbox.DemoClientSecret) {
		t.Errorf("trace holds the client secret")
	}
	for tok := range tokens {
		// Any long piece of a token is a leak (a JWT's signature alone is one).
		for _, part := range strings.Split(tok, ".") {
			if len(part) >= 16 && strings.Contains(out, part) {
				t.Errorf("trace holds part of an access token: %s", part)
			}
		}
	}
	if t.Failed() {
		t.Logf("trace:\n%s", out)
	}
}

// The token request made for an API request is not one of that request's
// attempts: a plain 404 must not claim it "gave up after 2 attempts".
func TestSandboxTokenRequestIsNotAnAttempt(t *testing.T) {
	tn := newTenant(t, sandbox.Options{Seed: true})
	c, _ := tn.ccClient(t, &memCache{}, nil)
	_, err := c.GetUserField(context.Background(), "auth0|ghost", "user_metadata")
	var ae *mgmt.APIError
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("err %v", err)
	}
	if ae.Attempts != 1 || strings.Contains(err.Error(), "attempts") {
		t.Errorf("attempts %d: %v", ae.Attempts, err)
	}
	if got := lines(tn.srv.Requests()); got != "POST /oauth/token\nGET /api/v2/users/auth0%7Cghost?fields=user_metadata&include_fields=true\n" {
		t.Errorf("requests:\n%s", got)
	}
}
