// Package metaedit applies a0meta's set and unset operations to a metadata
// field held as raw JSON, and computes the root-level PATCH that Auth0's
// root-only merge needs. It is pure: no I/O.
//
// Rules (from the command-line contract):
//   - A numeric segment (metapath.Index) indexes an array where an array
//     exists; on an object it is an ordinary key, "-1" included. Where
//     nothing exists yet, new objects are created and a numeric segment is a
//     key, except "-1", which creates a one-element array.
//   - "-1" on an existing array appends (set only); an index past the end is
//     an error for set and "not present" for unset and get.
//   - Setting below a string, number, boolean or null is an error.
//   - Bytes not changed by an operation are kept exactly.
//   - "Changed" is decided by meaning (Equal), not bytes.
//   - With duplicate keys in an object, the last one is the one read and
//     written (as JSON.parse does); unset removes every copy.
package metaedit

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
)

// OpKind is the kind of one operation.
type OpKind int

const (
	Set OpKind = iota
	Unset
)

// Op is one operation. Value is the raw JSON to store (Set only).
type Op struct {
	Kind  OpKind
	Path  metapath.Path
	Value []byte
}

// SetOp turns a parsed assignment into an operation.
func SetOp(a metapath.Assignment) Op { return Op{Kind: Set, Path: a.Path, Value: a.Value} }

// UnsetOp removes the value at p.
func UnsetOp(p metapath.Path) Op { return Op{Kind: Unset, Path: p} }

// Notes say what an operation did.
const (
	NoteCreated    = "created"     // set: the path did not exist
	NoteReplaced   = "replaced"    // set: a different value was there
	NoteAppended   = "appended"    // set with -1 on an existing array
	NoteAlreadySet = "already set" // set: the same value (by meaning) was there
	NoteRemoved    = "removed"     // unset: the value was there
	NoteNotPresent = "not present" // unset: nothing at that path
)

// OpReport is what one operation did to the working document.
type OpReport struct {
	Op      Op
	Changed bool
	Note    string
}

// Result of Apply.
type Result struct {
	Before []byte // the normalized input ("{}" when the field was absent)
	// After is the field as Auth0 will hold it once Patch is merged:
	// Before with each patched root replaced in place, new roots appended and
	// removed roots dropped. Roots not in Patch keep Before's bytes.
	After []byte
	// Patch is the root-level object to send for the field: exactly the root
	// keys whose value differs by meaning from Before, each with its whole
	// new value (compact; every token's bytes kept), or null for a removed
	// root. Nil when nothing changed. Never "{}", which would empty the field.
	Patch []byte
	// ChangedRoots are Patch's keys, in order of first change.
	ChangedRoots []string
	Reports      []OpReport

	working []byte // the document after the operations, before the merge (tests compare it with After)
}

// Changed reports whether there is anything to send.
func (r *Result) Changed() bool { return r != nil && r.Patch != nil }

