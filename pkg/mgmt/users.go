package mgmt

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/a0meta/a0meta/pkg/failure"
)

func checkID(kind, id string) error {
	if id == "" {
		// An empty id would address the collection (/api/v2/users/).
		return failure.Usagef("empty %s", kind)
	}
	return nil
}

// GetUserField reads one root field of a user (GET with fields=FIELD and
// include_fields=true) and returns its raw JSON value, or {} when the user
// has no such field: Auth0 omits empty metadata.
func (c *Client) GetUserField(ctx context.Context, userID, field string) (json.RawMessage, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, err
	}
	p := UserPath(userID)
	data, err := c.object(ctx, http.MethodGet, p, fieldsQuery([]string{field}), nil, "user_id", userID, field)
	if err != nil {
		return nil, err
	}
	return fieldOf(http.MethodGet, p, data, field)
}

// GetUser reads a user, whole or only the given root fields.
func (c *Client) GetUser(ctx context.Context, userID string, fields ...string) (json.RawMessage, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, err
	}
	return c.object(ctx, http.MethodGet, UserPath(userID), fieldsQuery(fields), nil, "user_id", userID, "user_metadata", "app_metadata")
}

// PatchUser sends body, byte for byte, as a PATCH of the user and returns
// the answer (the whole updated user), once it is checked to be that
// user's object; else the error is an *UncertainError.
func (c *Client) PatchUser(ctx context.Context, userID string, body []byte) (json.RawMessage, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, err
	}
	if body == nil {
		body = []byte{}
	}
	return c.object(ctx, http.MethodPatch, UserPath(userID), nil, body, "user_id", userID, "user_metadata", "app_metadata")
}

// UsersByEmail lists the users with exactly this email (one per
// connection). The email is sent as given: Auth0 stores emails lower-cased
// and matches case-sensitively, so callers lower-case it first.
func (c *Client) UsersByEmail(ctx context.Context, email string, fields ...string) ([]json.RawMessage, error) {
	const p = "/api/v2/users-by-email"
	q := append(query{{"email", email}}, fieldsQuery(fields)...)
	data, err := c.getJSON(ctx, p, q)
	if err != nil {
		return nil, err
	}
	var users []json.RawMessage
	if err := json.Unmarshal(data, &users); err != nil {
		return nil, unexpectedAnswer(http.MethodGet, p, data)
	}
	return users, nil
}

// SearchOptions is one page of a user search.
type SearchOptions struct {
	Query         string   // Lucene query (search_engine=v3); "" lists all users
	Page          int      // from 0
	PerPage       int      // at most 100; 0 leaves Auth0's default (50)
	Sort          string   // e.g. "created_at:1"; "" leaves Auth0's order
	Fields        []string // root fields to return; nil returns whole users
	IncludeTotals bool     // ask for the total number of matches
}

// SearchResult is one page of users.
type SearchResult struct {
	Users []json.RawMessage
	// Total is the number of matches when asked for and given, else -1.
	// Auth0 counts at most 1000 through this endpoint.
	Total int
}

// SearchUsers returns one page of users matching o.Query.
func (c *Client) SearchUsers(ctx context.Context, o SearchOptions) (*SearchResult, error) {
	const p = "/api/v2/users"
	var qs query
	if o.Query != "" {
		qs = append(qs, [2]string{"q", o.Query})
	}
	qs = append(qs, [2]string{"search_engine", "v3"}, [2]string{"page", strconv.Itoa(o.Page)})
	if o.PerPage > 0 {
		qs = append(qs, [2]string{"per_page", strconv.Itoa(o.PerPage)})
	}
	if o.Sort != "" {
		qs = append(qs, [2]string{"sort", o.Sort})
	}
	if o.IncludeTotals {
		qs = append(qs, [2]string{"include_totals", "true"})
	}
	qs = append(qs, fieldsQuery(o.Fields)...)
	data, err := c.getJSON(ctx, p, qs)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Total: -1}
	if json.Unmarshal(data, &res.Users) == nil {
		// A bare array: no totals asked for, or not honoured.
		return res, nil
	}
	var env struct {
		Users []json.RawMessage `json:"users"`
		Total *int              `json:"total"`
	}
	if err := json.Unmarshal(data, &env); err != nil || env.Users == nil && env.Total == nil {
		return nil, c.scrubErr(unexpectedAnswer(http.MethodGet, p, data))
	}
	res.Users = env.Users
	if env.Total != nil {
		res.Total = *env.Total
	}
	return res, nil
}
