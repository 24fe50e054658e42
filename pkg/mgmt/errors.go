package mgmt

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/a0meta/a0meta/pkg/failure"
)

// APIError is a non-2xx answer from the Management API (after any retries).
type APIError struct {
	Status    int
	ErrorText string // Auth0's "error", e.g. "Not Found"
	Message   string // Auth0's "message"
	ErrorCode string // Auth0's "errorCode", e.g. "inexistent_user"
	Method    string
	Path      string // escaped path, without the query
	Body      []byte // raw body, truncated to 4 KB
	Attempts  int    // attempts made, retries included
}

var (
	_ failure.Coder      = (*APIError)(nil)
	_ failure.HTTPDetail = (*APIError)(nil)
	_ failure.Coder      = (*TokenError)(nil)
	_ failure.HTTPDetail = (*TokenError)(nil)
	_ failure.Coder      = (*NetworkError)(nil)
)

func newAPIError(method, path string, status int, body []byte, attempts int) *APIError {
	e := &APIError{Status: status, Method: method, Path: path, Attempts: attempts}
	if len(body) > maxErrorBody {
		e.Body = append([]byte(nil), body[:maxErrorBody]...)
	} else {
		e.Body = append([]byte(nil), body...)
	}
	var env struct {
		Error      string `json:"error"`
		Message    string `json:"message"`
		ErrorCode  string `json:"errorCode"`
		Attributes struct {
			Error string `json:"error"`
		} `json:"attributes"`
	}
	if json.Unmarshal(body, &env) == nil {
		e.ErrorText, e.Message, e.ErrorCode = env.Error, env.Message, env.ErrorCode
		if e.Message == "" {
			e.Message = env.Attributes.Error
		}
	} else if s := excerpt(body); s != "" {
		// Not Auth0's envelope (a proxy or gateway page): keep a readable
		// excerpt as the message.
		e.Message = s
	}
	return e
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	text := e.ErrorText
	if text == "" {
		text = http.StatusText(e.Status)
	}
	if text != "" {
		b.WriteString(" " + text)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.ErrorCode != "" {
		b.WriteString(" (" + e.ErrorCode + ")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " [gave up after %d attempts]", e.Attempts)
	}
	return b.String()
}

// ExitCode maps the status to the contract's exit codes.
func (e *APIError) ExitCode() failure.Code { return codeForStatus(e.Status) }

func (e *APIError) HTTPStatus() int        { return e.Status }
func (e *APIError) Auth0ErrorCode() string { return e.ErrorCode }

func codeForStatus(status int) failure.Code {
	switch status {
	case http.StatusNotFound:
		return failure.NotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		return failure.Auth
	case http.StatusTooManyRequests:
		return failure.RateLimited
	}
	return failure.General
}

// TokenError is a refused or failed client-credentials token request.
type TokenError struct {
	Status      int
	ErrorCode   string // RFC 6749 "error", e.g. "access_denied"
	Description string // "error_description"
	TokenURL    string
	ClientID    string
}

func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "token request to %s for client_id %q failed", e.TokenURL, e.ClientID)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.ErrorCode != "" {
		b.WriteString(": " + e.ErrorCode)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		b.WriteString(" (check the client id and secret)")
	case http.StatusForbidden:
		b.WriteString(" (check that the application is authorized for the Management API audience with the scopes needed)")
	}
	return b.String()
}

// ExitCode: 401/403 are bad credentials or grants (4), 429 is 5, the rest 1.
func (e *TokenError) ExitCode() failure.Code {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return failure.Auth
	case http.StatusTooManyRequests:
		return failure.RateLimited
	}
	return failure.General
}
func (e *TokenError) HTTPStatus() int        { return e.Status }
func (e *TokenError) Auth0ErrorCode() string { return e.ErrorCode }

// NetworkError is a request that got no HTTP answer, after retries.
type NetworkError struct {
	Host     string
	Attempts int
	Err      error
}

func (e *NetworkError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("cannot reach %s (retried %d times): %v", e.Host, e.Attempts-1, e.Err)
	}
	return fmt.Sprintf("cannot reach %s: %v", e.Host, e.Err)
}

func (e *NetworkError) Unwrap() error          { return e.Err }
func (e *NetworkError) ExitCode() failure.Code { return failure.General }

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// excerpt makes a short single-line text out of a body that is not Auth0's
// JSON envelope, dropping HTML tags.
func excerpt(body []byte) string {
	s := string(body)
	if strings.Contains(s, "<") && strings.Contains(s, ">") {
		s = tagRE.ReplaceAllString(s, " ")
	}
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	const limit = 200
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
