package bulk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
)

// Fingerprint identifies an operation for the journal: the field, clear
// or the ordered edits with their exact values. Two runs with the same
// fingerprint write the same thing to a user, so a user one of them did
// need not be done again by the other.
func Fingerprint(ch metaops.Change) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode(ch.Kind.Field())
	_ = enc.Encode(ch.Clear)
	for _, op := range ch.Ops {
		_ = enc.Encode(op.Kind)
		_ = enc.Encode([]string(op.Path))
		h.Write(op.Value)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Describe says what the change does, for messages and the journal: the
// paths, never the values (they may be personal data).
func Describe(ch metaops.Change) string {
	field := ch.Kind.Field()
	if ch.Clear {
		return "clear " + field
	}
	var sets, unsets []string
	for _, op := range ch.Ops {
		p := field + "." + op.Path.String()
		if op.Kind == metaedit.Unset {
			unsets = append(unsets, p)
		} else {
			sets = append(sets, p)
		}
	}
	var parts []string
	if len(sets) > 0 {
		parts = append(parts, "set "+strings.Join(sets, ", "))
	}
	if len(unsets) > 0 {
		parts = append(parts, "unset "+strings.Join(unsets, ", "))
	}
	return strings.Join(parts, "; ")
}
