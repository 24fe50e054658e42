package sandbox

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/tidwall/gjson"
)

// member is one key of a JSON object kept as raw bytes: the key's original
// spelling (with its escapes) and the value's exact text. Metadata never goes
// through map[string]any, so big numbers, number spellings, string escapes
// and key order survive every merge.
type member struct {
	key    string // unescaped, for comparisons
	rawKey string // as written, quotes included
	val    string // raw JSON value, compact
}

// compactJSON validates data and removes insignificant white space without
// touching numbers or string escapes (json.Compact does not HTML-escape).
func compactJSON(data []byte) ([]byte, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return nil, false
	}
	return b.Bytes(), true
}

// members lists the keys of a compact raw JSON object in document order. A
// key given twice keeps its first position and its last value, as a JSON
// parser that fills a map would.
func members(raw string) []member {
	var out []member
	idx := map[string]int{}
	gjson.Parse(raw).ForEach(func(k, v gjson.Result) bool {
		m := member{key: k.String(), rawKey: k.Raw, val: v.Raw}
		if i, ok := idx[m.key]; ok {
			out[i].val = m.val
			return true
		}
		idx[m.key] = len(out)
		out = append(out, m)
		return true
	})
	return out
}

func encodeMembers(ms []member) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.rawKey)
		b.WriteByte(':')
		b.WriteString(m.val)
	}
	b.WriteByte('}')
	return b.String()
}

// mergeRoot applies Auth0's root-level merge: each root key of patch
// replaces the stored value whole (keeping its position), a null removes the
// key, new keys go at the end. An empty patch object empties the result when
// emptyClears is set (users); for clients it changes nothing.
func mergeRoot(base, patch string, emptyClears bool) string {
	pm := members(patch)
	if len(pm) == 0 {
		if emptyClears {
			return "{}"
		}
		if base == "" {
			return "{}"
		}
		return base
	}
	var bm []member
	if base != "" {
		bm = members(base)
	}
	for _, p := range pm {
		pos := -1
		for i, b := range bm {
			if b.key == p.key {
				pos = i
				break
			}
		}
		switch {
		case p.val == "null" && pos >= 0:
			bm = append(bm[:pos], bm[pos+1:]...)
		case p.val == "null":
		case pos >= 0:
			bm[pos].val = p.val
		default:
			bm = append(bm, p)
		}
	}
	return encodeMembers(bm)
}

// badKey returns the first object key, at any depth of raw, that holds '.'
// or '$' (Auth0 refuses them in user and app metadata).
func badKey(v gjson.Result) (string, bool) {
	var found string
	var walk func(v gjson.Result) bool
	walk = func(v gjson.Result) bool {
		switch {
		case v.IsObject():
			v.ForEach(func(k, c gjson.Result) bool {
				if strings.ContainsAny(k.String(), ".$") {
					found = k.String()
					return false
				}
				return walk(c)
			})
		case v.IsArray():
			v.ForEach(func(_, c gjson.Result) bool { return walk(c) })
		}
		return found == ""
	}
	walk(v)
	return found, found != ""
}

// jsonType names a value's JSON type the way Auth0's validator does.
func jsonType(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "boolean"
	case gjson.Number:
		if strings.ContainsAny(v.Raw, ".eE") {
			return "number"
		}
		return "integer"
	case gjson.String:
		return "string"
	}
	if v.IsArray() {
		return "array"
	}
	return "object"
}

// quote encodes s as a JSON string without HTML escaping (the project's
// one quoter; invalid UTF-8 becomes U+FFFD first, as encoding/json does).
func quote(s string) string {
	return string(metapath.QuoteJSON(strings.ToValidUTF8(s, "\uFFFD")))
}

// object is a stored resource (user or client): root attributes as raw JSON
// values. Output order comes from a fixed ranking, so answers and the state
// file are deterministic.
type object map[string]string

func parseObject(raw []byte) (object, bool) {
	c, ok := compactJSON(raw)
	if !ok || !gjson.ParseBytes(c).IsObject() {
		return nil, false
	}
	o := object{}
	for _, m := range members(string(c)) {
		o[m.key] = m.val
	}
	return o, true
}

// objectOf takes the members of an already compact object value.
func objectOf(v gjson.Result) (object, bool) {
	if !v.IsObject() {
		return nil, false
	}
	o := object{}
	v.ForEach(func(k, val gjson.Result) bool {
		o[k.String()] = val.Raw
		return true
	})
	return o, true
}

func (o object) str(key string) string {
	v, ok := o[key]
	if !ok {
		return ""
	}
	return gjson.Parse(v).String()
}

func (o object) clone() object {
	c := make(object, len(o))
	for k, v := range o {
		c[k] = v
	}
	return c
}

// encode writes the keys of o that keep(key) accepts, ranked by order, then
// the rest alphabetically.
func (o object) encode(order map[string]int, keep func(string) bool) []byte {
	keys := make([]string, 0, len(o))
	for k := range o {
		if keep == nil || keep(k) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, iok := order[keys[i]]
		rj, jok := order[keys[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return keys[i] < keys[j]
	})
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(k))
		b.WriteByte(':')
		b.WriteString(o[k])
	}
	b.WriteByte('}')
	return b.Bytes()
}

func rank(keys ...string) map[string]int {
	m := make(map[string]int, len(keys))
	for i, k := range keys {
		m[k] = i
	}
	return m
}

// userOrder follows the order of Auth0's user answers.
var userOrder = rank("created_at", "email", "email_verified", "family_name", "given_name",
	"identities", "name", "nickname", "phone_number", "phone_verified", "picture",
	"updated_at", "user_id", "username", "user_metadata", "app_metadata", "blocked",
	"last_ip", "last_login", "last_password_reset", "logins_count", "multifactor")

var clientOrder = rank("name", "description", "client_id", "client_secret", "app_type",
	"logo_uri", "is_first_party", "oidc_conformant", "callbacks", "allowed_origins",
	"web_origins", "allowed_logout_urls", "grant_types", "token_endpoint_auth_method",
	"client_metadata")
