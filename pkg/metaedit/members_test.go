package metaedit

import (
	"bytes"

	"github.com/tidwall/gjson"
)

// member is one entry of an object or array, as offsets into the
// container's bytes; for arrays ks == ke == vs. Tests use it to look at
// documents independently of the engine's own reads.
type member struct {
	ks, ke int // the key's raw text, quotes included
	vs, ve int // the value's raw text
}

// members lists the entries of the valid JSON container v, in order,
// duplicates included.
func members(v []byte) []member {
	lead := len(v) - len(bytes.TrimLeft(v, " \t\r\n"))
	var ms []member
	gjson.ParseBytes(v).ForEach(func(k, val gjson.Result) bool {
		m := member{vs: lead + val.Index, ve: lead + val.Index + len(val.Raw)}
		m.ks, m.ke = m.vs, m.vs
		if k.Type == gjson.String {
			m.ks, m.ke = lead+k.Index, lead+k.Index+len(k.Raw)
		}
		ms = append(ms, m)
		return true
	})
	return ms
}

// keyOf is the unescaped key of m in v.
func keyOf(v []byte, m member) string { return gjson.ParseBytes(v[m.ks:m.ke]).Str }
