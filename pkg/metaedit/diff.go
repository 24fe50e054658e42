package metaedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
		return nil, nil, failure.Usagef("the edited metadata is not valid JSON: %s", syntaxErrorAt(a))
	}
	if a[0] != '{' {
		return nil, nil, failure.Usagef("the edited metadata is %s, not a JSON object", TypeName(gjson.ParseBytes(a)))
	}
	bv := firstValues(gjson.ParseBytes(b))
	var entries [][]byte
	done := make(map[string]bool)
	gjson.ParseBytes(a).ForEach(func(k, av gjson.Result) bool {
		key := k.Str
		if done[key] {
			return true // a later copy of a key: the first one counts
		}
		done[key] = true
		if strings.ContainsAny(key, ".$") {
			err = failure.Usagef("root key %q holds '.' or '$', which Auth0 does not allow in metadata keys", key)
			return false
		}
		if old, ok := bv[key]; ok && equal(old, av) {
			return true
		}
		if av.Type == gjson.Null {
			err = failure.Usagef("root key %q is null: Auth0 would delete it; remove the key instead", key)
			return false
		}
		if verr := metapath.ValidateKeys([]byte(av.Raw)); verr != nil {
			err = failure.Usagef("root key %q: %s", key, verr.Error())
			return false
		}
		entries = append(entries, objectEntry(key, render.Compact([]byte(av.Raw))))
		changedRoots = append(changedRoots, key)
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	gjson.ParseBytes(b).ForEach(func(k, _ gjson.Result) bool {
		if !done[k.Str] {
			done[k.Str] = true
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

// syntaxErrorAt says where invalid JSON goes wrong, as line and column of
// doc and the text of that line, so the user can find the mistake. Only
// the error is taken from encoding/json; nothing is decoded.
func syntaxErrorAt(doc []byte) string {
	var raw json.RawMessage
	err := json.Unmarshal(doc, &raw)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		if err == nil {
			return "more than one JSON value"
		}
		return err.Error()
	}
	off := int(se.Offset)
	if off > len(doc) {
		off = len(doc)
	}
	if off > 0 && se.Error() != "unexpected end of JSON input" {
		off-- // Offset is just past the offending byte.
	}
	line := 1 + bytes.Count(doc[:off], []byte("\n"))
	start := bytes.LastIndexByte(doc[:off], '\n') + 1
	end := len(doc)
	if i := bytes.IndexByte(doc[off:], '\n'); i >= 0 {
		end = off + i
	}
	return fmt.Sprintf("%s at line %d, column %d of the JSON: %s", se.Error(), line, off-start+1, bytes.TrimSpace(doc[start:end]))
}
