package metaedit

import (
	"bytes"

	"github.com/tidwall/gjson"
)

// Small helpers on raw JSON text. Reading and writing go through gjson and
// sjson; these only trim and name types (render.Compact compacts).

func trimWS(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// JSONType names the JSON type of v: object, array, string, number,
// boolean or null.
func JSONType(v gjson.Result) string {
	switch v.Type {
	case gjson.JSON:
		if v.IsArray() {
			return "array"
		}
		return "object"
	case gjson.String:
		return "string"
	case gjson.True, gjson.False:
		return "boolean"
	case gjson.Null:
		return "null"
	}
	return "number"
}

// TypeName is JSONType with an article, for messages ("an array").
func TypeName(v gjson.Result) string {
	switch t := JSONType(v); t {
	case "null":
		return t
	case "array", "object":
		return "an " + t
	default:
		return "a " + t
	}
}
