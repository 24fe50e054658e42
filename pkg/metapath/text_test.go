package metapath

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/failure"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain.path":         "plain.path",
		`q"uote\back`:        `q"uote\back`,
		"ünï 😀 �":            "ünï 😀 �",
		"a\x1b[31mred":       `a\x1b[31mred`,
		"cr\rnl\ntab\t":      `cr\rnl\ntab\t`,
		"bad\xffbyte":        `bad\xffbyte`,
		"rtl\u202eevil":      `rtl\u202eevil`,
		"c1\u009bcsi":        `c1\u009bcsi`,
		"del\x7f":            `del\x7f`,
		"bell\a and nul\x00": `bell\a and nul\x00`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// Messages built from paths and values never carry a raw control
// character: a path holding ESC cannot repaint the terminal.
func TestMessagesEscapeControlCharacters(t *testing.T) {
	inputs := []string{
		"a\x1b[31m..b=1", "a\x1b[31m$=1", "a\x1b[31m:=nope", "a\x1b[31m:=null",
		"a:={\"\x1b[31m.\":1}", "a:={\"k\x1b\":1,\"k\x1b\":2}", "a\x1b:=" + strings.Repeat("[", 200) + strings.Repeat("]", 200),
		"\x1b[2J" + strings.Repeat(".k", MaxDepth+5) + "=1", "noequals\x1b[31m",
	}
	for _, in := range inputs {
		_, err := ParseAssignment(in)
		if err == nil {
			t.Fatalf("ParseAssignment(%q) = nil error", in)
		}
		if strings.ContainsAny(err.Error(), "\x1b\r") {
			t.Errorf("ParseAssignment(%q) error carries a control character: %q", in, err.Error())
		}
	}
	for _, spec := range []string{"x\x1b", "x\x1b:=f", "a..\x1b=f", "a\x1b="} {
		_, _, err := ParseFileSpec(JSON, spec)
		if err == nil || strings.ContainsRune(err.Error(), '\x1b') {
			t.Errorf("ParseFileSpec(%q) error = %q", spec, err)
		}
	}
	if _, err := NewAssignment(Path{"k"}, JSON, []byte("{\"a\":\x1b[31m}")); err == nil || strings.ContainsRune(err.Error(), '\x1b') {
		t.Errorf("NewAssignment error = %q", err)
	}
}

