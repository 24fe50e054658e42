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
	a, err := NewAssignment(p, kind, []byte(s[eq+1:]))
	if err != nil {
		return Assignment{}, failure.Usagef("invalid assignment %q: %s", s, err.Error())
	}
	return a, nil
}

// NewAssignment validates a value that came from elsewhere (--value-file,
// --json-file): for String, raw is the text to store; for JSON, raw is the
// JSON text. The checks are those of ParseAssignment.
func NewAssignment(p Path, kind AssignKind, raw []byte) (Assignment, error) {
	if len(p) == 0 {
		return Assignment{}, failure.Usagef("the path is empty")
	}
	if !utf8.Valid(raw) {
		return Assignment{}, failure.Usagef("the value for %q is not valid UTF-8", p.String())
	}
	a := Assignment{Path: p, Kind: kind}
	switch kind {
	case String:
		a.Value = QuoteJSON(string(raw))
	case JSON:
		v := bytes.Trim(raw, " \t\r\n")
		if !gjson.ValidBytes(v) {
			return Assignment{}, failure.Usagef("the value for %q is not valid JSON (for a plain string use %s=VALUE)", p.String(), p.String())
		}
		if err := ValidateKeys(v); err != nil {
			return Assignment{}, err
		}
		if len(p) == 1 && string(v) == "null" {
			return Assignment{}, failure.Usagef("%s:=null on a root key would make Auth0 delete it: use unset %s", p.String(), p.String())
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

// ValidateKeys checks every object key at every depth of the valid JSON raw:
// Auth0 forbids '.' and '$' in metadata key names. Keys are checked after
// unescaping ("a\u002eb" is "a.b"). Duplicate keys in one object are refused
// too: which one wins differs between JSON readers.
func ValidateKeys(raw []byte) error {
	if !gjson.ValidBytes(raw) {
		return failure.Usagef("not valid JSON")
	}
	return validateKeys(gjson.ParseBytes(raw), nil)
}

func validateKeys(v gjson.Result, at Path) error {
	if !v.IsObject() && !v.IsArray() {
		return nil
	}
	var err error
	var seen map[string]bool
	i := 0
	v.ForEach(func(k, val gjson.Result) bool {
		var here Path
		if v.IsObject() {
			key := k.String()
			here = append(at[:len(at):len(at)], key)
			if strings.ContainsAny(key, ".$") {
				err = failure.Usagef("key %q (at %s) holds '.' or '$', which Auth0 does not allow in metadata keys", key, describe(here))
				return false
			}
			if seen == nil {
				seen = make(map[string]bool)
			}
			if seen[key] {
				err = failure.Usagef("key %q appears twice in the same object (at %s)", key, describe(at))
				return false
			}
			seen[key] = true
		} else {
			here = append(at[:len(at):len(at)], strconv.Itoa(i))
		}
		i++
		err = validateKeys(val, here)
		return err == nil
	})
	return err
}

func describe(p Path) string {
	if len(p) == 0 {
		return "the top level"
	}
	return "value path " + strconv.Quote(p.String())
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
