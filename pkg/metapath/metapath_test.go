package metapath

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/a0meta/a0meta/pkg/failure"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Path
		wantErr string
	}{
		{in: "a", want: Path{"a"}},
		{in: "addresses.home", want: Path{"addresses", "home"}},
		{in: "tags.-1", want: Path{"tags", "-1"}},
		{in: "a*b.#tag.@home.q?.pipe|key", want: Path{"a*b", "#tag", "@home", "q?", "pipe|key"}},
		{in: `:lead.back\slash.sp ace.ünï.=eq.!bang.x"y`, want: Path{":lead", `back\slash`, "sp ace", "ünï", "=eq", "!bang", `x"y`}},
		{in: "", wantErr: "the path is empty"},
		{in: "a..b", wantErr: `invalid path "a..b": empty key between dots`},
		{in: ".a", wantErr: "starts with a dot"},
		{in: "a.", wantErr: "ends with a dot"},
		{in: ".", wantErr: "starts with a dot"},
		{in: "a$b", wantErr: "'$'"},
		{in: "$", wantErr: "'$'"},
		{in: "a.$set", wantErr: "'$'"},
		{in: "a\xff", wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			if failure.CodeOf(err) != failure.Usage {
				t.Errorf("Parse(%q) code = %d, want %d", tt.in, failure.CodeOf(err), failure.Usage)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestIndex(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		isIx bool
	}{
		{"0", 0, true}, {"7", 7, true}, {"2313", 2313, true}, {"-1", -1, true},
		{"007", 0, false}, {"00", 0, false}, {"+1", 0, false}, {"-0", 0, false}, {"-2", 0, false},
		{"1e3", 0, false}, {"1.5", 0, false}, {"", 0, false}, {"a", 0, false}, {" 1", 0, false},
		{"99999999999999999999999", 0, false},
	}
	for _, tt := range tests {
		n, ok := Index(tt.in)
		if n != tt.n || ok != tt.isIx {
			t.Errorf("Index(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.n, tt.isIx)
		}
	}
}

// trapKeys are keys that mean something to gjson/sjson path syntax.
var trapKeys = []string{
	"a*b", "a?c", "#tag", "#", "@home", "@this", "q?", "pipe|key", ":lead", ":",
	`back\slash`, "sp ace", "ünï", "=eq", "!bang", "!true", `quo"te`, "0", "-1",
	"007", "a:b", "<lt>", "%pct", "tab\tkey", "(paren)", "[br]", "{cu}", "a~b", "a`b",
	"a'b", "a^b", "a&b", "a+b", "a,b", "a/b", "a;b",
}

// TestGJSONEscapesEveryTrap proves that GJSON() makes each key literal: in a
// document holding the trap key next to the keys a wildcard or modifier
// would match instead, gjson finds exactly the trap key's value.
func TestGJSONEscapesEveryTrap(t *testing.T) {
	for _, k := range trapKeys {
		doc := `{"a":"WRONG-a","ab":"WRONG-ab","foo":"WRONG-foo","lead":"WRONG-lead","home":"WRONG-home",` +
			string(QuoteJSON(k)) + `:{"x":"RIGHT"}}`
		p := Path{k, "x"}
		got := gjson.Get(doc, p.GJSON())
		if got.String() != "RIGHT" {
			t.Errorf("key %q: gjson.Get(%q) = %q, want RIGHT", k, p.GJSON(), got.Raw)
		}
	}
	if got := (Path{":lead"}).GJSON(); got != `\:lead` {
		t.Errorf(`GJSON(":lead") = %q, want \:lead`, got)
	}
	if got := (Path{"a", "b"}).GJSON(); got != "a.b" {
		t.Errorf("GJSON(a.b) = %q", got)
	}
	// Numeric segments index arrays and name keys of objects.
	if got := gjson.Get(`{"t":["x","y"]}`, Path{"t", "1"}.GJSON()).String(); got != "y" {
		t.Errorf("array index via GJSON = %q", got)
	}
	if got := gjson.Get(`{"t":{"1":"k"}}`, Path{"t", "1"}.GJSON()).String(); got != "k" {
		t.Errorf("numeric key via GJSON = %q", got)
	}
}

// TestGJSONPathsDriveSjson proves that sjson, given GJSON() paths, replaces
// and deletes exactly the trap key where it exists (keys starting with '"'
// excepted: see package metaedit).
func TestGJSONPathsDriveSjson(t *testing.T) {
	for _, k := range trapKeys {
		if strings.HasPrefix(k, `"`) {
			continue
		}
		doc := `{"a":"A","ab":"AB","foo":"F","lead":"L","home":"H","n":{` + string(QuoteJSON(k)) + `:{"x":"old"},"z":"Z"}}`
		p := Path{"n", k, "x"}
		got, err := sjson.SetRaw(doc, p.GJSON(), `"new"`)
		if want := strings.Replace(doc, `"old"`, `"new"`, 1); err != nil || got != want {
			t.Errorf("key %q: sjson.SetRaw(%q) = %s, %v; want %s", k, p.GJSON(), got, err, want)
		}
		got, err = sjson.Delete(doc, p[:2].GJSON())
		if want := `{"a":"A","ab":"AB","foo":"F","lead":"L","home":"H","n":{"z":"Z"}}`; err != nil || got != want {
			t.Errorf("key %q: sjson.Delete(%q) = %s, %v; want %s", k, p[:2].GJSON(), got, err, want)
		}
	}
}

func TestParseAssignment(t *testing.T) {
	tests := []struct {
		in      string
		path    Path
		kind    AssignKind
		value   string
		wantErr string
	}{
		{in: "zip=02134", path: Path{"zip"}, kind: String, value: `"02134"`},
		{in: "a.b=c", path: Path{"a", "b"}, kind: String, value: `"c"`},
		{in: "x=", path: Path{"x"}, kind: String, value: `""`},
		{in: "x=a=b", path: Path{"x"}, kind: String, value: `"a=b"`},
		{in: "x=a:=b", path: Path{"x"}, kind: String, value: `"a:=b"`},
		{in: "a:b=c", path: Path{"a:b"}, kind: String, value: `"c"`},
		{in: "html=<b>&amp;</b>", path: Path{"html"}, kind: String, value: `"<b>&amp;</b>"`},
		{in: "q=say \"hi\"\\", path: Path{"q"}, kind: String, value: `"say \"hi\"\\"`},
		{in: "nl=a\nb\tc\x01", path: Path{"nl"}, kind: String, value: `"a\nb\tc\u0001"`},
		{in: "u=ünï 😀 \u2028", path: Path{"u"}, kind: String, value: "\"ünï 😀 \u2028\""},
		{in: "age:=42", path: Path{"age"}, kind: JSON, value: `42`},
		{in: "big:=12345678901234567890", path: Path{"big"}, kind: JSON, value: `12345678901234567890`},
		{in: "f:=1.0", path: Path{"f"}, kind: JSON, value: `1.0`},
		{in: "beta:=true", path: Path{"beta"}, kind: JSON, value: `true`},
		{in: `tags:=["a","b"]`, path: Path{"tags"}, kind: JSON, value: `["a","b"]`},
		{in: `prefs:= {"theme":"dark"} `, path: Path{"prefs"}, kind: JSON, value: `{"theme":"dark"}`},
		{in: `s:="x"`, path: Path{"s"}, kind: JSON, value: `"x"`},
		{in: "a.b:=null", path: Path{"a", "b"}, kind: JSON, value: `null`},
		{in: "deep:=" + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1), path: Path{"deep"}, kind: JSON, value: strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1)},
		{in: "a:=b=c", wantErr: "not valid JSON"},
		{in: "noequals", wantErr: `invalid assignment "noequals": expected PATH=VALUE`},
		{in: "=x", wantErr: "the path is empty"},
		{in: ":=1", wantErr: "the path is empty"},
		{in: "a..b=1", wantErr: `invalid assignment "a..b=1": invalid path "a..b": empty key between dots`},
		{in: "a$=1", wantErr: "'$'"},
		{in: "age:=forty", wantErr: "not valid JSON"},
		{in: "age:=", wantErr: "not valid JSON"},
		{in: "age:=1 2", wantErr: "not valid JSON"},
		{in: "age:=01", wantErr: "not valid JSON"},
		{in: `o:={"a.b":1}`, wantErr: `key "a.b"`},
		{in: `o:={"x":[{"$set":1}]}`, wantErr: `key "$set"`},
		{in: `o:={"a\u002eb":1}`, wantErr: `key "a.b"`},
		{in: `o:={"a":1,"a":2}`, wantErr: "appears twice"},
		{in: "gone:=null", wantErr: `use unset "gone"`},
		{in: "gone:= null ", wantErr: `use unset "gone"`},
		{in: "age:=forty", wantErr: `at line 1, column 2 of the JSON: forty); for a plain string use "age=VALUE"`},
		{in: "e\x1b[31m:=x", wantErr: `the value for "e\x1b[31m" is not valid JSON`},
		{in: "deep:=" + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), wantErr: `the value for "deep" nests 129 levels deep in the metadata; a0meta accepts at most 128`},
		{in: "a.b:=" + strings.Repeat("[", 100000) + strings.Repeat("]", 100000), wantErr: "nests 100002 levels deep"},
		{in: strings.Repeat("k.", MaxDepth) + "k=1", wantErr: "129 keys; a0meta accepts at most 128"},
		{in: "bad=\xff", wantErr: "not valid UTF-8"},
	}
	for _, tt := range tests {
		a, err := ParseAssignment(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAssignment(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			} else if failure.CodeOf(err) != failure.Usage {
				t.Errorf("ParseAssignment(%q) code = %d", tt.in, failure.CodeOf(err))
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAssignment(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(a.Path, tt.path) || a.Kind != tt.kind || string(a.Value) != tt.value {
			t.Errorf("ParseAssignment(%q) = %q %d %s; want %q %d %s", tt.in, a.Path, a.Kind, a.Value, tt.path, tt.kind, tt.value)
		}
		if !gjson.ValidBytes(a.Value) {
			t.Errorf("ParseAssignment(%q) value %s is not valid JSON", tt.in, a.Value)
		}
	}
}

func TestQuoteJSONRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", `"\`, "<>&", "\x00\x1f\x7f", "\u2028\u2029", "ünï😀", "a\r\nb"} {
		q := QuoteJSON(s)
		var back string
		if err := json.Unmarshal(q, &back); err != nil || back != s {
			t.Errorf("QuoteJSON(%q) = %s, decodes to %q (%v)", s, q, back, err)
		}
		if got := gjson.ParseBytes(q).String(); got != s {
			t.Errorf("QuoteJSON(%q) = %s, gjson reads %q", s, q, got)
		}
	}
}

func TestNewAssignment(t *testing.T) {
	a, err := NewAssignment(Path{"note"}, String, []byte("line1\nline2"))
	if err != nil || string(a.Value) != `"line1\nline2"` {
		t.Errorf("String value = %s, %v", a.Value, err)
	}
	a, err = NewAssignment(Path{"doc"}, JSON, []byte("{\n  \"n\": 1.50\n}\n"))
	if err != nil || string(a.Value) != "{\n  \"n\": 1.50\n}" {
		t.Errorf("JSON value = %q, %v", a.Value, err)
	}
	if _, err := NewAssignment(Path{"doc"}, JSON, []byte("null\n")); err == nil {
		t.Error("root null from a file must be refused")
	}
	if _, err := NewAssignment(nil, String, []byte("x")); err == nil {
		t.Error("empty path must be refused")
	}
}

func TestTrimOneNewline(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "a": "a", "a\n": "a", "a\n\n": "a\n", "a\r\n": "a", "a\r\n\r\n": "a\r\n", "\n": "", "a\r": "a\r",
	} {
		if got := string(TrimOneNewline([]byte(in))); got != want {
			t.Errorf("TrimOneNewline(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateValue(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		at      Path
		in      string
		wantErr string
	}{
		{in: `{"a":` + nest(MaxDepth-1) + `}`},
		{in: `{"a":` + nest(MaxDepth) + `}`, wantErr: "the JSON nests 129 levels deep in the metadata; a0meta accepts at most 128 levels"},
		{at: Path{"a", "b"}, in: nest(MaxDepth - 2)},
		{at: Path{"a", "b"}, in: nest(MaxDepth - 1), wantErr: `the value for "a.b" nests 129 levels deep`},
		{at: MustParse(strings.Repeat("k.", MaxDepth-1) + "k"), in: `1`},
		{at: MustParse(strings.Repeat("k.", MaxDepth-1) + "k"), in: `[]`, wantErr: "nests 129 levels"},
		{in: `{"a":1,"a":2}`, wantErr: `key "a" appears twice in the same object (at the top level)`},
		{in: `{"x":{"a":1,"a":2}}`, wantErr: `key "a" appears twice in the same object (in "x")`},
		{at: Path{"p", "q"}, in: `[0,{"r":{"a":1,"a":2}}]`, wantErr: `key "a" appears twice in the same object (in "p.q.1.r")`},
		{at: Path{"p"}, in: `{"x":[{"y.z":1}]}`, wantErr: `key "y.z" in "p.x.0" holds '.' or '$'`},
		{in: `{"x":["s",{"ok":1},2,[{"$":1}]]}`, wantErr: `key "$" in "x.3.0" holds`},
		{in: `{"a":{"b":{"c":1},"d":[[],{"e":{"f":1,"f":2}}]}}`, wantErr: `key "f" appears twice in the same object (in "a.d.1.e")`},
		{in: `{"$x":1}`, wantErr: `key "$x" at the top level holds '.' or '$'`},
		{in: `{"a":{"\u001b[31m.":1}}`, wantErr: `key "\x1b[31m." in "a" holds`},
		{in: `{"a":[1,2,{"b":[]}],"c":{"d":{"e":"."}},"f":"$"}`},
		{in: `[1,`, wantErr: "not valid JSON"},
	}
	for _, tt := range tests {
		err := ValidateValue(tt.at, []byte(tt.in))
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("ValidateValue(%q, %.40s) = %v, want nil", tt.at, tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ValidateValue(%q, %.40s) = %v, want an error containing %q", tt.at, tt.in, err, tt.wantErr)
		} else if failure.CodeOf(err) != failure.Usage {
			t.Errorf("ValidateValue(%q, %.40s) code %d, want %d", tt.at, tt.in, failure.CodeOf(err), failure.Usage)
		}
	}
}

func TestDepth(t *testing.T) {
	for in, want := range map[string]int{
		`1`: 0, `"[{"`: 0, `{}`: 1, `[1,2]`: 1, `[[]]`: 2, `{"a":{"b":[{}]}}`: 4, `["\"[[["]`: 1,
		`[[[`: 3, `]]][`: 1, `{"a":"\\"}`: 1, ``: 0,
	} {
		if got := Depth([]byte(in)); got != want {
			t.Errorf("Depth(%s) = %d, want %d", in, got, want)
		}
	}
}

// deepInputs are 200 KB values nested as deep as they can be: what a
// hostile --json-file or := argument can hold.
func deepInputs() map[string][]byte {
	n := 100000
	arrays := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	m := 200000 / 6
	objects := []byte(strings.Repeat(`{"a":`, m) + "1" + strings.Repeat("}", m))
	return map[string][]byte{"arrays": arrays, "objects": objects}
}

// Refusing a deep value costs one pass and no copies of the path per
// level: the refusal allocates a handful of times whatever the depth.
func TestValidateValueDeepIsCheap(t *testing.T) {
	for name, raw := range deepInputs() {
		var err error
		allocs := testing.AllocsPerRun(3, func() { err = ValidateValue(Path{"x"}, raw) })
		if err == nil || !strings.Contains(err.Error(), "a0meta accepts at most 128") {
			t.Fatalf("%s: error = %v", name, err)
		}
		if allocs > 20 {
			t.Errorf("%s: refusing a %d-byte value made %.0f allocations", name, len(raw), allocs)
		}
	}
}

// Validating a value at the depth limit makes no copy of the path per
// element: allocations grow with the number of keys, not keys × depth.
func TestValidateValueAllocationsLinear(t *testing.T) {
	deep := strings.Repeat(`[`, MaxDepth-2) + strings.Repeat("1,", 20000) + "1" + strings.Repeat("]", MaxDepth-2)
	allocs := testing.AllocsPerRun(2, func() {
		if err := ValidateValue(Path{"x"}, []byte(deep)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1000 {
		t.Errorf("validating %d bytes of array elements made %.0f allocations", len(deep), allocs)
	}
}

func BenchmarkValidateValue(b *testing.B) {
	inputs := deepInputs()
	inputs["wide at the limit"] = []byte(strings.Repeat(`[`, MaxDepth-3) + strings.Repeat(`{"k":1,"l":[2]},`, 12000) + "1" + strings.Repeat("]", MaxDepth-3))
	for name, raw := range inputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				err := ValidateValue(Path{"x"}, raw)
				if (err == nil) != (name == "wide at the limit") {
					b.Fatalf("%s: %v", name, err)
				}
			}
		})
	}
}

func TestValidateKeys(t *testing.T) {
	ok := []string{`1`, `"a.b"`, `["a.b","$"]`, `{"a":{"b":[{"c":1}]}}`, `{"":1}`, `{"a*b":{"#":1}}`}
	bad := []string{`{"a.b":1}`, `{"a":{"$b":1}}`, `[{"x":{"y.z":1}}]`, `{"a":1,"a":1}`, `{`}
	for _, s := range ok {
		if err := ValidateKeys([]byte(s)); err != nil {
			t.Errorf("ValidateKeys(%s) = %v, want nil", s, err)
		}
	}
	for _, s := range bad {
		if err := ValidateKeys([]byte(s)); err == nil {
			t.Errorf("ValidateKeys(%s) = nil, want error", s)
		}
	}
}

func TestReserved(t *testing.T) {
	for _, k := range []string{"__tenant", "_id", "blocked", "clientID", "created_at", "email_verified", "email",
		"globalClientID", "global_client_id", "identities", "lastIP", "lastLogin", "loginsCount", "metadata",
		"multifactor_last_modified", "multifactor", "updated_at", "user_id"} {
		if !Reserved(k) {
			t.Errorf("Reserved(%q) = false", k)
		}
	}
	for _, k := range []string{"roles", "Email", "plan", ""} {
		if Reserved(k) {
			t.Errorf("Reserved(%q) = true", k)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"a", "a.b", "a..b", ".a", "a.", "$", "a.-1.0", ":x.#y", "ü.\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if failure.CodeOf(err) != failure.Usage {
				t.Fatalf("Parse(%q) error code %d", s, failure.CodeOf(err))
			}
			return
		}
		if p.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, p.String())
		}
		for _, seg := range p {
			if seg == "" || strings.ContainsAny(seg, ".$") || !utf8.ValidString(seg) {
				t.Fatalf("Parse(%q) gave bad segment %q", s, seg)
			}
		}
		// The escaped path reads back the key it names.
		doc := "{" + string(QuoteJSON(p[0])) + ":1}"
		if got := gjson.Get(doc, Path{p[0]}.GJSON()); got.Raw != "1" {
			t.Fatalf("GJSON(%q) = %q misses its key in %s", p[0], Path{p[0]}.GJSON(), doc)
		}
	})
}

func FuzzParseAssignment(f *testing.F) {
	for _, s := range []string{"a=b", "a:=1", "a:=null", "a.b:=null", `o:={"a.b":1}`, "x", "=", ":=", "a:b=c", `t:=["x",{"y":[]}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAssignment(s)
		if err != nil {
			if failure.CodeOf(err) != failure.Usage {
				t.Fatalf("ParseAssignment(%q) error code %d", s, failure.CodeOf(err))
			}
			return
		}
		if !gjson.ValidBytes(a.Value) {
			t.Fatalf("ParseAssignment(%q) value %q is not valid JSON", s, a.Value)
		}
		if err := ValidateKeys(a.Value); err != nil {
			t.Fatalf("ParseAssignment(%q) value %q has bad keys: %v", s, a.Value, err)
		}
		if len(a.Path) == 1 && string(a.Value) == "null" {
			t.Fatalf("ParseAssignment(%q) let a root null through", s)
		}
		if a.Kind == String {
			eq := strings.IndexByte(s, '=')
			if got := gjson.ParseBytes(a.Value).String(); got != s[eq+1:] {
				t.Fatalf("ParseAssignment(%q) string value reads back as %q", s, got)
			}
		}
	})
}
