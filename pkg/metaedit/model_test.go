package metaedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"

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
	for _, op := range ops {
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
			if root, err = modelUnset(root, op.Path); err != nil {
				return nil, err
			}
		}
	}
	return json.Marshal(root)
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

func modelUnset(node any, p metapath.Path) (any, error) {
	switch n := node.(type) {
	case map[string]any:
		child, ok := n[p[0]]
		if !ok {
			return n, nil
		}
		if len(p) == 1 {
			delete(n, p[0])
			return n, nil
		}
		c, err := modelUnset(child, p[1:])
		n[p[0]] = c
		return n, err
	case []any:
		idx, ok := metapath.Index(p[0])
		switch {
		case !ok:
			return n, nil
		case idx == -1:
			return n, errModel
		case idx >= len(n):
			return n, nil
		case len(p) == 1:
			return slices.Delete(n, idx, idx+1), nil
		}
		c, err := modelUnset(n[idx], p[1:])
		n[idx] = c
		return n, err
	default:
		return n, nil
	}
}