// Apply runs ops in order on the field current (absent, "" or "null" mean
// {}). Errors are usage errors (exit 2) for operations the contract refuses,
// and general errors for a field that is not a JSON object.
func Apply(current []byte, ops []Op) (*Result, error) {
	before, err := Normalize(current)
	if err != nil {
		return nil, err
	}
	doc := before
	var touched []string
	seen := map[string]bool{}
	reports := make([]OpReport, 0, len(ops))
	for _, op := range ops {
		if len(op.Path) == 0 {
			return nil, failure.Usagef("empty path")
		}
		var (
			nd   []byte
			note string
		)
		switch op.Kind {
		case Set:
			val := trimWS(op.Value)
			if !gjson.ValidBytes(val) {
				return nil, failure.Usagef("the value for %q is not valid JSON", op.Path.String())
			}
			if len(op.Path) == 1 && string(val) == "null" {
				return nil, failure.Usagef("setting root key %q to null would make Auth0 delete it: use unset", op.Path.String())
			}
			// Assignments were checked when parsed; this guards callers that
			// build an Op by hand, since what is set here is sent to Auth0.
			for _, seg := range op.Path {
				if seg == "" || strings.ContainsAny(seg, ".$") {
					return nil, failure.Usagef("invalid key %q in path %q: keys must be non-empty and hold no '.' or '$'", seg, op.Path.String())
				}
			}
			if err := metapath.ValidateKeys(val); err != nil {
				return nil, err
			}
			nd, note, err = setIn(doc, op.Path, 0, val)
		case Unset:
			nd, note, err = unsetIn(doc, op.Path, 0)
		default:
			return nil, failure.New(failure.General, "unknown operation kind %d", op.Kind)
		}
		if err != nil {
			return nil, err
		}
		changed := isChange(note)
		if changed {
			doc = nd
			if root := op.Path.Root(); !seen[root] {
				seen[root] = true
				touched = append(touched, root)
			}
		}
		reports = append(reports, OpReport{Op: op, Changed: changed, Note: note})
	}

	res := &Result{Before: before, After: before, Reports: reports, working: doc}
	bm, dm := members(before), members(doc)
	var entries [][]byte
	for _, root := range touched {
		bi, di := lastMatch(before, bm, root), lastMatch(doc, dm, root)
		switch {
		case bi < 0 && di < 0:
			continue
		case di < 0:
			entries = append(entries, objectEntry(root, []byte("null")))
		case bi >= 0 && equal(before[bm[bi].vs:bm[bi].ve], doc[dm[di].vs:dm[di].ve]):
			continue // changed and changed back
		default:
			entries = append(entries, objectEntry(root, compact(doc[dm[di].vs:dm[di].ve])))
		}
		res.ChangedRoots = append(res.ChangedRoots, root)
	}
	if len(entries) == 0 {
		return res, nil
	}
	res.Patch = joinObject(entries)
	res.After, err = MergeRoot(before, res.Patch)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func isChange(note string) bool {
	return note == NoteCreated || note == NoteReplaced || note == NoteAppended || note == NoteRemoved
}

func joinObject(entries [][]byte) []byte {
	n := 2
	for _, e := range entries {
		n += len(e) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, e := range entries {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e...)
	}
	return append(out, '}')
}

// setIn stores val at p[d:] inside the container v (trimmed), returning the
// new bytes of v, or v itself when nothing changed.
func setIn(v []byte, p metapath.Path, d int, val []byte) ([]byte, string, error) {
	seg, last := p[d], d == len(p)-1
	var ms []member
	i := -1
	switch v[0] {
	case '{':
		ms = members(v)
		i = lastMatch(v, ms, seg)
		if i < 0 {
			return appendEntry(v, ms, objectEntry(seg, build(p[d+1:], val))), NoteCreated, nil
		}
	case '[':
		idx, ok := metapath.Index(seg)
		if !ok {
			return nil, "", failure.Usagef("cannot set %q: %q is an array and %q is not an index (use a whole number, or -1 to append)",
				p.String(), p[:d].String(), seg)
		}
		ms = members(v)
		if idx == -1 {
			return appendEntry(v, ms, build(p[d+1:], val)), NoteAppended, nil
		}
		if idx >= len(ms) {
			return nil, "", failure.Usagef("cannot set %q: index %d is past the end of %q, which has %d element(s) (use -1 to append)",
				p.String(), idx, p[:d].String(), len(ms))
		}
		i = idx
	default:
		return nil, "", failure.Usagef("cannot set %q: %q is %s, not an object or array (unset it or set %q itself first)",
			p.String(), p[:d].String(), typeName(v), p[:d].String())
	}
	m := ms[i]
	child := v[m.vs:m.ve]
	if last {
		if equal(child, val) {
			return v, NoteAlreadySet, nil
		}
		return splice(v, m.vs, m.ve, val), NoteReplaced, nil
	}
	nc, note, err := setIn(child, p, d+1, val)
	if err != nil || !isChange(note) {
		return v, note, err
	}
	return splice(v, m.vs, m.ve, nc), note, nil
}

// build makes the value for the missing path rest holding val: objects, and
// a one-element array for each "-1".
func build(rest metapath.Path, val []byte) []byte {
	out := val
	for i := len(rest) - 1; i >= 0; i-- {
		var inner []byte
		if rest[i] == "-1" {
			inner = make([]byte, 0, len(out)+2)
			inner = append(inner, '[')
			inner = append(inner, out...)
			inner = append(inner, ']')
		} else {
			e := objectEntry(rest[i], out)
			inner = make([]byte, 0, len(e)+2)
			inner = append(inner, '{')
			inner = append(inner, e...)
			inner = append(inner, '}')
		}
		out = inner
	}
	return out
}

// unsetIn removes the value at p[d:] inside the container v.
func unsetIn(v []byte, p metapath.Path, d int) ([]byte, string, error) {
	seg, last := p[d], d == len(p)-1
	var ms []member
	i := -1
	switch v[0] {
	case '{':
		ms = members(v)
		i = lastMatch(v, ms, seg)
		if i < 0 {
			return v, NoteNotPresent, nil
		}
		if last {
			// Remove every copy of a duplicated key, from the end.
			for ; i >= 0; i = lastMatch(v, ms, seg) {
				v = removeAt(v, ms, i)
				ms = members(v)
			}
			return v, NoteRemoved, nil
		}
	case '[':
		idx, ok := metapath.Index(seg)
		if !ok {
			return v, NoteNotPresent, nil
		}
		if idx == -1 {
			return nil, "", failure.Usagef("cannot unset %q: -1 means append and only set takes it", p.String())
		}
		ms = members(v)
		if idx >= len(ms) {
			return v, NoteNotPresent, nil
		}
		i = idx
		if last {
			return removeAt(v, ms, i), NoteRemoved, nil
		}
	default:
		return v, NoteNotPresent, nil
	}
	m := ms[i]
	nc, note, err := unsetIn(v[m.vs:m.ve], p, d+1)
	if err != nil || !isChange(note) {
		return v, note, err
	}
	return splice(v, m.vs, m.ve, nc), note, nil
}

// Get returns the raw bytes stored at p in the field doc (absent means {}),
// as a sub-slice of the normalized doc. A path through a scalar, a key on an
// array or an index past the end is not found. "-1" on an array is a usage
// error: only set takes it.
func Get(doc []byte, p metapath.Path) (raw []byte, found bool, err error) {
	v, err := Normalize(doc)
	if err != nil {
		return nil, false, err
	}
	if len(p) == 0 {
		return v, true, nil
	}
	for _, seg := range p {
		switch v[0] {
		case '{':
			ms := members(v)
			i := lastMatch(v, ms, seg)
			if i < 0 {
				return nil, false, nil
			}
			v = v[ms[i].vs:ms[i].ve]
		case '[':
			idx, ok := metapath.Index(seg)
			if !ok {
				return nil, false, nil
			}
			if idx == -1 {
				return nil, false, failure.Usagef("cannot get %q: -1 means append and only set takes it", p.String())
			}
			ms := members(v)
			if idx >= len(ms) {
				return nil, false, nil
			}
			v = v[ms[idx].vs:ms[idx].ve]
		default:
			return nil, false, nil
		}
	}
	return v, true, nil
}
