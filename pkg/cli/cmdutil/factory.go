// Package cmdutil holds what every command shares: the factory that builds
// settings and the API client on demand, and small flag helpers.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/a0meta/a0meta/pkg/build"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
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
	// Deadline bounds the time a command spends on the tenant in all
	// (tokens, lookups, reads, writes, every attempt). Time waiting on the
	// user (an editor, a prompt) does not count. A bulk run applies it per
	// target instead: see Client.
	Deadline time.Duration
	// NoHistory: do not record this run's writes.
	NoHistory bool
}

// Factory builds, once per run, what commands need. Each NewCmdX copies the
// streams and the methods it uses (API, Where, ...) into its options
// struct, and its run function sees only those, so tests replace them
// without a factory.
type Factory struct {
	IO     *iostreams.IOStreams
	Env    config.Env
	Global GlobalOptions
	// Transport, when set before API is first called, is the base HTTP
	// transport (bulk commands pace and pool connections with it).
	Transport http.RoundTripper

	settings    *config.Settings
	settingsErr error
	resolved    bool
	client      *mgmt.Client
	api         metaops.API
	tokens      mgmt.TokenProvider
	closers     []func() error
	warned      bool
}

// Settings resolves configuration once per run, failure included: the
// config file is read and parsed once, and every caller sees the same
// answer.
func (f *Factory) Settings() (*config.Settings, error) {
	if f.resolved {
		return f.settings, f.settingsErr
	}
	f.resolved = true
	s, err := config.Resolve(config.Flags{
		Profile:    f.Global.Profile,
		Domain:     f.Global.Domain,
		ClientID:   f.Global.ClientID,
		Audience:   f.Global.Audience,
		ConfigFile: f.Global.Config,
	}, f.Env)
	// Partial settings (no domain) come with the error, for `config view`.
	f.settings, f.settingsErr = s, err
	// Warnings come first even when resolving failed: a misspelt key
	// (domian:) is often why no domain was found.
	if s != nil && !f.warned {
		f.warned = true
		for _, w := range s.Warnings {
			fmt.Fprintf(f.IO.ErrOut, "a0meta: warning: %s\n", w)
		}
	}
	return s, err
}

// GlobalArgs are the tenant-choosing global flags that were given, as
// arguments to repeat in a command line a0meta suggests.
func (f *Factory) GlobalArgs() []string {
	var out []string
	for _, fl := range []struct{ name, value string }{
		{"--config", f.Global.Config},
		{"--profile", f.Global.Profile},
		{"--domain", f.Global.Domain},
		{"--client-id", f.Global.ClientID},
		{"--audience", f.Global.Audience},
	} {
		if fl.value != "" {
			out = append(out, fl.name, fl.value)
		}
	}
	return out
}

// Where names the tenant for summary lines: the domain and where it
// really came from (config.Settings.Where).
func (f *Factory) Where() string {
	if f.settings == nil || f.settingsErr != nil {
		return "(no tenant)"
	}
	return f.settings.Where()
}

// API returns the Management API client for a command on one target, its
// time on the tenant bounded by --deadline in all. It starts the
// in-process sandbox for the built-in sandbox profile.
func (f *Factory) API() (metaops.API, error) {
	if f.api != nil {
		return f.api, nil
	}
	c, err := f.Client()
	if err != nil {
		return nil, err
	}
	f.api = &deadlineAPI{c: c, d: f.Global.Deadline, left: f.Global.Deadline}
	return f.api, nil
}

// Client returns the Management API client without the command's
// deadline. A run over many targets bounds each one itself:
//
//	ctx, cancel := mgmt.WithDeadline(ctx, f.Global.Deadline)
//	... metaops calls for one target with ctx ...
//	cancel()
func (f *Factory) Client() (*mgmt.Client, error) {
	if f.client != nil {
		return f.client, nil
	}
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if s.Sandbox {
		dir, err := config.DataDir(f.Env)
		if err != nil {
			return nil, failure.Wrap(failure.General, err, "cannot keep the sandbox tenant's state (the data directory)")
		}
		state := filepath.Join(dir, "sandbox.json")
		local, err := startSandbox(f.IO.ErrOut, state)
		var coded failure.Coder
		if err != nil && !errors.As(err, &coded) {
			return nil, failure.Wrap(failure.General, err, "cannot keep the sandbox tenant's state in %s", state)
		}
		if err != nil {
			return nil, err // interrupted, or a damaged state: already explained
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
		cacheDir, err := config.CacheDir(f.Env)
		if err != nil {
			return nil, err
		}
		// mgmt.New sends the token request through the client's own
		// stack: same retries, trace, User-Agent and connection.
		opts.Tokens = &mgmt.ClientCredentials{
			TokenURL:     s.BaseURL + "/oauth/token",
			ClientID:     s.ClientID.Value,
			ClientSecret: s.ClientSecret.Value,
			Audience:     s.Audience.Value,
			Cache:        &config.TokenCache{Dir: cacheDir},
			CacheKey:     s.TokenCacheKey(),
			Warn:         func(msg string) { Warn(f.IO.ErrOut, msg) },
		}
	}
	c, err := mgmt.New(opts)
	if err != nil {
		return nil, err
	}
	f.client, f.tokens = c, opts.Tokens
	return c, nil
}

// Redact scrubs a message as --debug traces are scrubbed: the client
// secret and token in effect, every credential the client has seen, and
// values of credential-named fields. Every error line goes through it.
func (f *Factory) Redact(msg string) string {
	if f.client != nil {
		msg = f.client.Redact(msg)
	}
	if s := f.settings; s != nil {
		msg = mgmt.RedactValues(msg, s.ClientSecret.Value, s.Token.Value)
	}
	return msg
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
func Warn(w io.Writer, msg string) { fmt.Fprintf(w, "a0meta: warning: %s\n", Sanitize(msg, true)) }
