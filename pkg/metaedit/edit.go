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
//   - Consecutive unsets find every path in the document as it was before
//     them (jq's del): "unset tags.0 tags.1" removes two elements.
//   - Values and paths nest at most metapath.MaxDepth levels.
//   - Setting below a string, number, boolean or null is an error.
//   - Bytes not changed by an operation are kept exactly.
//   - "Changed" is decided by meaning (Equal), not bytes.
//   - With duplicate keys in an object, the first one is the one read and
//     written (as gjson and sjson do); unset removes every copy. Auth0 never
//     returns duplicate keys.
//
// Reads go through gjson and writes through sjson, every key escaped
// (metapath.Path.GJSON), so untouched bytes survive. Before each write the
// engine checks with gjson what exists, so sjson never meets the cases it
// mishandles: it is never asked to create a container (a missing subtree is
// built here and set whole at the deepest existing parent), to write below
// a scalar, to pad an array, or to append with -1 to anything but an
// existing array.
package metaedit

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/render"
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

// Apply runs ops in order on the field current (absent, "" or "null" mean
// {}). Consecutive unsets act together, like jq's del(p1, p2): every path
// is found in the document as it was before them, so "unset tags.0 tags.1"
// removes the first two elements. Errors are usage errors (exit 2) for
// operations the contract refuses, and general errors for a field that is
// not a JSON object.
//
// Reports has one entry per operation, except that several sets of the
// same path report once, with what the last one did to the field as read
// (when nothing else in ops touches that path's parents or children), and
// an unset path named twice reports once.
func Apply(current []byte, ops []Op) (*Result, error) {
	before, err := Normalize(current)
	if err != nil {
		return nil, err
	}
	doc := before
	var touched []string
	seen := map[string]bool{}
	touch := func(root string) {
		if !seen[root] {
			seen[root] = true
			touched = append(touched, root)
		}
	}
	reports := make([]OpReport, 0, len(ops))
	for i := 0; i < len(ops); {
		if len(ops[i].Path) == 0 {
			return nil, failure.Usagef("empty path")
		}
		if len(ops[i].Path) > metapath.MaxDepth {
			return nil, failure.Usagef("the path %s has %d keys; at most %d are allowed", quotePath(ops[i].Path), len(ops[i].Path), metapath.MaxDepth)
		}
		if ops[i].Kind == Unset {
			j := i + 1
			for j < len(ops) && ops[j].Kind == Unset {
				j++
			}
			nd, reps, err := unsetAll(doc, ops[i:j])
			if err != nil {
				return nil, err
			}
			for _, r := range reps {
				if r.Changed {
					touch(r.Op.Path.Root())
				}
			}
			doc, reports, i = nd, append(reports, reps...), j
			continue
		}
		op := ops[i]
		i++
		if op.Kind != Set {
			return nil, failure.New(failure.General, "unknown operation kind %d", op.Kind)
		}
		val := trimWS(op.Value)
		// Assignments were checked when parsed; this guards callers that
		// build an Op by hand, since what is set here is sent to Auth0.
		for _, seg := range op.Path {
			if seg == "" || strings.ContainsAny(seg, ".$") {
				return nil, failure.Usagef("invalid key %s in path %s: keys must be non-empty and hold no '.' or '$'", strconv.Quote(seg), quotePath(op.Path))
			}
		}
		if err := metapath.ValidateValue(op.Path, val); err != nil {
			return nil, err
		}
		if len(op.Path) == 1 && string(val) == "null" {
			return nil, failure.Usagef("setting root key %s to null would make Auth0 delete it: use unset", quotePath(op.Path))
		}
		nd, note, err := setIn(doc, op.Path, val)
		if err != nil {
			return nil, err
		}
		changed := isChange(note)
		if changed {
			doc = nd
			touch(op.Path.Root())
		}
		reports = append(reports, OpReport{Op: op, Changed: changed, Note: note})
	}
	reports = mergeSetReports(before, doc, ops, reports)

	res := &Result{Before: before, After: before, Reports: reports, working: doc}
	var entries [][]byte
	for _, root := range touched {
		key := metapath.Path{root}.GJSON()
		bv, dv := gjson.GetBytes(before, key), gjson.GetBytes(doc, key)
		switch {
		case !bv.Exists() && !dv.Exists():
			continue
		case !dv.Exists():
			entries = append(entries, objectEntry(root, []byte("null")))
		case bv.Exists() && equal(bv, dv):
			continue // changed and changed back
		default:
			entries = append(entries, objectEntry(root, render.Compact([]byte(dv.Raw))))
		}
		res.ChangedRoots = append(res.ChangedRoots, root)
	}
	if len(entries) == 0 {
		return res, nil
	}
	res.Patch = joinObject(entries)
	if !gjson.ValidBytes(res.Patch) { // what is sent must be JSON, whatever happened above
		return nil, failure.New(failure.General, "internal error: the computed change is not valid JSON")
	}
	res.After, err = MergeRoot(before, res.Patch)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// quotePath is the path for a message, quoted and with control characters
// escaped.
func quotePath(p metapath.Path) string { return strconv.Quote(p.String()) }

// unsetAll removes the value at each op's path, every path found in doc as
// it is now. The values are removed from the last in the text to the
// first: removing a value never moves what comes before it, so each path
// still finds what it found in doc (an array index below a removed element
// is unchanged; a removed value's children go before it).
func unsetAll(doc []byte, ops []Op) ([]byte, []OpReport, error) {
	type target struct {
		path metapath.Path
		at   int // offset of the value in doc
	}
	var targets []target
	reports := make([]OpReport, 0, len(ops))
	named := map[string]int{} // path -> its report
	for _, op := range ops {
		v, found, err := resolve(doc, op.Path, "unset")
		if err != nil {
			return nil, nil, err
		}
		rep := OpReport{Op: op, Changed: found, Note: NoteNotPresent}
		if found {
			if v.Index <= 0 { // gjson's "offset unknown"; a value never starts the field
				return nil, nil, failure.New(failure.General, "internal error: cannot place %s in the field", quotePath(op.Path))
			}
			rep.Note = NoteRemoved
			targets = append(targets, target{op.Path, v.Index})
		}
		if k, dup := named[op.Path.String()]; dup {
			reports[k] = rep
			continue
		}
		named[op.Path.String()] = len(reports)
		reports = append(reports, rep)
	}
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].at > targets[j].at })
	for i, t := range targets {
		if i > 0 && t.at == targets[i-1].at {
			continue // the same value, named twice
		}
		nd, note, err := unsetIn(doc, t.path)
		if err != nil {
			return nil, nil, err
		}
		if note != NoteRemoved {
			return nil, nil, failure.New(failure.General, "internal error: %s was found but could not be removed", quotePath(t.path))
		}
		doc = nd
	}
	return doc, reports, nil
}

