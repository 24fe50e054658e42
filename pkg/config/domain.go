package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/a0meta/a0meta/pkg/failure"
)

// NormalizeDomain turns a configured domain into the base URL requests go
// to. d is a host ("example.auth0.com", "example.auth0.com:8443"), meaning
// https, or a URL ("https://example.auth0.com/", "http://127.0.0.1:4280").
// Plain http is refused unless the host is loopback (127.0.0.0/8, ::1,
// localhost): a client secret must never cross a network in clear text.
// baseURL is "scheme://host[:port]" with no trailing slash, the host
// lower-cased and a default port dropped; host is its "host[:port]" part.
// Errors are failure.Usage.
func NormalizeDomain(d string) (baseURL string, host string, err error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return "", "", failure.Usagef("empty domain")
	}
	raw := d
	if !strings.Contains(d, "://") {
		raw = "https://" + d
	}
	u, perr := url.Parse(raw)
	if perr != nil {
		return "", "", failure.Usagef("domain %q is neither a host name nor a URL", d)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", "", failure.Usagef("domain %q: scheme %q is not supported (use a host name or an https:// URL)", d, u.Scheme)
	}
	switch {
	case u.User != nil:
		return "", "", failure.Usagef("domain %q must not hold a user name or password", d)
	case u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", "", failure.Usagef("domain %q must be a host or a URL without a path, such as https://example.auth0.com", d)
	}
	hostname := strings.ToLower(u.Hostname())
	if hostname == "" {
		return "", "", failure.Usagef("domain %q has no host name", d)
	}
	if strings.ContainsAny(hostname, " \t\r\n%") {
		return "", "", failure.Usagef("domain %q has an invalid host name", d)
	}
	if !isASCII(hostname) {
		// An internationalized name is sent, cached and shown in its
		// punycode form, the name DNS and TLS certificates use.
		a, ierr := idna.Lookup.ToASCII(hostname)
		if ierr != nil {
			return "", "", failure.Usagef("domain %q is not a valid internationalized host name: %v", d, ierr)
		}
		hostname = a
	}
	port := u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return "", "", failure.Usagef("domain %q has an empty port", d)
	}
	if port != "" {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 {
			return "", "", failure.Usagef("domain %q has an invalid port %q", d, port)
		}
		port = strconv.Itoa(n)
		if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
			port = ""
		}
	}
	if scheme == "http" && !IsLoopback(hostname) {
		return "", "", failure.Usagef("domain %q: plain http:// is only allowed for loopback hosts (127.0.0.1, ::1, localhost); use https://", d)
	}
	host = hostname
	if strings.Contains(hostname, ":") {
		host = "[" + hostname + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, host, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hostOf is the host[:port] of a normalized base URL.
func hostOf(base string) string {
	_, host, _ := strings.Cut(base, "://")
	return host
}

// ASCIIDomain is d as a0meta shows and stores it: unchanged when it is all
// ASCII, else with its host in punycode form (changed is then true; the
// caller warns, since letters of other scripts can imitate a familiar
// domain). Errors are NormalizeDomain's.
func ASCIIDomain(d string) (ascii string, changed bool, err error) {
	base, _, err := NormalizeDomain(d)
	if err != nil {
		return "", false, err
	}
	if isASCII(d) {
		return d, false, nil
	}
	return asciiDomain(strings.TrimSpace(d), base), true, nil
}

// LookAlikeWarning is the warning for a domain given with non-ASCII
// characters.
func LookAlikeWarning(given, source, ascii string) string {
	return fmt.Sprintf("domain %q (from %s) has non-ASCII characters and is used in its punycode form %s: letters of other scripts can imitate a familiar domain, so check that this is the tenant you mean",
		given, source, ascii)
}

// asciiDomain is how a configured domain d with non-ASCII characters is
// shown: its punycode host[:port], or the whole base URL when d was a URL.
func asciiDomain(d, base string) string {
	if strings.Contains(d, "://") {
		return base
	}
	return hostOf(base)
}

// IsLoopback reports whether hostname (no port, no brackets) is localhost
// or a loopback address.
func IsLoopback(hostname string) bool {
	if strings.EqualFold(hostname, "localhost") {
		return true
	}
	ip := net.ParseIP(hostname)
	return ip != nil && ip.IsLoopback()
}

// DefaultAudience is the Management API audience of the tenant at baseURL:
// "https://{host[:port]}/api/v2/". It is https even for a loopback http
// domain, because that is the identifier Auth0 (and the sandbox) issue
// tokens for. A custom domain needs the audience set explicitly.
func DefaultAudience(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return fmt.Sprintf("https://%s/api/v2/", u.Host)
}
