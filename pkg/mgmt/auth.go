package mgmt

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenProvider supplies Management API access tokens.
type TokenProvider interface {
	// Token returns an access token.
	Token(ctx context.Context) (string, error)
	// Invalidate drops a token the server refused, from any cache too.
	Invalidate(bad string)
	// Refreshable reports whether Token can return a new token after
	// Invalidate; false for a fixed token.
	Refreshable() bool
}

// StaticToken is a ready access token (A0META_TOKEN): never refreshed.
type StaticToken string

func (s StaticToken) Token(context.Context) (string, error) {
	if s == "" {
		return "", errors.New("the access token is empty")
	}
	return string(s), nil
}
func (StaticToken) Invalidate(string) {}
func (StaticToken) Refreshable() bool { return false }

// TokenCache stores tokens between runs. Load returns nil, nil on a miss.
type TokenCache interface {
	Load(key string) (*oauth2.Token, error)
	Store(key string, t *oauth2.Token) error
	Delete(key string) error
}

// TokenLocker is a TokenCache shared by several processes that can make
// them take turns: the first to miss fetches a token, the others wait and
// then find it in the cache, so N concurrent runs make one token request.
type TokenLocker interface {
	// Lock blocks until key is held or ctx ends.
	Lock(ctx context.Context, key string) (unlock func(), err error)
}

// expiryMargin: a token this close to expiry is not used any more, so it
// cannot expire in flight.
const expiryMargin = 60 * time.Second

// ClientCredentials gets tokens with the client-credentials grant, reusing a
// cached token until expiryMargin before it expires.
type ClientCredentials struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Audience     string
	Cache        TokenCache // nil: memory only
	// CacheKey names the tenant, client and audience; the key used in the
	// cache also hashes ClientSecret, so a changed or wrong secret never
	// reuses a token another secret obtained.
	CacheKey string
	// HTTPClient sends the token request; New sets it to the Client's own
	// stack (retries, trace, proxy, no redirects, shared connections).
	HTTPClient *http.Client
	Now        func() time.Time
	// Warn, when set, hears about cache failures; they are not fatal.
	Warn func(msg string)

	mu  sync.Mutex
	tok *oauth2.Token
	// short: tok was issued with a lifetime under expiryMargin; it is used
	// for the rest of the run (a 401 still replaces it).
	short bool
}

// cacheKey is CacheKey bound to the secret.
func (cc *ClientCredentials) cacheKey() string {
	h := sha256.New()
	h.Write([]byte("a0meta token cache key v2\x00"))
	for _, f := range []string{cc.CacheKey, cc.ClientSecret} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StoreKey is the key under which Cache holds this client's token.
func (cc *ClientCredentials) StoreKey() string { return cc.cacheKey() }

func (cc *ClientCredentials) Refreshable() bool { return true }

func (cc *ClientCredentials) now() time.Time {
	if cc.Now != nil {
		return cc.Now()
	}
	return time.Now()
}

func (cc *ClientCredentials) warn(format string, args ...any) {
	if cc.Warn != nil {
		cc.Warn(fmt.Sprintf(format, args...))
	}
}

func (cc *ClientCredentials) fresh(t *oauth2.Token) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || cc.now().Before(t.Expiry.Add(-expiryMargin)))
}

// Token returns the token in memory or in the cache while it is fresh, else
// makes exactly one token request. With a TokenLocker cache, concurrent
// processes share that request.
func (cc *ClientCredentials) Token(ctx context.Context) (string, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.tok != nil && cc.tok.AccessToken != "" && (cc.short || cc.fresh(cc.tok)) {
		return cc.tok.AccessToken, nil
	}
	key := cc.cacheKey()
	if t := cc.load(key); t != nil {
		return t.AccessToken, nil
	}
	if l, ok := cc.Cache.(TokenLocker); ok {
		unlock, err := l.Lock(ctx, key)
		switch {
		case err == nil:
			defer unlock()
			// Whoever held the lock may have stored a token meanwhile.
			if t := cc.load(key); t != nil {
				return t.AccessToken, nil
			}
		case ctx.Err() != nil:
			return "", ctxErr(ctx)
		default:
			cc.warn("locking the token cache: %v", err)
		}
	}
	t, err := cc.fetch(ctx)
	if err != nil {
		return "", err
	}
	cc.tok = t
	cc.short = !t.Expiry.IsZero() && !cc.fresh(t)
	if cc.Cache != nil && !t.Expiry.IsZero() && !cc.short {
		if err := cc.Cache.Store(key, t); err != nil {
			cc.warn("writing the token cache: %v", err)
		}
	}
	return t.AccessToken, nil
}

