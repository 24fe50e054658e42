// Package doctor is `a0meta doctor`: which tenant and credentials a command
// would use and where each came from, whether the token carries the scopes
// each command needs, and whether a0meta's files are private.
package doctor

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"
)

// Options are the dependencies and flags of `doctor`.
type Options struct {
	IO       *iostreams.IOStreams
	Settings func() (*config.Settings, error)
	// Token gets the access token as commands would (after API).
	Token func(context.Context) (string, error)
	API   func() (metaops.API, error)
	// CacheDir is the token cache's directory; CacheKey the key of this
	// run's token in it ("" when the token is not cached).
	CacheDir func() (string, error)
	CacheKey func() string
	Log      func(*config.Settings) (*history.Log, error)
	// NoHistory is --no-history.
	NoHistory bool

	Output string
	now    func() time.Time
}

// NewCmdDoctor returns `a0meta doctor`; runF replaces the run in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IO, Settings: f.Settings, API: f.API, Log: f.HistoryLog, now: time.Now,
		Token:    func(ctx context.Context) (string, error) { return f.Tokens().Token(ctx) },
		CacheDir: func() (string, error) { return config.CacheDir(f.Env) },
		CacheKey: func() string {
			if cc, ok := f.Tokens().(*mgmt.ClientCredentials); ok && cc.Cache != nil {
				return cc.StoreKey()
			}
			return ""
		},
	}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the tenant, the token's scopes and the files' permissions",
		Long: `Show the settings a command would use and where each came from, get a token
(or reuse the cached one) and show when it expires, and check its granted
scopes against what each command needs. user meta get needs read:users; the
user meta writes (set, unset, clear, edit) need read:users and update:users,
or with --app read:users and update:users_app_metadata. client meta get needs
read:clients; the client meta writes need read:clients and update:clients.

The granted scopes come from the token endpoint's answer (kept in the token
cache), else from the token's claims. A read_only profile needs only the read
scopes. Last, the config file, the token cache and the history must be
readable by their owner only.

Exit status 0 when everything is in order; 1 when something is missing or
too open, naming each missing scope; 4 when no token can be had.`,
		Example: `  a0meta doctor
  a0meta doctor -o json | jq .missing_scopes`,
		Args: cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "" {
				if err := cmdutil.OneOf("output", opts.Output, "json"); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			opts.NoHistory = f.Global.NoHistory
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output format: json")
	return cmd
}

// Need is the scopes one kind of command needs: every one of All, and one
// of AnyOf when it is set.
type Need struct {
	Command string   `json:"command"`
	All     []string `json:"needs"`
	AnyOf   []string `json:"needs_one_of,omitempty"`
	Write   bool     `json:"-"`
}

// Needs are the commands' scopes, per the Management API.
var Needs = []Need{
	{Command: "user meta get", All: []string{"read:users"}},
	{Command: "user meta writes", All: []string{"read:users", "update:users"}, Write: true},
	{Command: "user meta writes --app", All: []string{"read:users"}, AnyOf: []string{"update:users", "update:users_app_metadata"}, Write: true},
	{Command: "client meta get", All: []string{"read:clients"}},
	{Command: "client meta writes", All: []string{"read:clients", "update:clients"}, Write: true},
}

// Check is one Need against the granted scopes.
type Check struct {
	Need
	Missing []string `json:"missing"`
	OK      bool     `json:"ok"`
	Skipped string   `json:"skipped,omitempty"`
}

// CheckScopes checks every Need against granted. readOnly skips the writes.
func CheckScopes(granted []string, readOnly bool) []Check {
	has := map[string]bool{}
	for _, s := range granted {
		has[s] = true
	}
	var out []Check
	for _, n := range Needs {
		c := Check{Need: n, Missing: []string{}}
		if n.Write && readOnly {
			c.OK, c.Skipped = true, "read_only profile"
			out = append(out, c)
			continue
		}
		for _, s := range n.All {
			if !has[s] {
				c.Missing = append(c.Missing, s)
			}
		}
		if len(n.AnyOf) > 0 {
			any := false
			for _, s := range n.AnyOf {
				any = any || has[s]
			}
			if !any {
				c.Missing = append(c.Missing, strings.Join(n.AnyOf, " or "))
			}
		}
		c.OK = len(c.Missing) == 0
		out = append(out, c)
	}
	return out
}

// File is one of a0meta's files and its permissions.
type File struct {
	What   string `json:"what"`
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	Mode   string `json:"mode,omitempty"`
	OK     bool   `json:"ok"`
}

