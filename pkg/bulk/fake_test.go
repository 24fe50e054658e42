package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// fakeAPI is an in-memory tenant for the engine's tests: users with
// created_at, metadata merged at the root like Auth0, a search that honours
// the created_at window, sort and the 1000-result limit, and counters.
type fakeAPI struct {
	mu      sync.Mutex
	users   map[string]*fakeUser
	byEmail map[string][]string

	active    map[string]int // operations in flight per user
	maxActive int            // the most on one user at once
	inflight  int
	maxIn     int
	patches   map[string]int
	bodies    map[string][]string
	gets      int
	searches  int

	delay   time.Duration          // per call
	errFor  map[string]error       // GET of this user_id fails so
	match   func(u *fakeUser) bool // the search's query, for any q
	onPatch func(id string, n int) // after each PATCH; n counts them all
	// failPatch, when set, answers a PATCH with its error instead.
	failPatch func(id string) error
	npatch    int
}

type fakeUser struct {
	id, email, createdAt string
	app, user            string
}

func newFake() *fakeAPI {
	return &fakeAPI{
		users: map[string]*fakeUser{}, byEmail: map[string][]string{},
		active: map[string]int{}, patches: map[string]int{}, bodies: map[string][]string{},
		errFor: map[string]error{},
	}
}

func (f *fakeAPI) add(id, email, createdAt, app string) {
	if app == "" {
		app = "{}"
	}
	f.users[id] = &fakeUser{id: id, email: email, createdAt: createdAt, app: app, user: "{}"}
	if email != "" {
		f.byEmail[email] = append(f.byEmail[email], id)
	}
}

// seed adds n users auth0|u00000..., created per the at function.
func (f *fakeAPI) seed(n int, at func(i int) time.Time, app func(i int) string) []string {
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("auth0|u%05d", i)
		a := "{}"
		if app != nil {
			a = app(i)
		}
		f.add(ids[i], fmt.Sprintf("u%05d@example.com", i), at(i).UTC().Format("2006-01-02T15:04:05.000Z"), a)
	}
	return ids
}

func (f *fakeAPI) enter(id string) {
	f.mu.Lock()
	f.active[id]++
	f.maxActive = max(f.maxActive, f.active[id])
	f.inflight++
	f.maxIn = max(f.maxIn, f.inflight)
	f.mu.Unlock()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
}

func (f *fakeAPI) exit(id string) {
	f.mu.Lock()
	f.active[id]--
	f.inflight--
	f.mu.Unlock()
}

func notFound(id string) error {
	return &mgmt.APIError{Status: 404, Message: "The user does not exist.", ErrorCode: "inexistent_user", Method: "GET", Path: mgmt.UserPath(id)}
}

func (f *fakeAPI) GetUserField(ctx context.Context, id, field string) (json.RawMessage, error) {
	f.enter(id)
	defer f.exit(id)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if err := f.errFor[id]; err != nil {
		return nil, err
	}
	u := f.users[id]
	if u == nil {
		return nil, notFound(id)
	}
	if field == "app_metadata" {
		return json.RawMessage(u.app), nil
	}
	return json.RawMessage(u.user), nil
}

func (f *fakeAPI) PatchUser(ctx context.Context, id string, body []byte) (json.RawMessage, error) {
	f.enter(id)
	defer f.exit(id)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.failPatch != nil {
		if err := f.failPatch(id); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	u := f.users[id]
	if u == nil {
		f.mu.Unlock()
		return nil, notFound(id)
	}
	f.patches[id]++
	f.bodies[id] = append(f.bodies[id], string(body))
	f.npatch++
	n := f.npatch
	for _, field := range []string{"app_metadata", "user_metadata"} {
		v := gjson.GetBytes(body, field)
		if !v.Exists() {
			continue
		}
		doc := &u.app
		if field == "user_metadata" {
			doc = &u.user
		}
		if v.Raw == "{}" {
			*doc = "{}"
			continue
		}
		v.ForEach(func(k, val gjson.Result) bool {
			p := gjson.Escape(k.String())
			if val.Type == gjson.Null {
				*doc, _ = sjson.Delete(*doc, p)
			} else {
				*doc, _ = sjson.SetRaw(*doc, p, val.Raw)
			}
			return true
		})
	}
	out := fmt.Sprintf(`{"user_id":%q,"app_metadata":%s,"user_metadata":%s}`, id, u.app, u.user)
	cb := f.onPatch
	f.mu.Unlock()
	if cb != nil {
		cb(id, n)
	}
	return json.RawMessage(out), nil
}

func (f *fakeAPI) UsersByEmail(ctx context.Context, email string, fields ...string) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []json.RawMessage
	for _, id := range f.byEmail[email] {
		out = append(out, json.RawMessage(fmt.Sprintf(`{"user_id":%q}`, id)))
	}
	return out, nil
}

func (f *fakeAPI) GetClientField(context.Context, string, string) (json.RawMessage, error) {
	panic("not used")
}
func (f *fakeAPI) PatchClient(context.Context, string, []byte) (json.RawMessage, error) {
	panic("not used")
}
func (f *fakeAPI) ListClients(context.Context) ([]mgmt.ClientRef, error) { panic("not used") }

var windowRE = regexp.MustCompile(`^\((.*)\) AND created_at:\[("(?:[^"\\]|\\.)*") TO \*\]$`)

func (f *fakeAPI) SearchUserPage(ctx context.Context, s mgmt.UserSearch) (*mgmt.UserSearchPage, error) {
	if s.Sort != "created_at:1" {
		return nil, fmt.Errorf("fake: sort %q", s.Sort)
	}
	if (s.Page+1)*s.PerPage > mgmt.MaxSearchResults {
		return nil, &mgmt.APIError{Status: 400, Message: "You can only page through the first 1000 records.", Method: "GET", Path: "/api/v2/users"}
	}
	from := ""
	if m := windowRE.FindStringSubmatch(s.Query); m != nil {
		from, _ = strconv.Unquote(m[2])
	} else if strings.Contains(s.Query, "created_at") {
		return nil, fmt.Errorf("fake: query %q", s.Query)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.searches++
	var hits []*fakeUser
	for _, u := range f.users {
		if u.createdAt >= from && (f.match == nil || f.match(u)) {
			hits = append(hits, u)
		}
	}
	// Ties in created_at come in an arbitrary but fixed order, as in a
	// real index: by a hash of the id, not by the id.
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].createdAt != hits[j].createdAt {
			return hits[i].createdAt < hits[j].createdAt
		}
		return tieOrder(hits[i].id) < tieOrder(hits[j].id)
	})
	page := &mgmt.UserSearchPage{Total: len(hits)}
	lo := min(s.Page*s.PerPage, len(hits))
	hi := min(lo+s.PerPage, len(hits))
	for _, u := range hits[lo:hi] {
		page.Users = append(page.Users, json.RawMessage(fmt.Sprintf(`{"user_id":%q,"created_at":%q,"email":%q}`, u.id, u.createdAt, u.email)))
	}
	return page, nil
}

func tieOrder(id string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return h
}
