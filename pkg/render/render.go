// Package render formats raw JSON values for output: indented like `jq .`,
// compact, raw like `jq -r`, or YAML. Every format keeps the bytes of each
// number and (except Raw and YAML, which must decode strings) each string
// exactly as received, so big integers, 1.0 and 1.5e-07 print as stored.
// It is pure: no I/O.
package render

import (
	"bytes"

	"github.com/tidwall/gjson"
)

const indentUnit = "  "

// Pretty indents the valid JSON raw like `jq .`: two spaces per level, one
// member or element per line, `"key": value`, empty containers as {} and [],
// and every token's bytes unchanged. No trailing newline. Invalid input
// gives undefined (but non-panicking) output.
func Pretty(raw []byte) []byte {
	v := bytes.Trim(raw, " \t\r\n")
	out := make([]byte, 0, len(v)+len(v)/2)
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for range max(depth, 0) {
			out = append(out, indentUnit...)
		}
	}
	for i := 0; i < len(v); {
		c := v[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			i++
		case '"':
			e := stringEnd(v, i)
			out = append(out, v[i:e]...)
			i = e
		case '{', '[':
			j := skipWS(v, i+1)
			if j < len(v) && (v[j] == '}' || v[j] == ']') {
				out = append(out, c, v[j])
				i = j + 1
				continue
			}
			out = append(out, c)
			depth++
			newline()
			i++
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
			i++
		case ',':
			out = append(out, ',')
			newline()
			i++
		case ':':
			out = append(out, ':', ' ')
			i++
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}

// Compact removes the whitespace between tokens, keeping each token's bytes.
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

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
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
