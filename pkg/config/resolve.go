package config

import (
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/sandbox"
)

// The built-in sandbox profile, as the sandbox package serves it: demo
// credentials of a local emulator, not secrets. The domain and audience are
// virtual and stable (not the server's ephemeral port) so sandbox tokens
// are cached like a tenant's.
const (
	SandboxDomain       = sandbox.VirtualDomain
	SandboxClientID     = sandbox.DemoClientID
	SandboxClientSecret = sandbox.DemoClientSecret
	SandboxAudience     = sandbox.VirtualAudience
)

// Sources of values that are not a profile.
const (
	SourceDefaultAudience = "default for the domain"
	SourceSandbox         = "built-in sandbox profile"
)

// Flags are the command-line inputs of one run; "" means not given.
type Flags struct {
	Profile, Domain, ClientID, Audience, ConfigFile string
}

// Value is a setting and where it came from ("--domain flag",
// "A0META_DOMAIN", `profile "prod" in /path/config.yaml`, "AUTH0_DOMAIN",
// ...). Source is "" when Value is unset.
type Value struct {
	Value  string
	Source string
}

func (v Value) set() bool { return v.Value != "" }

// Settings are the effective settings of one run.
type Settings struct {
	Profile         string // lower-cased; "" when no profile is in use
	ProfileSource   string // "--profile flag", "A0META_PROFILE", "default_profile in /path"
	ProfileExplicit bool   // chosen by --profile or A0META_PROFILE
	Sandbox         bool   // the built-in sandbox profile: the cli serves BaseURL

	ConfigFile   string
	ConfigExists bool

	Domain, ClientID, ClientSecret, Token, Audience Value

	// The guard rails of the profile in use (explicit or default_profile,
	// whatever supplied the domain: when in doubt, guard): ReadOnly
	// refuses every write, Confirm asks before each one.
	ReadOnly, Confirm bool
	// History is the config file's history: section.
	History HistoryConfig

	// BaseURL is the normalized domain, "https://host[:port]" or
	// "http://127.0.0.1:port", without a trailing slash. Empty for the
	// sandbox until the cli fills it with its server's URL.
	BaseURL string

	Warnings []string
}

