package render

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// FuzzStdlibIdentical: on valid JSON, Pretty is exactly json.Indent with
// two spaces and Compact exactly json.Compact, input whitespace trimmed
// (json.Indent keeps trailing space; both refuse invalid input, and
// nesting beyond 10000 levels, which Compact must still handle).
func FuzzStdlibIdentical(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `[ ]`, `{"a":[1,{"b":[]}],"c":"\u00e9"}`, `[[],[[]]]`, `"x"`, "\t1.0e+3 \n",
		`{"s":"<&>\u2028 \/ \"","n":-0.0E-0,"t":true,"f":false,"z":null}`, "[\n1 ,\r\n2\t]",
		`{"ünï":"😀","big":12345678901234567890}`, `[{"a":{}},[],{"b":[{}]}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		v := bytes.TrimSpace([]byte(s))
		var ind, cmp bytes.Buffer
		if err := json.Indent(&ind, v, "", "  "); err != nil {
			t.Fatalf("json.Indent(%q): %v", s, err)
		}
		if err := json.Compact(&cmp, v); err != nil {
			t.Fatalf("json.Compact(%q): %v", s, err)
		}
		if got := Pretty([]byte(s)); !bytes.Equal(got, ind.Bytes()) {
			t.Fatalf("Pretty(%q) = %q, json.Indent gives %q", s, got, ind.Bytes())
		}
		if got := Compact([]byte(s)); !bytes.Equal(got, cmp.Bytes()) {
			t.Fatalf("Compact(%q) = %q, json.Compact gives %q", s, got, cmp.Bytes())
		}
	})
}

// encoding/json stops at 10000 levels; Compact does not, since tenant data
// can be deeper and a write must still be able to send it back.
func TestCompactBeyondStdlibDepth(t *testing.T) {
	deep := []byte(strings.Repeat("[ ", 20000) + strings.Repeat("] ", 20000))
	var buf bytes.Buffer
	if err := json.Compact(&buf, deep); err == nil {
		t.Fatal("json.Compact took 20000 levels; Compact could use it")
	}
	if got, want := string(Compact(deep)), strings.Repeat("[", 20000)+strings.Repeat("]", 20000); got != want {
		t.Fatalf("Compact of 20000 levels is wrong")
	}
}

// sameDecimal compares two number texts by exact value.
func sameDecimal(a, b string) bool {
	x, okx := new(big.Float).SetPrec(2000).SetString(a)
	y, oky := new(big.Float).SetPrec(2000).SetString(b)
	return okx && oky && x.Cmp(y) == 0
}
