// Package mgmt is a small client for the parts of the Auth0 Management API v2
// that a0meta uses. It speaks raw JSON over net/http so that metadata bytes
// pass through untouched, and layers retries, tokens and a debug trace as
// http.RoundTrippers:
//
//	auth (API requests only) -> headers -> no redirects -> retry -> trace -> base transport
//
// HTTPClient() is the same stack without the auth layer; the token request
// goes through it, on the same connections, so it too is retried, traced
// and never redirected.
//
// What the client does not trust: a 3xx is a *RedirectError and is never
// followed; a 2xx answer must be the target's JSON object (else an
// *UnexpectedAnswerError); a write sent whose outcome is unknown is an
// *UncertainError. Request bodies over MaxRequestBody and answers over
// MaxAnswer are refused (*TooLargeError). WithDeadline bounds everything
// done for one command or one target. Every error is scrubbed of the
// client secret and the tokens, as the trace is.
package mgmt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure a Client.
type Options struct {
	// BaseURL is the tenant's origin, e.g. "https://tenant.auth0.com" or
	// "http://127.0.0.1:4280"; it has been validated by the caller.
	BaseURL string
	// Tokens supplies access tokens; nil sends no Authorization header.
	Tokens TokenProvider
	// Transport is the base transport; nil means a clone of
	// http.DefaultTransport (proxy from the environment, system roots).
	Transport http.RoundTripper
	// UserAgent is sent on every request, e.g. "a0meta/1.2.3".
	UserAgent string
	// Timeout bounds each attempt of a request (default 30s).
	Timeout time.Duration
	// Retry bounds retries; the zero value means DefaultRetryPolicy.
	Retry RetryPolicy
	// Debug, when non-nil, receives a trace of every HTTP attempt with
	// credentials redacted.
	Debug io.Writer
	// DebugRedactValues also hides the values in traced bodies and query
	// strings, keeping only their structure and length.
	DebugRedactValues bool
	// Sleep waits between attempts; nil waits on a timer or until ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for rate-limit headers; nil means time.Now.
	Now func() time.Time
	// MaxIdleConnsPerHost keeps that many connections to the tenant open
	// between requests: one per concurrent worker. 0 means 64. It applies
	// when Transport is nil.
	MaxIdleConnsPerHost int
}

// DefaultTimeout bounds each attempt when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Client calls the Management API of one tenant. It is safe for concurrent
// use.
type Client struct {
	base    *url.URL
	baseStr string
	retry   *retryTransport
	raw     *http.Client // no auth: token requests
	api     *http.Client // with auth: /api/v2
	secrets *secretSet
}

// defaultMaxIdleConnsPerHost keeps a connection per concurrent worker of a
// bulk run alive between requests (net/http's default keeps 2).
const defaultMaxIdleConnsPerHost = 64

// New builds a Client from opts. When opts.Tokens is a *ClientCredentials
// without an HTTPClient, its token requests go through this client's
// stack and connection pool, so a cold run opens one connection.
func New(opts Options) (*Client, error) {
	baseStr := strings.TrimRight(opts.BaseURL, "/")
	base, err := url.Parse(baseStr)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, fmt.Errorf("invalid tenant URL %q", opts.BaseURL)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("invalid tenant URL %q: it must not hold a query or fragment", opts.BaseURL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	next := opts.Transport
	if next == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			t := dt.Clone()
			t.MaxIdleConnsPerHost = cmp.Or(opts.MaxIdleConnsPerHost, defaultMaxIdleConnsPerHost)
			t.MaxIdleConns = max(t.MaxIdleConns, t.MaxIdleConnsPerHost)
			next = t
		} else {
			next = http.DefaultTransport
		}
	}
	next = sentTransport{next: next}
	secrets := &secretSet{}
	var debug io.Writer
	if opts.Debug != nil {
		debug = &lockedWriter{w: opts.Debug}
		next = &traceTransport{next: next, w: debug, redactValues: opts.DebugRedactValues, secrets: secrets}
	}
	rt := &retryTransport{
		next:    next,
		policy:  opts.Retry.withDefaults(),
		timeout: opts.Timeout,
		sleep:   opts.Sleep,
		now:     opts.Now,
		jitter:  fullJitter,
		debug:   debug,

		bufLimit: defaultBufferLimit,
	}
	ht := &headerTransport{next: &noRedirectTransport{next: rt}, userAgent: opts.UserAgent}
	c := &Client{
		base:    base,
		baseStr: baseStr,
		retry:   rt,
		raw:     &http.Client{Transport: ht, CheckRedirect: refuseRedirect},
		secrets: secrets,
	}
	var apiRT http.RoundTripper = ht
	switch tp := opts.Tokens.(type) {
	case nil:
	case StaticToken:
		secrets.add(string(tp))
	case *ClientCredentials:
		secrets.add(tp.ClientSecret)
		if tp.HTTPClient == nil {
			tp.HTTPClient = c.raw
		}
	}
	if opts.Tokens != nil {
		apiRT = &authTransport{next: ht, tokens: opts.Tokens, scheme: base.Scheme, host: base.Host, secrets: secrets}
	}
	c.api = &http.Client{Transport: apiRT, CheckRedirect: refuseRedirect}
	return c, nil
}

