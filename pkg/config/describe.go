package config

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
)

// TokenCacheKey names this run's cached token: a SHA-256 (hex) of the
// profile, the tenant's base URL (scheme and host[:port]), the client id and the audience, each
// length-prefixed so no two different tuples share a key. The sandbox is
// keyed by its stable virtual domain, not its server's port.
func (s *Settings) TokenCacheKey() string {
	host := s.BaseURL // normalized: scheme and host[:port]
	if s.Sandbox {
		host = SandboxDomain
	}
	h := sha256.New()
	h.Write([]byte("a0meta token cache v1\x00"))
	for _, f := range []string{s.Profile, host, s.ClientID.Value, s.Audience.Value} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Describe writes what `a0meta config view` shows: one line per setting
// with the source it came from. The client secret and the token are never
// written: redact shows them as "[REDACTED]"; without redact their length
// is added ("[REDACTED] (64 characters)"), which helps spot a truncated
// paste without revealing anything useful.
func (s *Settings) Describe(w io.Writer, redact bool) {
	line := func(name, value, source string) {
		if source != "" {
			value += "   (" + source + ")"
		}
		fmt.Fprintf(w, "%-15s%s\n", name+":", value)
	}
	value := func(v Value) string {
		if v.Value == "" {
			return "(not set)"
		}
		return v.Value
	}
	hidden := func(v Value) string {
		switch {
		case v.Value == "":
			return "(not set)"
		case redact:
			return "[REDACTED]"
		}
		return fmt.Sprintf("[REDACTED] (%d characters)", len(v.Value))
	}

	profile := s.Profile
	if profile == "" {
		profile = "(none)"
	}
	line("profile", profile, s.ProfileSource)
	cfg := s.ConfigFile
	if !s.ConfigExists {
		cfg += " (does not exist)"
	}
	line("config file", cfg, "")
	line("domain", value(s.Domain), s.Domain.Source)
	base := s.BaseURL
	switch {
	case base == "" && s.Sandbox:
		base = "(the in-process sandbox server)"
	case base == "":
		base = "(not set)"
	}
	line("base url", base, "")
	line("client_id", value(s.ClientID), s.ClientID.Source)
	line("client_secret", hidden(s.ClientSecret), s.ClientSecret.Source)
	line("token", hidden(s.Token), s.Token.Source)
	line("audience", value(s.Audience), s.Audience.Source)
	// The guard rails come from the profile in use; the sandbox has none.
	guard := func(on bool, what string) (string, string) {
		if !on {
			return "false", ""
		}
		return "true", what
	}
	v, why := guard(s.ReadOnly, "every write is refused")
	line("read_only", v, why)
	v, why = guard(s.Confirm, "every write asks first, or needs --yes")
	line("confirm", v, why)
}
