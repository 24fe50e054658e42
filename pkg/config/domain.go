package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

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