// mergeSetReports turns the reports of several sets of one path into one,
// placed where the last of them was, whose note compares the field as read
// (before) with the result (after): "set hobby=diving hobby=surfing"
// reports a single replace. It does so only when every operation is a set
// (no array element moved) and no other path in ops runs through or below
// that path, so that its value in after is the last set's.
func mergeSetReports(before, after []byte, ops []Op, reports []OpReport) []OpReport {
	left := map[string]int{} // sets of each path not yet passed
	for _, op := range ops {
		if op.Kind != Set {
			return reports
		}
		left[op.Path.String()]++
	}
	merge := map[string]bool{}
	for _, op := range ops {
		p := op.Path
		if left[p.String()] < 2 || slices.Contains(p, "-1") {
			continue
		}
		merge[p.String()] = !slices.ContainsFunc(ops, func(o Op) bool {
			return len(o.Path) != len(p) && (isPrefix(o.Path, p) || isPrefix(p, o.Path))
		})
	}
	out := make([]OpReport, 0, len(reports))
	for _, r := range reports {
		key := r.Op.Path.String()
		if !merge[key] {
			out = append(out, r)
			continue
		}
		if left[key]--; left[key] > 0 {
			continue // a later set of the same path reports for all of them
		}
		bv, had, _ := resolve(before, r.Op.Path, "set")
		av, _, _ := resolve(after, r.Op.Path, "set")
		switch {
		case !had:
			r.Note, r.Changed = NoteCreated, true
		case equal(bv, av):
			r.Note, r.Changed = NoteAlreadySet, false
		default:
			r.Note, r.Changed = NoteReplaced, true
		}
		out = append(out, r)
	}
	return out
}

// isPrefix reports whether p begins with q.
func isPrefix(q, p metapath.Path) bool {
	return len(q) <= len(p) && slices.Equal(q, p[:len(q)])
}

func isChange(note string) bool {
	return note == NoteCreated || note == NoteReplaced || note == NoteAppended || note == NoteRemoved
}

