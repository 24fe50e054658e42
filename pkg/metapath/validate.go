package metapath

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/failure"
)

// MaxDepth is the deepest nesting a0meta writes: a value may sit inside at
// most this many objects and arrays, counting the metadata field itself
// (the field {} is 1 deep, {"a":[1]} 2, and set a.b:=[1] makes 3). A path
// may have at most MaxDepth keys. Deeper input is refused with exit 2, so
// validation, comparison and indenting stay bounded; Auth0 documents no
// limit of its own.
const MaxDepth = 128

// Depth is how deeply the JSON text raw nests objects and arrays: 0 for a
// scalar, 1 for {} or [1], 2 for [[1]]. It reads raw once, without
// recursion or allocation, and counts brackets outside strings whether or
// not raw is valid JSON.
func Depth(raw []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
		case '}', ']':
			depth = max(depth-1, 0) // stray closers cannot hide what follows
		}
	}
	return deepest
}

// ValidateKeys is ValidateValue(nil, raw): raw is a whole metadata field.
func ValidateKeys(raw []byte) error { return ValidateValue(nil, raw) }

// ValidateValue checks the JSON text raw that is to be stored at path at
// (nil: raw is the whole field): it is valid JSON; it nests no deeper than
// MaxDepth, counting the len(at) objects and arrays around it; no key holds
// '.' or '$', which Auth0 forbids in metadata key names (checked after
// unescaping: "a\u002eb" is "a.b"); no object repeats a key, since which
// copy wins differs between JSON readers. The cost is linear in len(raw):
// the depth is checked first, in one pass, before anything recursive runs.
func ValidateValue(at Path, raw []byte) error {
	if d := len(at) + Depth(raw); d > MaxDepth {
		what := "the JSON"
		if len(at) > 0 {
			what = "the value for " + strconv.Quote(at.String())
		}
		return failure.Usagef("%s nests %d levels deep in the metadata; a0meta accepts at most %d levels of objects and arrays", what, d, MaxDepth)
	}
	if !gjson.ValidBytes(raw) {
		return failure.Usagef("not valid JSON")
	}
	return checkKeys(at, raw)
}

// frame is one open object or array while checkKeys reads a value: its
// place in the path, and for an object the keys seen so far.
type frame struct {
	obj  bool
	seg  string // the key of this value in its parent object
	idx  int    // the index of this value in its parent array, or -1
	next int    // commas so far: the index of the current element (arrays)
	seen map[string]bool
}

// checkKeys reads the valid JSON raw once, front to back (no recursion,
// every byte visited once), and checks each object key. Paths are spelled
// out only for a message.
func checkKeys(at Path, raw []byte) error {
	var stack []frame
	keyPos := false // the next string is an object key
	seg, idx := "", -1
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '"':
			end := stringEnd(raw, i)
			if keyPos {
				key := gjson.ParseBytes(raw[i:end]).Str
				top := &stack[len(stack)-1]
				if strings.ContainsAny(key, ".$") {
					return failure.Usagef("key %s %s holds '.' or '$', which Auth0 does not allow in metadata keys", strconv.Quote(key), where(at, stack))
				}
				if top.seen == nil {
					top.seen = make(map[string]bool)
				}
				if top.seen[key] {
					return failure.Usagef("key %s appears twice in the same object (%s)", strconv.Quote(key), where(at, stack))
				}
				top.seen[key] = true
				seg, idx, keyPos = key, -1, false
			}
			i = end - 1
		case '{', '[':
			if n := len(stack); n > 0 && !stack[n-1].obj {
				seg, idx = "", stack[n-1].next
			}
			stack = append(stack, frame{obj: c == '{', seg: seg, idx: idx})
			keyPos = c == '{'
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			top := &stack[len(stack)-1]
			keyPos = top.obj
			top.next++
		}
	}
	return nil
}

// stringEnd is the index just past the JSON string that starts at raw[i].
func stringEnd(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(raw)
}

// where names the object whose members are being read, for messages.
func where(at Path, stack []frame) string {
	p := append(Path(nil), at...)
	for _, f := range stack[1:] {
		if f.idx >= 0 {
			p = append(p, strconv.Itoa(f.idx))
		} else {
			p = append(p, f.seg)
		}
	}
	if len(p) == 0 {
		return "at the top level"
	}
	return "in " + strconv.Quote(p.String())
}
