package config

import (
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		in, base, host string
		err            string // substring; "" = no error
	}{
		{"example.auth0.com", "https://example.auth0.com", "example.auth0.com", ""},
		{"  Example.EU.Auth0.com/ ", "https://example.eu.auth0.com", "example.eu.auth0.com", ""},
		{"example.auth0.com:8443", "https://example.auth0.com:8443", "example.auth0.com:8443", ""},
		{"example.auth0.com:443", "https://example.auth0.com", "example.auth0.com", ""},
		{"https://example.auth0.com", "https://example.auth0.com", "example.auth0.com", ""},
		{"HTTPS://example.auth0.com/", "https://example.auth0.com", "example.auth0.com", ""},
		{"https://login.example.com:4443/", "https://login.example.com:4443", "login.example.com:4443", ""},
		{"http://127.0.0.1:4280", "http://127.0.0.1:4280", "127.0.0.1:4280", ""},
		{"http://127.5.6.7:9/", "http://127.5.6.7:9", "127.5.6.7:9", ""},
		{"http://[::1]:4280", "http://[::1]:4280", "[::1]:4280", ""},
		{"http://localhost:4280", "http://localhost:4280", "localhost:4280", ""},
		{"http://LOCALHOST", "http://localhost", "localhost", ""},
		{"https://[::1]:8443", "https://[::1]:8443", "[::1]:8443", ""},
		// Internationalized names are used in punycode form; a look-alike
		// Cyrillic "а" is a different host from the Latin "a".
		{"exämple.auth0.com", "https://xn--exmple-cua.auth0.com", "xn--exmple-cua.auth0.com", ""},
		{"https://EXÄMPLE.auth0.com:8443/", "https://xn--exmple-cua.auth0.com:8443", "xn--exmple-cua.auth0.com:8443", ""},
		{"ex\u0430mple.auth0.com", "https://xn--exmple-4nf.auth0.com", "xn--exmple-4nf.auth0.com", ""},
		{"exa\u200dmple.auth0.com", "", "", "not a valid internationalized host name"},
		{"http://example.auth0.com", "", "", "only allowed for loopback"},
		{"http://10.0.0.1:4280", "", "", "only allowed for loopback"},
		{"http://localhost.evil.com", "", "", "only allowed for loopback"},
		{"http://128.0.0.1", "", "", "only allowed for loopback"},
		{"ftp://example.auth0.com", "", "", "scheme"},
		{"file:///etc/passwd", "", "", "scheme"},
		{"example.auth0.com/api/v2", "", "", "without a path"},
		{"https://example.auth0.com/x", "", "", "without a path"},
		{"https://example.auth0.com?x=1", "", "", "without a path"},
		{"https://example.auth0.com#f", "", "", "without a path"},
		{"https://user:pw@example.auth0.com", "", "", "user name"},
		{"https://example.auth0.com:0", "", "", "port"},
		{"https://example.auth0.com:99999", "", "", "port"},
		{"https://example.auth0.com:", "", "", "port"},
		{"https://", "", "", "no host"},
		{"", "", "", "empty"},
		{"   ", "", "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			base, host, err := NormalizeDomain(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q (got %q %q)", err, tt.err, base, host)
				}
				if failure.CodeOf(err) != failure.Usage {
					t.Errorf("exit code %d, want 2", failure.CodeOf(err))
				}
				return
			}
			if err != nil || base != tt.base || host != tt.host {
				t.Fatalf("got %q %q %v, want %q %q", base, host, err, tt.base, tt.host)
			}
		})
	}
}

func TestDefaultAudience(t *testing.T) {
	tests := []struct{ base, want string }{
		{"https://example.auth0.com", "https://example.auth0.com/api/v2/"},
		{"https://example.auth0.com:8443", "https://example.auth0.com:8443/api/v2/"},
		{"http://127.0.0.1:4280", "https://127.0.0.1:4280/api/v2/"},
		{"http://[::1]:4280", "https://[::1]:4280/api/v2/"},
		{"http://localhost", "https://localhost/api/v2/"},
	}
	for _, tt := range tests {
		if got := DefaultAudience(tt.base); got != tt.want {
			t.Errorf("DefaultAudience(%q) = %q, want %q", tt.base, got, tt.want)
		}
	}
}
