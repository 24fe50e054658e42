package metaedit

import (
	"bytes"

	"github.com/tidwall/gjson"
)

// Small helpers on raw JSON text. Reading and writing go through gjson and
// sjson; these only trim, compact and name types.

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimWS(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// compact drops the whitespace between the tokens of the valid JSON v,
// keeping each token's bytes (number spelling, string escapes).
func compact(v []byte) []byte {
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isWS(c):
			continue
		case c == '"':
			e := stringEnd(v, i)
			out = append(out, v[i:e]...)
			i = e - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

// stringEnd returns the index just past the string that starts at b[i] ('"').
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

// typeName names the JSON type of v for messages.
func typeName(v gjson.Result) string {
	switch v.Type {
	case gjson.JSON:
		if v.IsArray() {
			return "an array"
		}
		return "an object"
	case gjson.String:
		return "a string"
	case gjson.True, gjson.False:
		return "a boolean"
	case gjson.Null:
		return "null"
	default:
		return "a number"
	}
}
