package metapath

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/failure"
)

// AssignKind says how the text after '=' is read.
type AssignKind int

const (
	String AssignKind = iota // PATH=VALUE: VALUE is stored as a JSON string
	JSON                     // PATH:=JSON: the text is parsed as JSON
)

// Assignment is one validated change: Value is valid JSON holding exactly
// one value (for String, the JSON-encoded string), without surrounding
// whitespace.
type Assignment struct {
	Path  Path
	Kind  AssignKind
	Value []byte
}

// ParseAssignment reads PATH=VALUE or PATH:=JSON. The first '=' splits; when
// the character before it is ':' the value is JSON.
func ParseAssignment(s string) (Assignment, error) {
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		return Assignment{}, failure.Usagef("invalid assignment %q: expected PATH=VALUE or PATH:=JSON", s)
	}
	kind, pathText := String, s[:eq]
	if eq > 0 && s[eq-1] == ':' {
		kind, pathText = JSON, s[:eq-1]
	}
	p, err := Parse(pathText)
	if err != nil {
		return Assignment{}, failure.Usagef("invalid assignment %q: %s", s, err.Error())
	}
	a, err := newAssignment(p, kind, []byte(s[eq+1:]), "for a plain string use "+strconv.Quote(pathText+"=VALUE"))
	if err != nil {
		return Assignment{}, failure.Usagef("invalid assignment %q: %s", s, err.Error())
	}
	return a, nil
}

// NewAssignment validates a value that came from a file (--value-file,
// --json-file): for String, raw is the text to store; for JSON, raw is the
// JSON text. The checks are those of ParseAssignment.
func NewAssignment(p Path, kind AssignKind, raw []byte) (Assignment, error) {
	return newAssignment(p, kind, raw, "to store the file's text as a string, use --value-file instead of --json-file")
}

// newAssignment builds an Assignment; hint says what to do instead when a
// JSON value does not parse.
func newAssignment(p Path, kind AssignKind, raw []byte, hint string) (Assignment, error) {
	if len(p) == 0 {
		return Assignment{}, failure.Usagef("the path is empty")
	}
	if len(p) > MaxDepth {
		return Assignment{}, failure.Usagef("the path has %d keys; at most %d are allowed", len(p), MaxDepth)
	}
	if !utf8.Valid(raw) {
		return Assignment{}, failure.Usagef("the value for %s is not valid UTF-8", strconv.Quote(p.String()))
	}
	a := Assignment{Path: p, Kind: kind}
	switch kind {
	case String:
		a.Value = QuoteJSON(string(raw))
	case JSON:
		v := bytes.Trim(raw, " \t\r\n")
		// Too deep is said first, and before gjson recurses into it.
		if len(p)+Depth(v) <= MaxDepth && !gjson.ValidBytes(v) {
			return Assignment{}, failure.Usagef("the value for %s is not valid JSON (%s); %s", strconv.Quote(p.String()), DescribeSyntaxError(v), hint)
		}
		if err := ValidateValue(p, v); err != nil {
			return Assignment{}, err
		}
		if len(p) == 1 && string(v) == "null" {
			return Assignment{}, failure.Usagef("%s on a root key would make Auth0 delete it: use unset %s",
				strconv.Quote(p.String()+":=null"), strconv.Quote(p.String()))
		}
		a.Value = append([]byte(nil), v...)
	default:
		return Assignment{}, failure.Usagef("unknown assignment kind %d", kind)
	}
	return a, nil
}

// TrimOneNewline drops one trailing "\n" or "\r\n" from the text of a
// --value-file, as the contract asks (editors end files with a newline).
func TrimOneNewline(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	if bytes.HasSuffix(b, []byte("\n")) {
		return b[:len(b)-1]
	}
	return b
}

// QuoteJSON encodes s as a JSON string, leaving '<', '>', '&' and non-ASCII
// text literal (as people wrote them) and escaping only what JSON requires.
// s must be valid UTF-8.
func QuoteJSON(s string) []byte {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// FileFlag is the flag that reads a value of this kind from a file.
func (k AssignKind) FileFlag() string {
	if k == JSON {
		return "--json-file"
	}
	return "--value-file"
}

// ParseFileSpec reads the PATH=FILE argument of --value-file (kind String)
// or --json-file (kind JSON). Its errors suggest the form the user more
// likely meant: PATH:=JSON or PATH=VALUE to give the value inline.
func ParseFileSpec(kind AssignKind, spec string) (Path, string, error) {
	flag := kind.FileFlag()
	pathText, file, ok := strings.Cut(spec, "=")
	if !ok {
		return nil, "", failure.Usagef("%s %s: want PATH=FILE (%s)", flag, quoteShort(spec), inlineForm(kind))
	}
	if strings.HasSuffix(pathText, ":") {
		return nil, "", failure.Usagef("%s %s: want PATH=FILE, without ':' (%s)", flag, quoteShort(spec), inlineForm(kind))
	}
	p, err := Parse(pathText)
	if err != nil {
		return nil, "", failure.Usagef("%s %s: %s", flag, quoteShort(spec), err.Error())
	}
	if file == "" {
		return nil, "", failure.Usagef("%s %s: the file name is empty (- reads stdin)", flag, quoteShort(spec))
	}
	return p, file, nil
}

func inlineForm(kind AssignKind) string {
	if kind == JSON {
		return "to give the JSON inline, use the argument PATH:=JSON"
	}
	return "to give the text inline, use the argument PATH=VALUE"
}

// FileReadHint is added to the error of a --json-file that cannot be read
// when its FILE looks like JSON itself (--json-file 'prefs={"a":1}'): it
// names the inline form, PATH:=JSON. Otherwise it is "".
func FileReadHint(kind AssignKind, p Path, file string) string {
	f := strings.TrimSpace(file)
	if kind != JSON || f == "" || !strings.ContainsAny(f[:1], `{["`) && !gjson.Valid(f) {
		return ""
	}
	return " (to give the JSON inline, use the argument " + quoteShort(p.String()+":="+f) + ")"
}