// Resolve works out the settings of one run from the flags, the
// environment and the config file, following the contract:
//
// The profile is --profile, else A0META_PROFILE (both explicit), else the
// file's default_profile (implicit), else none.
//
// With an explicit profile: flags > the profile > A0META_* > AUTH0_* >
// defaults. The environment only fills what the profile leaves out, so an
// ambient variable never redirects a profile the user chose. A0META_TOKEN
// is ignored (with a warning) when the profile has a client secret.
//
// Otherwise: flags > A0META_* > the implicit profile > AUTH0_DOMAIN,
// AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET > defaults. A token in effect wins
// over client credentials.
//
// A credential is only sent to the domain its own source names (see
// checkBindings); otherwise Resolve refuses (failure.Usage), naming both
// domains and their sources. With profiles in the file but none chosen
// and no domain from elsewhere, Resolve refuses rather than pick one.
//
// The sandbox profile is built in and all-or-nothing: chosen explicitly, it
// refuses --domain, --client-id and --audience and ignores A0META_*;
// chosen as default_profile, it steps aside entirely when a flag or an
// A0META_* credential variable is given (they rank above an implicit
// profile, and the sandbox cannot be mixed with a real tenant).
//
// Missing credentials are not an error here; see CredentialsError. When
// no domain is found, the error comes with the settings found so far.
func Resolve(flags Flags, env Env) (*Settings, error) {
	s := &Settings{ConfigFile: flags.ConfigFile}
	if s.ConfigFile == "" {
		p, err := ConfigPath(env)
		if err != nil {
			return nil, failure.Wrap(failure.Usage, err, "cannot find the config file")
		}
		s.ConfigFile = p
	}
	file, err := LoadFile(s.ConfigFile)
	if err != nil {
		return nil, err
	}
	s.ConfigExists = file.Exists
	s.History = file.History
	s.Warnings = append(s.Warnings, file.Warnings...)
	if !file.Exists && (flags.ConfigFile != "" || env("A0META_CONFIG") != "") {
		s.Warnings = append(s.Warnings, fmt.Sprintf("config file %s does not exist", s.ConfigFile))
	}

	// Which profile.
	switch {
	case flags.Profile != "":
		s.Profile, s.ProfileSource, s.ProfileExplicit = flags.Profile, "--profile flag", true
	case env("A0META_PROFILE") != "":
		s.Profile, s.ProfileSource, s.ProfileExplicit = env("A0META_PROFILE"), "A0META_PROFILE", true
	case file.DefaultProfile != "":
		s.Profile, s.ProfileSource = file.DefaultProfile, "default_profile in "+s.ConfigFile
	}
	s.Profile = strings.ToLower(strings.TrimSpace(s.Profile))

	flagDomain := src(flags.Domain, "--domain flag")
	flagClientID := src(flags.ClientID, "--client-id flag")
	flagAudience := src(flags.Audience, "--audience flag")
	envv := func(name string) Value { return src(env(name), name) }

	if s.Profile == SandboxProfile {
		if s.ProfileExplicit {
			return s.resolveSandbox(flagDomain, flagClientID, flagAudience, env)
		}
		var overriding []string
		for _, v := range []Value{flagDomain, flagClientID, flagAudience, envv("A0META_DOMAIN"), envv("A0META_CLIENT_ID"),
			envv("A0META_CLIENT_SECRET"), envv("A0META_TOKEN"), envv("A0META_AUDIENCE")} {
			if v.set() {
				overriding = append(overriding, v.Source)
			}
		}
		if len(overriding) == 0 {
			return s.resolveSandbox(flagDomain, flagClientID, flagAudience, env)
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf("default_profile %q in %s is not used because %s is given",
			SandboxProfile, s.ConfigFile, strings.Join(overriding, ", ")))
		s.Profile, s.ProfileSource = "", ""
	}

	var prof Profile
	profSrc := ""
	if s.Profile != "" {
		p, ok := file.Profiles[s.Profile]
		if !ok {
			return nil, s.unknownProfile(file)
		}
		prof, profSrc = p, fmt.Sprintf("profile %q in %s", s.Profile, s.ConfigFile)
	}
	fromProf := func(v string) Value { return src(v, profSrc) }

	if s.ProfileExplicit {
		s.Domain = first(flagDomain, fromProf(prof.Domain), envv("A0META_DOMAIN"), envv("AUTH0_DOMAIN"))
		s.ClientID = first(flagClientID, fromProf(prof.ClientID), envv("A0META_CLIENT_ID"), envv("AUTH0_CLIENT_ID"))
		s.ClientSecret = first(fromProf(prof.ClientSecret), envv("A0META_CLIENT_SECRET"), envv("AUTH0_CLIENT_SECRET"))
		s.Audience = first(flagAudience, fromProf(prof.Audience), envv("A0META_AUDIENCE"))
		if prof.ClientSecret == "" {
			s.Token = envv("A0META_TOKEN")
		} else if env("A0META_TOKEN") != "" {
			s.Warnings = append(s.Warnings, fmt.Sprintf("A0META_TOKEN is ignored: profile %q has its own client secret", s.Profile))
		}
	} else {
		s.Domain = first(flagDomain, envv("A0META_DOMAIN"), fromProf(prof.Domain), envv("AUTH0_DOMAIN"))
		s.ClientID = first(flagClientID, envv("A0META_CLIENT_ID"), fromProf(prof.ClientID), envv("AUTH0_CLIENT_ID"))
		s.ClientSecret = first(envv("A0META_CLIENT_SECRET"), fromProf(prof.ClientSecret), envv("AUTH0_CLIENT_SECRET"))
		s.Audience = first(flagAudience, envv("A0META_AUDIENCE"), fromProf(prof.Audience))
		s.Token = envv("A0META_TOKEN")
	}

	if !s.Domain.set() {
		// The partial settings let `config view` show what was found.
		return s, s.noDomain(file, profSrc)
	}
	base, _, err := NormalizeDomain(s.Domain.Value)
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, "bad domain from %s", s.Domain.Source)
	}
	s.BaseURL = base

	if !isASCII(s.Domain.Value) {
		s.Warnings = append(s.Warnings, LookAlikeWarning(s.Domain.Value, s.Domain.Source, hostOf(base)))
		s.Domain.Value = asciiDomain(strings.TrimSpace(s.Domain.Value), base)
	}

	if err := s.checkBindings(env, prof, profSrc, base); err != nil {
		return nil, err
	}
	if s.Audience.Source == profSrc && profSrc != "" && s.Domain.Source != profSrc && !sameTenant(prof.Domain, base) {
		s.Warnings = append(s.Warnings, fmt.Sprintf("audience %s comes from %s but domain comes from %s (%s)",
			s.Audience.Value, profSrc, s.Domain.Source, s.Domain.Value))
	}
	if !s.Audience.set() {
		s.Audience = Value{DefaultAudience(base), SourceDefaultAudience}
	}
	s.ReadOnly, s.Confirm = prof.ReadOnly, prof.Confirm
	return s, nil
}

