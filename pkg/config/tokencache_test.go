package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

var cacheNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newCache(t *testing.T) *TokenCache {
	return &TokenCache{Dir: filepath.Join(t.TempDir(), "cache", "a0meta"), Now: func() time.Time { return cacheNow }}
}

const key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestTokenCacheRoundTrip(t *testing.T) {
	c := newCache(t)
	if tok, err := c.Load(key); tok != nil || err != nil {
		t.Fatalf("empty cache: %v, %v", tok, err)
	}
	in := &oauth2.Token{AccessToken: "eyJ.abc.def", TokenType: "Bearer", Expiry: cacheNow.Add(time.Hour + 123*time.Nanosecond).In(time.FixedZone("x", 3600))}
	if err := c.Store(key, in); err != nil {
		t.Fatal(err)
	}
	out, err := c.Load(key)
	if err != nil || out == nil {
		t.Fatalf("Load: %v, %v", out, err)
	}
	if out.AccessToken != in.AccessToken || out.TokenType != "Bearer" || !out.Expiry.Equal(in.Expiry) {
		t.Errorf("got %+v, want %+v", out, in)
	}
	path := filepath.Join(c.Dir, "tokens", key+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"access_token":"eyJ.abc.def","token_type":"Bearer","expiry":"2030-01-02T04:04:05.000000123Z"}`; string(data) != want {
		t.Errorf("file holds %s, want %s", data, want)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700, c.Dir: 0o700} {
			if m := fileMode(t, p); m != want {
				t.Errorf("%s mode %o, want %o", p, m, want)
			}
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("tokens directory holds %d entries, want 1 (no temporary files)", len(entries))
	}

	// Overwrite, then delete.
	in.AccessToken = "second"
	if err := c.Store(key, in); err != nil {
		t.Fatal(err)
	}
	if out, _ := c.Load(key); out == nil || out.AccessToken != "second" {
		t.Errorf("after overwrite: %+v", out)
	}
	if err := c.Delete(key); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Load(key); out != nil || err != nil {
		t.Errorf("after Delete: %v, %v", out, err)
	}
	if err := c.Delete(key); err != nil {
		t.Errorf("deleting a missing entry: %v", err)
	}
}

func TestTokenCacheTightensLooseDirs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes mean nothing on Windows")
	}
	c := newCache(t)
	tokens := filepath.Join(c.Dir, "tokens")
	if err := os.MkdirAll(tokens, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{c.Dir, tokens} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Store(key, &oauth2.Token{AccessToken: "a", TokenType: "Bearer", Expiry: cacheNow.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{c.Dir, tokens} {
		if m := fileMode(t, d); m != 0o700 {
			t.Errorf("%s mode %o, want 700", d, m)
		}
	}
}

func TestTokenCacheMisses(t *testing.T) {
	tests := []struct{ name, content string }{
		{"not JSON", "{not json"},
		{"empty", ""},
		{"no access token", `{"token_type":"Bearer","expiry":"2030-01-02T04:04:05Z"}`},
		{"bad expiry", `{"access_token":"a","token_type":"Bearer","expiry":"tomorrow"}`},
		{"no expiry", `{"access_token":"a","token_type":"Bearer"}`},
		{"expired", `{"access_token":"a","token_type":"Bearer","expiry":"2030-01-02T03:04:05Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(t)
			path := filepath.Join(c.Dir, "tokens", key+".json")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			tok, err := c.Load(key)
			if tok != nil || err != nil {
				t.Fatalf("got %v, %v; want a miss", tok, err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the bad entry was not removed: %v", err)
			}
		})
	}
}

func TestTokenCacheRefuses(t *testing.T) {
	c := newCache(t)
	for _, k := range []string{"", "../x", "a/b", `a\b`, "a.json", strings.Repeat("a", 200)} {
		if _, err := c.Load(k); err == nil {
			t.Errorf("Load(%q): no error", k)
		}
		if err := c.Store(k, &oauth2.Token{AccessToken: "a", Expiry: cacheNow.Add(time.Hour)}); err == nil {
			t.Errorf("Store(%q): no error", k)
		}
		if err := c.Delete(k); err == nil {
			t.Errorf("Delete(%q): no error", k)
		}
	}
	for _, tok := range []*oauth2.Token{nil, {}, {AccessToken: "never-expires"}} {
		err := c.Store(key, tok)
		if err == nil {
			t.Errorf("Store(%+v): no error", tok)
		} else if strings.Contains(err.Error(), "never-expires") {
			t.Errorf("error shows the token: %v", err)
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("a refused Store created the cache directory")
	}
}

// The granted scopes of the token endpoint's answer survive the cache, for
// `a0meta doctor`.
func TestTokenCacheKeepsScope(t *testing.T) {
	c := newCache(t)
	in := (&oauth2.Token{AccessToken: "eyJ.abc.def", TokenType: "Bearer", Expiry: cacheNow.Add(time.Hour)}).
		WithExtra(map[string]any{"scope": "read:users update:users"})
	if err := c.Store(key, in); err != nil {
		t.Fatal(err)
	}
	out, err := c.Load(key)
	if err != nil || out == nil {
		t.Fatalf("Load: %v, %v", out, err)
	}
	if got := out.Extra("scope"); got != "read:users update:users" {
		t.Errorf("scope = %v", got)
	}
}
