package cmdutil

import (
	"testing"

	"github.com/a0meta/a0meta/pkg/config"
)

func TestRedact(t *testing.T) {
	f := &Factory{settings: &config.Settings{
		ClientSecret: config.Value{Value: "the-client-SECRET-0123"},
		Token:        config.Value{Value: "eyJ.static-token.abc"},
	}}
	tests := []struct{ in, want string }{
		{"bad secret the-client-SECRET-0123 here", "bad secret [REDACTED] here"},
		{"token eyJ.static-token.abc", "token [REDACTED]"},
		{`answer {"access_token":"unknown-token-9876"} junk`, `answer {"access_token":"[REDACTED]"} junk`},
		{"Authorization: Bearer abcdefghijkl", "Authorization: Bearer [REDACTED]"},
		{"no user auth0|jane1", "no user auth0|jane1"},
	}
	for _, tt := range tests {
		if got := f.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
