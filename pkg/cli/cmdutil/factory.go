// Package cmdutil holds what every command shares: the factory that builds
// settings and the API client on demand, and small flag helpers.
package cmdutil

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/a0meta/a0meta/pkg/build"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/a0meta/a0meta/pkg/sandbox"
)

// GlobalOptions are the root command's persistent flags.
type GlobalOptions struct {
	Profile  string
	Config   string
	Domain   string
	ClientID string
	Audience string
	Debug    string // "", "on" or "redact-values"
	Timeout  time.Duration
}

// Factory builds, once per run, what commands need. Commands take the
// functions they use in their options, so tests can replace them.
type Factory struct {
	IO     *iostreams.IOStreams
	Env    config.Env
	Global GlobalOptions
	// Transport, when set before API is first called, is the base HTTP
	// transport (bulk commands pace and pool connections with it).
	Transport http.RoundTripper

	settings *config.Settings
	api      *mgmt.Client
	closers  []func() error
	warned   bool
}

// Settings resolves configuration once.
func (f *Factory) Settings() (*config.Settings, error) {
	if f.settings != nil {
		return f.settings, nil
	}
	s, err := config.Resolve(config.Flags{
		Profile:    f.Global.Profile,
		Domain:     f.Global.Domain,
		ClientID:   f.Global.ClientID,
		Audience:   f.Global.Audience,
		ConfigFile: f.Global.Config,
	}, f.Env)
	if err != nil {
		// Partial settings (no domain) are returned for `config view`.
		return s, err
	}
	f.settings = s
	if !f.warned {
		f.warned = true
		for _, w := range s.Warnings {
			fmt.Fprintf(f.IO.ErrOut, "a0meta: warning: %s\n", w)
		}
	}
	return s, nil
}

// Where names the tenant (and profile) for summary lines.
func (f *Factory) Where() string {
	s := f.settings
	if s == nil {
		return "(no tenant)"
	}
	if s.Profile != "" {
		return fmt.Sprintf("%s (profile %s)", s.Domain.Value, s.Profile)
	}
	return s.Domain.Value
}

// API returns the Management API client, starting the in-process sandbox
// for the built-in sandbox profile.
func (f *Factory) API() (metaops.API, error) {
	if f.api != nil {
		return f.api, nil
	}
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if s.Sandbox {
		dir, err := config.DataDir(f.Env)
		if err != nil {
			return nil, err
		}
		local, err := sandbox.StartLocal(filepath.Join(dir, "sandbox.json"))
		if err != nil {
			return nil, err
		}
		f.closers = append(f.closers, local.Close)
		s.BaseURL = local.URL
	}
	if s.Token.Value == "" {
		if err := s.CredentialsError(); err != nil {
			return nil, err
		}
	}
	opts := mgmt.Options{
		BaseURL:   s.BaseURL,
		UserAgent: "a0meta/" + build.Get().Version,
		Timeout:   f.Global.Timeout,
		Transport: f.Transport,
	}
	if f.Global.Debug != "" {
		opts.Debug = f.IO.ErrOut
		opts.DebugRedactValues = f.Global.Debug == "redact-values"
	}
	if s.Token.Value != "" {
		opts.Tokens = mgmt.StaticToken(s.Token.Value)
	} else {
		// The token request goes through a client of its own so that it
		// gets the same retries, trace and User-Agent as API calls.
		tokenHTTP, err := mgmt.New(opts)
		if err != nil {
			return nil, err
		}
		cacheDir, err := config.CacheDir(f.Env)
		if err != nil {
			return nil, err
		}
		opts.Tokens = &mgmt.ClientCredentials{
			TokenURL:     s.BaseURL + "/oauth/token",
			ClientID:     s.ClientID.Value,
			ClientSecret: s.ClientSecret.Value,
			Audience:     s.Audience.Value,
			Cache:        &config.TokenCache{Dir: cacheDir},
			CacheKey:     s.TokenCacheKey(),
			HTTPClient:   tokenHTTP.HTTPClient(),
		}
	}
	c, err := mgmt.New(opts)
	if err != nil {
		return nil, err
	}
	f.api = c
	return c, nil
}

// Close releases what API started (the in-process sandbox saves its state).
func (f *Factory) Close() error {
	var first error
	for i := len(f.closers) - 1; i >= 0; i-- {
		if err := f.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	f.closers = nil
	return first
}

// Warn prints a warning line on stderr.
func Warn(w io.Writer, msg string) { fmt.Fprintf(w, "a0meta: warning: %s\n", msg) }
