package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

const stateVersion = 1

// state is the tenant: users by user_id, clients in creation order.
type state struct {
	key     []byte // HS256 signing key, kept so tokens outlive the process
	users   map[string]object
	clients []object
}

type stateFile struct {
	Version    int               `json:"version"`
	SigningKey string            `json:"signing_key"`
	Users      []json.RawMessage `json:"users"`
	Clients    []json.RawMessage `json:"clients"`
}

func newKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return k
}

func (st *state) client(id string) (int, object) {
	for i, c := range st.clients {
		if c.str("client_id") == id {
			return i, c
		}
	}
	return -1, nil
}

// findUsers returns the users that match, sorted by user_id (sorting only
// the hits keeps lookups cheap in a large tenant).
func (st *state) findUsers(match func(object) bool) []object {
	var hits []object
	for _, u := range st.users {
		if match(u) {
			hits = append(hits, u)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].str("user_id") < hits[j].str("user_id") })
	return hits
}

func (st *state) sortedUserIDs() []string {
	ids := make([]string, 0, len(st.users))
	for id := range st.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// marshal writes the state file by hand: encoding/json would HTML-escape the
// raw metadata ("<" → "\u003c") and so change the stored bytes.
func (st *state) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"version\":%d,\"signing_key\":%s,\"users\":[", stateVersion,
		quote(base64.RawURLEncoding.EncodeToString(st.key)))
	for i, id := range st.sortedUserIDs() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n")
		b.Write(st.users[id].encode(userOrder, nil))
	}
	b.WriteString("\n],\"clients\":[")
	for i, c := range st.clients {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n")
		b.Write(c.encode(clientOrder, nil))
	}
	b.WriteString("\n]}\n")
	return b.Bytes()
}

func unmarshalState(data []byte) (*state, error) {
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse state: %w", err)
	}
	if f.Version != stateVersion {
		return nil, fmt.Errorf("state version %d not supported (want %d)", f.Version, stateVersion)
	}
	key, err := base64.RawURLEncoding.DecodeString(f.SigningKey)
	if err != nil || len(key) < 16 {
		return nil, errors.New("state: bad signing_key")
	}
	st := &state{key: key, users: map[string]object{}}
	for i, raw := range f.Users {
		u, ok := parseObject(raw)
		if !ok || u.str("user_id") == "" {
			return nil, fmt.Errorf("state: user %d is not an object with a user_id", i)
		}
		st.users[u.str("user_id")] = u
	}
	for i, raw := range f.Clients {
		c, ok := parseObject(raw)
		if !ok || c.str("client_id") == "" {
			return nil, fmt.Errorf("state: client %d is not an object with a client_id", i)
		}
		st.clients = append(st.clients, c)
	}
	return st, nil
}
