package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"
)

// YAML renders the valid JSON raw as a YAML document with two-space indent.
// Object key order and the spelling of numbers are kept (numbers are written
// plain, as JSON wrote them); strings are quoted wherever YAML would
// otherwise read them as something else ("02134", "true", "null", "",
// ": x"), and multi-line strings use block style. The output ends with a
// newline, which is part of the document: do not add another. Bytes that
// are not UTF-8 inside strings print as U+FFFD.
func YAML(raw []byte) ([]byte, error) {
	v := bytes.Trim(raw, " \t\r\n")
	if !gjson.ValidBytes(v) {
		return nil, fmt.Errorf("render yaml: not valid JSON")
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
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: numberTag(r.Raw), Value: r.Raw}, nil
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
// would resolve to another type under YAML 1.2. Strings that YAML 1.1
// readers (PyYAML, many CI tools) take for booleans or base-60 numbers are
// double-quoted too, so "yes" and "1:20" stay strings everywhere, and so is
// "<<", which a plain scalar would turn into a merge key.
func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if alwaysQuote[s] || base60.MatchString(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

var alwaysQuote = map[string]bool{
	"<<": true,
	"y":  true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
}

var base60 = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

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
