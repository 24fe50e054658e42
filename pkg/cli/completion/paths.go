package completion

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/metaedit"
)

// Entry is one addressable value of a metadata document.
type Entry struct {
	Path string // dotted, as a0meta's PATH arguments read it
	Type string // "object", "array", "string", "number", "boolean" or "null"
}

// maxEntries bounds what one completion offers; shells choke on more.
const maxEntries = 2000

// Paths lists every path of doc depth-first in document order, a parent
// before its children: object keys at all depths and array indices. Keys a
// path cannot name (empty, or holding '.', '$', a tab or a newline, or not
// UTF-8) are left out with everything under them. With appendSlots, each
// array also yields PATH.-1 (type "append"), set's way to add an element.
func Paths(doc []byte, appendSlots bool) []Entry {
	root := gjson.ParseBytes(doc)
	if !root.IsObject() {
		return nil
	}
	var out []Entry
	var walk func(prefix string, v gjson.Result)
	walk = func(prefix string, v gjson.Result) {
		i := 0
		v.ForEach(func(key, val gjson.Result) bool {
			if len(out) >= maxEntries {
				return false
			}
			seg := strconv.Itoa(i)
			if v.IsObject() {
				seg = key.String()
			}
			i++
			if !nameable(seg) {
				return true
			}
			p := seg
			if prefix != "" {
				p = prefix + "." + seg
			}
			out = append(out, Entry{Path: p, Type: metaedit.JSONType(val)})
			if val.IsObject() || val.IsArray() {
				walk(p, val)
			}
			return true
		})
		if appendSlots && v.IsArray() && len(out) < maxEntries {
			out = append(out, Entry{Path: prefix + ".-1", Type: "append"})
		}
	}
	walk("", root)
	return out
}

func nameable(seg string) bool {
	return seg != "" && utf8.ValidString(seg) && !strings.ContainsAny(seg, ".$\t\n\r")
}
