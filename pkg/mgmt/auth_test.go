package mgmt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/a0meta/a0meta/pkg/failure"
)

// kk is the cache key of the credentials ccClient builds: CacheKey "k"
// bound to testSecret.
var kk = (&ClientCredentials{CacheKey: "k", ClientSecret: testSecret}).cacheKey()

const (
	testSecret = "s3cr3t-CLIENT-value-0123456789"
	oldToken   = "eyJ.OLD-token-aaaaaaaaaaaa"
	newToken   = "eyJ.NEW-token-bbbbbbbbbbbb"
)

// tenant fakes /oauth/token and /api/v2/users/*: tokenAnswers and
// apiAnswers are consumed in order (the last repeats).
type tenant struct {
	mu           sync.Mutex
	tokenAnswers []func(w http.ResponseWriter)
	apiAnswers   []func(w http.ResponseWriter, auth string)
	tokenReqs    []*http.Request
	tokenForms   []url.Values
	apiAuth      []string
	apiBodies    []string
}

func tokenOK(tok string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":%q,"expires_in":86400,"scope":"read:users update:users","token_type":"Bearer"}`, tok))
	}
}

func status(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeJSON(w, code, body) }
}

// acceptOnly answers 200 to the given token, 401 to anything else.
func acceptOnly(tok string) func(w http.ResponseWriter, auth string) {
	return func(w http.ResponseWriter, auth string) {
		if auth != "Bearer "+tok {
			writeJSON(w, 401, `{"statusCode":401,"error":"Unauthorized","message":"Invalid token","attributes":{"error":"Invalid token"}}`)
			return
		}
		writeJSON(w, 200, `{"user_metadata":{"ok":1}}`)
	}
}

func (tn *tenant) start(t *testing.T) *recorder {
	return newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		tn.mu.Lock()
		defer tn.mu.Unlock()
		if r.URL.Path == "/oauth/token" {
			_ = r.ParseForm()
			tn.tokenReqs = append(tn.tokenReqs, r)
			tn.tokenForms = append(tn.tokenForms, r.PostForm)
			a := tn.tokenAnswers[min(len(tn.tokenReqs)-1, len(tn.tokenAnswers)-1)]
			a(w)
			return
		}
		tn.apiAuth = append(tn.apiAuth, r.Header.Get("Authorization"))
		a := tn.apiAnswers[min(len(tn.apiAuth)-1, len(tn.apiAnswers)-1)]
		a(w, r.Header.Get("Authorization"))
	})
}

func (tn *tenant) counts() (token, api int) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return len(tn.tokenReqs), len(tn.apiAuth)
}

// ccClient builds a client whose token provider is client credentials
// against rec, sharing the client's HTTPClient.
func ccClient(t *testing.T, rec *recorder, cache TokenCache, mod func(*Options)) (*Client, *ClientCredentials, *sleeper) {
	t.Helper()
	cc := &ClientCredentials{
		TokenURL:     rec.srv.URL + "/oauth/token",
		ClientID:     "AbC123",
		ClientSecret: testSecret,
		Audience:     "https://tenant.example/api/v2/",
		Cache:        cache,
		CacheKey:     "k",
		Now:          func() time.Time { return testNow },
	}
	c, sl := newClient(t, rec.srv, func(o *Options) {
		o.Tokens = cc
		if mod != nil {
			mod(o)
		}
	})
	return c, cc, sl
}

func TestCachedTokenReused(t *testing.T) {
	tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(oldToken)}}
	rec := tn.start(t)
	cache := &memCache{}
	_ = cache.Store(kk, &oauth2.Token{AccessToken: oldToken, Expiry: testNow.Add(61 * time.Second)})
	c, _, _ := ccClient(t, rec, cache, nil)
	for range 2 {
		if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
			t.Fatal(err)
		}
	}
	if tok, api := tn.counts(); tok != 0 || api != 2 {
		t.Errorf("%d token requests, %d API requests; want 0 and 2", tok, api)
	}
}

