package config

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/mgmt"
)

func TestTokenCacheLockExcludes(t *testing.T) {
	dir := t.TempDir()
	a, b := &TokenCache{Dir: dir}, &TokenCache{Dir: dir}
	key := strings.Repeat("ab", 32)
	unlock, err := a.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(ctx, key); err == nil {
		t.Fatal("a second holder took the lock")
	}
	unlock()
	unlock2, err := b.Lock(context.Background(), key)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	unlock2()
	if runtime.GOOS != "windows" {
		info, err := os.Stat(filepath.Join(dir, "tokens", key+".lock"))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("lock file: %v %v", info, err)
		}
	}
}

// TestConcurrentRunsShareOneTokenRequest: providers with caches of their
// own on one directory (as separate processes have) make one token request.
func TestConcurrentRunsShareOneTokenRequest(t *testing.T) {
	var tokenReqs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			tokenReqs.Add(1)
			time.Sleep(50 * time.Millisecond) // a slow token endpoint widens the race
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"tok-0123456789","expires_in":86400,"token_type":"Bearer"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"user_metadata":{}}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	var wg sync.WaitGroup
	for range 12 {
		cc := &mgmt.ClientCredentials{
			TokenURL: srv.URL + "/oauth/token", ClientID: "id", ClientSecret: "secret-0123456789",
			Cache: &TokenCache{Dir: dir}, CacheKey: "k",
			Warn: func(msg string) { t.Error(msg) },
		}
		c, err := mgmt.New(mgmt.Options{BaseURL: srv.URL, Tokens: cc})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if _, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := tokenReqs.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}
