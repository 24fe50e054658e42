package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/tidwall/gjson"
)

// Searcher is the user search of the Management API.
type Searcher interface {
	SearchUserPage(ctx context.Context, s mgmt.UserSearch) (*mgmt.UserSearchPage, error)
}

// searchPerPage is Auth0's largest page.
const searchPerPage = 100

// WalkQuery calls fn once for every user matching the Lucene query q, in
// created_at order, each user carrying at least user_id and created_at
// besides the asked fields (none: all fields).
//
// Auth0 pages only through the first 1000 results of a query. WalkQuery
// reads a query sorted by created_at; when a window of 1000 is full, the
// next window is the same query restricted to created_at at or after the
// last instant seen, `(q) AND created_at:["T" TO *]`. Users on that
// instant already seen are remembered and skipped, so users sharing one
// created_at are neither missed nor repeated. When 1000 or more matching
// users share one instant no window can get past them: WalkQuery then
// stops with a usage error that says so, rather than skipping anyone.
func WalkQuery(ctx context.Context, s Searcher, q string, fields []string, fn func(user json.RawMessage) error) error {
	if q == "" {
		return failure.Usagef("empty --query")
	}
	fs := withFields(fields, "user_id", "created_at")
	cursor := ""
	var boundary map[string]struct{} // users on the cursor instant already seen
	for {
		wq := q
		if cursor != "" {
			wq = windowQuery(q, cursor)
		}
		var firstAt, lastAt string
		lastIDs := make(map[string]struct{})
		n := 0
		done := false
		for page := 0; page*searchPerPage < mgmt.MaxSearchResults; page++ {
			res, err := s.SearchUserPage(ctx, mgmt.UserSearch{
				Query: wq, Page: page, PerPage: searchPerPage, Sort: "created_at:1", Fields: fs,
			})
			if err != nil {
				return err
			}
			for _, u := range res.Users {
				id := gjson.GetBytes(u, "user_id").String()
				at := gjson.GetBytes(u, "created_at").String()
				if id == "" {
					return fmt.Errorf("search answer holds a user without user_id: %.200s", u)
				}
				n++
				if n == 1 {
					firstAt = at
				}
				if at != lastAt {
					lastAt = at
					lastIDs = make(map[string]struct{})
				}
				lastIDs[id] = struct{}{}
				if cursor != "" && at == cursor {
					if _, seen := boundary[id]; seen {
						continue
					}
				}
				if err := fn(u); err != nil {
					return err
				}
			}
			if len(res.Users) < searchPerPage || (res.Total >= 0 && (page+1)*searchPerPage >= res.Total) {
				done = true
				break
			}
		}
		if done {
			return nil
		}
		// A full window of 1000: more users follow.
		if lastAt == "" {
			return fmt.Errorf("search results carry no created_at; cannot page past %d results", mgmt.MaxSearchResults)
		}
		if firstAt == lastAt {
			return failure.Usagef("%d or more users matching the query share created_at %s, and Auth0's search pages through only %d results of a query: narrow the query (for example add AND user_id:auth0|a*), or pass the users with --users-from", mgmt.MaxSearchResults, lastAt, mgmt.MaxSearchResults)
		}
		if lastAt < cursor {
			return fmt.Errorf("search results are not sorted by created_at (%s after %s)", lastAt, cursor)
		}
		cursor, boundary = lastAt, lastIDs
	}
}

// windowQuery restricts q to users created at or after the instant at.
func windowQuery(q, at string) string {
	return "(" + q + ") AND created_at:[" + strconv.Quote(at) + " TO *]"
}

// withFields adds the fields the walk needs to the asked ones; no asked
// field means all fields.
func withFields(fields []string, need ...string) []string {
	if len(fields) == 0 {
		return nil
	}
	out := append([]string(nil), fields...)
	for _, n := range need {
		found := false
		for _, f := range fields {
			if f == n {
				found = true
			}
		}
		if !found {
			out = append(out, n)
		}
	}
	return out
}
