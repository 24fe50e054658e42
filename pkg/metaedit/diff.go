package metaedit

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
)

// Normalize returns the field as a trimmed JSON object: "{}" for nil, empty,
// all-whitespace or "null" (Auth0 omits an empty field). Anything else that
// is not a valid JSON object is an error (exit 1: the server sent it).
func Normalize(field []byte) ([]byte, error) {
	v := trimWS(field)
	if len(v) == 0 || string(v) == "null" {
		return []byte("{}"), nil
	}
	if !gjson.ValidBytes(v) {
		return nil, failure.New(failure.General, "metadata is not valid JSON")
	}
	if v[0] != '{' {
		return nil, failure.New(failure.General, "metadata is %s, not a JSON object", typeName(v))
	}
	return v, nil
}

// MergeRoot applies patch to doc the way Auth0 merges metadata: each root
// key of patch replaces doc's whole value for that key in place (or is
// appended when new), a null removes the key, and an empty object "{}"
// empties the field. A nil or empty patch changes nothing.
func MergeRoot(doc, patch []byte) ([]byte, error) {
	d, err := Normalize(doc)
	if err != nil {
		return nil, err
	}
	p := trimWS(patch)
	if len(p) == 0 {
		return d, nil
	}
	if !gjson.ValidBytes(p) || p[0] != '{' {
		return nil, failure.New(failure.General, "patch is not a JSON object")
	}
	pm := members(p)
	if len(pm) == 0 {
		return []byte("{}"), nil
	}
	for _, m := range pm {
		key := keyOf(p, m)
		val := p[m.vs:m.ve]
		dm := members(d)
		i := lastMatch(d, dm, key)
		switch {
		case string(val) == "null":
			for ; i >= 0; i = lastMatch(d, dm, key) {
				d = removeAt(d, dm, i)
				dm = members(d)
			}
		case i >= 0:
			d = splice(d, dm[i].vs, dm[i].ve, val)
		default:
			d = appendEntry(d, dm, p[m.ks:m.ke], []byte{':'}, val)
		}
	}
	return d, nil
}

// RootDiff compares a field before and after a whole-document edit (edit
// --file) and returns the root-level patch: each root key that is new or
// whose value changed by meaning, with its new value (compact), then each
// removed root key as null. Patch is nil when both mean the same. A root
// key changed to null is refused (Auth0 would delete it), as is a '.' or
// '$' in any key of a changed value.
func RootDiff(before, after []byte) (patch []byte, changedRoots []string, err error) {
	b, err := Normalize(before)
	if err != nil {
		return nil, nil, err
	}
	a := trimWS(after)
	if len(a) == 0 || string(a) == "null" {
		a = []byte("{}")
	}
	if !gjson.ValidBytes(a) {
		return nil, nil, failure.Usagef("the edited metadata is not valid JSON")
	}
	if a[0] != '{' {
		return nil, nil, failure.Usagef("the edited metadata is %s, not a JSON object", typeName(a))
	}
	am, bm := members(a), members(b)
	ai, bi := lastIndex(a, am), lastIndex(b, bm)
	var entries [][]byte
	done := make(map[string]bool, len(am))
	for _, m := range am {
		key := keyOf(a, m)
		if done[key] {
			continue
		}
		done[key] = true
		if strings.ContainsAny(key, ".$") {
			return nil, nil, failure.Usagef("root key %q holds '.' or '$', which Auth0 does not allow in metadata keys", key)
		}
		am := am[ai[key]]
		av := a[am.vs:am.ve]
		if j, ok := bi[key]; ok && equal(b[bm[j].vs:bm[j].ve], av) {
			continue
		}
		if string(av) == "null" {
			return nil, nil, failure.Usagef("root key %q is null: Auth0 would delete it; remove the key instead", key)
		}
		if err := metapath.ValidateKeys(av); err != nil {
			return nil, nil, failure.Usagef("root key %q: %s", key, err.Error())
		}
		entries = append(entries, objectEntry(key, compact(av)))
		changedRoots = append(changedRoots, key)
	}
	for _, m := range bm {
		key := keyOf(b, m)
		if _, ok := ai[key]; ok || done[key] {
			continue
		}
		done[key] = true
		entries = append(entries, objectEntry(key, []byte("null")))
		changedRoots = append(changedRoots, key)
	}
	if len(entries) == 0 {
		return nil, nil, nil
	}
	return joinObject(entries), changedRoots, nil
}
