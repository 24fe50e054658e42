package cmdutil

import (
	"testing"
	"unicode"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		in     string
		keepNL bool
		want   string
	}{
		{"plain auth0|jane1 日本", false, "plain auth0|jane1 日本"},
		{"a\x1b[2Jb", false, `a\x1b[2Jb`},
		{"cr\rlf\n", false, `cr\rlf\n`},
		{"line one\nline\ttwo", true, "line one\nline\\ttwo"},
		{"del\x7f c1\u0085", false, `del\x7f c1\u0085`},
		{"rtl\u202egnp.exe", false, `rtl\u202egnp.exe`},
		{"bad\xffutf8", false, `bad\xffutf8`},
		{"", false, ""},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in, tt.keepNL); got != tt.want {
			t.Errorf("Sanitize(%q, %v) = %q, want %q", tt.in, tt.keepNL, got, tt.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("a\x1b[31m\n\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("Sanitize(%q) = %q keeps %U", s, out, r)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("Sanitize is not idempotent on %q", s)
		}
	})
}
