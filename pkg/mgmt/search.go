package mgmt

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// UserSearch is one page request of the user search (search_engine=v3).
type UserSearch struct {
	Query   string   // Lucene query
	Page    int      // from 0
	PerPage int      // at most 100; 0 means 100
	Sort    string   // e.g. "created_at:1"; empty: Auth0's order
	Fields  []string // root fields to return; empty: all
}

// UserSearchPage is one page of results with the number of matches.
type UserSearchPage struct {
	Users []json.RawMessage
	// Total is the number of users matching the query (include_totals);
	// -1 when the answer carried none.
	Total int
}

// MaxSearchResults is how far Auth0 pages into one query: past the first
// 1000 results it answers 400.
const MaxSearchResults = 1000

// SearchUserPage runs one page of a user search with include_totals=true.
func (c *Client) SearchUserPage(ctx context.Context, s UserSearch) (*UserSearchPage, error) {
	const p = "/api/v2/users"
	per := s.PerPage
	if per <= 0 {
		per = 100
	}
	qs := query{
		{"q", s.Query},
		{"search_engine", "v3"},
		{"page", strconv.Itoa(s.Page)},
		{"per_page", strconv.Itoa(per)},
		{"include_totals", "true"},
	}
	if s.Sort != "" {
		qs = append(qs, [2]string{"sort", s.Sort})
	}
	qs = append(qs, fieldsQuery(s.Fields)...)
	data, err := c.getJSON(ctx, p, qs)
	if err != nil {
		return nil, err
	}
	var bare []json.RawMessage
	if json.Unmarshal(data, &bare) == nil {
		// A bare array: include_totals was not honoured.
		return &UserSearchPage{Users: bare, Total: -1}, nil
	}
	var env struct {
		Users []json.RawMessage `json:"users"`
		Total *int              `json:"total"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, unexpectedAnswer(http.MethodGet, p, data)
	}
	page := &UserSearchPage{Users: env.Users, Total: -1}
	if env.Total != nil {
		page.Total = *env.Total
	}
	return page, nil
}
