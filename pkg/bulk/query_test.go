package bulk

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/tidwall/gjson"
)

func walkAll(t *testing.T, f *fakeAPI, q string) ([]string, error) {
	t.Helper()
	var ids []string
	err := WalkQuery(context.Background(), f, q, []string{"user_id"}, func(u json.RawMessage) error {
		ids = append(ids, gjson.GetBytes(u, "user_id").String())
		return nil
	})
	return ids, err
}

func checkEachOnce(t *testing.T, got []string, want map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
		if seen[id] == 2 {
			t.Errorf("%s walked twice", id)
		}
		if !want[id] {
			t.Errorf("%s does not match", id)
		}
	}
	for id := range want {
		if seen[id] == 0 {
			t.Errorf("%s missed", id)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("walked %d distinct users, want %d", len(seen), len(want))
	}
}

func TestWalkQuery(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		at       func(i int) time.Time
		searches int  // at most
		all      bool // every user matches: windows end where the test says
	}{
		{name: "few", n: 250, at: at(t0, time.Second), searches: 3},
		{name: "exactly 1000", n: 1000, at: at(t0, time.Second), searches: 10},
		{name: "past 1000", n: 3456, at: at(t0, time.Second), searches: 40},
		// 7 users on each instant: windows end inside a group of ties.
		{name: "ties", n: 2500, at: func(i int) time.Time { return t0.Add(time.Duration(i/7) * time.Millisecond) }, searches: 30, all: true},
		{name: "ties, some matching", n: 2500, at: func(i int) time.Time { return t0.Add(time.Duration(i/7) * time.Millisecond) }, searches: 30},
		// 600 users on one instant, straddling the first window's end.
		{name: "big tie at the boundary", n: 2000, at: func(i int) time.Time {
			if i >= 700 && i < 1300 {
				return t0.Add(700 * time.Second)
			}
			return t0.Add(time.Duration(i) * time.Second)
		}, searches: 30, all: true},
		// 999 on one instant is still fine.
		{name: "999 tied", n: 1500, at: func(i int) time.Time {
			if i >= 1 && i < 1000 {
				return t0.Add(time.Second)
			}
			return t0.Add(time.Duration(i) * time.Second)
		}, searches: 30, all: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			ids := f.seed(tt.n, tt.at, nil)
			// Else six users in ten match.
			match := func(id string) bool { return tt.all || id[len(id)-1]%3 != 0 }
			f.match = func(u *fakeUser) bool { return match(u.id) }
			want := map[string]bool{}
			for _, id := range ids {
				if match(id) {
					want[id] = true
				}
			}
			got, err := walkAll(t, f, `app_metadata.plan:"trial"`)
			if err != nil {
				t.Fatal(err)
			}
			checkEachOnce(t, got, want)
			if f.searches > tt.searches {
				t.Errorf("%d searches, want at most %d", f.searches, tt.searches)
			}
		})
	}
}

func TestWalkQueryRefusesAThousandTies(t *testing.T) {
	f := newFake()
	f.seed(1200, func(i int) time.Time {
		if i >= 100 && i < 1150 {
			return t0.Add(time.Hour)
		}
		return t0.Add(time.Duration(i) * time.Second)
	}, nil)
	var n int
	err := WalkQuery(context.Background(), f, "*:*", nil, func(json.RawMessage) error { n++; return nil })
	if failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), "share created_at 2024-01-01T01:00:00.000Z") {
		t.Fatalf("err = %v", err)
	}
}

// A query whose own writes take users out of it: every id is collected
// before the first write, so none is skipped, and each is written once.
func TestQueryWritesMoveUsersOut(t *testing.T) {
	f := newFake()
	ids := f.seed(2345, func(i int) time.Time { return t0.Add(time.Duration(i/3) * time.Second) }, func(i int) string {
		if i%5 == 0 {
			return `{"plan":"free"}`
		}
		return `{"plan":"trial","since":2021}`
	})
	f.match = func(u *fakeUser) bool { return gjson.Get(u.app, "plan").String() == "trial" }
	var targets []Target
	err := WalkQuery(context.Background(), f, `app_metadata.plan:"trial"`, []string{"user_id"}, func(u json.RawMessage) error {
		targets = append(targets, Target{Input: gjson.GetBytes(u, "user_id").String()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := Run(context.Background(), Options{API: f, Change: setPlan(t, "pro"), Concurrency: 8}, targets)
	if sum.Err() != nil || sum.Changed != 2345-469 {
		t.Fatalf("summary %+v", sum)
	}
	for i, id := range ids {
		plan := gjson.Get(f.users[id].app, "plan").String()
		want, wantPatches := "pro", 1
		if i%5 == 0 {
			want, wantPatches = "free", 0
		}
		if plan != want || f.patches[id] != wantPatches {
			t.Errorf("%s: plan %q after %d patches", id, plan, f.patches[id])
		}
		if i%5 != 0 && gjson.Get(f.users[id].app, "since").Int() != 2021 {
			t.Errorf("%s lost a sibling key: %s", id, f.users[id].app)
		}
	}
	// Nothing matches any more.
	if got, _ := walkAll(t, f, `app_metadata.plan:"trial"`); len(got) != 0 {
		t.Errorf("%d users still match", len(got))
	}
}