func TestExpiringTokenRefetched(t *testing.T) {
	tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
	rec := tn.start(t)
	cache := &memCache{}
	_ = cache.Store(kk, &oauth2.Token{AccessToken: oldToken, Expiry: testNow.Add(59 * time.Second)})
	c, _, _ := ccClient(t, rec, cache, nil)
	for range 2 {
		if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
			t.Fatal(err)
		}
	}
	tok, api := tn.counts()
	if tok != 1 || api != 2 {
		t.Fatalf("%d token requests, %d API requests; want 1 and 2", tok, api)
	}
	r, form := tn.tokenReqs[0], tn.tokenForms[0]
	if r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("token request %s %s", r.Method, r.Header.Get("Content-Type"))
	}
	if h := r.Header.Get("Authorization"); h != "" {
		t.Errorf("token request carries Authorization %q; the secret belongs in the body only", h)
	}
	if r.Header.Get("User-Agent") != "a0meta/test" {
		t.Errorf("token request User-Agent %q", r.Header.Get("User-Agent"))
	}
	want := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {"AbC123"},
		"client_secret": {testSecret},
		"audience":      {"https://tenant.example/api/v2/"},
	}
	if form.Encode() != want.Encode() {
		t.Errorf("token form %v, want %v", form, want)
	}
	st := cache.get(kk)
	if st == nil || st.AccessToken != newToken || !st.Expiry.Equal(testNow.Add(86400*time.Second)) {
		t.Errorf("cache holds %+v", st)
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	t.Run("new token accepted", func(t *testing.T) {
		tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
		rec := tn.start(t)
		cache := &memCache{}
		_ = cache.Store(kk, &oauth2.Token{AccessToken: oldToken, Expiry: testNow.Add(time.Hour)})
		c, _, _ := ccClient(t, rec, cache, nil)
		body := `{"user_metadata":{"a":1}}`
		if _, err := c.PatchUser(context.Background(), "auth0|x", []byte(body)); err != nil {
			t.Fatal(err)
		}
		tok, api := tn.counts()
		if tok != 1 || api != 2 {
			t.Fatalf("%d token requests, %d API requests; want 1 and 2", tok, api)
		}
		if tn.apiAuth[0] != "Bearer "+oldToken || tn.apiAuth[1] != "Bearer "+newToken {
			t.Errorf("API saw %v", tn.apiAuth)
		}
		var patches []string
		for _, s := range rec.requests() {
			if s.Method == "PATCH" {
				patches = append(patches, string(s.Body))
			}
		}
		if len(patches) != 2 || patches[0] != body || patches[1] != body {
			t.Errorf("PATCH bodies %q", patches)
		}
		if st := cache.get(kk); st == nil || st.AccessToken != newToken {
			t.Errorf("cache holds %+v", st)
		}
	})
	t.Run("second 401 is exit 4", func(t *testing.T) {
		tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly("nothing")}}
		rec := tn.start(t)
		cache := &memCache{}
		_ = cache.Store(kk, &oauth2.Token{AccessToken: oldToken, Expiry: testNow.Add(time.Hour)})
		c, _, _ := ccClient(t, rec, cache, nil)
		_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 401 || failure.CodeOf(err) != failure.Auth {
			t.Fatalf("err %v code %d", err, failure.CodeOf(err))
		}
		if tok, api := tn.counts(); tok != 1 || api != 2 {
			t.Errorf("%d token requests, %d API requests; want 1 and 2", tok, api)
		}
	})
	t.Run("static token: no refresh", func(t *testing.T) {
		tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
		rec := tn.start(t)
		c, _ := newClient(t, rec.srv, func(o *Options) { o.Tokens = StaticToken(oldToken) })
		_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
		if failure.CodeOf(err) != failure.Auth {
			t.Fatalf("err %v code %d", err, failure.CodeOf(err))
		}
		if tok, api := tn.counts(); tok != 0 || api != 1 {
			t.Errorf("%d token requests, %d API requests; want 0 and 1", tok, api)
		}
	})
}

