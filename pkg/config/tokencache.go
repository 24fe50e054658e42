package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/fsutil"
	"github.com/gofrs/flock"
	"golang.org/x/oauth2"
)

// TokenCache keeps access tokens in Dir/tokens/<key>.json, readable by the
// owner only (files 0600, directories 0700). Keys come from
// Settings.TokenCacheKey. Token values are never logged or put in errors.
type TokenCache struct {
	Dir string
	// Now is the clock used to drop expired tokens; time.Now when nil.
	Now func() time.Time
}

type cachedToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Expiry      string `json:"expiry"` // RFC 3339 with nanoseconds
	// Scope is the token endpoint's "scope" answer: the granted scopes,
	// which `a0meta doctor` checks.
	Scope string `json:"scope,omitempty"`
}

func (c *TokenCache) tokensDir() string { return filepath.Join(c.Dir, "tokens") }

func (c *TokenCache) file(key string) (string, error) {
	if !validKey(key) {
		return "", fmt.Errorf("token cache: invalid key %q", key)
	}
	return filepath.Join(c.tokensDir(), key+".json"), nil
}

// validKey keeps keys to file-name-safe characters, so a key can never
// name a path outside the cache.
func validKey(key string) bool {
	if key == "" || len(key) > 128 {
		return false
	}
	for _, r := range key {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Load returns the cached token for key, or nil, nil when there is none.
// A corrupt or expired entry is a miss and is removed.
func (c *TokenCache) Load(key string) (*oauth2.Token, error) {
	path, err := c.file(key)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("token cache: %w", err)
	}
	var ct cachedToken
	var expiry time.Time
	if json.Unmarshal(data, &ct) == nil && ct.AccessToken != "" {
		expiry, err = time.Parse(time.RFC3339Nano, ct.Expiry)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	if ct.AccessToken == "" || err != nil || !expiry.After(now()) {
		if rmErr := os.Remove(path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return nil, fmt.Errorf("token cache: removing stale entry: %w", rmErr)
		}
		return nil, nil
	}
	tokenType := ct.TokenType
	if tokenType == "" {
		tokenType = "Bearer"
	}
	tok := &oauth2.Token{AccessToken: ct.AccessToken, TokenType: tokenType, Expiry: expiry}
	if ct.Scope != "" {
		tok = tok.WithExtra(map[string]any{"scope": ct.Scope})
	}
	return tok, nil
}

// Store writes t under key atomically (a temporary file in the same
// directory, then a rename), so a reader sees the old token or the new one.
// A token without an expiry is refused: it would be reused forever.
func (c *TokenCache) Store(key string, t *oauth2.Token) error {
	path, err := c.file(key)
	if err != nil {
		return err
	}
	if t == nil || t.AccessToken == "" {
		return errors.New("token cache: no access token to store")
	}
	if t.Expiry.IsZero() {
		return errors.New("token cache: token has no expiry; not cached")
	}
	for _, d := range []string{c.Dir, c.tokensDir()} {
		if err := fsutil.PrivateDir(d); err != nil {
			return fmt.Errorf("token cache: %w", err)
		}
	}
	scope, _ := t.Extra("scope").(string)
	data, err := json.Marshal(cachedToken{AccessToken: t.AccessToken, TokenType: t.TokenType, Expiry: t.Expiry.UTC().Format(time.RFC3339Nano), Scope: scope})
	if err != nil {
		return fmt.Errorf("token cache: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("token cache: %w", err)
	}
	return nil
}

// lockRetry is how often a waiting run tries the lock again.
const lockRetry = 20 * time.Millisecond

// Lock holds Dir/tokens/<key>.lock, shared with every other a0meta process,
// until unlock is called or the process ends (the OS drops the lock then,
// so a killed run never leaves it held). Runs that find no token take turns:
// the first makes the token request, the next ones find its token.
func (c *TokenCache) Lock(ctx context.Context, key string) (unlock func(), err error) {
	path, err := c.file(key)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{c.Dir, c.tokensDir()} {
		if err := fsutil.PrivateDir(d); err != nil {
			return nil, fmt.Errorf("token cache: %w", err)
		}
	}
	l := flock.New(strings.TrimSuffix(path, ".json")+".lock", flock.SetPermissions(0o600))
	ok, err := l.TryLockContext(ctx, lockRetry)
	if err != nil {
		return nil, fmt.Errorf("token cache: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("token cache: lock not taken")
	}
	return func() { _ = l.Unlock() }, nil
}

// Delete removes key's token; deleting a missing entry is not an error.
func (c *TokenCache) Delete(key string) error {
	path, err := c.file(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("token cache: %w", err)
	}
	return nil
}