// setIn stores val at p in doc, returning the new document, or doc itself
// when nothing changed.
func setIn(doc []byte, p metapath.Path, val []byte) ([]byte, string, error) {
	var cur gjson.Result // the value at p[:d]; unset for the document itself
	for d, seg := range p {
		var next gjson.Result
		switch {
		case d == 0 || cur.IsObject():
			if next = child(doc, cur, seg); !next.Exists() {
				return write(doc, p[:d+1], build(p[d+1:], val), false, NoteCreated)
			}
		case cur.IsArray():
			idx, ok := metapath.Index(seg)
			if !ok {
				return nil, "", failure.Usagef("cannot set %q: %q is an array and %q is not an index (use a whole number, or -1 to append)",
					p.String(), p[:d].String(), seg)
			}
			if idx == -1 { // a final -1 on an existing array makes sjson append
				return write(doc, p[:d+1], build(p[d+1:], val), false, NoteAppended)
			}
			if next = child(doc, cur, seg); !next.Exists() {
				return nil, "", failure.Usagef("cannot set %q: index %d is past the end of %q, which has %d element(s) (use -1 to append)",
					p.String(), idx, p[:d].String(), len(cur.Array()))
			}
		default:
			return nil, "", failure.Usagef("cannot set %q: %q is %s, not an object or array (unset it or set %q itself first)",
				p.String(), p[:d].String(), TypeName(cur), p[:d].String())
		}
		cur = next
	}
	if equal(cur, gjson.ParseBytes(val)) {
		return doc, NoteAlreadySet, nil
	}
	return write(doc, p, val, true, NoteReplaced)
}

// child finds seg in the object or array c, whose Index is its offset in
// doc; the result's Index is its offset there too. A c that does not exist
// stands for doc itself, an object: only the value found is copied out of
// doc. For an array, seg must already be a valid index (metapath.Index, not
// -1): gjson would read "007" as 7 and wrap indexes that overflow.
func child(doc []byte, c gjson.Result, seg string) gjson.Result {
	if !c.Exists() {
		return gjson.GetBytes(doc, metapath.Path{seg}.GJSON())
	}
	r := gjson.Get(c.Raw, metapath.Path{seg}.GJSON())
	if r.Exists() {
		r.Index += c.Index
	}
	return r
}

// write sets raw at p with sjson. Callers have checked that p's parent is an
// existing object or array, and that a numeric last segment on an array is
// in range or -1, so sjson creates no container and pads nothing. exists
// says a value is already at p: sjson can then replace it in one pass.
func write(doc []byte, p metapath.Path, raw []byte, exists bool, note string) ([]byte, string, error) {
	out, err := sjson.SetRawBytesOptions(doc, p.GJSON(), raw, &sjson.Options{Optimistic: exists})
	if err != nil {
		return nil, "", failure.New(failure.General, "internal error: cannot write %q: %v", p.String(), err)
	}
	return out, note, nil
}

// removeKey deletes every copy of key from the object obj, found in doc at
// parent (an escaped gjson path; "" is the document itself). sjson removes
// the first copy at each call.
func removeKey(doc []byte, obj gjson.Result, parent, key string) ([]byte, error) {
	path := metapath.Path{key}.GJSON()
	if parent != "" {
		path = parent + "." + path
	}
	i, raw, copies := firstMember(obj, key)
	for ; copies > 0; copies-- {
		if strings.HasPrefix(raw, `"\"`) {
			doc = dropMember(doc, obj, i)
		} else {
			var err error
			if doc, err = sjson.DeleteBytes(doc, path); err != nil {
				return nil, failure.New(failure.General, "internal error: cannot remove %q: %v", key, err)
			}
		}
		if copies > 1 {
			obj = locate(doc, parent)
			i, raw, _ = firstMember(obj, key)
		}
	}
	return doc, nil
}

// locate is the value at the escaped path in doc ("" is doc itself), with
// its Index set to its offset in doc.
func locate(doc []byte, path string) gjson.Result {
	if path == "" {
		return gjson.Parse(string(doc))
	}
	return gjson.GetBytes(doc, path)
}

// firstMember returns the position in the object obj of the first member
// named key and that key's raw text, and how many members have that name.
func firstMember(obj gjson.Result, key string) (at int, raw string, copies int) {
	at, i := -1, 0
	obj.ForEach(func(k, _ gjson.Result) bool {
		if k.Str == key {
			if copies == 0 {
				at, raw = i, k.Raw
			}
			copies++
		}
		i++
		return true
	})
	return at, raw, copies
}

