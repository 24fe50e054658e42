// Package render formats raw JSON values for output: indented like `jq .`,
// compact, raw like `jq -r`, or YAML. Every format keeps the bytes of each
// number and (except Raw and YAML, which must decode strings) each string
// exactly as received, so big integers, 1.0 and 1.5e-07 print as stored.
// It is pure: no I/O.
package render

import (
	"bytes"
	"encoding/json"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/metapath"
)

// Pretty indents the valid JSON raw like `jq .`: two spaces per level, one
// member or element per line, `"key": value`, empty containers as {} and [],
// and every token's bytes unchanged. No trailing newline. It is
// json.Indent (which FuzzStdlibIdentical checks against the earlier
// hand-written indenter) with surrounding whitespace trimmed.
//
// A value nested deeper than metapath.MaxDepth, which only a tenant can
// hold (end users write user_metadata directly), is printed compact
// instead: indenting it would make the output grow with the square of the
// depth (20 GB for 200 KB nested 100 000 deep). Invalid input is printed
// compacted as it is.
func Pretty(raw []byte) []byte {
	v := bytes.Trim(raw, " \t\r\n")
	if metapath.Depth(v) > metapath.MaxDepth {
		return Compact(v)
	}
	var b bytes.Buffer
	b.Grow(len(v) + len(v)/2)
	if err := json.Indent(&b, v, "", "  "); err != nil {
		return Compact(v)
	}
	return b.Bytes()
}

// Compact removes the whitespace between tokens, keeping each token's bytes.
// On valid JSON it gives exactly what json.Compact gives, but it reads any
// depth in one pass and never fails: json.Compact stops at 10000 levels,
// and a write must be able to send back whatever the tenant holds.
func Compact(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case ' ', '\t', '\r', '\n':
			i++
		case '"':
			e := stringEnd(raw, i)
			out = append(out, raw[i:e]...)
			i = e
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}

// Raw is `jq -r`: a JSON string prints as its unescaped text, anything else
// as compact JSON.
func Raw(raw []byte) []byte {
	v := bytes.Trim(raw, " \t\r\n")
	if len(v) > 0 && v[0] == '"' {
		return []byte(gjson.ParseBytes(v).Str)
	}
	return Compact(v)
}

// stringEnd returns the index just past the string that starts at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}
