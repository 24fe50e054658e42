package mgmt

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// GetClientField reads one root field of a client (application), or {}
// when the client has no such field.
func (c *Client) GetClientField(ctx context.Context, clientID, field string) (json.RawMessage, error) {
	if err := checkID("client id", clientID); err != nil {
		return nil, err
	}
	p := ClientPath(clientID)
	data, err := c.object(ctx, http.MethodGet, p, fieldsQuery([]string{field}), nil, "client_id", clientID, field)
	if err != nil {
		return nil, err
	}
	return fieldOf(http.MethodGet, p, data, field)
}

// PatchClient sends body, byte for byte, as a PATCH of the client and
// returns the answer once it is checked to be that client's object.
func (c *Client) PatchClient(ctx context.Context, clientID string, body []byte) (json.RawMessage, error) {
	if err := checkID("client id", clientID); err != nil {
		return nil, err
	}
	if body == nil {
		body = []byte{}
	}
	return c.object(ctx, http.MethodPatch, ClientPath(clientID), nil, body, "client_id", clientID, "client_metadata")
}

// ClientRef names a client.
type ClientRef struct {
	ClientID string `json:"client_id"`
	Name     string `json:"name"`
}

const clientsPerPage = 100

// maxClientPages stops paging a server that never says it is done.
const maxClientPages = 10000

// ListClients lists every client's id and name, page by page.
func (c *Client) ListClients(ctx context.Context) ([]ClientRef, error) {
	const p = "/api/v2/clients"
	var all []ClientRef
	for page := 0; page < maxClientPages; page++ {
		data, err := c.getJSON(ctx, p, query{
			{"fields", "client_id,name"},
			{"include_fields", "true"},
			{"page", strconv.Itoa(page)},
			{"per_page", strconv.Itoa(clientsPerPage)},
			{"include_totals", "true"},
		})
		if err != nil {
			return nil, err
		}
		var batch []ClientRef
		total := -1
		if json.Unmarshal(data, &batch) != nil {
			var env struct {
				Clients []ClientRef `json:"clients"`
				Total   *int        `json:"total"`
			}
			if err := json.Unmarshal(data, &env); err != nil {
				return nil, c.scrubErr(unexpectedAnswer(http.MethodGet, p, data))
			}
			batch = env.Clients
			if env.Total != nil {
				total = *env.Total
			}
		}
		all = append(all, batch...)
		switch {
		case len(batch) == 0:
			return all, nil
		case total >= 0 && len(all) >= total:
			return all, nil
		case total < 0 && len(batch) < clientsPerPage:
			// A bare array (no total): a short page is the last one.
			return all, nil
		}
	}
	return all, nil
}
