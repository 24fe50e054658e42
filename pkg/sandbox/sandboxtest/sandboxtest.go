// Package sandboxtest serves a seeded sandbox tenant to tests and renders
// what it received, so every package tests against the same emulator the
// same way.
package sandboxtest

import (
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/a0meta/a0meta/pkg/sandbox"
)

// Serve opens a freshly seeded sandbox and serves it until the test ends.
func Serve(t testing.TB) (*sandbox.Server, string) {
	t.Helper()
	return ServeWith(t, sandbox.Options{Seed: true})
}

// ServeWith is Serve with options: synthetic users, rate limits, random
// faults.
func ServeWith(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

// Client returns a Management API client for the served sandbox holding a
// ready token, so no token request is made, and retries that never sleep.
func Client(t testing.TB, srv *sandbox.Server, baseURL string) *mgmt.Client {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	api, err := mgmt.New(mgmt.Options{
		BaseURL: baseURL,
		Tokens:  mgmt.StaticToken(srv.MintToken("https://" + u.Host + "/api/v2/")),
		Sleep:   func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// Log renders the requests received since the last call, one
// "METHOD PATH[?QUERY][ BODY]" a line (queries only when withQuery), and
// forgets them. Token requests are listed without their bodies.
func Log(srv *sandbox.Server, withQuery bool) string {
	var b strings.Builder
	for _, r := range srv.Requests() {
		b.WriteString(r.Method + " " + r.Path)
		if withQuery && r.Query != "" {
			b.WriteString("?" + r.Query)
		}
		if len(r.Body) > 0 && r.Path != "/oauth/token" {
			b.WriteString(" " + string(r.Body))
		}
		b.WriteByte('\n')
	}
	srv.ClearRequests()
	return b.String()
}

// Dirs puts every home and XDG directory of an a0meta run under dir.
func Dirs(dir string) map[string]string {
	return map[string]string{
		"HOME":            filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_CACHE_HOME":  filepath.Join(dir, "cache"),
		"XDG_DATA_HOME":   filepath.Join(dir, "data"),
		"XDG_STATE_HOME":  filepath.Join(dir, "state"),
	}
}

// Env is Dirs plus the served sandbox's domain and demo credentials.
func Env(dir, baseURL string) map[string]string {
	m := Dirs(dir)
	m["A0META_DOMAIN"] = baseURL
	m["A0META_CLIENT_ID"] = sandbox.DemoClientID
	m["A0META_CLIENT_SECRET"] = sandbox.DemoClientSecret
	return m
}
