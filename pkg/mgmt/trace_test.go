package mgmt

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the trace's concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDebugTraceRedacts(t *testing.T) {
	tn := &tenant{
		tokenAnswers: []func(http.ResponseWriter){status(503, `{}`), tokenOK(newToken)},
		apiAnswers: []func(http.ResponseWriter, string){
			func(w http.ResponseWriter, _ string) {
				// A gateway page that echoes the token back.
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Set-Cookie", "session=abcdefghijkl")
				w.WriteHeader(502)
				_, _ = w.Write([]byte("<html>bad gateway for token " + newToken + "</html>"))
			},
			func(w http.ResponseWriter, _ string) {
				writeJSON(w, 200, `{"user_id":"auth0|jane1","user_metadata":{"city":"Springfield"},"client_secret":"`+testSecret+`"}`)
			},
		},
	}
	rec := tn.start(t)
	var buf syncBuffer
	c, _, _ := ccClient(t, rec, nil, func(o *Options) { o.Debug = &buf })
	body := `{"user_metadata":{"city":"Springfield","n":12345678901234567890}}`
	if _, err := c.PatchUser(context.Background(), "auth0|jane1", []byte(body)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{testSecret, newToken} {
		if strings.Contains(out, secret) {
			t.Errorf("trace holds a credential %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		"> POST " + rec.srv.URL + "/oauth/token\n",
		"client_secret=[REDACTED]",
		"client_id=AbC123",
		"< 503 Service Unavailable (",
		`"access_token":"[REDACTED]"`,
		`"token_type":"Bearer"`,
		"> PATCH " + rec.srv.URL + "/api/v2/users/auth0%7Cjane1\n",
		"> Authorization: Bearer [REDACTED]\n",
		"> User-Agent: a0meta/test\n",
		"\n\n" + body + "\n",
		"< 502 Bad Gateway (",
		"bad gateway for token [REDACTED]",
		"< Set-Cookie: [REDACTED]\n",
		"< 200 OK (",
		`"user_metadata":{"city":"Springfield"},"client_secret":"[REDACTED]"`,
		"* POST", // the retry is noted
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	// Headers are sorted.
	if strings.Index(out, "> Accept:") > strings.Index(out, "> Authorization:") {
		t.Errorf("request headers not sorted:\n%s", out)
	}
}

func TestDebugRedactValues(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `[{"user_id":"auth0|1","email":"jane@example.com","user_metadata":{"age":98765.4321,"vip":true,"x":null}}]`)
	})
	var buf syncBuffer
	c, _ := newClient(t, rec.srv, func(o *Options) {
		o.Debug = &buf
		o.DebugRedactValues = true
		o.Tokens = StaticToken(oldToken)
	})
	if _, err := c.UsersByEmail(context.Background(), "jane@example.com", "user_id", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, leak := range []string{"jane@example.com", "jane%40example.com", "98765.4321", oldToken} {
		if strings.Contains(out, leak) {
			t.Errorf("trace shows %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{
		"?email=<16 chars>&fields=user_id,user_metadata&include_fields=true",
		`[{"user_id":"<7 chars>","email":"<16 chars>","user_metadata":{"age":"<number>","vip":"<bool>","x":null}}]`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

func TestDebugRedactValuesHidesUserIDInPath(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"user_metadata":{}}`)
	})
	for _, redact := range []bool{false, true} {
		var buf syncBuffer
		c, _ := newClient(t, rec.srv, func(o *Options) {
			o.Debug = &buf
			o.DebugRedactValues = redact
			o.Tokens = StaticToken(oldToken)
		})
		if _, err := c.GetUserField(context.Background(), "samlp|acme|jdoe@acme.example/ops", "user_metadata"); err != nil {
			t.Fatal(err)
		}
		shown := strings.Contains(buf.String(), "jdoe@acme.example")
		if shown == redact {
			t.Errorf("redact-values=%v: user_id shown=%v in trace:\n%s", redact, shown, buf.String())
		}
		if redact && !strings.Contains(buf.String(), "/api/v2/users/[REDACTED]?fields=user_metadata") {
			t.Errorf("trace lacks the redacted path:\n%s", buf.String())
		}
	}
}

func TestRedactJSON(t *testing.T) {
	tests := []struct {
		name string
		all  bool
		in   string
		want string
	}{
		{"untouched", false, ` {"a" : [1, 2.50, "x\"y"], "b":{"c":null}} `, ` {"a" : [1, 2.50, "x\"y"], "b":{"c":null}} `},
		{"tokens", false, `{"access_token":"abc","id_token":"d","refresh_token":"e","token_type":"Bearer","expires_in":86400}`,
			`{"access_token":"[REDACTED]","id_token":"[REDACTED]","refresh_token":"[REDACTED]","token_type":"Bearer","expires_in":86400}`},
		{"nested and whole values", false, `[{"deep":{"client_secret":{"k":[1,2]},"Password":12345678}}]`,
			`[{"deep":{"client_secret":"[REDACTED]","Password":"[REDACTED]"}}]`},
		{"escaped key", false, `{"client\u005fsecret":"zzz"}`, `{"client\u005fsecret":"[REDACTED]"}`},
		{"all values", true, `{"s":"héllo","n":-1.5e3,"b":false,"z":null,"a":[],"o":{}}`,
			`{"s":"<5 chars>","n":"<number>","b":"<bool>","z":null,"a":[],"o":{}}`},
	}
	for _, tt := range tests {
		r := &redactor{all: tt.all}
		got, ok := r.jsonBody([]byte(tt.in))
		if !ok || string(got) != tt.want {
			t.Errorf("%s: got %s (ok %v)\nwant %s", tt.name, got, ok, tt.want)
		}
	}
	for _, bad := range []string{`{"a":}`, `{"a":1`, `[1,]`, `"x`, ``} {
		if _, ok := (&redactor{}).jsonBody([]byte(bad)); ok {
			t.Errorf("%q accepted as JSON", bad)
		}
	}
}

func TestRedactHeaderAndQuery(t *testing.T) {
	r := &redactor{}
	for _, tt := range []struct{ name, v, want string }{
		{"Authorization", "Bearer abc.def.ghi", "Bearer [REDACTED]"},
		{"Authorization", "Basic QWxhZGRpbjpvcGVu", "Basic [REDACTED]"},
		{"Cookie", "a=b", "[REDACTED]"},
		{"X-Client-Secret", "zzz", "[REDACTED]"},
		{"X-Access-Token", "zzz", "[REDACTED]"},
		{"X-Ratelimit-Reset", "1700000000", "1700000000"},
	} {
		if got := r.header(tt.name, tt.v); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := r.query("grant_type=client_credentials&client_secret=a%2Fb&audience=x"); got != "grant_type=client_credentials&client_secret=[REDACTED]&audience=x" {
		t.Errorf("query: %s", got)
	}
}