// Report is what doctor found.
type Report struct {
	Profile       string            `json:"profile"`
	Domain        string            `json:"domain"`
	Sources       map[string]string `json:"sources"`
	ReadOnly      bool              `json:"read_only"`
	Confirm       bool              `json:"confirm"`
	TokenSource   string            `json:"token_source"`
	Expires       *time.Time        `json:"expires,omitempty"`
	Scopes        []string          `json:"scopes"`
	ScopesFrom    string            `json:"scopes_from"`
	Checks        []Check           `json:"checks"`
	MissingScopes []string          `json:"missing_scopes"`
	Files         []File            `json:"files"`
	History       string            `json:"history"`
	OK            bool              `json:"ok"`
}

// Run checks and reports.
func Run(ctx context.Context, opts *Options) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	if _, err := opts.API(); err != nil {
		return err
	}
	tok, err := opts.Token(ctx)
	if err != nil {
		return err
	}
	r := &Report{Profile: s.Profile, Domain: s.Domain.Value, ReadOnly: s.ReadOnly, Confirm: s.Confirm,
		Sources: map[string]string{}, Scopes: []string{}, MissingScopes: []string{}}
	for name, v := range map[string]config.Value{"domain": s.Domain, "client_id": s.ClientID, "client_secret": s.ClientSecret, "audience": s.Audience, "token": s.Token} {
		if v.Source != "" {
			r.Sources[name] = v.Source
		}
	}
	if s.ProfileSource != "" {
		r.Sources["profile"] = s.ProfileSource
	}

	// The scopes: the token endpoint's answer kept in the cache, else the
	// token's own claims.
	var cacheFile string
	r.TokenSource = "client credentials"
	if s.Token.Value != "" && !s.Sandbox {
		r.TokenSource = s.Token.Source
	} else if dir, err := opts.CacheDir(); err == nil && opts.CacheKey() != "" {
		key := opts.CacheKey()
		cacheFile = filepath.Join(dir, "tokens", key+".json")
		if ct, err := (&config.TokenCache{Dir: dir}).Load(key); err == nil && ct != nil && ct.AccessToken == tok {
			exp := ct.Expiry.UTC()
			r.Expires = &exp
			if sc, ok := ct.Extra("scope").(string); ok && sc != "" {
				r.Scopes, r.ScopesFrom = strings.Fields(sc), "the token endpoint's answer (token cache)"
			}
		}
	}
	if claims, ok := jwtClaims(tok); ok {
		if r.Expires == nil {
			if exp := claims.Get("exp"); exp.Exists() {
				t := time.Unix(exp.Int(), 0).UTC()
				r.Expires = &t
			}
		}
		if r.ScopesFrom == "" {
			if sc := claims.Get("scope"); sc.Exists() {
				r.Scopes, r.ScopesFrom = strings.Fields(sc.String()), "the token's claims"
			}
		}
	}
	if r.ScopesFrom == "" {
		r.ScopesFrom = "unknown: the token is not a JWT and its grant was not cached"
	}
	r.Checks = CheckScopes(r.Scopes, s.ReadOnly)
	seen := map[string]bool{}
	for _, c := range r.Checks {
		for _, m := range c.Missing {
			if !seen[m] {
				seen[m] = true
				r.MissingScopes = append(r.MissingScopes, m)
			}
		}
	}

	// The files.
	if s.ConfigExists {
		fc := fileCheck("config file", s.ConfigFile)
		if info, err := os.Stat(s.ConfigFile); err == nil && runtime.GOOS != "windows" {
			// Others may read a config without a secret, never write it.
			secret := strings.HasPrefix(s.ClientSecret.Source, "profile ")
			fc.OK = info.Mode().Perm()&0o022 == 0 && (!secret || info.Mode().Perm()&0o044 == 0)
		}
		r.Files = append(r.Files, fc)
	}
	if cacheFile != "" {
		r.Files = append(r.Files, fileCheck("token cache", cacheFile))
	}
	log, err := opts.Log(s)
	if err != nil {
		return err
	}
	r.Files = append(r.Files, fileCheck("history", log.Path()))
	switch {
	case opts.NoHistory:
		r.History = "off for this run (--no-history)"
	case s.History.Disabled:
		r.History = "off (history.enabled: false in " + s.ConfigFile + ")"
	default:
		r.History = fmt.Sprintf("on, kept up to %d MB and %d days", log.Settings.MaxSizeMB, log.Settings.MaxAgeDays)
	}

	r.OK = len(r.MissingScopes) == 0 && r.ScopesFrom != "" && len(r.Scopes) > 0
	for _, fc := range r.Files {
		r.OK = r.OK && fc.OK
	}
	if opts.Output == "json" {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return err
		}
		opts.IO.Out.Write(b.Bytes())
	} else {
		s.Describe(opts.IO.Out, true)
		writeText(opts.IO.Out, r, opts.now())
	}
	return problems(r)
}