// checkBindings refuses to send a credential to a domain other than the
// one its own source names: a profile's stored secret belongs to the
// profile's domain, A0META_CLIENT_SECRET and A0META_TOKEN to A0META_DOMAIN
// (when set), AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET to AUTH0_DOMAIN
// (when set). A credential whose source names no domain goes with the
// domain in effect. Only the credentials that would be sent are checked: a
// token in effect, else the client id and secret.
func (s *Settings) checkBindings(env Env, prof Profile, profSrc, base string) error {
	// home is the domain a credential's source names, if any.
	home := func(source string) (Value, bool) {
		switch {
		case source == "":
			return Value{}, false
		case source == profSrc:
			return Value{prof.Domain, profSrc}, true
		case source == "A0META_CLIENT_SECRET" || source == "A0META_TOKEN":
			d := src(env("A0META_DOMAIN"), "A0META_DOMAIN")
			return d, d.set()
		case strings.HasPrefix(source, "AUTH0_"):
			d := src(env("AUTH0_DOMAIN"), "AUTH0_DOMAIN")
			return d, d.set()
		}
		return Value{}, false
	}
	type cred struct {
		what string
		v    Value
	}
	creds := []cred{{"token", s.Token}}
	if !s.Token.set() {
		creds = []cred{{"client secret", s.ClientSecret}}
		// A profile's or A0META_CLIENT_ID's id is no secret, but the id
		// that goes with AUTH0_CLIENT_SECRET is bound like the secret.
		if s.ClientID.Source == "AUTH0_CLIENT_ID" {
			creds = append(creds, cred{"client_id", s.ClientID})
		}
	}
	for _, c := range creds {
		h, named := home(c.v.Source)
		if !named || h.Source == s.Domain.Source || sameTenant(h.Value, base) {
			continue
		}
		if c.v.Source == profSrc {
			own := "which has no domain of its own"
			if h.Value != "" {
				own = "whose domain is " + h.Value
			}
			return failure.Usagef("%s comes from %s (%s) but domain comes from %s (%s); refusing to send the profile's secret to another domain",
				c.what, profSrc, own, s.Domain.Source, s.Domain.Value)
		}
		return failure.Usagef("%s comes from %s, which goes with %s (%s), but domain comes from %s (%s); refusing to send %s to another domain (take the domain and the credentials from the same place)",
			c.what, c.v.Source, h.Source, h.Value, s.Domain.Source, s.Domain.Value, c.v.Source)
	}
	return nil
}

// Where names the tenant for summary lines and history: the domain, and
// the profile when the profile supplied the domain, else the domain's
// source ("example.auth0.com (from A0META_DOMAIN)"). It is what was used,
// not merely the profile that was selected.
func (s *Settings) Where() string {
	switch {
	case s.Sandbox:
		return SandboxDomain + " (profile " + SandboxProfile + ")"
	case s.Domain.Value == "":
		return "(no tenant)"
	case s.Profile != "" && s.Domain.Source == fmt.Sprintf("profile %q in %s", s.Profile, s.ConfigFile):
		return fmt.Sprintf("%s (profile %s)", s.Domain.Value, s.Profile)
	case s.Domain.Source != "":
		return fmt.Sprintf("%s (from %s)", s.Domain.Value, strings.TrimSuffix(s.Domain.Source, " flag"))
	}
	return s.Domain.Value
}

