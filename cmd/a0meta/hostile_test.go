package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
)

// hostileTenant misbehaves in one way for every endpoint a0meta uses, for
// users and clients alike; elsewhere records anything that reaches it.
type hostileTenant struct {
	mode      string
	srv       *httptest.Server
	elsewhere *httptest.Server
	mu        sync.Mutex
	away      []string
}

const (
	hostileSecret = "hostile-SECRET-0123456789abcdef"
	hostileToken  = "hostile-TOKEN-0123456789abcdef"
)

func newHostileTenant(t *testing.T, mode string) *hostileTenant {
	h := &hostileTenant{mode: mode}
	h.elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.away = append(h.away, r.Method+" "+r.URL.Path+" "+string(body))
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"user_id":"auth0|jane1","client_id":"cid1","user_metadata":{},"client_metadata":{}}`)
	}))
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() { h.srv.Close(); h.elsewhere.Close() })
	return h
}

func (h *hostileTenant) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	reply := func(status int, s string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, s)
	}
	redirect := func() {
		w.Header().Set("Location", h.elsewhere.URL+r.URL.RequestURI())
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
	if r.URL.Path == "/oauth/token" {
		switch h.mode {
		case "redirect-token":
			redirect()
		case "echo-secret":
			reply(401, fmt.Sprintf(`{"error":"access_denied","error_description":"client_secret %s is not valid for this request"}`, strings.TrimPrefix(string(body), "")))
		default:
			reply(200, `{"access_token":"`+hostileToken+`","expires_in":86400,"token_type":"Bearer"}`)
		}
		return
	}
	switch h.mode {
	case "redirect-api":
		redirect()
	case "html":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body><h1>Welcome to Hotel WiFi</h1>Please sign in</body></html>")
	case "echo-token":
		reply(400, fmt.Sprintf(`{"statusCode":400,"error":"Bad Request","message":"Bad header: Authorization: %s"}`, r.Header.Get("Authorization")))
	case "hang":
		<-r.Context().Done()
	default:
		panic("unknown mode " + h.mode)
	}
}

// Every metadata command, against a tenant that redirects, answers HTML
// with 200, echoes the secret or the token in an error, or never answers,
// ends with one clear error line, the contract's exit code, nothing on
// stdout (or, with -o json, one JSON error line), no secret printed, and
// nothing sent anywhere else.
func TestHostileTenants(t *testing.T) {
	commands := [][]string{
		{"user", "meta", "get", "auth0|jane1"},
		{"user", "meta", "set", "auth0|jane1", "a=2"},
		{"user", "meta", "unset", "auth0|jane1", "a"},
		{"user", "meta", "clear", "auth0|jane1", "--yes"},
		{"user", "meta", "edit", "auth0|jane1", "--file", "DOC"},
		{"user", "meta", "set", "jane.doe@example.com", "--app", "plan=pro"},
		{"client", "meta", "get", "cid1"},
		{"client", "meta", "set", "cid1", "a=2"},
		{"client", "meta", "unset", "cid1", "a"},
		{"client", "meta", "clear", "cid1", "--yes"},
		{"client", "meta", "edit", "cid1", "--file", "DOC"},
	}
	modes := []struct {
		mode string
		code int
		says string
	}{
		{"redirect-token", 1, "redirects are never followed"},
		{"redirect-api", 1, "redirects are never followed"},
		{"html", 1, "a0meta: "},
		{"echo-secret", 4, "a0meta: "},
		{"echo-token", 1, "a0meta: "},
		{"hang", 1, "gave up: no result within the deadline of 1s (--deadline)"},
	}
	for _, m := range modes {
		t.Run(m.mode, func(t *testing.T) {
			t.Parallel()
			h := newHostileTenant(t, m.mode)
			home := t.TempDir()
			doc := filepath.Join(home, "doc.json")
			if err := os.WriteFile(doc, []byte(`{"a":"2"}`), 0o600); err != nil {
				t.Fatal(err)
			}
			env := sandboxtest.Dirs(home)
			env["A0META_DOMAIN"] = h.srv.URL
			env["A0META_CLIENT_ID"] = "hostile-client"
			env["A0META_CLIENT_SECRET"] = hostileSecret
			for _, c := range commands {
				for _, asJSON := range []bool{false, true} {
					args := append([]string{"--deadline", "1s", "--timeout", "300ms"}, c...)
					for i, a := range args {
						if a == "DOC" {
							args[i] = doc
						}
					}
					if asJSON {
						args = append(args, "-o", "json")
					}
					ios, _, out, errOut := iostreams.Test()
					code := root.Run(context.Background(), args, ios, func(k string) string { return env[k] })
					name := strings.Join(args, " ")
					stderr := errOut.String()
					if code != m.code {
						t.Errorf("%s: exit %d, want %d; stderr:\n%s", name, code, m.code, stderr)
					}
					if strings.Contains(stderr, hostileSecret) || strings.Contains(stderr, hostileToken) ||
						strings.Contains(out.String(), hostileSecret) || strings.Contains(out.String(), hostileToken) {
						t.Errorf("%s: a secret was printed:\n%s", name, stderr)
					}
					if out.Len() != 0 {
						t.Errorf("%s: stdout %q, want nothing", name, out.String())
					}
					if strings.Contains(stderr, "Updated") || strings.Contains(stderr, "context canceled") {
						t.Errorf("%s: misleading stderr:\n%s", name, stderr)
					}
					lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
					last := lines[len(lines)-1]
					if asJSON {
						var e struct {
							Error struct {
								ExitCode int    `json:"exit_code"`
								Message  string `json:"message"`
							} `json:"error"`
						}
						if err := json.Unmarshal([]byte(last), &e); err != nil || e.Error.ExitCode != m.code {
							t.Errorf("%s: last stderr line is not the JSON error: %q (%v)", name, last, err)
						} else if !strings.Contains(e.Error.Message, strings.TrimPrefix(m.says, "a0meta: ")) {
							t.Errorf("%s: message %q lacks %q", name, e.Error.Message, m.says)
						}
					} else if !strings.HasPrefix(last, "a0meta: ") || !strings.Contains(last, m.says) {
						t.Errorf("%s: last stderr line %q lacks %q", name, last, m.says)
					}
				}
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.away) != 0 {
				t.Errorf("requests reached another host: %q", h.away)
			}
		})
	}
}
