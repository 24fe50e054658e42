package mgmt

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/a0meta/a0meta/pkg/failure"
)

func TestRedirectFromTokenEndpointNeverFollowed(t *testing.T) {
	other := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"access_token":"stolen-token-xxxxxxxx","expires_in":86400,"token_type":"Bearer"}`)
	})
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", other.srv.URL+"/oauth/token")
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	c, _, _ := ccClient(t, rec, nil, nil)
	_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
	var re *RedirectError
	if !errors.As(err, &re) || re.Status != 307 || re.LocationHost != other.srv.Listener.Addr().String() {
		t.Fatalf("err %v, want a RedirectError naming 307 and the other host", err)
	}
	if !strings.Contains(err.Error(), "307") || !strings.Contains(err.Error(), other.srv.Listener.Addr().String()) {
		t.Errorf("message %q names neither the status nor the Location host", err)
	}
	if failure.CodeOf(err) != failure.General {
		t.Errorf("exit code %d, want 1", failure.CodeOf(err))
	}
	if n := len(other.requests()); n != 0 {
		t.Fatalf("the other host received %d requests; first body %q", n, other.requests()[0].Body)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d token requests, want 1 (a redirect is not retried)", n)
	}
}

func TestRedirectOnPatchNeverFollowed(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			other := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 200, `{"user_id":"auth0|x","user_metadata":{"a":1}}`)
			})
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.srv.URL+r.URL.RequestURI(), code)
			})
			c, _ := newClient(t, rec.srv, func(o *Options) { o.Tokens = StaticToken(oldToken) })
			_, err := c.PatchUser(context.Background(), "auth0|x", []byte(`{"user_metadata":{"a":1}}`))
			var re *RedirectError
			if !errors.As(err, &re) || re.Status != code {
				t.Fatalf("err %v, want a RedirectError", err)
			}
			if n := len(other.requests()); n != 0 {
				t.Errorf("the other host received %d requests", n)
			}
		})
	}
}

// TestAnswersChecked: a 2xx answer that is not the target's JSON object is
// an error, never believed; for a write the outcome is unknown.
func TestAnswersChecked(t *testing.T) {
	answers := []struct {
		name        string
		status      int
		ctype, body string
		reason      string
	}{
		{"captive portal", 200, "text/html", "<html><body>Sign in to the hotel wifi</body></html>", "not valid JSON"},
		{"truncated", 200, "application/json", `{"user_id":"auth0|x","user_metadata":{"a":`, "not valid JSON"},
		{"empty 204", 204, "", "", "empty body"},
		{"empty 200", 200, "application/json", "", "empty body"},
		{"array", 200, "application/json", `[{"user_id":"auth0|x"}]`, "array where an object"},
		{"another user", 200, "application/json", `{"user_id":"auth0|other","user_metadata":{},"app_metadata":{}}`, `"auth0|other", not of auth0|x`},
		{"metadata not an object", 200, "application/json", `{"user_id":"auth0|x","user_metadata":"x","app_metadata":[1]}`, "is a JSON"},
	}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				if a.ctype != "" {
					w.Header().Set("Content-Type", a.ctype)
				}
				w.WriteHeader(a.status)
				_, _ = io.WriteString(w, a.body)
			})
			c, _ := newClient(t, rec.srv, nil)
			ctx := context.Background()
			_, err := c.GetUserField(ctx, "auth0|x", "user_metadata")
			var ue *UnexpectedAnswerError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), a.reason) || failure.CodeOf(err) != failure.General {
				t.Errorf("GET: err %v (code %d), want an unexpected answer saying %q", err, failure.CodeOf(err), a.reason)
			}
			var unc *UncertainError
			if errors.As(err, &unc) {
				t.Errorf("a read is never uncertain: %v", err)
			}
			_, err = c.PatchUser(ctx, "auth0|x", []byte(`{"user_metadata":{"a":1}}`))
			if !errors.As(err, &unc) || !errors.As(err, &ue) || !strings.Contains(err.Error(), "may or may not have been applied") {
				t.Errorf("PATCH: err %v, want an uncertain write", err)
			}
			if failure.CodeOf(err) != failure.General {
				t.Errorf("PATCH: code %d", failure.CodeOf(err))
			}
		})
	}
	t.Run("client", func(t *testing.T) {
		rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, `{"client_id":"other","client_metadata":{}}`)
		})
		c, _ := newClient(t, rec.srv, nil)
		if _, err := c.GetClientField(context.Background(), "abc", "client_metadata"); err == nil {
			t.Error("another client's object was believed (GET)")
		}
		if _, err := c.PatchClient(context.Background(), "abc", []byte(`{"client_metadata":{"a":"b"}}`)); err == nil {
			t.Error("another client's object was believed (PATCH)")
		}
	})
}

// TestErrorsScrubbed: what an error says never holds the client secret or
// a token, even when the server echoes them back.
func TestErrorsScrubbed(t *testing.T) {
	t.Run("API error echoing the bearer token", func(t *testing.T) {
		rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, fmt.Sprintf(`{"statusCode":400,"error":"Bad Request","message":"bad header %s and access_token=%s"}`, r.Header.Get("Authorization"), "another-leaked-token-123"))
		})
		c, _ := newClient(t, rec.srv, func(o *Options) { o.Tokens = StaticToken(oldToken) })
		_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("err %v", err)
		}
		for _, s := range []string{err.Error(), ae.Message, string(ae.Body)} {
			if strings.Contains(s, oldToken) || strings.Contains(s, "another-leaked-token-123") {
				t.Errorf("credential in %q", s)
			}
		}
		if !strings.Contains(err.Error(), redacted) {
			t.Errorf("%q: nothing marked as redacted", err)
		}
	})
	t.Run("token error echoing the secret", func(t *testing.T) {
		for _, body := range []string{
			fmt.Sprintf(`{"error":"access_denied","error_description":"Unauthorized client_secret %s"}`, testSecret),
			fmt.Sprintf(`<html>client_secret=%s was refused</html>`, testSecret),
			fmt.Sprintf(`{"error":"x",  "client_secret":"%s"} junk`, testSecret),
		} {
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(401)
				_, _ = io.WriteString(w, body)
			})
			c, _, _ := ccClient(t, rec, nil, nil)
			_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
			if err == nil || strings.Contains(err.Error(), testSecret) {
				t.Errorf("err %v holds the secret", err)
			}
			var te *TokenError
			if !errors.As(err, &te) || strings.Contains(te.Description, testSecret) || failure.CodeOf(err) != failure.Auth {
				t.Errorf("err %v: want a scrubbed TokenError, exit 4", err)
			}
		}
	})
}

func TestDebugRedactsTokenAnswersThatAreNotJSON(t *testing.T) {
	for name, answer := range map[string]struct{ ctype, body string }{
		"form-encoded":   {"text/plain", "access_token=" + newToken + "&expires_in=86400&token_type=Bearer"},
		"trailing junk":  {"application/json", `{"access_token":"` + newToken + `","expires_in":86400,"token_type":"Bearer"}}}`},
		"html with json": {"text/html", `<p>{"access_token": "` + newToken + `"}</p>`},
	} {
		t.Run(name, func(t *testing.T) {
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", answer.ctype)
				_, _ = io.WriteString(w, answer.body)
			})
			var trace syncBuffer
			c, _, _ := ccClient(t, rec, nil, func(o *Options) { o.Debug = &trace })
			_, _ = c.GetUserField(context.Background(), "auth0|x", "user_metadata")
			out := trace.String()
			if !strings.Contains(out, "/oauth/token") {
				t.Fatalf("no token request traced:\n%s", out)
			}
			if strings.Contains(out, newToken) || strings.Contains(out, testSecret) {
				t.Errorf("credential in the trace:\n%s", out)
			}
		})
	}
}

func TestRequestBodyOverLimitNotSent(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{}`) })
	c, _ := newClient(t, rec.srv, nil)
	body := []byte(`{"user_metadata":{"a":"` + strings.Repeat("x", MaxRequestBody) + `"}}`)
	_, err := c.PatchUser(context.Background(), "auth0|x", body)
	if failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), "nothing sent") {
		t.Fatalf("err %v (code %d), want a usage error", err, failure.CodeOf(err))
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestAnswerOverLimitRefused(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"user_id":"`)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for range MaxAnswer>>20 + 1 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"}]`)
	})
	c, _ := newClient(t, rec.srv, nil)
	_, err := c.UsersByEmail(context.Background(), "a@b.c")
	var tl *TooLargeError
	if !errors.As(err, &tl) || !tl.Answer || failure.CodeOf(err) != failure.General {
		t.Fatalf("err %v, want an answer too large, exit 1", err)
	}
}

// TestDeadlineBoundsEverything: a tenant that never answers holds a call
// for the deadline, not for attempts × timeout plus waits.
func TestDeadlineBoundsEverything(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	c, _ := newClient(t, rec.srv, func(o *Options) {
		o.Timeout = 150 * time.Millisecond
		o.Sleep = sleepCtx
	})
	c.retry.jitter = func(time.Duration) time.Duration { return 0 }
	ctx, cancel := WithDeadline(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetUserField(ctx, "auth0|x", "user_metadata")
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %s", el)
	}
	var de *DeadlineError
	var ne *NetworkError
	if !errors.As(err, &de) && !errors.As(err, &ne) {
		t.Fatalf("err %v, want the deadline or the last attempt's failure", err)
	}
	if n := len(rec.requests()); n >= DefaultRetryPolicy.MaxAttempts {
		t.Errorf("%d attempts within the deadline", n)
	}
}

func TestDeadlineErrorNamesTheFlag(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	c, _ := newClient(t, rec.srv, func(o *Options) { o.Timeout = 10 * time.Second })
	ctx, cancel := WithDeadline(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.GetUserField(ctx, "auth0|x", "user_metadata")
	var de *DeadlineError
	if !errors.As(err, &de) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "--deadline") {
		t.Fatalf("err %v", err)
	}
}

// fakeRT fails every attempt with err, counting them.
type fakeRT struct {
	n   atomic.Int32
	err error
}

func (f *fakeRT) RoundTrip(*http.Request) (*http.Response, error) {
	f.n.Add(1)
	return nil, f.err
}

func TestNotRetried(t *testing.T) {
	t.Run("DNS name not found", func(t *testing.T) {
		rt := &fakeRT{err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "tenant.invalid", IsNotFound: true}}}
		c, _ := newClient(t, httptest.NewUnstartedServer(nil), func(o *Options) { o.BaseURL = "https://tenant.invalid"; o.Transport = rt })
		_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
		if err == nil || rt.n.Load() != 1 {
			t.Errorf("%d attempts (err %v), want 1", rt.n.Load(), err)
		}
	})
	t.Run("invalid header value", func(t *testing.T) {
		rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{}`) })
		c, sl := newClient(t, rec.srv, func(o *Options) { o.Tokens = StaticToken("abc\ndef-ghijkl") })
		_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
		var ne *NetworkError
		if !errors.As(err, &ne) || ne.Attempts != 1 || len(sl.got()) != 0 {
			t.Errorf("err %v, waits %v: want one attempt", err, sl.got())
		}
		if strings.Contains(err.Error(), "abc\ndef") {
			t.Errorf("the token is in the message: %q", err)
		}
	})
	t.Run("TLS verification", func(t *testing.T) {
		var conns atomic.Int32
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{}`) }))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
		srv.StartTLS()
		defer srv.Close()
		c, sl := newClient(t, srv, func(o *Options) {
			o.Transport = &http.Transport{TLSClientConfig: &tls.Config{}} // the test CA is not trusted
		})
		_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
		if err == nil || len(sl.got()) != 0 || conns.Load() != 1 {
			t.Errorf("err %v, %d connections, waits %v: want one attempt", err, conns.Load(), sl.got())
		}
	})
}

// TestInterruptAfterPatchSent: a PATCH that reached the server and was then
// abandoned may have been applied; an interrupt before anything was sent is
// a plain cancellation.
func TestInterruptAfterPatchSent(t *testing.T) {
	arrived := make(chan struct{}, 1)
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	c, _ := newClient(t, rec.srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := c.PatchUser(ctx, "auth0|x", []byte(`{"user_metadata":{"a":1}}`))
	var unc *UncertainError
	if !errors.As(err, &unc) || !errors.Is(err, context.Canceled) || failure.CodeOf(err) != 130 {
		t.Fatalf("err %v (code %d), want an uncertain write, canceled, 130", err, failure.CodeOf(err))
	}
	if strings.HasPrefix(err.Error(), "context canceled") || !strings.Contains(err.Error(), "may or may not have been applied") {
		t.Errorf("message %q", err)
	}

	t.Run("before sending", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.PatchUser(ctx, "auth0|x", []byte(`{"user_metadata":{"a":1}}`))
		if errors.As(err, &unc) || !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want a plain cancellation", err)
		}
	})
	t.Run("during the token request", func(t *testing.T) {
		tokArrived := make(chan struct{}, 1)
		trec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			tokArrived <- struct{}{}
			<-r.Context().Done()
		})
		c, _, _ := ccClient(t, trec, nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-tokArrived; cancel() }()
		_, err := c.PatchUser(ctx, "auth0|x", []byte(`{"user_metadata":{"a":1}}`))
		if errors.As(err, &unc) || !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want a plain cancellation: the PATCH was never sent", err)
		}
	})
}

func TestShortLivedTokenUsedForTheWholeRun(t *testing.T) {
	tn := &tenant{
		tokenAnswers: []func(http.ResponseWriter){func(w http.ResponseWriter) {
			writeJSON(w, 200, `{"access_token":"`+newToken+`","expires_in":30,"token_type":"Bearer"}`)
		}},
		apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)},
	}
	rec := tn.start(t)
	cache := &memCache{}
	c, _, _ := ccClient(t, rec, cache, nil)
	for range 3 {
		if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
			t.Fatal(err)
		}
	}
	if tok, api := tn.counts(); tok != 1 || api != 3 {
		t.Errorf("%d token requests for %d calls, want 1", tok, api)
	}
}

func TestCacheKeyBindsTheSecret(t *testing.T) {
	tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
	rec := tn.start(t)
	cache := &memCache{}
	// A token another secret obtained for the same tenant, client and audience.
	other := &ClientCredentials{CacheKey: "k", ClientSecret: "the-old-secret-value"}
	_ = cache.Store(other.cacheKey(), &oauth2.Token{AccessToken: oldToken, Expiry: testNow.Add(time.Hour)})
	c, _, _ := ccClient(t, rec, cache, nil)
	if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	if tok, _ := tn.counts(); tok != 1 {
		t.Errorf("%d token requests: the other secret's token was reused", tok)
	}
	if kk == other.cacheKey() || kk == "k" || !validHex(kk) {
		t.Errorf("key %q does not bind the secret", kk)
	}
}

func validHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return len(s) == 64
}

// lockingCache is a memCache whose Lock is a mutex, standing for the file
// lock that serialises processes.
type lockingCache struct {
	memCache
	mu    sync.Mutex
	locks int
}

func (l *lockingCache) Lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	l.locks++
	return l.mu.Unlock, nil
}

// TestLockerSharesOneTokenRequest: separate providers (separate processes)
// sharing a locking cache make one token request between them.
func TestLockerSharesOneTokenRequest(t *testing.T) {
	tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
	rec := tn.start(t)
	cache := &lockingCache{}
	var wg sync.WaitGroup
	for range 10 {
		c, _, _ := ccClient(t, rec, cache, nil)
		wg.Go(func() {
			if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if tok, api := tn.counts(); tok != 1 || api != 10 {
		t.Errorf("%d token requests, %d API calls; want 1 and 10", tok, api)
	}
}

// TestOneConnectionForTokenAndAPI: the token request and the API call share
// one transport, so a cold run opens one connection.
func TestOneConnectionForTokenAndAPI(t *testing.T) {
	tn := &tenant{tokenAnswers: []func(http.ResponseWriter){tokenOK(newToken)}, apiAnswers: []func(http.ResponseWriter, string){acceptOnly(newToken)}}
	rec := tn.start(t)
	cc := &ClientCredentials{TokenURL: rec.srv.URL + "/oauth/token", ClientID: "id", ClientSecret: testSecret, CacheKey: "k"}
	c, err := New(Options{BaseURL: rec.srv.URL, Tokens: cc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PatchUser(context.Background(), "auth0|x", []byte(`{"user_metadata":{}}`)); err != nil {
		t.Fatal(err)
	}
	if tok, api := tn.counts(); tok != 1 || api != 2 {
		t.Fatalf("%d token requests, %d API calls", tok, api)
	}
	if n := rec.conns.Load(); n != 1 {
		t.Errorf("%d connections opened, want 1", n)
	}
}

func TestScrubText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"access_token":"abc.def-123","x":1} trailing`, `{"access_token":"[REDACTED]","x":1} trailing`},
		{`{"client_secret" : "s\"q"}`, `{"client_secret" : "[REDACTED]"}`},
		{"access_token=tok123456&expires_in=60", "access_token=[REDACTED]&expires_in=60"},
		{"body: id_token=abc;", "body: id_token=[REDACTED];"},
		{"Authorization: Bearer eyJabc.def.ghi", "Authorization: Bearer [REDACTED]"},
		{"a basic information page", "a basic information page"},
		{"known KNOWN-secret-value in text", "known [REDACTED] in text"},
		{`{"user_metadata":{"hobby":"surfing"}}`, `{"user_metadata":{"hobby":"surfing"}}`},
		// A value found by its name is scrubbed wherever else it appears.
		{`{"access_token":"leaked-0123456"} and again leaked-0123456`, `{"access_token":"[REDACTED]"} and again [REDACTED]`},
	}
	for _, tt := range tests {
		if got, _ := scrubText(tt.in, []string{"KNOWN-secret-value"}); got != tt.want {
			t.Errorf("scrubText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedirectOnPatchIsNotUncertain(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/x", http.StatusPermanentRedirect)
	})
	c, _ := newClient(t, rec.srv, nil)
	_, err := c.PatchUser(context.Background(), "auth0|x", []byte(`{"user_metadata":{}}`))
	var unc *UncertainError
	var re *RedirectError
	if !errors.As(err, &re) || errors.As(err, &unc) || re.LocationHost != "elsewhere.example" {
		t.Errorf("err %v: a redirect is a definite answer naming its host", err)
	}
}

