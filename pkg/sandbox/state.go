package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/tidwall/gjson"
)

const stateVersion = 1

// state is the tenant: users by user_id, clients in creation order. Users
// are changed only through put and remove, which keep the email index and
// the cached orders right.
type state struct {
	key     []byte // HS256 signing key, kept so tokens outlive the process
	users   map[string]object
	clients []object

	byEmail map[string][]string // stored (lower-case) email → user_ids
	// Cached user orders for search, rebuilt when a user is added, removed
	// or gets another created_at (a metadata PATCH keeps them).
	byID      []string
	byCreated []userKey
}

// userKey is a user's place in the created_at order (ties by user_id).
type userKey struct {
	created string // canonicalInstant(created_at): sorts as text
	id      string
}

func newState(key []byte) *state {
	return &state{key: key, users: map[string]object{}, byEmail: map[string][]string{}}
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

// put inserts or replaces a user (u must have a user_id).
func (st *state) put(u object) {
	id := u.str("user_id")
	old, had := st.users[id]
	if had {
		if oe := old.str("email"); oe != u.str("email") {
			st.unindex(oe, id)
			st.index(u.str("email"), id)
		}
		if old["created_at"] != u["created_at"] {
			st.byCreated = nil
		}
	} else {
		st.index(u.str("email"), id)
		st.byID, st.byCreated = nil, nil
	}
	st.users[id] = u
}

func (st *state) remove(id string) bool {
	u, ok := st.users[id]
	if !ok {
		return false
	}
	st.unindex(u.str("email"), id)
	delete(st.users, id)
	st.byID, st.byCreated = nil, nil
	return true
}

func (st *state) index(email, id string) {
	if email != "" {
		st.byEmail[email] = append(st.byEmail[email], id)
	}
}

func (st *state) unindex(email, id string) {
	ids := st.byEmail[email]
	for i, x := range ids {
		if x == id {
			ids = append(ids[:i:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(st.byEmail, email)
	} else {
		st.byEmail[email] = ids
	}
}

// usersByEmail returns the users whose stored email is exactly email,
// sorted by user_id.
func (st *state) usersByEmail(email string) []object {
	ids := append([]string(nil), st.byEmail[email]...)
	sort.Strings(ids)
	out := make([]object, len(ids))
	for i, id := range ids {
		out[i] = st.users[id]
	}
	return out
}

func (st *state) client(id string) (int, object) {
	for i, c := range st.clients {
		if c.str("client_id") == id {
			return i, c
		}
	}
	return -1, nil
}

func (st *state) sortedUserIDs() []string {
	if st.byID == nil {
		ids := make([]string, 0, len(st.users))
		for id := range st.users {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		st.byID = ids
	}
	return st.byID
}

// createdOrder lists every user by created_at, then user_id.
func (st *state) createdOrder() []userKey {
	if st.byCreated == nil {
		keys := make([]userKey, 0, len(st.users))
		for id, u := range st.users {
			keys = append(keys, userKey{created: canonicalInstant(u.str("created_at")), id: id})
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].created != keys[j].created {
				return keys[i].created < keys[j].created
			}
			return keys[i].id < keys[j].id
		})
		st.byCreated = keys
	}
	return st.byCreated
}

// marshal writes the state file by hand: encoding/json would HTML-escape the
// raw metadata ("<" → "\u003c") and so change the stored bytes.
func (st *state) marshal() []byte {
	var b bytes.Buffer
	b.Grow(len(st.users) * 512)
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

// unmarshalState reads a state file. The file is compacted once and then
// walked with gjson, which keeps loading 100k users to about a second.
func unmarshalState(data []byte) (*state, error) {
	var c bytes.Buffer
	c.Grow(len(data))
	if err := json.Compact(&c, data); err != nil {
		return nil, fmt.Errorf("parse state: %w", err)
	}
	root := gjson.ParseBytes(c.Bytes())
	if !root.IsObject() {
		return nil, errors.New("parse state: not a JSON object")
	}
	if v := root.Get("version"); v.Type != gjson.Number || v.Int() != stateVersion {
		return nil, fmt.Errorf("state version %s not supported (want %d)", v.Raw, stateVersion)
	}
	key, err := base64.RawURLEncoding.DecodeString(root.Get("signing_key").String())
	if err != nil || len(key) < 16 {
		return nil, errors.New("state: bad signing_key")
	}
	st := newState(key)
	var bad error
	i := 0
	root.Get("users").ForEach(func(_, raw gjson.Result) bool {
		u, ok := objectOf(raw)
		if !ok || u.str("user_id") == "" {
			bad = fmt.Errorf("state: user %d is not an object with a user_id", i)
			return false
		}
		st.put(u)
		i++
		return true
	})
	if bad != nil {
		return nil, bad
	}
	i = 0
	root.Get("clients").ForEach(func(_, raw gjson.Result) bool {
		c, ok := objectOf(raw)
		if !ok || c.str("client_id") == "" {
			bad = fmt.Errorf("state: client %d is not an object with a client_id", i)
			return false
		}
		st.clients = append(st.clients, c)
		i++
		return true
	})
	if bad != nil {
		return nil, bad
	}
	return st, nil
}