// problems is nil when r is all in order, else an exit-1 error naming
// every missing scope and every file that is too open.
func problems(r *Report) error {
	var msgs []string
	for _, c := range r.Checks {
		if !c.OK {
			msgs = append(msgs, fmt.Sprintf("%s needs %s", c.Command, strings.Join(c.Missing, ", ")))
		}
	}
	if len(r.Scopes) == 0 {
		msgs = append(msgs, "the token's scopes are "+r.ScopesFrom)
	}
	for _, fc := range r.Files {
		if !fc.OK {
			msgs = append(msgs, fmt.Sprintf("%s %s is %s, open to others: chmod %s", fc.What, fc.Path, fc.Mode, privMode(fc)))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	lead := "missing scope(s): " + strings.Join(r.MissingScopes, ", ")
	if len(r.MissingScopes) == 0 {
		lead = "not in order"
	}
	return failure.New(failure.General, "%s (%s)", lead, strings.Join(msgs, "; "))
}

func privMode(fc File) string {
	if strings.HasPrefix(fc.Mode, "d") {
		return "700"
	}
	return "600"
}

func writeText(w io.Writer, r *Report, now time.Time) {
	line := func(name, value string) { fmt.Fprintf(w, "%-15s%s\n", name+":", value) }
	exp := "unknown"
	if r.Expires != nil {
		exp = r.Expires.Format(time.RFC3339)
		if d := r.Expires.Sub(now).Round(time.Minute); d > 0 {
			exp += fmt.Sprintf(" (in %s)", strings.TrimSuffix(d.String(), "0s"))
		} else {
			exp += " (expired)"
		}
	}
	line("token expires", exp)
	line("scopes", strings.Join(r.Scopes, " ")+"   (from "+r.ScopesFrom+")")
	for _, c := range r.Checks {
		mark := "ok     "
		if !c.OK {
			mark = "MISSING"
		}
		needs := strings.Join(c.All, ", ")
		if len(c.AnyOf) > 0 {
			needs += ", " + strings.Join(c.AnyOf, " or ")
		}
		detail := needs
		switch {
		case c.Skipped != "":
			detail = "not needed: " + c.Skipped
		case !c.OK:
			detail = "needs " + strings.Join(c.Missing, ", ")
		}
		fmt.Fprintf(w, "  %s  %-24s %s\n", mark, c.Command, detail)
	}
	for _, fc := range r.Files {
		mark := "ok     "
		if !fc.OK {
			mark = "TOO OPEN"
		}
		mode := fc.Mode
		if !fc.Exists {
			mode, mark = "(none yet)", "ok     "
		}
		fmt.Fprintf(w, "  %s  %-12s %-11s %s\n", mark, fc.What, mode, fc.Path)
	}
	line("history", r.History)
}

// fileCheck stats path: a file others can read, or in a directory others
// can enter, is too open. A file not there yet is fine.
func fileCheck(what, path string) File {
	fc := File{What: what, Path: path, OK: true}
	info, err := os.Stat(path)
	if err != nil {
		return fc
	}
	fc.Exists, fc.Mode = true, info.Mode().Perm().String()
	if runtime.GOOS == "windows" {
		return fc
	}
	fc.OK = info.Mode().Perm()&0o077 == 0
	if what != "config file" { // the config directory is often shared
		if d, err := os.Stat(filepath.Dir(path)); err == nil && d.Mode().Perm()&0o077 != 0 {
			fc.OK, fc.Path, fc.Mode = false, filepath.Dir(path), d.Mode().String()
		}
	}
	return fc
}

// jwtClaims decodes a JWT's payload (no signature check: only the scope
// and expiry the server will apply are read).
func jwtClaims(tok string) (gjson.Result, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return gjson.Result{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || !gjson.ValidBytes(payload) {
		return gjson.Result{}, false
	}
	return gjson.ParseBytes(payload), true
}
