package mgmt

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Bucket names the Auth0 rate-limit group a request counts against. On
// Essentials and Professional tenants user reads, user writes, user
// deletes, client reads and everything else each have a bucket of their
// own; Enterprise tenants have one bucket for all, which callers learn from
// the answers' headers.
type Bucket string

const (
	BucketUserRead   Bucket = "users:read"
	BucketUserWrite  Bucket = "users:write"
	BucketUserDelete Bucket = "users:delete"
	BucketClients    Bucket = "clients"
	BucketOther      Bucket = "other"
	// BucketToken is the token endpoint, outside the Management API's
	// buckets.
	BucketToken Bucket = "token"
)

// BucketOf classifies a request by method and (escaped or not) path.
func BucketOf(method, path string) Bucket {
	switch {
	case path == "/oauth/token":
		return BucketToken
	case path == "/api/v2/users" || strings.HasPrefix(path, "/api/v2/users/") || path == "/api/v2/users-by-email":
		switch method {
		case http.MethodGet, http.MethodHead:
			return BucketUserRead
		case http.MethodDelete:
			return BucketUserDelete
		}
		return BucketUserWrite
	case path == "/api/v2/clients" || strings.HasPrefix(path, "/api/v2/clients/"):
		return BucketClients
	}
	return BucketOther
}

// RateInfo is what an answer's x-ratelimit-* headers say about its bucket.
type RateInfo struct {
	Limit     int       // x-ratelimit-limit: the bucket's size
	Remaining int       // x-ratelimit-remaining
	Reset     time.Time // x-ratelimit-reset: the next refill
	Status    int       // the answer's status (429: refused)
}

// ParseRateInfo reads the rate-limit headers; ok is false unless all three
// are present and well formed.
func ParseRateInfo(h http.Header, status int) (RateInfo, bool) {
	limit, err1 := strconv.Atoi(strings.TrimSpace(h.Get("X-Ratelimit-Limit")))
	rem, err2 := strconv.Atoi(strings.TrimSpace(h.Get("X-Ratelimit-Remaining")))
	reset, err3 := strconv.ParseInt(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= 0 || rem < 0 {
		return RateInfo{Status: status}, false
	}
	return RateInfo{Limit: limit, Remaining: rem, Reset: time.Unix(reset, 0), Status: status}, true
}

// Gate paces requests per bucket: Wait is called before every attempt
// (retries included) and, once Wait has let it through, Observe after the
// attempt: ok says whether the answer carried the rate-limit headers (a
// failed attempt has no answer: Status 0 and ok false).
type Gate interface {
	Wait(ctx context.Context, b Bucket) error
	Observe(b Bucket, info RateInfo, ok bool)
}

// GatedTransport makes every attempt through next wait for g and reports
// every answer's rate-limit headers to it. Put it under the client as the
// base transport (Options.Transport) so that retries are paced too.
func GatedTransport(next http.RoundTripper, g Gate) http.RoundTripper {
	return &gatedTransport{next: next, gate: g}
}

type gatedTransport struct {
	next http.RoundTripper
	gate Gate
}

func (t *gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	b := BucketOf(req.Method, req.URL.Path)
	if b != BucketToken {
		if err := t.gate.Wait(req.Context(), b); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
	}
	resp, err := t.next.RoundTrip(req)
	if b == BucketToken {
		return resp, err
	}
	if err != nil {
		t.gate.Observe(b, RateInfo{}, false)
		return resp, err
	}
	info, ok := ParseRateInfo(resp.Header, resp.StatusCode)
	t.gate.Observe(b, info, ok)
	return resp, nil
}

// PooledTransport is a clone of http.DefaultTransport (proxy from the
// environment, system roots) that keeps up to conns idle connections to the
// tenant: the default of 2 would make most of a pool of workers open a new
// connection, and a TLS handshake, per request.
func PooledTransport(conns int) http.RoundTripper {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t := dt.Clone()
	if conns < 2 {
		conns = 2
	}
	t.MaxIdleConnsPerHost = conns
	if t.MaxIdleConns < conns {
		t.MaxIdleConns = conns
	}
	return t
}
