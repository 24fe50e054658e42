package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

func TestUserPath(t *testing.T) {
	tests := []struct{ id, want string }{
		{"auth0|abc", "/api/v2/users/auth0%7Cabc"},
		{"auth0|63d17c4bdf1ce171262c7e93", "/api/v2/users/auth0%7C63d17c4bdf1ce171262c7e93"},
		{"samlp|acme|jdoe@acme.example/ops", "/api/v2/users/samlp%7Cacme%7Cjdoe@acme.example%2Fops"},
		{"google-oauth2|1234", "/api/v2/users/google-oauth2%7C1234"},
		{"oidc|a b?c#d%e", "/api/v2/users/oidc%7Ca%20b%3Fc%23d%25e"},
		{"..", "/api/v2/users/%2E%2E"},
	}
	for _, tt := range tests {
		if got := UserPath(tt.id); got != tt.want {
			t.Errorf("UserPath(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
	if got := ClientPath("a/b"); got != "/api/v2/clients/a%2Fb" {
		t.Errorf("ClientPath = %q", got)
	}
}

// TestRequests checks the request line, body and headers of every method,
// and what each returns.
func TestRequests(t *testing.T) {
	const bigBody = `{"user_metadata": {"n":12345678901234567890, "f":1.0,"z":1,"a":"\u00e9"}}`
	tests := []struct {
		name       string
		call       func(ctx context.Context, c *Client) (string, error)
		method     string
		requestURI string
		path       string
		body       string // body the server must receive
		answer     string // server answer (200)
		want       string // what the call returns, as text
	}{
		{
			name: "GetUserField",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.GetUserField(ctx, "auth0|abc", "user_metadata")
				return string(v), err
			},
			method: "GET", requestURI: "/api/v2/users/auth0%7Cabc?fields=user_metadata&include_fields=true",
			path:   "/api/v2/users/auth0%7Cabc",
			answer: `{"user_metadata":{"b":12345678901234567890,"a":[1.50,"x"]}}`,
			want:   `{"b":12345678901234567890,"a":[1.50,"x"]}`,
		},
		{
			name: "GetUserField absent is {}",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.GetUserField(ctx, "samlp|acme|jdoe@acme.example/ops", "app_metadata")
				return string(v), err
			},
			method: "GET", requestURI: "/api/v2/users/samlp%7Cacme%7Cjdoe@acme.example%2Fops?fields=app_metadata&include_fields=true",
			path:   "/api/v2/users/samlp%7Cacme%7Cjdoe@acme.example%2Fops",
			answer: `{"user_id":"samlp|acme|jdoe@acme.example/ops"}`,
			want:   `{}`,
		},
		{
			name: "GetUser whole",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.GetUser(ctx, "auth0|abc")
				return string(v), err
			},
			method: "GET", requestURI: "/api/v2/users/auth0%7Cabc", path: "/api/v2/users/auth0%7Cabc",
			answer: `{"user_id":"auth0|abc"}`, want: `{"user_id":"auth0|abc"}`,
		},
		{
			name: "GetUser fields",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.GetUser(ctx, "auth0|abc", "user_id", "email")
				return string(v), err
			},
			method: "GET", requestURI: "/api/v2/users/auth0%7Cabc?fields=user_id,email&include_fields=true",
			path: "/api/v2/users/auth0%7Cabc", answer: `{"user_id":"auth0|abc"}`, want: `{"user_id":"auth0|abc"}`,
		},
		{
			name: "PatchUser",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.PatchUser(ctx, "samlp|acme|jdoe@acme.example/ops", []byte(bigBody))
				return string(v), err
			},
			method: "PATCH", requestURI: "/api/v2/users/samlp%7Cacme%7Cjdoe@acme.example%2Fops",
			path:   "/api/v2/users/samlp%7Cacme%7Cjdoe@acme.example%2Fops",
			body:   bigBody,
			answer: `{"user_id":"samlp|acme|jdoe@acme.example/ops", "user_metadata":{}}`,
			want:   `{"user_id":"samlp|acme|jdoe@acme.example/ops", "user_metadata":{}}`,
		},
		{
			name: "UsersByEmail sent as given",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.UsersByEmail(ctx, "Jane+x@Example.com", "user_id")
				b, _ := json.Marshal(v)
				return string(b), err
			},
			method: "GET", requestURI: "/api/v2/users-by-email?email=Jane%2Bx%40Example.com&fields=user_id&include_fields=true",
			path:   "/api/v2/users-by-email",
			answer: `[{"user_id":"auth0|1"},{"user_id":"google-oauth2|2"}]`,
			want:   `[{"user_id":"auth0|1"},{"user_id":"google-oauth2|2"}]`,
		},
		{
			name: "SearchUsers",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.SearchUsers(ctx, SearchOptions{Query: `app_metadata.plan:"pro" AND email:*@x.com`, Page: 2, PerPage: 50,
					Sort: "created_at:1", Fields: []string{"user_id", "app_metadata"}, IncludeTotals: true})
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%d %s", r.Total, r.Users), nil
			},
			method: "GET",
			requestURI: "/api/v2/users?q=app_metadata.plan%3A%22pro%22+AND+email%3A%2A%40x.com&search_engine=v3&page=2&per_page=50" +
				"&sort=created_at%3A1&include_totals=true&fields=user_id,app_metadata&include_fields=true",
			path:   "/api/v2/users",
			answer: `{"start":100,"limit":50,"length":1,"users":[{"user_id":"auth0|1"}],"total":101}`,
			want:   `101 [{"user_id":"auth0|1"}]`,
		},
		{
			name: "SearchUsers without totals",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.SearchUsers(ctx, SearchOptions{})
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%d %s", r.Total, r.Users), nil
			},
			method: "GET", requestURI: "/api/v2/users?search_engine=v3&page=0", path: "/api/v2/users",
			answer: `[{"user_id":"auth0|1"}]`, want: `-1 [{"user_id":"auth0|1"}]`,
		},
		{
			name: "GetClientField",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.GetClientField(ctx, "rsObrykkdgfmrzR8Qcxh79luareYCAtp", "client_metadata")
				return string(v), err
			},
			method: "GET", requestURI: "/api/v2/clients/rsObrykkdgfmrzR8Qcxh79luareYCAtp?fields=client_metadata&include_fields=true",
			path:   "/api/v2/clients/rsObrykkdgfmrzR8Qcxh79luareYCAtp",
			answer: `{"client_metadata":{"foo":"zoo","bar":"baz"}}`, want: `{"foo":"zoo","bar":"baz"}`,
		},
		{
			name: "PatchClient",
			call: func(ctx context.Context, c *Client) (string, error) {
				v, err := c.PatchClient(ctx, "abc", []byte(`{"client_metadata":{"bar":null,"foo":"new"}}`))
				return string(v), err
			},
			method: "PATCH", requestURI: "/api/v2/clients/abc", path: "/api/v2/clients/abc",
			body:   `{"client_metadata":{"bar":null,"foo":"new"}}`,
			answer: `{"client_metadata":{"foo":"new"}}`, want: `{"client_metadata":{"foo":"new"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, tt.answer) })
			c, _ := newClient(t, rec.srv, func(o *Options) { o.Tokens = StaticToken("tok-123") })
			got, err := tt.call(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("returned %s, want %s", got, tt.want)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.RequestURI != tt.requestURI || r.EscapedPath != tt.path {
				t.Errorf("request %s %s (path %s), want %s %s (path %s)", r.Method, r.RequestURI, r.EscapedPath, tt.method, tt.requestURI, tt.path)
			}
			if string(r.Body) != tt.body {
				t.Errorf("body %q, want %q", r.Body, tt.body)
			}
			wantHeaders := map[string]string{
				"User-Agent":    "a0meta/test",
				"Authorization": "Bearer tok-123",
				"Accept":        "application/json",
			}
			if tt.body != "" {
				wantHeaders["Content-Type"] = "application/json"
			}
			for k, v := range wantHeaders {
				if got := r.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tt.body == "" && r.Header.Get("Content-Type") != "" {
				t.Errorf("Content-Type %q on a request without body", r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestQueryValuesDecode(t *testing.T) {
	// The server must read back exactly what was asked for.
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
	c, _ := newClient(t, rec.srv, nil)
	email := `o'brien+tag&x=y,z@example.com`
	if _, err := c.UsersByEmail(context.Background(), email); err != nil {
		t.Fatal(err)
	}
	u, _ := url.ParseRequestURI(rec.requests()[0].RequestURI)
	if got := u.Query()["email"]; len(got) != 1 || got[0] != email {
		t.Errorf("server read email %q, want %q", got, email)
	}
	if h := rec.requests()[0].Header.Get("Authorization"); h != "" {
		t.Errorf("Authorization %q without a token provider", h)
	}
}

