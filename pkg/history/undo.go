package history

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/tidwall/gjson"
)

// BeforeOf is the before object of a write: each root key in roots with
// its raw value in the field doc, or null when doc does not have it.
func BeforeOf(doc []byte, roots []string) (json.RawMessage, error) {
	entries := make([]string, 0, len(roots))
	for _, r := range roots {
		v, found, err := metaedit.Get(doc, metapath.Path{r})
		if err != nil {
			return nil, err
		}
		if !found {
			v = []byte("null")
		}
		entries = append(entries, string(metapath.QuoteJSON(r))+":"+string(v))
	}
	return json.RawMessage("{" + strings.Join(entries, ",") + "}"), nil
}

// Roots are the root keys an entry touched, in order.
func (e Entry) Roots() []string {
	var roots []string
	gjson.ParseBytes(e.Before).ForEach(func(k, _ gjson.Result) bool {
		roots = append(roots, k.String())
		return true
	})
	return roots
}

// rootValue is root r of a JSON object: its raw value, or found=false
// when it is absent or null (null removes a root key).
func rootValue(obj []byte, r string) ([]byte, bool) {
	v := gjson.GetBytes(obj, metapath.Path{r}.GJSON())
	if !v.Exists() || v.Type == gjson.Null {
		return nil, false
	}
	return []byte(v.Raw), true
}

// Left is what the entry's PATCH left in root r: the body's value, or
// absent for a null, for a key the body does not name when the body
// empties the field ({}), or for a failed write that is undone anyway.
func (e Entry) left(r string) ([]byte, bool) {
	field := gjson.GetBytes(e.Body, e.Field)
	return rootValue([]byte(field.Raw), r)
}

// UndoPlan is the write that reverts an entry.
type UndoPlan struct {
	// Patch is the field-level patch: each root key that differs from its
	// before-value, with that value or null. Nil: nothing to revert.
	Patch []byte
	// Roots are the keys Patch names; After is the field once it is sent.
	Roots []string
	After []byte
}

// Edit is the plan as the edit engine's result on doc, the field as read.
func (p *UndoPlan) Edit(doc []byte) *metaedit.Result {
	return &metaedit.Result{Before: doc, After: p.After, Patch: p.Patch, ChangedRoots: p.Roots}
}

// ChangedSinceError refuses an undo: root keys the entry touched hold, on
// the tenant, something other than what the entry left.
type ChangedSinceError struct {
	Entry Entry
	Roots []string
}

func (e *ChangedSinceError) Error() string {
	q := make([]string, len(e.Roots))
	for i, r := range e.Roots {
		q[i] = fmt.Sprintf("%q", r)
	}
	return fmt.Sprintf("root key(s) %s of %s of %s %s changed since that write; nothing sent (--force restores them anyway)",
		strings.Join(q, ", "), e.Entry.Field, e.Entry.Kind, e.Entry.Target)
}

// ExitCode is 1: the request was valid, the tenant moved on.
func (e *ChangedSinceError) ExitCode() failure.Code { return failure.General }

// PlanUndo computes, against current (the field as it is now), the write
// that puts back the before-value of every root key e touched. Equality is
// by meaning, as everywhere in a0meta. A root that already holds its
// before-value is left alone (a failed write, or one undone already).
// Unless force, a root to restore whose current value differs from what e
// left refuses the whole undo with a *ChangedSinceError, so a later change
// is never silently overwritten.
func PlanUndo(e Entry, current []byte, force bool) (*UndoPlan, error) {
	current, err := metaedit.Normalize(current)
	if err != nil {
		return nil, err
	}
	before := gjson.ParseBytes(e.Before)
	if !before.IsObject() {
		return nil, failure.New(failure.General, "history entry %s has no before-values", e.ID)
	}
	var conflicts, roots []string
	var entries []string
	before.ForEach(func(k, v gjson.Result) bool {
		r := k.String()
		cur, curFound, _ := metaedit.Get(current, metapath.Path{r})
		want, wantFound := []byte(v.Raw), v.Type != gjson.Null
		if same(cur, curFound, want, wantFound) {
			return true // already as before: nothing to send, nothing to lose
		}
		if left, leftFound := e.left(r); !same(cur, curFound, left, leftFound) {
			conflicts = append(conflicts, r)
		}
		if !wantFound {
			want = []byte("null")
		}
		roots = append(roots, r)
		entries = append(entries, string(metapath.QuoteJSON(r))+":"+string(want))
		return true
	})
	if len(conflicts) > 0 && !force {
		return nil, &ChangedSinceError{Entry: e, Roots: conflicts}
	}
	p := &UndoPlan{After: current}
	if len(entries) == 0 {
		return p, nil
	}
	p.Patch = []byte("{" + strings.Join(entries, ",") + "}")
	p.Roots = roots
	if p.After, err = metaedit.MergeRoot(current, p.Patch); err != nil {
		return nil, err
	}
	return p, nil
}

func same(a []byte, aFound bool, b []byte, bFound bool) bool {
	return aFound == bFound && (!aFound || metaedit.Equal(a, b))
}
