package history

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestBeforeOf(t *testing.T) {
	doc := []byte(`{"a":1.0,"b":{"x":[1,2]},"c":"\u00e9"}`)
	got, err := BeforeOf(doc, []string{"b", "gone", "a", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"b":{"x":[1,2]},"gone":null,"a":1.0,"c":"\u00e9"}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestPlanUndo(t *testing.T) {
	userClear := Entry{ID: "e1", Kind: "user", Field: "user_metadata",
		Before: json.RawMessage(`{"hobby":"surfing","n":1.0}`), Body: json.RawMessage(`{"user_metadata":{}}`)}
	userSet := Entry{ID: "e2", Kind: "user", Field: "app_metadata",
		Before: json.RawMessage(`{"plan":"trial","new":null}`), Body: json.RawMessage(`{"app_metadata":{"plan":"pro","new":{"a":1}}}`)}
	clientClear := Entry{ID: "e3", Kind: "client", Field: "client_metadata",
		Before: json.RawMessage(`{"k":"v"}`), Body: json.RawMessage(`{"client_metadata":{"k":null}}`)}
	tests := []struct {
		name      string
		e         Entry
		current   string
		force     bool
		patch     string // "" for nil
		after     string
		conflicts []string
	}{
		{name: "clear restored with raw bytes", e: userClear, current: `{}`,
			patch: `{"hobby":"surfing","n":1.0}`, after: `{"hobby":"surfing","n":1.0}`},
		{name: "absent field counts as {}", e: userClear, current: ``,
			patch: `{"hobby":"surfing","n":1.0}`, after: `{"hobby":"surfing","n":1.0}`},
		{name: "keys added since are kept and not sent", e: userClear, current: `{"other":true}`,
			patch: `{"hobby":"surfing","n":1.0}`, after: `{"other":true,"hobby":"surfing","n":1.0}`},
		{name: "key re-added since: refused", e: userClear, current: `{"hobby":"diving"}`,
			conflicts: []string{"hobby"}},
		{name: "key re-added since, forced", e: userClear, current: `{"hobby":"diving"}`, force: true,
			patch: `{"hobby":"surfing","n":1.0}`, after: `{"hobby":"surfing","n":1.0}`},
		{name: "set undone: changed back, added removed", e: userSet, current: `{"plan":"pro","new":{"a":1}}`,
			patch: `{"plan":"trial","new":null}`, after: `{"plan":"trial"}`},
		{name: "equal by meaning is no conflict", e: userSet, current: `{"new":{"a":1.0},"plan":"\u0070ro"}`,
			patch: `{"plan":"trial","new":null}`, after: `{"plan":"trial"}`},
		{name: "changed since: refused naming the key", e: userSet, current: `{"plan":"enterprise","new":{"a":1}}`,
			conflicts: []string{"plan"}},
		{name: "removed since: refused", e: userSet, current: `{"new":{"a":1}}`,
			conflicts: []string{"plan"}},
		{name: "an added key removed since is already as before", e: userSet, current: `{"plan":"pro"}`,
			patch: `{"plan":"trial"}`, after: `{"plan":"trial"}`},
		{name: "already as before: nothing to send", e: userSet, current: `{"plan":"trial"}`, force: true,
			after: `{"plan":"trial"}`},
		{name: "failed write never applied: nothing to do, no conflict", e: userSet, current: `{"plan":"trial"}`,
			after: `{"plan":"trial"}`},
		{name: "one root reverted by someone else, the other restored", e: userSet, current: `{"plan":"trial","new":{"a":1}}`,
			patch: `{"new":null}`, after: `{"plan":"trial"}`},
		{name: "client null removal restored", e: clientClear, current: `{"z":"1"}`,
			patch: `{"k":"v"}`, after: `{"z":"1","k":"v"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanUndo(tt.e, []byte(tt.current), tt.force)
			if tt.conflicts != nil {
				var cs *ChangedSinceError
				if !errors.As(err, &cs) || !reflect.DeepEqual(cs.Roots, tt.conflicts) {
					t.Fatalf("err = %v, want conflicts %v", err, tt.conflicts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(p.Patch) != tt.patch || string(p.After) != tt.after {
				t.Errorf("patch %s after %s; want %s and %s", p.Patch, p.After, tt.patch, tt.after)
			}
		})
	}
}

// An undo recorded as an entry undoes back to the original: undo of an
// undo redoes.
func TestUndoOfUndoRedoes(t *testing.T) {
	orig := `{"plan":"trial","keep":1}`
	e := Entry{ID: "e", Kind: "user", Field: "app_metadata",
		Before: json.RawMessage(`{"plan":"trial"}`), Body: json.RawMessage(`{"app_metadata":{"plan":"pro"}}`)}
	afterE := `{"plan":"pro","keep":1}`
	u, err := PlanUndo(e, []byte(afterE), false)
	if err != nil || string(u.After) != orig {
		t.Fatalf("undo: %v %s", err, u.After)
	}
	before, _ := BeforeOf([]byte(afterE), u.Roots)
	undoEntry := Entry{ID: "u", Kind: "user", Field: "app_metadata", Before: before,
		Body: json.RawMessage(`{"app_metadata":` + string(u.Patch) + `}`)}
	r, err := PlanUndo(undoEntry, u.After, false)
	if err != nil || string(r.After) != afterE {
		t.Fatalf("redo: %v %s", err, r.After)
	}
}
