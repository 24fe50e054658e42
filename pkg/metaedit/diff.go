package metaedit

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/render"
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
		return nil, failure.New(failure.General, "metadata is %s, not a JSON object", TypeName(gjson.ParseBytes(v)))
	}
	return v, nil
}

// MergeRoot applies patch to doc the way Auth0 merges metadata: each root
// key of patch replaces doc's whole value for that key in place (its first
// copy, should doc repeat the key) or is appended when new, a null removes
// the key (every copy), and an empty object "{}" empties the field. A nil or
// empty patch changes nothing.
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
	var ferr error
	empty := true
	gjson.ParseBytes(p).ForEach(func(k, v gjson.Result) bool {
		empty = false
		key := metapath.Path{k.Str}.GJSON()
		if v.Type == gjson.Null {
			d, ferr = removeKey(d, gjson.ParseBytes(d), "", k.Str)
			return ferr == nil
		}
		// sjson replaces the first copy of the key, or appends the key.
		exists := gjson.GetBytes(d, key).Exists()
		if d, ferr = sjson.SetRawBytesOptions(d, key, []byte(v.Raw), &sjson.Options{Optimistic: exists}); ferr != nil {
			ferr = failure.New(failure.General, "internal error: cannot merge %q: %v", k.Str, ferr)
		}
		return ferr == nil
	})
	if ferr != nil {
		return nil, ferr
	}
	if empty {
		return []byte("{}"), nil
	}
	return d, nil
}

// RootDiff compares a field before and after a whole-document edit (edit
// --file) and returns the root-level patch: each root key that is new or
// whose value changed by meaning, with its new value (compact), then each
// removed root key as null. Patch is nil when both mean the same. After
// must be a JSON object: null, which a typo in jq prints, and an empty
// text are refused, never read as {} (that would remove every key). A root
// key given twice is refused (readers differ on which copy wins), as is a
// root key changed to null (Auth0 would delete it), and in a changed value
// a '.' or '$' in a key, a repeated key, or nesting past metapath.MaxDepth.
func RootDiff(before, after []byte) (patch []byte, changedRoots []string, err error) {
	b, err := Normalize(before)
	if err != nil {
		return nil, nil, err
	}
	a := trimWS(after)
	switch {
	case len(a) == 0:
		return nil, nil, failure.Usagef("the edited metadata is empty, not a JSON object ({} removes every key)")
	case !gjson.ValidBytes(a):
		return nil, nil, failure.Usagef("the edited metadata is not valid JSON: %s", metapath.DescribeSyntaxError(a))
	case a[0] != '{':
		return nil, nil, failure.Usagef("the edited metadata is %s, not a JSON object", TypeName(gjson.ParseBytes(a)))
	}
	bv := firstValues(gjson.ParseBytes(b))
	var entries [][]byte
	done := make(map[string]bool)
	gjson.ParseBytes(a).ForEach(func(k, av gjson.Result) bool {
		key := stringText(k)
		if done[key] {
			err = failure.Usagef("root key %s appears twice in the edited metadata; keep one", strconv.Quote(k.Str))
			return false
		}
		done[key] = true
		if strings.ContainsAny(key, ".$") {
			err = failure.Usagef("root key %s holds '.' or '$', which Auth0 does not allow in metadata keys", strconv.Quote(k.Str))
			return false
		}
		if old, ok := bv[key]; ok && equalBounded(old, av) {
			return true
		}
		if av.Type == gjson.Null {
			err = failure.Usagef("root key %s is null: Auth0 would delete it; remove the key instead", strconv.Quote(k.Str))
			return false
		}
		if verr := metapath.ValidateValue(metapath.Path{k.Str}, []byte(av.Raw)); verr != nil {
			err = verr
			return false
		}
		entries = append(entries, objectEntry(k.Str, render.Compact([]byte(av.Raw))))
		changedRoots = append(changedRoots, k.Str)
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	gjson.ParseBytes(b).ForEach(func(k, _ gjson.Result) bool {
		if key := stringText(k); !done[key] {
			done[key] = true
			entries = append(entries, objectEntry(k.Str, []byte("null")))
			changedRoots = append(changedRoots, k.Str)
		}
		return true
	})
	if len(entries) == 0 {
		return nil, nil, nil
	}
	return joinObject(entries), changedRoots, nil
}