func TestEmptyIDRefusedBeforeSending(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{}`) })
	c, _ := newClient(t, rec.srv, nil)
	ctx := context.Background()
	errs := []error{}
	_, err := c.GetUserField(ctx, "", "user_metadata")
	errs = append(errs, err)
	_, err = c.PatchUser(ctx, "", []byte(`{}`))
	errs = append(errs, err)
	_, err = c.PatchClient(ctx, "", []byte(`{}`))
	errs = append(errs, err)
	for i, err := range errs {
		if failure.CodeOf(err) != failure.Usage {
			t.Errorf("call %d: %v (code %d), want usage error", i, err, failure.CodeOf(err))
		}
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestUnexpectedAnswer(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("<html>captive portal</html>"))
	})
	c, _ := newClient(t, rec.srv, nil)
	_, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
	if err == nil || !strings.Contains(err.Error(), "captive portal") {
		t.Fatalf("err = %v", err)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		t.Errorf("a 200 is not an APIError: %v", err)
	}
}

func TestListClientsPaging(t *testing.T) {
	page := func(from, n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"client_id":"id%d","name":"app %d"}`, from+i, from+i)
		}
		return b.String()
	}
	t.Run("totals", func(t *testing.T) {
		rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
			sizes := []int{100, 100, 50}
			if n >= len(sizes) {
				writeJSON(w, 500, `{}`)
				return
			}
			writeJSON(w, 200, fmt.Sprintf(`{"start":%d,"limit":100,"length":%d,"total":250,"clients":[%s]}`, n*100, sizes[n], page(n*100, sizes[n])))
		})
		c, _ := newClient(t, rec.srv, nil)
		refs, err := c.ListClients(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != 250 || refs[0] != (ClientRef{"id0", "app 0"}) || refs[249] != (ClientRef{"id249", "app 249"}) {
			t.Fatalf("got %d refs: first %v last %v", len(refs), refs[0], refs[len(refs)-1])
		}
		reqs := rec.requests()
		if len(reqs) != 3 {
			t.Fatalf("%d requests, want 3", len(reqs))
		}
		for i, r := range reqs {
			want := fmt.Sprintf("/api/v2/clients?fields=client_id,name&include_fields=true&page=%d&per_page=100&include_totals=true", i)
			if r.RequestURI != want {
				t.Errorf("request %d: %s, want %s", i, r.RequestURI, want)
			}
		}
	})
	t.Run("bare array until empty page", func(t *testing.T) {
		rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
			sizes := []int{100, 100, 0}
			writeJSON(w, 200, "["+page(n*100, sizes[min(n, 2)])+"]")
		})
		c, _ := newClient(t, rec.srv, nil)
		refs, err := c.ListClients(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != 200 || len(rec.requests()) != 3 {
			t.Errorf("%d refs in %d requests, want 200 in 3", len(refs), len(rec.requests()))
		}
	})
	t.Run("error", func(t *testing.T) {
		rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 403, `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:clients","errorCode":"insufficient_scope"}`)
		})
		c, _ := newClient(t, rec.srv, nil)
		_, err := c.ListClients(context.Background())
		if failure.CodeOf(err) != failure.Auth {
			t.Errorf("err %v, code %d", err, failure.CodeOf(err))
		}
	})
}