// load returns the cached token for key when it is fresh, keeping it.
func (cc *ClientCredentials) load(key string) *oauth2.Token {
	if cc.Cache == nil {
		return nil
	}
	t, err := cc.Cache.Load(key)
	if err != nil {
		cc.warn("reading the token cache: %v", err)
		return nil
	}
	if !cc.fresh(t) {
		return nil
	}
	cc.tok, cc.short = t, false
	return t
}

func (cc *ClientCredentials) fetch(ctx context.Context) (*oauth2.Token, error) {
	conf := clientcredentials.Config{
		ClientID:     cc.ClientID,
		ClientSecret: cc.ClientSecret,
		TokenURL:     cc.TokenURL,
		// In the body, never by auto-detection: that tries Basic first and
		// repeats the request on any failure.
		AuthStyle: oauth2.AuthStyleInParams,
	}
	if cc.Audience != "" {
		conf.EndpointParams = url.Values{"audience": {cc.Audience}}
	}
	if cc.HTTPClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, cc.HTTPClient)
	}
	// Not an attempt of the API request that needed the token, and not
	// that request being sent.
	ctx = context.WithValue(ctx, attemptsKey{}, nil)
	ctx = context.WithValue(ctx, sentKey{}, (*writeState)(nil))
	t, err := conf.Token(ctx)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			te := &TokenError{ErrorCode: re.ErrorCode, Description: re.ErrorDescription, TokenURL: cc.TokenURL, ClientID: cc.ClientID}
			if re.Response != nil {
				te.Status = re.Response.StatusCode
			}
			if te.ErrorCode == "" && te.Description == "" {
				// Scrubbed before it is cut short, so a cut cannot hide
				// a credential from the scrubber.
				body, _ := scrubText(string(re.Body), []string{cc.ClientSecret})
				te.Description = excerpt([]byte(body))
			}
			return nil, te
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			return nil, ctxErr(ctx)
		}
		var redir *RedirectError
		if errors.As(err, &redir) {
			return nil, redir
		}
		var ne *NetworkError
		if errors.As(err, &ne) {
			return nil, fmt.Errorf("token request to %s: %w", cc.TokenURL, ne)
		}
		return nil, &TokenError{Description: err.Error(), TokenURL: cc.TokenURL, ClientID: cc.ClientID}
	}
	// Expiry from our clock, so an injected clock governs reuse.
	if secs := expiresIn(t); secs > 0 {
		t.ExpiresIn = secs
		t.Expiry = cc.now().Add(time.Duration(secs) * time.Second)
	}
	return t, nil
}

// expiresIn reads expires_in from the token answer (a JSON number, or a
// string in a form-encoded answer).
func expiresIn(t *oauth2.Token) int64 {
	if t.ExpiresIn > 0 {
		return t.ExpiresIn
	}
	switch v := t.Extra("expires_in").(type) {
	case float64:
		return int64(v)
	case json.Number:
		n, _ := v.Int64()
		return n
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// Invalidate drops bad from memory and from the cache, unless the cache
// already holds another token (another run refreshed it).
func (cc *ClientCredentials) Invalidate(bad string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.tok != nil && cc.tok.AccessToken == bad {
		cc.tok = nil
	}
	if cc.Cache == nil {
		return
	}
	key := cc.cacheKey()
	t, err := cc.Cache.Load(key)
	if err != nil || t == nil || t.AccessToken != bad {
		return
	}
	if err := cc.Cache.Delete(key); err != nil {
		cc.warn("removing a refused token from the cache: %v", err)
	}
}

// authTransport adds the bearer token to requests for the tenant and, when
// the provider can refresh, answers one 401 with a new token and one retry.
type authTransport struct {
	next    http.RoundTripper
	tokens  TokenProvider
	scheme  string
	host    string
	secrets *secretSet
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Only the tenant gets the token, never a host a redirect points to.
	if req.URL.Scheme != t.scheme || req.URL.Host != t.host {
		return t.next.RoundTrip(req)
	}
	tok, err := t.tokens.Token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	t.secrets.add(tok)
	resp, err := t.next.RoundTrip(withBearer(req, req.Body, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !t.tokens.Refreshable() {
		return resp, err
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody && req.GetBody == nil {
		return resp, nil
	}
	t.tokens.Invalidate(tok)
	tok2, err := t.tokens.Token(req.Context())
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if tok2 == tok {
		return resp, nil
	}
	t.secrets.add(tok2)
	body := req.Body
	if hasBody {
		if body, err = req.GetBody(); err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("rewinding the request body: %w", err)
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return t.next.RoundTrip(withBearer(req, body, tok2))
}

func withBearer(req *http.Request, body io.ReadCloser, tok string) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
