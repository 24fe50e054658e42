package history

import (
	"encoding/json"
	"testing"
)

func TestRunTargets(t *testing.T) {
	mk := func(id, target, run, status, before, body string) Entry {
		return Entry{ID: id, Domain: "t", Kind: "user", Field: "app_metadata", Target: target, Run: run, Status: status,
			Before: json.RawMessage(before), Body: json.RawMessage(`{"app_metadata":` + body + `}`)}
	}
	entries := []Entry{
		mk("1", "u1", "r", StatusDone, `{"plan":"trial"}`, `{"plan":"pro"}`),
		mk("2", "u2", "r", StatusDone, `{"plan":null}`, `{"plan":"pro"}`),
		mk("3", "u9", "other", StatusDone, `{"plan":"x"}`, `{"plan":"y"}`),
		mk("4", "u1", "r", StatusDone, `{"plan":"pro","legacy":true}`, `{"plan":"gold","legacy":null}`),
		mk("5", "u3", "r", StatusFailed, `{"plan":"a"}`, `{"plan":"b"}`),
		mk("6", "u2", "r", StatusFailed, `{"plan":"pro"}`, `{"plan":"zzz"}`),
	}
	got := RunTargets(entries, "r")
	want := []struct{ id, target, before, body string }{
		{"2", "u2", `{"plan":null}`, `{"app_metadata":{"plan":"pro"}}`}, // its failed write is not composed
		{"5", "u3", `{"plan":"a"}`, `{"app_metadata":{"plan":"b"}}`},
		{"4", "u1", `{"plan":"trial","legacy":true}`, `{"app_metadata":{"plan":"gold","legacy":null}}`},
	}
	if len(got) != len(want) {
		t.Fatalf("%d targets: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Target != w.target || string(g.Before) != w.before || string(g.Body) != w.body {
			t.Errorf("target %d = %s %s %s %s, want %+v", i, g.ID, g.Target, g.Before, g.Body, w)
		}
	}
	// Undoing the composed entry restores the state before the run.
	p, err := PlanUndo(got[2], []byte(`{"plan":"gold","keep":1}`), false)
	if err != nil || string(p.After) != `{"plan":"trial","keep":1,"legacy":true}` {
		t.Errorf("undo: %v %s", err, p.After)
	}
	if len(RunTargets(entries, "")) != 0 {
		t.Error("an empty run id matched entries")
	}
}