func (s *Settings) resolveSandbox(flagDomain, flagClientID, flagAudience Value, env Env) (*Settings, error) {
	for _, v := range []Value{flagDomain, flagClientID, flagAudience} {
		if v.set() {
			return nil, failure.Usagef("%s cannot be used with the sandbox profile (chosen by %s): the sandbox tenant is built in; leave out %s or choose another profile",
				v.Source, s.ProfileSource, strings.TrimSuffix(v.Source, " flag"))
		}
	}
	if env("A0META_TOKEN") != "" {
		s.Warnings = append(s.Warnings, "A0META_TOKEN is ignored: the sandbox profile has its own client secret")
	}
	s.Sandbox = true
	s.Domain = Value{SandboxDomain, SourceSandbox}
	s.ClientID = Value{SandboxClientID, SourceSandbox}
	s.ClientSecret = Value{SandboxClientSecret, SourceSandbox}
	s.Audience = Value{SandboxAudience, SourceSandbox}
	return s, nil
}

func (s *Settings) unknownProfile(file *File) error {
	where := "(the file does not exist)"
	if file.Exists {
		where = "(it has no profiles)"
		if names := file.ProfileNames(); len(names) > 0 {
			where = "(profiles: " + strings.Join(names, ", ") + ")"
		}
	}
	return failure.Usagef("profile %q (from %s) is not defined in %s %s; %q is the built-in local tenant",
		s.Profile, s.ProfileSource, s.ConfigFile, where, SandboxProfile)
}

func (s *Settings) noDomain(file *File, profSrc string) error {
	if profSrc == "" && len(file.Profiles) > 0 {
		// Profiles exist but none is the default: choosing one for the
		// user could write to production by accident.
		return failure.Usagef("no profile chosen: %s has profiles (%s) but no default_profile, and no domain is set; pass -p NAME (or set A0META_PROFILE), or make one the default with\n"+
			"  a0meta config set-profile NAME --default\n"+
			"(--profile sandbox is the built-in local sandbox tenant)", s.ConfigFile, strings.Join(file.ProfileNames(), ", "))
	}
	lead := "no Auth0 tenant configured"
	if profSrc != "" {
		lead = profSrc + " has no domain"
	}
	return failure.Usagef("%s: write a profile with\n"+
		"  a0meta config set-profile prod --domain example.eu.auth0.com --client-id ID   (the secret is read from stdin or a prompt)\n"+
		"or set A0META_DOMAIN, A0META_CLIENT_ID and A0META_CLIENT_SECRET (or pass --domain);\n"+
		"to try a0meta on a local sandbox tenant, use --profile sandbox", lead)
}

// CredentialsError is nil when the settings can authenticate (a token, or
// a client id and secret), else a failure.Usage saying what is missing.
func (s *Settings) CredentialsError() error {
	if s.Sandbox || s.Token.set() || (s.ClientID.set() && s.ClientSecret.set()) {
		return nil
	}
	var missing []string
	if !s.ClientID.set() {
		missing = append(missing, "client_id (--client-id, A0META_CLIENT_ID or the profile's client_id)")
	}
	if !s.ClientSecret.set() {
		missing = append(missing, "client secret (A0META_CLIENT_SECRET or the profile's client_secret)")
	}
	return failure.Usagef("no credentials for %s: missing %s; or set A0META_TOKEN to a Management API token",
		s.Domain.Value, strings.Join(missing, " and "))
}

// sameTenant reports whether a profile's configured domain normalizes to
// base.
func sameTenant(profDomain, base string) bool {
	if profDomain == "" {
		return false
	}
	b, _, err := NormalizeDomain(profDomain)
	return err == nil && b == base
}

func src(v, source string) Value {
	if v == "" {
		return Value{}
	}
	return Value{v, source}
}

// first is the first set value, in precedence order.
func first(vs ...Value) Value {
	for _, v := range vs {
		if v.set() {
			return v
		}
	}
	return Value{}
}