// HTTPClient returns the retrying, tracing client without authentication,
// on the same connection pool as API calls. It never follows redirects.
func (c *Client) HTTPClient() *http.Client { return c.raw }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// headerTransport sets the headers every request carries.
type headerTransport struct {
	next      http.RoundTripper
	userAgent string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if t.userAgent != "" {
		r.Header.Set("User-Agent", t.userAgent)
	}
	if r.Header.Get("Accept") == "" {
		r.Header.Set("Accept", "application/json")
	}
	return t.next.RoundTrip(r)
}

// attemptsKey carries a counter through the request context so that errors
// can say how many attempts were made.
type attemptsKey struct{}

func countAttempt(ctx context.Context) {
	if p, ok := ctx.Value(attemptsKey{}).(*int); ok {
		*p++
	}
}

// maxErrorBody bounds the raw body kept in an APIError.
const maxErrorBody = 4 << 10

// query is an ordered list of query parameters.
type query [][2]string

func (q query) encode() string {
	var b strings.Builder
	for i, kv := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[0]))
		b.WriteByte('=')
		// Commas are legal in a query and Auth0 reads both spellings; keeping
		// them makes "fields=a,b" readable in traces.
		b.WriteString(strings.ReplaceAll(url.QueryEscape(kv[1]), "%2C", ","))
	}
	return b.String()
}

func fieldsQuery(fields []string) query {
	if len(fields) == 0 {
		return nil
	}
	return query{{"fields", strings.Join(fields, ",")}, {"include_fields", "true"}}
}

// do sends one API request; escapedPath is already path-escaped. A non-2xx
// answer becomes an *APIError, a 3xx a *RedirectError. A write whose
// outcome is unknown (sent, then no answer; or an attempt sent and never
// answered before a later refusal) is an *UncertainError. Every
// error is scrubbed of credentials.
func (c *Client) do(ctx context.Context, method, escapedPath string, q query, body []byte) (int, []byte, error) {
	status, data, err := c.send(ctx, method, escapedPath, q, body)
	return status, data, c.scrubErr(err)
}

