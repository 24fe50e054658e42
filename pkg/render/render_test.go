package render

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"
)

func TestPretty(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, `{}`},
		{` { } `, `{}`},
		{`[]`, `[]`},
		{`"s"`, `"s"`},
		{`12345678901234567890`, `12345678901234567890`},
		{`{"a":1}`, "{\n  \"a\": 1\n}"},
		{`[1,2]`, "[\n  1,\n  2\n]"},
		{
			`{"hobby":"surfing","addresses":{"home":"123 Main Street, Anytown, ST 12345"}}`,
			"{\n  \"hobby\": \"surfing\",\n  \"addresses\": {\n    \"home\": \"123 Main Street, Anytown, ST 12345\"\n  }\n}",
		},
		{
			`{"big":12345678901234567890,"f":1.0,"e":1.5e-07,"E":-2E+3,"s":"\u00e9\"\\\/ :,{}[]","o":{},"a":[],"n":null,"t":true}`,
			"{\n  \"big\": 12345678901234567890,\n  \"f\": 1.0,\n  \"e\": 1.5e-07,\n  \"E\": -2E+3,\n  \"s\": \"\\u00e9\\\"\\\\\\/ :,{}[]\",\n  \"o\": {},\n  \"a\": [],\n  \"n\": null,\n  \"t\": true\n}",
		},
		{`[[1,[2,[]]],[{}],{"a":[{"b":[]}]}]`, "[\n  [\n    1,\n    [\n      2,\n      []\n    ]\n  ],\n  [\n    {}\n  ],\n  {\n    \"a\": [\n      {\n        \"b\": []\n      }\n    ]\n  }\n]"},
		{"{\n\t\"a\" :\r\n [ 1 ,\n2 ] }\n", "{\n  \"a\": [\n    1,\n    2\n  ]\n}"},
		{`{"ünï":"😀"}`, "{\n  \"ünï\": \"😀\"\n}"},
	}
	for _, tt := range tests {
		if got := string(Pretty([]byte(tt.in))); got != tt.want {
			t.Errorf("Pretty(%s) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
}

func TestCompact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\n  \"a\": [ 1.0 , 2 ],\n  \"s\": \"x  y\\n\"\n}", `{"a":[1.0,2],"s":"x  y\n"}`},
		{` "a b" `, `"a b"`},
		{`{ }`, `{}`},
		{`12345678901234567890`, `12345678901234567890`},
		{`"\u00e9 \" {"`, `"\u00e9 \" {"`},
	}
	for _, tt := range tests {
		if got := string(Compact([]byte(tt.in))); got != tt.want {
			t.Errorf("Compact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRaw(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"a\nb"`, "a\nb"},
		{`"\u00e9\t\"q\"\\"`, "é\t\"q\"\\"},
		{`""`, ""},
		{`"02134"`, "02134"},
		{`12345678901234567890`, "12345678901234567890"},
		{`1.0`, "1.0"},
		{`null`, "null"},
		{"{\n \"a\": [1, \"x\"]\n}", `{"a":[1,"x"]}`},
	}
	for _, tt := range tests {
		if got := string(Raw([]byte(tt.in))); got != tt.want {
			t.Errorf("Raw(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestYAML(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, "{}\n"},
		{`[]`, "[]\n"},
		{`"solo"`, "solo\n"},
		{`{"hobby":"surfing","addresses":{"home":"123 Main Street, Anytown, ST 12345"}}`, "hobby: surfing\naddresses:\n  home: 123 Main Street, Anytown, ST 12345\n"},
		{`{"z":1,"a":2,"m":3}`, "z: 1\na: 2\nm: 3\n"},
		{`{"big":12345678901234567890,"huge":123456789012345678901234567890,"f":1.0,"e":1.5e-07,"E":1E5,"neg":-0}`,
			"big: 12345678901234567890\nhuge: 123456789012345678901234567890\nf: 1.0\ne: 1.5e-07\nE: 1.0E+5\nneg: -0\n"},
		{`[1e3,-2E-5,1.5e7,1e+2,0.5E-1,7]`, "- 1.0e+3\n- -2.0E-5\n- 1.5e+7\n- 1.0e+2\n- 0.5E-1\n- 7\n"},
		{`{"zip":"02134","t":"true","n":"null","e":"","c":": x","num":"42","f":"1.0","y":"yes","b60":"1:20","tilde":"~"}`,
			"zip: \"02134\"\nt: \"true\"\n\"n\": \"null\"\ne: \"\"\nc: \": x\"\nnum: \"42\"\nf: \"1.0\"\n\"y\": \"yes\"\nb60: \"1:20\"\ntilde: \"~\"\n"},
		{`{"b":true,"n":null,"o":{},"a":[]}`, "b: true\n\"n\": null\no: {}\na: []\n"},
		{`{"tags":["a","b"],"l":[[1],{"k":[]}]}`, "tags:\n  - a\n  - b\nl:\n  - - 1\n  - k: []\n"},
		{`{"ml":"line1\nline2"}`, "ml: |-\n  line1\n  line2\n"},
		{`{"true":1,"1":2,"":3}`, "\"true\": 1\n\"1\": 2\n\"\": 3\n"},
		{`{"s":"\u00e9"}`, "s: é\n"},
	}
	for _, tt := range tests {
		got, err := YAML([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("YAML(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		checkYAMLRoundTrip(t, tt.in, got)
	}
	if got, err := YAML([]byte("{\"k\xff\":\"v\xfe\"}")); err != nil || string(got) != "k\uFFFD: v\uFFFD\n" {
		t.Errorf("YAML of non-UTF-8 strings = %q, %v", got, err)
	}
	if _, err := YAML([]byte(`{`)); err == nil {
		t.Error("YAML accepted invalid JSON")
	}
}

// TestYAMLRoundTripHardStrings checks strings that need quoting or block
// style: each must read back as the very same string.
func TestYAMLRoundTripHardStrings(t *testing.T) {
	hard := []string{
		"", " ", "  lead", "trail ", "a\n", "a\n\n", "\n", "\nx", " lead\nx", "x  \ny", "a\tb", "a\rb", "#c", "- x", "? q", ": x",
		"*a", "&a", "!t", "%p", "@x", "`x", "'", `"`, "{a}", "[a]", "a: b", "a #b", "~", "null", "Null", "NULL", "true", "False",
		"yes", "no", "on", "off", "y", "n", "0", "-1", "+1", "0x1F", "0o17", "017", "1e3", ".5", "-.inf", ".NaN", "1_000", "1:20",
		"2023-01-25", "2023-01-25T19:00:27.321Z", "<<", "---", "...", "é", "😀", "\u2028", "\u0085", "\ufeffx", "\x00", "\x7f",
		"a\\b", "multi\nline\n  indented\n", strings.Repeat("long words ", 30),
	}
	for _, s := range hard {
		in := `{"k":` + quote(s) + `,` + quote(s) + `:"v"}`
		out, err := YAML([]byte(in))
		if err != nil {
			t.Errorf("YAML(%q): %v", s, err)
			continue
		}
		checkYAMLRoundTrip(t, in, out)
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkYAMLRoundTrip decodes out with yaml.v3 and compares it node by node
// with the JSON in: same key order, same string values, same number text,
// and the tags YAML reads back match the JSON types.
func checkYAMLRoundTrip(t testing.TB, in string, out []byte) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("YAML output of %s does not parse: %v\n%s", in, err, out)
	}
	if len(doc.Content) != 1 {
		t.Fatalf("YAML output of %s is not one document:\n%s", in, out)
	}
	if msg := sameNode(gjson.Parse(in), doc.Content[0], "$"); msg != "" {
		t.Fatalf("YAML of %s does not read back: %s\n%s", in, msg, out)
	}
}

func sameNode(j gjson.Result, y *yaml.Node, at string) string {
	wantTag := ""
	switch j.Type {
	case gjson.String:
		if y.Kind != yaml.ScalarNode || y.Value != j.Str {
			return at + ": string " + quote(j.Str) + " read back as " + quote(y.Value)
		}
		wantTag = "!!str"
	case gjson.Number:
		// Exponents gain a '.' and a sign for YAML 1.1 readers; the value
		// is the same.
		if y.Kind != yaml.ScalarNode || y.Value != j.Raw && y.Value != yaml11Number(j.Raw) {
			return at + ": number " + j.Raw + " read back as " + y.Value
		}
		if y.Tag != "!!int" && y.Tag != "!!float" {
			return at + ": number read back with tag " + y.Tag
		}
	case gjson.True, gjson.False:
		if y.Value != j.Raw {
			return at + ": boolean read back as " + y.Value
		}
		wantTag = "!!bool"
	case gjson.Null:
		wantTag = "!!null"
	case gjson.JSON:
		if j.IsObject() {
			if y.Kind != yaml.MappingNode {
				return at + ": object read back as kind " + y.Tag
			}
			i := 0
			msg := ""
			j.ForEach(func(k, v gjson.Result) bool {
				if i+1 >= len(y.Content) {
					msg = at + ": missing keys"
					return false
				}
				if y.Content[i].Value != k.Str || y.Content[i].Tag != "!!str" {
					msg = at + ": key " + quote(k.Str) + " read back as " + quote(y.Content[i].Value) + " " + y.Content[i].Tag
					return false
				}
				msg = sameNode(v, y.Content[i+1], at+"."+k.Str)
				i += 2
				return msg == ""
			})
			if msg == "" && i != len(y.Content) {
				msg = at + ": extra keys"
			}
			return msg
		}
		if y.Kind != yaml.SequenceNode {
			return at + ": array read back as kind " + y.Tag
		}
		arr := j.Array()
		if len(arr) != len(y.Content) {
			return at + ": array length differs"
		}
		for i, e := range arr {
			if msg := sameNode(e, y.Content[i], at+".#"); msg != "" {
				return msg
			}
		}
		return ""
	}
	if wantTag != "" && y.Tag != wantTag {
		return at + ": read back with tag " + y.Tag + ", want " + wantTag
	}
	return ""
}

func FuzzPretty(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":[]}],"c":"\u00e9"}`, `[[],[[]]]`, `"x"`, `{"a":`, `]]]`, `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Pretty([]byte(s))
		c := Compact([]byte(s))
		_ = Raw([]byte(s))
		if !gjson.Valid(s) {
			return
		}
		if !gjson.ValidBytes(p) || !gjson.ValidBytes(c) {
			t.Fatalf("Pretty/Compact of valid %q gave invalid %q / %q", s, p, c)
		}
		if string(Compact(p)) != string(c) {
			t.Fatalf("Compact(Pretty(%q)) = %q, want %q", s, Compact(p), c)
		}
	})
}

func FuzzYAML(f *testing.F) {
	for _, s := range []string{`{"a":"02134","b":[1.0,true,null,{}],"c":"x\ny"}`, `"yes"`, `12345678901234567890`, `{"k\n":" a "}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !gjson.Valid(s) || !utf8.ValidString(s) {
			return
		}
		out, err := YAML([]byte(s))
		if err != nil {
			t.Fatalf("YAML(%q): %v", s, err)
		}
		checkYAMLRoundTrip(t, s, out)
	})
}
