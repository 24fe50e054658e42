package metaedit

import (
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
)

// Auth0's rules for an application's client_metadata.
const (
	ClientMaxKeys = 10
	ClientMaxLen  = 255 // characters (Unicode code points) per key and value
)

// CheckClientPath refuses a nested path: client_metadata is flat.
func CheckClientPath(p metapath.Path) error {
	if len(p) > 1 {
		return failure.Usagef("client_metadata is flat: %q names a nested key; use a single key without dots", p.String())
	}
	return nil
}

// CheckClientMetadata checks the client_metadata document doc as it would
// be after a change: a flat object of string values, at most 10 keys, keys
// and values at most 255 characters, key characters from Auth0's set
// (ASCII letters, digits, space, tab and :,-+=_*?"/\()<>@).
func CheckClientMetadata(doc []byte) error {
	v, err := Normalize(doc)
	if err != nil {
		return failure.Usagef("client_metadata: %s", err.Error())
	}
	keys := make(map[string]bool)
	gjson.ParseBytes(v).ForEach(func(k, val gjson.Result) bool {
		key := k.Str
		keys[key] = true
		for _, r := range key {
			if !clientKeyRune(r) {
				err = failure.Usagef("client_metadata key %q: character %q is not allowed (only ASCII letters, digits, space, tab and :,-+=_*?\"/\\()<>@)", key, r)
				return false
			}
		}
		if n := utf8.RuneCountInString(key); n > ClientMaxLen {
			err = failure.Usagef("client_metadata key %q is %d characters long; at most %d are allowed", key, n, ClientMaxLen)
			return false
		}
		if val.Type != gjson.String {
			err = failure.Usagef("client_metadata values must be strings: %q is %s", key, TypeName(val))
			return false
		}
		if n := utf8.RuneCountInString(val.Str); n > ClientMaxLen {
			err = failure.Usagef("client_metadata value of %q is %d characters long; at most %d are allowed", key, n, ClientMaxLen)
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if len(keys) > ClientMaxKeys {
		return failure.Usagef("client_metadata would hold %d keys; at most %d are allowed", len(keys), ClientMaxKeys)
	}
	return nil
}

func clientKeyRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == ' ' || r == '\t' || strings.ContainsRune(`:,-+=_*?"/\()<>@`, r)
}
