package mgmt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/tidwall/gjson"
)

// MaxRequestBody is Auth0's limit on any request body (1 MB): a larger
// body is refused before anything is sent.
const MaxRequestBody = 1 << 20

// MaxAnswer bounds an answer body that a0meta reads: a user or client
// (Auth0 keeps each under 1 MB) or one page of at most 100 of them. An
// answer past it is refused instead of being held in memory.
const MaxAnswer = 16 << 20

// RedirectError is a 3xx answer. The Management API never redirects, so a
// redirect means a proxy, a captive portal or a hostile host: it is never
// followed, and nothing is sent to where it points.
type RedirectError struct {
	Method       string
	Path         string // escaped path (the token endpoint's too)
	Status       int
	LocationHost string // the host Location names; "" when absent or relative
}

func (e *RedirectError) Error() string {
	to := "no Location"
	if e.LocationHost != "" {
		to = "to " + e.LocationHost
	}
	return fmt.Sprintf("%s %s: %d %s %s: redirects are never followed; nothing was sent there", e.Method, e.Path, e.Status, http.StatusText(e.Status), to)
}

// ExitCode is 1: the tenant (or what answers for it) is misbehaving.
func (e *RedirectError) ExitCode() failure.Code { return failure.General }
func (e *RedirectError) HTTPStatus() int        { return e.Status }
func (e *RedirectError) Auth0ErrorCode() string { return "" }

// noRedirectTransport turns a 3xx answer into a *RedirectError below
// http.Client, so neither the API client nor oauth2's token request ever
// follows one.
type noRedirectTransport struct{ next http.RoundTripper }

func (t *noRedirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode > 399 || resp.StatusCode == http.StatusNotModified {
		return resp, err
	}
	resp.Body.Close()
	e := &RedirectError{Method: req.Method, Path: req.URL.EscapedPath(), Status: resp.StatusCode}
	if loc, perr := url.Parse(resp.Header.Get("Location")); perr == nil {
		e.LocationHost = loc.Host
		if loc.Host == "" && resp.Header.Get("Location") != "" {
			e.LocationHost = req.URL.Host
		}
	}
	return nil, e
}

// refuseRedirect is http.Client.CheckRedirect: a second line behind
// noRedirectTransport.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// UnexpectedAnswerError is a 2xx answer that is not what was asked for:
// not JSON, not an object, truncated, empty, another user's or client's
// object, or a metadata field that is not an object.
type UnexpectedAnswerError struct {
	Method  string
	Path    string
	Status  int
	Reason  string
	Excerpt string // a short, scrubbed excerpt of the body
}

func (e *UnexpectedAnswerError) Error() string {
	s := fmt.Sprintf("%s %s: unexpected %d answer: %s", e.Method, e.Path, e.Status, e.Reason)
	if e.Excerpt != "" {
		s += ": " + e.Excerpt
	}
	return s
}

func (e *UnexpectedAnswerError) ExitCode() failure.Code { return failure.General }

// checkObject checks that data is the JSON object of the target: idKey
// (user_id, client_id) equals id when present, and each of fields is an
// object, null or absent.
func checkObject(method, path string, status int, data []byte, idKey, id string, fields ...string) error {
	bad := func(reason string) error {
		return &UnexpectedAnswerError{Method: method, Path: path, Status: status, Reason: reason, Excerpt: excerpt(data)}
	}
	if len(data) == 0 {
		return bad("an empty body where a JSON object was expected")
	}
	if !gjson.ValidBytes(data) {
		return bad("not valid JSON (an HTML page, a proxy's answer or a truncated body)")
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		return bad("JSON " + typeName(root) + " where an object was expected")
	}
	if v := root.Get(gjson.Escape(idKey)); v.Exists() && (v.Type != gjson.String || v.Str != id) {
		return bad(fmt.Sprintf("the object of %s %s, not of %s", idKey, v.Raw, id))
	}
	for _, f := range fields {
		v := root.Get(gjson.Escape(f))
		if v.Exists() && v.Type != gjson.Null && !v.IsObject() {
			return bad(fmt.Sprintf("%s is a JSON %s, not an object", f, typeName(v)))
		}
	}
	return nil
}

func typeName(v gjson.Result) string {
	switch {
	case v.IsObject():
		return "object"
	case v.IsArray():
		return "array"
	}
	switch v.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "boolean"
	}
	return "null"
}

// UncertainError is a write that was sent (or may have been) whose outcome
// a0meta cannot tell: the answer never came (interrupt, deadline, broken
// connection) or came but cannot be believed. The change may or may not
// have been applied; read the object to know.
type UncertainError struct {
	Method string
	Path   string
	Err    error
}

func (e *UncertainError) Error() string {
	return fmt.Sprintf("%s %s was sent but its outcome is unknown (the change may or may not have been applied): %v", e.Method, e.Path, e.Err)
}

func (e *UncertainError) Unwrap() error { return e.Err }

// ExitCode is 130 when the run was interrupted, else 1.
func (e *UncertainError) ExitCode() failure.Code {
	if errors.Is(e.Err, context.Canceled) {
		return failure.Interrupted
	}
	return failure.General
}

// DeadlineError is the whole command (or one target of a bulk run)
// outliving its deadline. It unwraps to context.DeadlineExceeded.
type DeadlineError struct{ D time.Duration }

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("gave up: no result within the deadline of %s (--deadline)", e.D)
}
func (e *DeadlineError) Unwrap() error          { return context.DeadlineExceeded }
func (e *DeadlineError) ExitCode() failure.Code { return failure.General }

// WithDeadline bounds everything done with the returned context (token,
// lookup, read, write, and all their attempts) to d in all; context.Cause
// then names the deadline. A bulk run applies it per target.
func WithDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &DeadlineError{D: d})
}

// ctxErr is the reason ctx ended: a *DeadlineError from WithDeadline, or
// context.Canceled / DeadlineExceeded.
func ctxErr(ctx context.Context) error {
	if c := context.Cause(ctx); c != nil {
		return c
	}
	return ctx.Err()
}

// TooLargeError is a request body or an answer past its limit.
type TooLargeError struct {
	Method, Path string
	Answer       bool // false: the request body
	Limit        int
	Size         int // -1 when only "more than Limit" is known
}

func (e *TooLargeError) Error() string {
	if e.Answer {
		return fmt.Sprintf("%s %s: the answer is larger than %d bytes (a0meta's limit); refused", e.Method, e.Path, e.Limit)
	}
	return fmt.Sprintf("%s %s: the request body is %d bytes, over Auth0's limit of %d bytes; nothing sent", e.Method, e.Path, e.Size, e.Limit)
}

// ExitCode: a body too large to send is refused input (2); an answer too
// large is the server's doing (1).
func (e *TooLargeError) ExitCode() failure.Code {
	if e.Answer {
		return failure.General
	}
	return failure.Usage
}
