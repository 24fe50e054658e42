package mgmt

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

func TestAPIErrorMapping(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		code        failure.Code
		errorText   string
		message     string
		errorCode   string
		wantMsg     string
	}{
		{
			name: "400", status: 400,
			body:      `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Expected type object but found type string' on property user_metadata.","errorCode":"invalid_body"}`,
			code:      failure.General,
			errorText: "Bad Request", message: "Payload validation error: 'Expected type object but found type string' on property user_metadata.", errorCode: "invalid_body",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 400 Bad Request: Payload validation error: 'Expected type object but found type string' on property user_metadata. (invalid_body)",
		},
		{
			name: "401 message from attributes", status: 401,
			body:      `{"statusCode":401,"error":"Unauthorized","attributes":{"error":"Expired token received for JSON Web Token validation"}}`,
			code:      failure.Auth,
			errorText: "Unauthorized", message: "Expired token received for JSON Web Token validation",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 401 Unauthorized: Expired token received for JSON Web Token validation",
		},
		{
			name: "401", status: 401,
			body:      `{"statusCode":401,"error":"Unauthorized","message":"Invalid token","attributes":{"error":"Invalid token"}}`,
			code:      failure.Auth,
			errorText: "Unauthorized", message: "Invalid token",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 401 Unauthorized: Invalid token",
		},
		{
			name: "403", status: 403,
			body:      `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens","errorCode":"insufficient_scope"}`,
			code:      failure.Auth,
			errorText: "Forbidden", message: "Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens", errorCode: "insufficient_scope",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 403 Forbidden: Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens (insufficient_scope)",
		},
		{
			name: "404", status: 404,
			body:      `{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`,
			code:      failure.NotFound,
			errorText: "Not Found", message: "The user does not exist.", errorCode: "inexistent_user",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 404 Not Found: The user does not exist. (inexistent_user)",
		},
		{
			name: "409", status: 409,
			body:      `{"statusCode":409,"error":"Conflict","message":"The user already exists.","errorCode":"auth0_idp_error"}`,
			code:      failure.General,
			errorText: "Conflict", message: "The user already exists.", errorCode: "auth0_idp_error",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 409 Conflict: The user already exists. (auth0_idp_error)",
		},
		{
			name: "429", status: 429,
			body:      `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`,
			code:      failure.RateLimited,
			errorText: "Too Many Requests", message: "Global limit has been reached", errorCode: "too_many_requests",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 429 Too Many Requests: Global limit has been reached (too_many_requests)",
		},
		{
			name: "500", status: 500,
			body:      `{"statusCode":500,"error":"Internal Server Error","message":"Internal Server Error"}`,
			code:      failure.General,
			errorText: "Internal Server Error", message: "Internal Server Error",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 500 Internal Server Error: Internal Server Error",
		},
		{
			name: "502 HTML from a proxy", status: 502, contentType: "text/html",
			body:    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			code:    failure.General,
			message: "502 Bad Gateway 502 Bad Gateway nginx",
			wantMsg: "GET /api/v2/users/auth0%7Cx: 502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway nginx",
		},
		{
			name: "404 empty body", status: 404,
			code:    failure.NotFound,
			wantMsg: "GET /api/v2/users/auth0%7Cx: 404 Not Found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				ct := tt.contentType
				if ct == "" {
					ct = "application/json; charset=utf-8"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			// One attempt: this test is about mapping, not retries.
			c, _ := newClient(t, rec.srv, func(o *Options) { o.Retry.MaxAttempts = 1 })
			_, err := c.GetUser(context.Background(), "auth0|x")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err %T %v, want *APIError", err, err)
			}
			if ae.Status != tt.status || ae.ErrorText != tt.errorText || ae.Message != tt.message || ae.ErrorCode != tt.errorCode {
				t.Errorf("got %+v", ae)
			}
			if ae.Method != "GET" || ae.Path != "/api/v2/users/auth0%7Cx" || string(ae.Body) != tt.body || ae.Attempts != 1 {
				t.Errorf("got method %s path %s body %q attempts %d", ae.Method, ae.Path, ae.Body, ae.Attempts)
			}
			if got := failure.CodeOf(err); got != tt.code {
				t.Errorf("exit code %d, want %d", got, tt.code)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("message\n got %q\nwant %q", err.Error(), tt.wantMsg)
			}
			var hd failure.HTTPDetail
			if !errors.As(err, &hd) || hd.HTTPStatus() != tt.status || hd.Auth0ErrorCode() != tt.errorCode {
				t.Errorf("HTTPDetail wrong")
			}
		})
	}
}

func TestAPIErrorBodyTruncatedAndExcerptShort(t *testing.T) {
	long := strings.Repeat("gateway trouble\n", 1000)
	e := newAPIError("GET", "/x", 503, []byte(long), 6)
	if len(e.Body) != maxErrorBody {
		t.Errorf("body kept %d bytes, want %d", len(e.Body), maxErrorBody)
	}
	msg := e.Error()
	if strings.Contains(msg, "\n") || len(msg) > 300 {
		t.Errorf("message not short and single-line: %q", msg)
	}
	if !strings.Contains(msg, "gave up after 6 attempts") {
		t.Errorf("message does not say how many attempts: %q", msg)
	}
}

func TestTokenErrorCodes(t *testing.T) {
	for status, want := range map[int]failure.Code{401: failure.Auth, 403: failure.Auth, 429: failure.RateLimited, 404: failure.General, 500: failure.General, 0: failure.General} {
		if got := (&TokenError{Status: status}).ExitCode(); got != want {
			t.Errorf("TokenError %d: code %d, want %d", status, got, want)
		}
	}
}
