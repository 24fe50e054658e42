package metaedit

import (
	"bytes"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/metapath"
)

// The edit engine works on raw JSON bytes and splices new bytes in place, so
// every byte it does not change survives exactly (number spelling, string
// escapes, key order). The helpers below assume valid JSON: every document
// is checked with gjson.ValidBytes before it reaches them.

// member is one entry of an object or array, as offsets into the
// container's bytes. For arrays ks == ke == vs (there is no key).
type member struct {
	ks, ke int // the key's raw text, quotes included
	vs, ve int // the value's raw text
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimWS(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
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

// valueEnd returns the index just past the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default:
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
		}
		return len(b)
	}
}

// members lists the entries of the container v (trimmed, v[0] is '{' or '[').
func members(v []byte) []member {
	obj := v[0] == '{'
	var ms []member
	i := skipWS(v, 1)
	if i >= len(v) || v[i] == '}' || v[i] == ']' {
		return nil
	}
	for i < len(v) {
		var m member
		if obj {
			m.ks = i
			m.ke = stringEnd(v, i)
			i = skipWS(v, m.ke) + 1 // past ':'
			i = skipWS(v, i)
		} else {
			m.ks, m.ke = i, i
		}
		m.vs = i
		m.ve = valueEnd(v, i)
		ms = append(ms, m)
		i = skipWS(v, m.ve)
		if i >= len(v) || v[i] != ',' {
			break
		}
		i = skipWS(v, i+1)
	}
	return ms
}

// keyIs reports whether the key of m in v, unescaped, is seg.
func keyIs(v []byte, m member, seg string) bool {
	raw := v[m.ks+1 : m.ke-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == seg
	}
	return unquote(v[m.ks:m.ke]) == seg
}

func keyOf(v []byte, m member) string {
	raw := v[m.ks+1 : m.ke-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	return unquote(v[m.ks:m.ke])
}

// unquote returns the text of the JSON string literal s.
func unquote(s []byte) string { return gjson.ParseBytes(s).Str }

// lastMatch returns the index of the last member of the object v named seg,
// or -1. With duplicate keys the last one wins, as with JavaScript's
// JSON.parse (which Auth0 runs on request bodies) and Go's encoding/json.
func lastMatch(v []byte, ms []member, seg string) int {
	for i := len(ms) - 1; i >= 0; i-- {
		if keyIs(v, ms[i], seg) {
			return i
		}
	}
	return -1
}

// splice returns a new slice: v with v[s:e] replaced by repl.
func splice(v []byte, s, e int, repl ...[]byte) []byte {
	n := len(v) - (e - s)
	for _, r := range repl {
		n += len(r)
	}
	out := make([]byte, 0, n)
	out = append(out, v[:s]...)
	for _, r := range repl {
		out = append(out, r...)
	}
	return append(out, v[e:]...)
}

// removeAt returns v without its i-th member and the comma that went with it.
func removeAt(v []byte, ms []member, i int) []byte {
	switch {
	case len(ms) == 1:
		return splice(v, 1, len(v)-1)
	case i < len(ms)-1:
		return splice(v, ms[i].ks, ms[i+1].ks)
	default:
		return splice(v, ms[i-1].ve, ms[i].ve)
	}
}

// appendEntry adds entry ("key":value for objects, value for arrays) at the
// end of the container v.
func appendEntry(v []byte, ms []member, entry ...[]byte) []byte {
	if len(ms) == 0 {
		return splice(v, 1, len(v)-1, entry...)
	}
	end := ms[len(ms)-1].ve
	return splice(v, end, end, append([][]byte{{','}}, entry...)...)
}

// objectEntry is the text of `"key":value`.
func objectEntry(key string, val []byte) []byte {
	q := metapath.QuoteJSON(key)
	out := make([]byte, 0, len(q)+1+len(val))
	out = append(out, q...)
	out = append(out, ':')
	return append(out, val...)
}

// compact drops the whitespace between tokens, keeping each token's bytes.
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

// typeName names the JSON type of the value v for messages.
func typeName(v []byte) string {
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
