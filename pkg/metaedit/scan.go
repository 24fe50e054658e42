package metaedit

import (
	"bytes"

	"github.com/tidwall/gjson"
)

// Small helpers on raw JSON text. Reading and writing go through gjson and
// sjson; these only trim and name types (render.Compact compacts).

func trimWS(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

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
