package mgmt

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds the retries of one request. Zero fields take the
// values of DefaultRetryPolicy.
type RetryPolicy struct {
	MaxAttempts  int           // attempts in all, the first included
	MaxTotalWait time.Duration // sum of the waits between attempts
	BaseDelay    time.Duration // first backoff step
	MaxDelay     time.Duration // longest single wait
}

// DefaultRetryPolicy waits about a minute at most in all.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:  6,
	MaxTotalWait: 60 * time.Second,
	BaseDelay:    500 * time.Millisecond,
	MaxDelay:     20 * time.Second,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.MaxTotalWait <= 0 {
		p.MaxTotalWait = d.MaxTotalWait
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	return p
}

// minDelay keeps a retry from hammering a server that said "now" (a reset
// time in the past, a Retry-After of 0, a tiny jitter draw).
const minDelay = 100 * time.Millisecond

// defaultBufferLimit is how much of an answer is read inside the attempt, so that a
// connection dropped or timed out while the body arrives is retried too.
// Larger bodies stream on after the first defaultBufferLimit bytes.
const defaultBufferLimit = 8 << 20

// retryTransport retries 408, 429, 5xx and transport errors, bounding each
// attempt with its own timeout.
type retryTransport struct {
	next    http.RoundTripper
	policy  RetryPolicy
	timeout time.Duration
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	jitter  func(ceil time.Duration) time.Duration
	debug   io.Writer
	// bufLimit is defaultBufferLimit; tests lower it.
	bufLimit int
}

func fullJitter(ceil time.Duration) time.Duration {
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	p := t.policy
	// A body we cannot produce again (no GetBody) gets one attempt only.
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		body := req.Body
		if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
			b, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("rewinding the request body: %w", err)
			}
			body = b
		}
		countAttempt(ctx)
		resp, err := t.try(ctx, req, body)
		last := attempt >= p.MaxAttempts || !rewindable
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctxErr(ctx)
			}
			final := &NetworkError{Host: req.URL.Host, Attempts: attempt, Err: err}
			if last || !retryableError(err) {
				return nil, final
			}
			// A deadline that ends during the wait cuts it short and is
			// what the error names.
			wait := t.backoff(attempt)
			if waited+wait > p.MaxTotalWait {
				return nil, final
			}
			t.note("%s %s: %v; retrying in %s (attempt %d of %d)", req.Method, req.URL.Host, err, wait.Round(time.Millisecond), attempt+1, p.MaxAttempts)
			if err := t.sleep(ctx, wait); err != nil {
				return nil, ctxErr(ctx)
			}
			waited += wait
			continue
		}
		if last || !retryableStatus(resp.StatusCode) {
			return resp, nil
		}
		wait := t.waitFor(resp, attempt)
		if waited+wait > p.MaxTotalWait || pastDeadline(ctx, wait) {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		t.note("%s %s: %s; retrying in %s (attempt %d of %d)", req.Method, req.URL.Host, resp.Status, wait.Round(time.Millisecond), attempt+1, p.MaxAttempts)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, ctxErr(ctx)
		}
		waited += wait
	}
}

// pastDeadline reports whether ctx's deadline comes before a wait of d
// ends: the last answer (a 429 or 5xx) is then final, and says more than
// a sleep that the deadline cuts short.
func pastDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

// try makes one attempt under its own timeout and reads the answer's body
// (up to bufLimit) within it.
func (t *retryTransport) try(ctx context.Context, req *http.Request, body io.ReadCloser) (*http.Response, error) {
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	// Each attempt gets its own sent flag, so that one sent and left
	// unanswered is told apart from one that got an answer.
	w, _ := ctx.Value(sentKey{}).(*writeState)
	var mine *writeState
	if w != nil {
		mine = &writeState{}
		actx = context.WithValue(actx, sentKey{}, mine)
	}
	r := req.Clone(actx)
	r.Body = body
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		if err = bufferBody(resp, cancel, t.bufLimit); err == nil {
			w.merge(mine, false)
			return resp, nil
		}
	}
	w.merge(mine, true)
	cancel()
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		err = &attemptTimeout{d: t.timeout, err: err}
	}
	return nil, err
}

func (t *retryTransport) note(format string, args ...any) {
	if t.debug != nil {
		fmt.Fprintf(t.debug, "* "+format+"\n\n", args...)
	}
}

// waitFor is the wait before retrying resp: Retry-After, else (for 429)
// x-ratelimit-reset, else exponential backoff; clamped to the policy.
func (t *retryTransport) waitFor(resp *http.Response, attempt int) time.Duration {
	if d, ok := retryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
		return t.clamp(d)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if s := strings.TrimSpace(resp.Header.Get("X-Ratelimit-Reset")); s != "" {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return t.clamp(time.Unix(n, 0).Sub(t.now()))
			}
		}
	}
	return t.backoff(attempt)
}

func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 24*3600 {
			n = 24 * 3600
		}
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(now), true
	}
	return 0, false
}

// backoff is full-jitter exponential backoff: a random wait up to
// BaseDelay*2^(attempt-1), capped at MaxDelay.
func (t *retryTransport) backoff(attempt int) time.Duration {
	ceil := t.policy.BaseDelay
	for i := 1; i < attempt && ceil < t.policy.MaxDelay; i++ {
		ceil *= 2
	}
	return t.clamp(t.jitter(min(ceil, t.policy.MaxDelay)))
}

func (t *retryTransport) clamp(d time.Duration) time.Duration {
	return max(min(d, t.policy.MaxDelay), min(minDelay, t.policy.MaxDelay))
}

func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 && code <= 599
}

// retryableError is false for failures that another attempt cannot fix.
func retryableError(err error) bool {
	var (
		unknownCA   x509.UnknownAuthorityError
		invalidCert x509.CertificateInvalidError
		hostname    x509.HostnameError
		verify      *tls.CertificateVerificationError
		record      tls.RecordHeaderError
		dnsErr      *net.DNSError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &invalidCert), errors.As(err, &hostname),
		errors.As(err, &verify), errors.As(err, &record):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	case strings.Contains(err.Error(), "invalid header field"):
		// net/http refuses to send a header value holding a newline or
		// other control character: the same request fails every time.
		return false
	}
	return true
}

// attemptTimeout is an attempt that outlived Options.Timeout.
type attemptTimeout struct {
	d   time.Duration
	err error
}

func (e *attemptTimeout) Error() string { return fmt.Sprintf("no answer within %s", e.d) }
func (e *attemptTimeout) Unwrap() error { return e.err }

// bufferBody reads up to limit bytes of resp's body inside the attempt.
// The attempt's context is cancelled once the body is fully read, or when a
// longer body is closed — never before the caller can read it.
func bufferBody(resp *http.Response, cancel context.CancelFunc, limit int) error {
	buf, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		resp.Body.Close()
		return err
	}
	if len(buf) <= limit {
		resp.Body.Close()
		cancel()
		resp.Body = io.NopCloser(bytes.NewReader(buf))
		return nil
	}
	resp.Body = &cancelOnClose{Reader: io.MultiReader(bytes.NewReader(buf), resp.Body), body: resp.Body, cancel: cancel}
	return nil
}

type cancelOnClose struct {
	io.Reader
	body   io.Closer
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.body.Close()
	c.cancel()
	return err
}