// dropMember removes the i-th member of the object obj (located in doc)
// with the comma that went with it.
//
// This is the one write that does not go through sjson: sjson's delete
// finds the start of the key by scanning backwards and skips an opening
// quote that is followed by an escaped quote, so for a key written as
// "\"..." (a key starting with '"') it also deletes the previous member, or
// leaves `{"\"":,...}` when it is the first. removeKey uses dropMember only
// for such keys.
func dropMember(doc []byte, obj gjson.Result, i int) []byte {
	type span struct{ ks, ve int }
	var ms []span
	obj.ForEach(func(k, v gjson.Result) bool {
		ms = append(ms, span{k.Index, v.Index + len(v.Raw)})
		return true
	})
	var s, e int
	switch {
	case len(ms) == 1:
		s, e = obj.Index+1, obj.Index+len(obj.Raw)-1
	case i < len(ms)-1:
		s, e = ms[i].ks, ms[i+1].ks
	default:
		s, e = ms[i-1].ve, ms[i].ve
	}
	out := make([]byte, 0, len(doc)-(e-s))
	out = append(out, doc[:s]...)
	return append(out, doc[e:]...)
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

// unsetIn removes the value at p from doc.
func unsetIn(doc []byte, p metapath.Path) ([]byte, string, error) {
	var cur gjson.Result // the value at p[:d]; unset for the document itself
	for d, seg := range p {
		last := d == len(p)-1
		var next gjson.Result
		switch {
		case d == 0 || cur.IsObject():
			if next = child(doc, cur, seg); !next.Exists() {
				return doc, NoteNotPresent, nil
			}
			if last {
				parent := p[:d].GJSON()
				if d == 0 {
					cur = locate(doc, parent)
				}
				nd, err := removeKey(doc, cur, parent, seg)
				if err != nil {
					return nil, "", err
				}
				return nd, NoteRemoved, nil
			}
		case cur.IsArray():
			idx, ok := metapath.Index(seg)
			if !ok {
				return doc, NoteNotPresent, nil
			}
			if idx == -1 {
				return nil, "", failure.Usagef("cannot unset %q: -1 means append and only set takes it", p.String())
			}
			if next = child(doc, cur, seg); !next.Exists() {
				return doc, NoteNotPresent, nil
			}
			if last {
				nd, err := sjson.DeleteBytes(doc, p.GJSON())
				if err != nil {
					return nil, "", failure.New(failure.General, "internal error: cannot remove %q: %v", p.String(), err)
				}
				return nd, NoteRemoved, nil
			}
		default:
			return doc, NoteNotPresent, nil
		}
		cur = next
	}
	return doc, NoteNotPresent, nil // not reached: p is not empty
}

// Get returns the raw bytes stored at p in the field doc (absent means {}),
// as a sub-slice of the normalized doc. A path through a scalar, a key on an
// array or an index past the end is not found. "-1" on an array is a usage
// error: only set takes it; on an object it is an ordinary key.
func Get(doc []byte, p metapath.Path) (raw []byte, found bool, err error) {
	v, err := Normalize(doc)
	if err != nil {
		return nil, false, err
	}
	if len(p) == 0 {
		return v, true, nil
	}
	cur, found, err := resolve(v, p, "get")
	if !found || err != nil {
		return nil, false, err
	}
	return v[cur.Index : cur.Index+len(cur.Raw)], true, nil
}

// resolve finds the value at p in the normalized field doc, its Index set
// to its offset in doc, as get and unset read paths. verb names the
// command in the error for "-1" on an array.
func resolve(doc []byte, p metapath.Path, verb string) (gjson.Result, bool, error) {
	var cur gjson.Result // the value at p[:d]; unset for the document itself
	for d, seg := range p {
		switch {
		case d == 0 || cur.IsObject():
		case cur.IsArray():
			idx, ok := metapath.Index(seg)
			if !ok {
				return gjson.Result{}, false, nil
			}
			if idx == -1 {
				return gjson.Result{}, false, failure.Usagef("cannot %s %s: %s is an array, where -1 means append, and only set takes it", verb, quotePath(p), quotePath(p[:d]))
			}
		default:
			return gjson.Result{}, false, nil
		}
		if cur = child(doc, cur, seg); !cur.Exists() {
			return gjson.Result{}, false, nil
		}
	}
	return cur, true, nil
}

// joinObject is the object holding entries ("key":value texts) in order.
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

// objectEntry is the text of `"key":value`.
func objectEntry(key string, val []byte) []byte {
	q := metapath.QuoteJSON(key)
	out := make([]byte, 0, len(q)+1+len(val))
	out = append(out, q...)
	out = append(out, ':')
	return append(out, val...)
}
