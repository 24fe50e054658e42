package metaedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/a0meta/a0meta/pkg/metapath"
)

// A reference model of the contract's set/unset rules on decoded Go values,
// written independently of the byte-splicing engine, for differential
// fuzzing. (Decoding metadata into any is fine here: only the meaning is
// compared, and json.Number keeps the numbers' text.)

var errModel = errors.New("refused")

func modelDecode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// modelApply returns the resulting document, or errModel where the engine
// must refuse.
func modelApply(doc []byte, ops []Op) ([]byte, error) {
	root, err := modelDecode(doc)
	if err != nil {
		return nil, err
	}
	if root == nil {
		root = map[string]any{}
	}
	for i := 0; i < len(ops); i++ {
		op := ops[i]
		switch op.Kind {
		case Set:
			v, err := modelDecode(op.Value)
			if err != nil {
				return nil, err
			}
			if len(op.Path) == 1 && v == nil {
				return nil, errModel
			}
			if root, err = modelSet(root, op.Path, v); err != nil {
				return nil, err
			}
		case Unset:
			// A run of unsets is jq's del(p1, p2, ...): each path is
			// resolved in the document as it was before the run, then
			// the values go, the last path (in sort order) first.
			var found [][]any
			for ; i < len(ops) && ops[i].Kind == Unset; i++ {
				at, ok, err := modelResolve(root, ops[i].Path)
				if err != nil {
					return nil, err
				}
				if ok {
					found = append(found, at)
				}
			}
			i--
			slices.SortFunc(found, func(a, b []any) int { return -comparePaths(a, b) })
			for k, at := range found {
				if k > 0 && comparePaths(at, found[k-1]) == 0 {
					continue
				}
				root = modelDelete(root, at)
			}
		}
	}
	return json.Marshal(root)
}

// modelResolve turns p into the keys (string) and indexes (int) that reach
// a value of root, or reports that there is none.
func modelResolve(root any, p metapath.Path) ([]any, bool, error) {
	var at []any
	node := root
	for _, seg := range p {
		switch n := node.(type) {
		case map[string]any:
			child, ok := n[seg]
			if !ok {
				return nil, false, nil
			}
			at, node = append(at, seg), child
		case []any:
			idx, ok := metapath.Index(seg)
			switch {
			case !ok || idx >= len(n):
				return nil, false, nil
			case idx == -1:
				return nil, false, errModel
			}
			at, node = append(at, idx), n[idx]
		default:
			return nil, false, nil
		}
	}
	return at, true, nil
}

// comparePaths orders resolved paths: element by element, indexes by
// number, a path before its extensions.
func comparePaths(a, b []any) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		switch x := a[i].(type) {
		case int:
			if c := x - b[i].(int); c != 0 {
				return c
			}
		case string:
			if c := strings.Compare(x, b[i].(string)); c != 0 {
				return c
			}
		}
	}
	return len(a) - len(b)
}

func modelDelete(node any, at []any) any {
	switch n := node.(type) {
	case map[string]any:
		k := at[0].(string)
		if len(at) == 1 {
			delete(n, k)
		} else {
			n[k] = modelDelete(n[k], at[1:])
		}
		return n
	case []any:
		k := at[0].(int)
		if len(at) == 1 {
			return slices.Delete(n, k, k+1)
		}
		n[k] = modelDelete(n[k], at[1:])
		return n
	}
	return node
}

func modelBuild(p metapath.Path, v any) any {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == "-1" {
			v = []any{v}
		} else {
			v = map[string]any{p[i]: v}
		}
	}
	return v
}

func modelSet(node any, p metapath.Path, v any) (any, error) {
	if len(p) == 0 {
		return v, nil
	}
	switch n := node.(type) {
	case map[string]any:
		child, ok := n[p[0]]
		if !ok {
			n[p[0]] = modelBuild(p[1:], v)
			return n, nil
		}
		c, err := modelSet(child, p[1:], v)
		n[p[0]] = c
		return n, err
	case []any:
		idx, ok := metapath.Index(p[0])
		switch {
		case !ok || idx >= len(n):
			return n, errModel
		case idx == -1:
			return append(n, modelBuild(p[1:], v)), nil
		}
		c, err := modelSet(n[idx], p[1:], v)
		n[idx] = c
		return n, err
	default:
		return n, errModel
	}
}
