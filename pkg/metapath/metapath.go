// Package metapath parses the PATH and ASSIGNMENT arguments of a0meta: keys
// joined by '.', and PATH=VALUE / PATH:=JSON. It is pure: no I/O.
//
// Auth0 forbids '.' and '$' in metadata key names, so a '.' always separates
// keys and a '$' is always an error; every other character is literal.
package metapath

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/a0meta/a0meta/pkg/failure"
)

// Path is a list of raw (unescaped) key segments. A segment that is a whole
// number (see Index) addresses an array element where an array exists.
type Path []string

// Parse splits s on '.'. An empty path, an empty segment, a '$' anywhere,
// text that is not UTF-8 and more than MaxDepth keys are usage errors.
func Parse(s string) (Path, error) {
	if n := strings.Count(s, ".") + 1; n > MaxDepth {
		return nil, failure.Usagef("invalid path %s: %d keys; a0meta accepts at most %d", quoteShort(s), n, MaxDepth)
	}
	if s == "" {
		return nil, failure.Usagef("invalid path %q: the path is empty", s)
	}
	if !utf8.ValidString(s) {
		return nil, failure.Usagef("invalid path %q: not valid UTF-8", s)
	}
	if strings.ContainsRune(s, '$') {
		return nil, failure.Usagef("invalid path %q: Auth0 does not allow '$' in metadata keys", s)
	}
	p := Path(strings.Split(s, "."))
	for i, seg := range p {
		if seg != "" {
			continue
		}
		switch {
		case i == 0:
			return nil, failure.Usagef("invalid path %q: starts with a dot", s)
		case i == len(p)-1:
			return nil, failure.Usagef("invalid path %q: ends with a dot", s)
		default:
			return nil, failure.Usagef("invalid path %q: empty key between dots", s)
		}
	}
	return p, nil
}

// MustParse is Parse for constant paths in code and tests; it panics on error.
func MustParse(s string) Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String joins the segments with '.'.
func (p Path) String() string { return strings.Join(p, ".") }

// Root is the first segment: the root key a change to p touches.
func (p Path) Root() string {
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

// GJSON returns p as a gjson/sjson path in which every segment is literal:
// the characters gjson gives meaning to (* ? # @ | \ ! = < > % and the rest
// of ASCII punctuation) are backslash-escaped, and so is a leading ':'
// (which gjson.Escape misses and sjson reads as "force a key"). Numeric
// segments stay as they are: gjson then reads them as an array index on an
// array and as a key on an object. "-1" finds nothing on an array.
//
// gjson also reads "007" as index 7 and wraps overflowing numbers, and sjson
// pads arrays and creates containers for segments on missing values: decide
// what a segment means with Index and check what exists before handing the
// path over (package metaedit does).
func (p Path) GJSON() string {
	var b strings.Builder
	for i, seg := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(escapeSegment(seg))
	}
	return b.String()
}

func escapeSegment(seg string) string {
	var b strings.Builder
	b.Grow(len(seg) + 2)
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if !safePathByte(c) || (i == 0 && c == ':') {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// safePathByte mirrors gjson's own notion of a byte that needs no escaping
// (bytes <= ' ' and non-ASCII are safe there).
func safePathByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c <= ' ' || c > '~' || c == '_' || c == '-' || c == ':'
}

// Index reports whether seg is an array index: a whole number written
// without sign or leading zeros ("0", "7", "2313"), or "-1", meaning "append"
// (only set takes it). "007", "+1", "-0", "-2" and "1e3" are plain keys.
func Index(seg string) (int, bool) {
	if seg == "-1" {
		return -1, true
	}
	if seg == "" || len(seg) > 1 && seg[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(seg)
	if err != nil { // too large to be an index into anything real
		return 0, false
	}
	return n, true
}

// reserved are the app_metadata names Auth0 says to avoid.
var reserved = map[string]bool{
	"__tenant": true, "_id": true, "blocked": true, "clientID": true,
	"created_at": true, "email_verified": true, "email": true,
	"globalClientID": true, "global_client_id": true, "identities": true,
	"lastIP": true, "lastLogin": true, "loginsCount": true, "metadata": true,
	"multifactor_last_modified": true, "multifactor": true,
	"updated_at": true, "user_id": true,
}

// Reserved reports whether key is one of Auth0's reserved app_metadata
// names (case-sensitive, as Auth0 lists them). Writing one is allowed but
// deserves a warning.
func Reserved(key string) bool { return reserved[key] }