func (c *Client) send(ctx context.Context, method, escapedPath string, q query, body []byte) (int, []byte, error) {
	if len(body) > MaxRequestBody {
		return 0, nil, &TooLargeError{Method: method, Path: escapedPath, Limit: MaxRequestBody, Size: len(body)}
	}
	s := c.baseStr + escapedPath
	if len(q) > 0 {
		s += "?" + q.encode()
	}
	u, err := url.Parse(s)
	if err != nil {
		return 0, nil, fmt.Errorf("building request URL: %w", err)
	}
	attempts := 0
	ctx = context.WithValue(ctx, attemptsKey{}, &attempts)
	ws := &writeState{}
	ctx = context.WithValue(ctx, sentKey{}, ws)
	var rd io.Reader
	if body != nil {
		// A bytes.Reader gives the request a GetBody, so every retry resends
		// the same bytes.
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("building request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// A write that reached the server and got no answer may have been
	// applied.
	uncertain := func(err error) error {
		var redirect *RedirectError
		if method == http.MethodGet || !ws.sent.Load() || errors.As(err, &redirect) {
			// Nothing sent, or a definite answer: the tenant does not
			// redirect, so whatever redirected did not apply the change.
			return err
		}
		return &UncertainError{Method: method, Path: escapedPath, Err: err}
	}
	resp, err := c.api.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			err = ctxErr(ctx)
		}
		return 0, nil, uncertain(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		if ctx.Err() != nil {
			err = ctxErr(ctx)
		}
		return 0, nil, uncertain(&NetworkError{Host: c.base.Host, Attempts: attempts, Err: fmt.Errorf("reading the answer to %s %s: %w", method, escapedPath, err)})
	}
	if len(data) > MaxAnswer {
		tl := &TooLargeError{Method: method, Path: escapedPath, Answer: true, Limit: MaxAnswer, Size: -1}
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			return 0, nil, uncertain(tl)
		}
		return 0, nil, tl
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var err error = newAPIError(method, escapedPath, resp.StatusCode, []byte(c.Redact(string(data))), attempts)
		if method != http.MethodGet && ws.lost.Load() {
			// An earlier attempt was sent and never answered: it may have
			// been applied before this refusal.
			err = &UncertainError{Method: method, Path: escapedPath, Err: err}
		}
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}

// object is do for requests whose 2xx answer must be the JSON object of
// the target (see checkObject). For a write, an answer that cannot be
// believed leaves the outcome unknown.
func (c *Client) object(ctx context.Context, method, escapedPath string, q query, body []byte, idKey, id string, fields ...string) ([]byte, error) {
	status, data, err := c.do(ctx, method, escapedPath, q, body)
	if err != nil {
		return nil, err
	}
	if err := checkObject(method, escapedPath, status, data, idKey, id, fields...); err != nil {
		if method != http.MethodGet {
			err = &UncertainError{Method: method, Path: escapedPath, Err: err}
		}
		return nil, c.scrubErr(err)
	}
	return data, nil
}

// getJSON is do for GET requests whose 2xx answer must be JSON.
func (c *Client) getJSON(ctx context.Context, escapedPath string, q query) ([]byte, error) {
	status, data, err := c.do(ctx, http.MethodGet, escapedPath, q, nil)
	if err != nil {
		return nil, err
	}
	if !json.Valid(data) {
		return nil, c.scrubErr(&UnexpectedAnswerError{Method: http.MethodGet, Path: escapedPath, Status: status, Reason: "not the JSON expected", Excerpt: excerpt(data)})
	}
	return data, nil
}

func unexpectedAnswer(method, path string, data []byte) error {
	return &UnexpectedAnswerError{Method: method, Path: path, Status: http.StatusOK, Reason: "not the JSON expected", Excerpt: excerpt(data)}
}

// sentKey carries a *writeState through the request context: its sent
// flag is set once request headers have been written on a connection,
// from then on the server may act on the request.
type sentKey struct{}

// writeState is what the attempts of one request did.
type writeState struct {
	sent atomic.Bool // some attempt was sent
	// lost: some attempt was sent and got no answer, so the server may
	// have acted on it whatever later attempts are told.
	lost atomic.Bool
}

// merge folds the state of one attempt into w; unanswered tells whether
// the attempt ended without an answer.
func (w *writeState) merge(attempt *writeState, unanswered bool) {
	if w == nil || attempt == nil || !attempt.sent.Load() {
		return
	}
	w.sent.Store(true)
	if unanswered {
		w.lost.Store(true)
	}
}

// sentTransport sits right above the base transport and sets the sent
// flag of sentKey when an attempt's headers are written.
type sentTransport struct{ next http.RoundTripper }

func (t sentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w, _ := req.Context().Value(sentKey{}).(*writeState)
	if w == nil {
		return t.next.RoundTrip(req)
	}
	ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{WroteHeaders: func() { w.sent.Store(true) }})
	return t.next.RoundTrip(req.WithContext(ctx))
}

// fieldOf returns the value of key in the JSON object data, or {} when the
// key is absent or null: Auth0 omits empty metadata fields.
func fieldOf(method, path string, data []byte, key string) (json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, unexpectedAnswer(method, path, data)
	}
	v, ok := obj[key]
	if !ok || string(v) == "null" {
		return json.RawMessage("{}"), nil
	}
	return v, nil
}