func TestTokenEndpointRefuses(t *testing.T) {
	tests := []struct {
		status int
		body   string
		code   failure.Code
		ecode  string
	}{
		{401, `{"error":"access_denied","error_description":"Unauthorized"}`, failure.Auth, "access_denied"},
		{403, `{"error":"access_denied","error_description":"Client has not been granted scopes: read:users"}`, failure.Auth, "access_denied"},
		{429, `{"error":"too_many_requests","error_description":"Rate limit"}`, failure.RateLimited, "too_many_requests"},
		{400, `<html>bad</html>`, failure.General, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			tn := &tenant{tokenAnswers: []func(http.ResponseWriter){status(tt.status, tt.body)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
			rec := tn.start(t)
			c, cc, _ := ccClient(t, rec, nil, func(o *Options) { o.Retry.MaxAttempts = 1 })
			_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("err %T %v, want *TokenError", err, err)
			}
			if te.Status != tt.status || te.ErrorCode != tt.ecode || failure.CodeOf(err) != tt.code {
				t.Errorf("got %+v code %d", te, failure.CodeOf(err))
			}
			msg := err.Error()
			if !strings.Contains(msg, cc.TokenURL) || !strings.Contains(msg, "AbC123") || strings.Contains(msg, testSecret) {
				t.Errorf("message %q must name the URL and client id, never the secret", msg)
			}
			if tok, api := tn.counts(); tok != 1 || api != 0 {
				t.Errorf("%d token requests, %d API requests; want 1 and 0", tok, api)
			}
		})
	}
}

func TestTokenRequestRetried(t *testing.T) {
	tn := &tenant{
		tokenAnswers: []func(http.ResponseWriter){status(503, `{}`), tokenOK(newToken)},
		apiAnswers:   []func(http.ResponseWriter, string){acceptOnly(newToken)},
	}
	rec := tn.start(t)
	c, _, sl := ccClient(t, rec, nil, nil)
	if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	if tok, api := tn.counts(); tok != 2 || api != 1 {
		t.Errorf("%d token requests, %d API requests; want 2 and 1", tok, api)
	}
	if len(sl.got()) != 1 {
		t.Errorf("waits %v", sl.got())
	}
}

func TestTokenCacheFailuresNotFatal(t *testing.T) {
	tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
	rec := tn.start(t)
	cache := &memCache{loadErr: errors.New("disk on fire")}
	c, cc, _ := ccClient(t, rec, cache, nil)
	var warnings []string
	cc.Warn = func(s string) { warnings = append(warnings, s) }
	if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "disk on fire") {
		t.Errorf("warnings %q", warnings)
	}
}

func TestInvalidateKeepsAnotherRunsToken(t *testing.T) {
	cache := &memCache{}
	_ = cache.Store(kk, &oauth2.Token{AccessToken: newToken, Expiry: testNow.Add(time.Hour)})
	cc := &ClientCredentials{Cache: cache, CacheKey: "k", ClientSecret: testSecret, Now: func() time.Time { return testNow }}
	cc.Invalidate(oldToken)
	if cache.get(kk) == nil || cache.deletes != 0 {
		t.Errorf("a token other than the refused one was dropped")
	}
	cc.Invalidate(newToken)
	if cache.get(kk) != nil {
		t.Errorf("the refused token stayed in the cache")
	}
}

func TestConcurrentRequestsShareOneTokenRequest(t *testing.T) {
	tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
	rec := tn.start(t)
	c, _, _ := ccClient(t, rec, &memCache{}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if tok, api := tn.counts(); tok != 1 || api != 8 {
		t.Errorf("%d token requests, %d API requests; want 1 and 8", tok, api)
	}
}