// TestConnectionsKeptForConcurrentWorkers: N workers in two rounds reuse
// their N connections rather than opening new ones for the second.
func TestConnectionsKeptForConcurrentWorkers(t *testing.T) {
	const workers = 16
	var conns atomic.Int32
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived++
		if arrived%workers == 0 {
			close(all)
			all = make(chan struct{})
			mu.Unlock()
		} else {
			ch := all
			mu.Unlock()
			<-ch // hold every connection busy until all workers are in
		}
		writeJSON(w, 200, `{"user_metadata":{}}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := conns.Load(); n != workers {
		t.Errorf("%d connections for %d workers in two rounds, want %d", n, workers, workers)
	}
}

// FuzzScrubText: a known credential never survives scrubbing, and a value
// that looks like a credential by its name is hidden too.
func FuzzScrubText(f *testing.F) {
	f.Add(`{"error_description":"bad client_secret SECRET0123"}`, "SECRET0123")
	f.Add("access_token=abc&x=1", "Zz9Zz9Zz9")
	f.Add(`{"access_token":"tok"}}junk Bearer SECRET0123`, "SECRET0123")
	f.Fuzz(func(t *testing.T, s, secret string) {
		for _, r := range secret {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return
			}
		}
		if len(secret) < 8 {
			return
		}
		out, _ := scrubText(s, []string{secret})
		if strings.Contains(out, secret) {
			t.Errorf("scrubText(%q) = %q still holds %q", s, out, secret)
		}
		again, _ := scrubText(out, []string{secret})
		if again != out {
			t.Errorf("scrubbing twice changes %q into %q", out, again)
		}
	})
}
