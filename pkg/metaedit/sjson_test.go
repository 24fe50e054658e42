package metaedit

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
)

// sjson's delete misreads a key written as "\"..." (see dropMember). If this
// canary fails, sjson has been fixed and removeKey's fallback can go.
func TestSjsonQuoteKeyCanary(t *testing.T) {
	if got, _ := sjson.Delete(`{"x":"X","\"":1}`, `\"`); got != `{}` {
		t.Fatalf(`sjson.Delete now gives %s: drop the fallback in removeKey if it is right`, got)
	}
}

// Keys starting with '"' are removed by the fallback, at every position,
// through unset, MergeRoot and duplicate removal, without touching siblings.
func TestRemoveKeyStartingWithQuote(t *testing.T) {
	tests := []struct{ doc, path, want string }{
		{`{"x":"X","\"":1}`, `"`, `{"x":"X"}`},
		{`{"\"":1,"b":2}`, `"`, `{"b":2}`},
		{`{"x":1,"\"abc":2,"y":3}`, `"abc`, `{"x":1,"y":3}`},
		{`{ "\"" : 1 }`, `"`, `{}`},
		{`{"o":{"a":1, "\"q" :2 ,"b":3}}`, `o."q`, `{"o":{"a":1, "b":3}}`},
		{`{"o":{"a":1,"\"":2}}`, `o."`, `{"o":{"a":1}}`},
		{`{"t":[{"k":0,"\"":1}]}`, `t.0."`, `{"t":[{"k":0}]}`},
		{`{"\"":1,"x":0,"\"":2}`, `"`, `{"x":0}`},                     // duplicates: all copies
		{`{"a\"":1,"x":0}`, `a"`, `{"x":0}`},                          // sjson handles this one
		{`{"x":0,"\u0022":1}`, `"`, `{"x":0}`},                        // written as \u0022: sjson handles it
		{"{\n  \"x\": 1,\n  \"\\\"\": 2\n}", `"`, "{\n  \"x\": 1\n}"}, // layout of the rest kept
	}
	for _, tt := range tests {
		res, err := Apply([]byte(tt.doc), []Op{UnsetOp(metapath.MustParse(tt.path))})
		if err != nil {
			t.Fatalf("unset %s in %s: %v", tt.path, tt.doc, err)
		}
		checkInvariants(t, res)
		if string(res.working) != tt.want {
			t.Errorf("unset %s in %s = %s, want %s", tt.path, tt.doc, res.working, tt.want)
		}
	}
	got, err := MergeRoot([]byte(`{"x":1,"\"":2,"y":3}`), []byte(`{"\"":null}`))
	if err != nil || string(got) != `{"x":1,"y":3}` {
		t.Errorf("MergeRoot removing \" = %s, %v", got, err)
	}
}

// Trap keys created directly inside existing objects (sjson writes the new
// key) and removed from the first, middle and last positions.
func TestTrapKeysInExistingObjects(t *testing.T) {
	keys := []string{
		"0", "-1", "007", "-0", "+1", "1e3", "18446744073709551616", "a*b", "*", "?", "#", "#tag", "@this",
		"pipe|key", ":lead", ":", `back\slash`, `\`, `"`, `"abc`, `a"`, `\"`, " ", " lead", "trail ",
		"ünï", "<é&\">", "a\u2028b", "nl\nkey", "nul\x00", "del\x7f", "!true", "=eq", "[0]", "{}", "a,b", "~",
	}
	for _, k := range keys {
		qk := string(metapath.QuoteJSON(k))
		for _, doc := range []string{`{"o":{"a":1,"b":2}}`, `{"o":{}}`, `{"o":{ }}`} {
			p := metapath.Path{"o", k}
			res, err := Apply([]byte(doc), []Op{{Kind: Set, Path: p, Value: []byte(`"v"`)}})
			if err != nil {
				t.Fatalf("set %q in %s: %v", p, doc, err)
			}
			checkInvariants(t, res)
			o := gjson.GetBytes(res.working, "o")
			n := 0
			o.ForEach(func(key, val gjson.Result) bool {
				n++
				if key.Str == k && val.Raw != `"v"` || key.Str != k && !strings.Contains(doc, key.Raw) {
					t.Errorf("set %q in %s: o is %s", p, doc, o.Raw)
				}
				return true
			})
			if want := len(gjson.Get(doc, "o").Map()) + 1; n != want {
				t.Errorf("set %q in %s: o has %d keys, want %d: %s", p, doc, n, want, o.Raw)
			}
		}
		for _, doc := range []string{
			`{"o":{` + qk + `:1,"a":2,"b":3}}`,
			`{"o":{"a":2,` + qk + `:1,"b":3}}`,
			`{"o":{"a":2,"b":3,` + qk + `:1}}`,
		} {
			res, err := Apply([]byte(doc), []Op{UnsetOp(metapath.Path{"o", k})})
			if err != nil {
				t.Fatalf("unset %q in %s: %v", k, doc, err)
			}
			checkInvariants(t, res)
			if got := string(res.working); got != `{"o":{"a":2,"b":3}}` {
				t.Errorf("unset %q in %s = %s", k, doc, got)
			}
		}
	}
}

// gjson reads "007" as index 7 and wraps overflowing indexes; the engine
// decides what is an index before gjson or sjson sees the segment.
func TestArraySegmentsCheckedBeforeGJSON(t *testing.T) {
	doc := `{"t":["a","b","c","d","e","f","g","h"]}`
	for _, seg := range []string{"007", "00", "18446744073709551616", "18446744073709551623", "+1", "-0"} {
		p := metapath.Path{"t", seg}
		if _, found, err := Get([]byte(doc), p); found || err != nil {
			t.Errorf("Get(%q) found = %v, err = %v; want not found", p, found, err)
		}
		if _, err := Apply([]byte(doc), []Op{{Kind: Set, Path: p, Value: []byte(`"z"`)}}); failure.CodeOf(err) != failure.Usage {
			t.Errorf("set %q: error %v, want a usage error", p, err)
		}
		res, err := Apply([]byte(doc), []Op{UnsetOp(p)})
		if err != nil || (res != nil && res.Patch != nil) {
			t.Errorf("unset %q: changed = %v, err = %v; want nothing", p, (res != nil && res.Patch != nil), err)
		}
	}
	// A 2313 past the end is refused before sjson could pad the array.
	if _, err := Apply([]byte(doc), []Op{{Kind: Set, Path: metapath.Path{"t", "2313"}, Value: []byte(`1`)}}); err == nil || !strings.Contains(err.Error(), "past the end") {
		t.Errorf("set t.2313: %v", err)
	}
}