func TestParseFileSpec(t *testing.T) {
	tests := []struct {
		kind    AssignKind
		spec    string
		path    Path
		file    string
		wantErr string
	}{
		{kind: JSON, spec: "prefs=prefs.json", path: Path{"prefs"}, file: "prefs.json"},
		{kind: JSON, spec: "a.b=-", path: Path{"a", "b"}, file: "-"},
		{kind: String, spec: "n=dir/x=y.txt", path: Path{"n"}, file: "dir/x=y.txt"},
		{kind: JSON, spec: "prefs", wantErr: `--json-file "prefs": want PATH=FILE (to give the JSON inline, use the argument PATH:=JSON)`},
		{kind: JSON, spec: "prefs:=prefs.json", wantErr: `--json-file "prefs:=prefs.json": want PATH=FILE, without ':' (to give the JSON inline, use the argument PATH:=JSON)`},
		{kind: String, spec: "notes", wantErr: `--value-file "notes": want PATH=FILE (to give the text inline, use the argument PATH=VALUE)`},
		{kind: JSON, spec: "a..b=f", wantErr: `--json-file "a..b=f": invalid path "a..b": empty key between dots`},
		{kind: JSON, spec: "a=", wantErr: "the file name is empty"},
	}
	for _, tt := range tests {
		p, file, err := ParseFileSpec(tt.kind, tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || failure.CodeOf(err) != failure.Usage {
				t.Errorf("ParseFileSpec(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || p.String() != tt.path.String() || file != tt.file {
			t.Errorf("ParseFileSpec(%q) = %q, %q, %v", tt.spec, p, file, err)
		}
	}
}

func TestFileReadHint(t *testing.T) {
	for _, tt := range []struct {
		kind AssignKind
		file string
		want string
	}{
		{JSON, `{"a":1}`, ` (to give the JSON inline, use the argument "p:={\"a\":1}")`},
		{JSON, `[1,`, ` (to give the JSON inline, use the argument "p:=[1,")`},
		{JSON, `42`, ` (to give the JSON inline, use the argument "p:=42")`},
		{JSON, `true`, ` (to give the JSON inline, use the argument "p:=true")`},
		{JSON, `prefs.json`, ``},
		{JSON, `missing`, ``},
		{String, `{"a":1}`, ``},
	} {
		if got := FileReadHint(tt.kind, Path{"p"}, tt.file); got != tt.want {
			t.Errorf("FileReadHint(%d, %q) = %q, want %q", tt.kind, tt.file, got, tt.want)
		}
	}
}

// A --json-file that is not JSON says where it breaks and points at
// --value-file for plain text.
func TestNewAssignmentFileHint(t *testing.T) {
	_, err := NewAssignment(Path{"notes"}, JSON, []byte("hello world"))
	want := `the value for "notes" is not valid JSON (invalid character 'h' looking for beginning of value at line 1, column 1 of the JSON: hello world); to store the file's text as a string, use --value-file instead of --json-file`
	if err == nil || err.Error() != want || failure.CodeOf(err) != failure.Usage {
		t.Errorf("error = %v\nwant %s", err, want)
	}
}

// refCheck is an independent reading of ValidateValue's rules through
// encoding/json's token stream: the depth, and whether every key is free of
// '.' and '$' and unique in its object.
func refCheck(raw []byte) (depth int, keysOK bool, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		obj     bool
		keyNext bool
		seen    map[string]bool
	}
	var stack []*frame
	keysOK = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return depth, keysOK, len(stack) == 0
		}
		if err != nil {
			return 0, false, false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.keyNext {
			if d, isDelim := tok.(json.Delim); isDelim && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if strings.ContainsAny(k, ".$") || top.seen[k] {
				keysOK = false
			}
			top.seen[k] = true
			top.keyNext = false
			continue
		}
		if top != nil && top.obj {
			top.keyNext = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, keyNext: true, seen: map[string]bool{}})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].keyNext = true
			}
			continue
		}
		depth = max(depth, len(stack))
	}
}

func FuzzValidateValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b.c":2}]}`, `{"a":1,"a":2}`, `[[[[]]]]`, `{"\u0024":1}`, `"x"`, `{"a":{"b":{}}}`, `[1,`, `{"a":"[[[["}`} {
		f.Add(uint8(0), s)
	}
	f.Add(uint8(3), strings.Repeat("[", MaxDepth-3)+strings.Repeat("]", MaxDepth-3))
	f.Add(uint8(3), strings.Repeat("[", MaxDepth-2)+strings.Repeat("]", MaxDepth-2))
	f.Fuzz(func(t *testing.T, pathLen uint8, s string) {
		at := make(Path, int(pathLen)%(MaxDepth+2))
		for i := range at {
			at[i] = "k"
		}
		raw := []byte(s)
		err := ValidateValue(at, raw)
		if err != nil && failure.CodeOf(err) != failure.Usage {
			t.Fatalf("ValidateValue(%q) error code %d", s, failure.CodeOf(err))
		}
		if !gjson.Valid(s) || !utf8.ValidString(s) {
			if err == nil && !gjson.Valid(s) {
				t.Fatalf("ValidateValue(%q) accepted invalid JSON", s)
			}
			return
		}
		depth, keysOK, ok := refCheck(raw)
		if !ok {
			return // the two readers disagree on validity; not this test's business
		}
		if depth != Depth(raw) {
			t.Fatalf("Depth(%q) = %d, reference %d", s, Depth(raw), depth)
		}
		if want := keysOK && len(at)+depth <= MaxDepth; want != (err == nil) {
			t.Fatalf("ValidateValue(%d keys, %q) = %v; reference: depth %d, keys ok %v", len(at), s, err, depth, keysOK)
		}
	})
}
