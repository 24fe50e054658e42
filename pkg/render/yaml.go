package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
)

// YAML renders the valid JSON raw as a YAML document with two-space indent
// that YAML 1.2 readers and YAML 1.1 readers (PyYAML, Ruby's Psych) load
// unchanged. Object key order is kept and numbers are written plain, as
// JSON wrote them, except that an exponent gets a '.' and a sign (1e3 is
// written 1.0e+3), without which YAML 1.1 reads a string. Strings are
// quoted wherever a YAML 1.2 or 1.1 reader would otherwise read something
// else ("02134", "true", "yes", "=", "2026-01-02", "1:20", "", ": x"), and
// multi-line strings use block style. The output ends with a newline,
// which is part of the document: do not add another. Bytes that are not
// UTF-8 inside strings print as U+FFFD.
//
// A value nested deeper than metapath.MaxDepth (only a tenant holds those)
// is refused: YAML's indentation would grow with the square of the depth.
func YAML(raw []byte) ([]byte, error) {
	v := bytes.Trim(raw, " \t\r\n")
	if !gjson.ValidBytes(v) {
		return nil, fmt.Errorf("render yaml: not valid JSON")
	}
	if d := metapath.Depth(v); d > metapath.MaxDepth {
		return nil, failure.Usagef("the value nests %d levels deep, too deep for -o yaml (at most %d levels): use -o json", d, metapath.MaxDepth)
	}
	root, err := yamlNode(gjson.ParseBytes(v))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("render yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render yaml: %w", err)
	}
	return buf.Bytes(), nil
}

func yamlNode(r gjson.Result) (*yaml.Node, error) {
	switch r.Type {
	case gjson.String:
		return strNode(strings.ToValidUTF8(r.Str, "\uFFFD")), nil
	case gjson.Number:
		text := yaml11Number(r.Raw)
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: numberTag(text), Value: text}, nil
	case gjson.True, gjson.False:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: r.Raw}, nil
	case gjson.Null:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	var n *yaml.Node
	if r.IsObject() {
		n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	} else {
		n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	var err error
	r.ForEach(func(k, val gjson.Result) bool {
		var child *yaml.Node
		child, err = yamlNode(val)
		if err != nil {
			return false
		}
		if n.Kind == yaml.MappingNode {
			n.Content = append(n.Content, strNode(strings.ToValidUTF8(k.Str, "\uFFFD")))
		}
		n.Content = append(n.Content, child)
		return true
	})
	if len(n.Content) == 0 {
		n.Style = yaml.FlowStyle // {} and []
	}
	return n, err
}

// strNode is a string scalar; the encoder quotes it when a plain scalar
// would resolve to another type under YAML 1.2, and it is double-quoted
// here when a YAML 1.1 reader would read it as anything but that string.
func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if yaml11Special(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// yaml11Special reports whether a YAML 1.1 reader could take the plain
// scalar s for something other than the string s. It errs towards quoting:
//   - booleans in any case (PyYAML: yes/no/on/off/true/false in three
//     spellings; Psych: any case; the 1.1 spec adds y and n), null and ~,
//     .inf and .nan, "=" (PyYAML's value tag, which it cannot load) and
//     "<<" (a merge key);
//   - anything shaped like a number in any base or notation: 012 (octal),
//     0o12, 0x1F, 0b1, 1e3, 1_000, 1,000 (Psych), .5, 1:20 (base 60);
//   - dates and timestamps (2026-01-02, 2026-01-02T10:00:00Z);
//   - a leading ':' (a Ruby symbol in Psych);
//   - leading or trailing white space.
func yaml11Special(s string) bool {
	if s == "" {
		return false // the encoder already quotes it
	}
	return yaml11Word.MatchString(s) || yaml11NumberLike.MatchString(s) || yaml11Date.MatchString(s) ||
		s[0] == ':' || strings.TrimSpace(s) != s
}

var (
	yaml11Word       = regexp.MustCompile(`(?i)^(?:y|yes|n|no|true|false|on|off|null|~|=|<<|[-+]?\.(?:inf|nan))$`)
	yaml11NumberLike = regexp.MustCompile(`^[-+]?\.?[0-9][0-9a-zA-Z_,.:+-]*$`)
	yaml11Date       = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt \t])`)
)

// yaml11Number writes a JSON number with an exponent the way YAML 1.1
// reads as a float too: a '.' in the mantissa and a sign in the exponent
// (1e3 becomes 1.0e+3, 2E-5 2.0E-5). The value is unchanged; other numbers
// are kept as written.
func yaml11Number(text string) string {
	e := strings.IndexAny(text, "eE")
	if e < 0 {
		return text
	}
	mant, exp := text[:e], text[e+1:]
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if exp != "" && exp[0] != '+' && exp[0] != '-' {
		exp = "+" + exp
	}
	return mant + text[e:e+1] + exp
}

// numberTag is the tag YAML itself resolves the JSON number text to
// (!!int, or !!float for fractions, exponents and integers too large for
// 64 bits), so the encoder writes the number plain, without a tag.
func numberTag(text string) string {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err == nil && len(n.Content) == 1 {
		if t := n.Content[0].Tag; t == "!!int" || t == "!!float" {
			return t
		}
	}
	return "!!float"
}
