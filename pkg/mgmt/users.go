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
	data, err := c.getJSON(ctx, p, fieldsQuery([]string{field}))
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
	return c.getJSON(ctx, UserPath(userID), fieldsQuery(fields))
}

// PatchUser sends body, byte for byte, as a PATCH of the user and returns
// the answer (the whole updated user).
func (c *Client) PatchUser(ctx context.Context, userID string, body []byte) (json.RawMessage, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, err
	}
	if body == nil {
		body = []byte{}
	}
	return c.do(ctx, http.MethodPatch, UserPath(userID), nil, body)
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

// SearchUsers runs a Lucene query (search_engine=v3) and returns one page
// of users (page from 0, perPage at most 100) and the total number of
// matches.
func (c *Client) SearchUsers(ctx context.Context, q string, page, perPage int, fields ...string) ([]json.RawMessage, int, error) {
	const p = "/api/v2/users"
	qs := query{
		{"q", q},
		{"search_engine", "v3"},
		{"page", strconv.Itoa(page)},
		{"per_page", strconv.Itoa(perPage)},
		{"include_totals", "true"},
	}
	qs = append(qs, fieldsQuery(fields)...)
	data, err := c.getJSON(ctx, p, qs)
	if err != nil {
		return nil, 0, err
	}
	var users []json.RawMessage
	if json.Unmarshal(data, &users) == nil {
		// A bare array: include_totals was not honoured.
		return users, len(users), nil
	}
	var env struct {
		Users []json.RawMessage `json:"users"`
		Total int               `json:"total"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, 0, unexpectedAnswer(http.MethodGet, p, data)
	}
	return env.Users, env.Total, nil
}
