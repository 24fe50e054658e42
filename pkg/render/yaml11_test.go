package render

import (
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
)

// yaml11Strings are strings that a YAML 1.1 reader (PyYAML, Psych) would
// load as something else if written plain.
var yaml11Strings = []string{
	"=", "~", "<<", "null", "Null", "NULL", "nUll",
	"y", "Y", "n", "N", "yes", "Yes", "YES", "yEs", "no", "No", "NO", "nO", "on", "On", "ON", "oN", "off", "Off", "OFF", "oFf",
	"true", "True", "TRUE", "tRuE", "false", "False", "FALSE", "fAlse",
	"2026-01-02", "2026-1-2", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2026-01-02T10:00:00Z",
	"012", "0o12", "0x1F", "0X1f", "0b101", "-0b1", "1e3", "1E3", "-1e-3", "1_000", "1,000", "+12", "-0", "0", "3.14", ".5", "1.", "+.5",
	".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN", ".nAn",
	"1:20", "190:20:30", "-1:20", "1:20.5", ":sym", ":x y",
	" lead", "trail ", "\ttab", "nl\n",
}

func TestYAML11Quoting(t *testing.T) {
	for _, s := range yaml11Strings {
		out, err := YAML([]byte(`{"k":` + quote(s) + `}`))
		if err != nil {
			t.Fatalf("YAML(%q): %v", s, err)
		}
		v := strings.TrimPrefix(string(out), "k: ")
		if !strings.HasPrefix(v, `"`) && !strings.HasPrefix(v, `'`) && !strings.HasPrefix(v, `|`) {
			t.Errorf("YAML writes %q plain: %s", s, out)
		}
		checkYAMLRoundTrip(t, `{"k":`+quote(s)+`}`, out)
		// Keys follow the same rule.
		out, err = YAML([]byte(`{` + quote(s) + `:1}`))
		if err != nil {
			t.Fatalf("YAML(%q): %v", s, err)
		}
		if c := out[0]; c != '"' && c != '\'' && c != '?' {
			t.Errorf("YAML writes key %q plain: %s", s, out)
		}
	}
	for _, s := range []string{"surfing", "hello world", "a-b", "v1.2", "x=1", "yesterday", "nope", "null-ish", "Tokyo 2026-01-02", "a:b", "é"} {
		out, err := YAML([]byte(`{"k":` + quote(s) + `}`))
		if err != nil || string(out) != "k: "+s+"\n" {
			t.Errorf("YAML(%q) = %q, %v; want it plain", s, out, err)
		}
	}
}

// Deep data read from a tenant never makes output blow up: Pretty prints
// it compact, YAML refuses it with exit 2 and a hint.
func TestDeepOutput(t *testing.T) {
	n := 100000
	deep := `{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
	if got := Pretty([]byte(deep)); string(got) != deep {
		t.Errorf("Pretty of a 100000-deep value is not its compact form (%d bytes)", len(got))
	}
	if got := Raw([]byte(deep)); string(got) != deep {
		t.Errorf("Raw of a 100000-deep value is not its compact form (%d bytes)", len(got))
	}
	_, err := YAML([]byte(deep))
	if err == nil || failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), "the value nests 100001 levels deep, too deep for -o yaml (at most 128 levels): use -o json") {
		t.Errorf("YAML of a 100000-deep value: %v", err)
	}
	// At the limit, both indent.
	limit := strings.Repeat("[", 128) + strings.Repeat("]", 128)
	if got := Pretty([]byte(limit)); !strings.Contains(string(got), "\n"+strings.Repeat("  ", 127)+"[]\n") {
		t.Errorf("Pretty at the nesting limit does not indent (%d bytes)", len(got))
	}
	if _, err := YAML([]byte(limit)); err != nil {
		t.Errorf("YAML at the nesting limit: %v", err)
	}
}

func BenchmarkDeepOutput(b *testing.B) {
	n := 100000
	deep := []byte(`{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	b.Run("Pretty", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Pretty(deep)
		}
	})
	b.Run("YAML", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = YAML(deep)
		}
	})
}

func TestYAML11Number(t *testing.T) {
	for in, want := range map[string]string{
		"1e3": "1.0e+3", "1E5": "1.0E+5", "-2E-5": "-2.0E-5", "1.5e7": "1.5e+7", "1e+2": "1.0e+2", "0.5E-1": "0.5E-1",
		"7": "7", "-0": "-0", "1.0": "1.0", "12345678901234567890": "12345678901234567890", "1.5e-07": "1.5e-07",
	} {
		got := yaml11Number(in)
		if got != want || !sameDecimal(in, got) {
			t.Errorf("yaml11Number(%s) = %s, want %s", in, got, want)
		}
	}
}
