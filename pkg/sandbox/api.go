package sandbox

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// timeFormat is Auth0's date format: ISO 8601, UTC, milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func (s *Server) nowString() string {
	return quote(s.opts.Now().UTC().Format(timeFormat))
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "Not Found", "Not Found", "")
}

func userNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "Not Found", "The user does not exist.", "inexistent_user")
}

func clientNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "Not Found", "The client does not exist", "inexistent_client")
}

// call is what the router hands a handler: the request, its parsed query,
// the field filter of a GET, the token's scopes, the {id} segment and body.
type call struct {
	r      *http.Request
	q      url.Values
	keep   func(string) bool // nil: every attribute
	scopes []string
	id     string
	body   []byte
}

type handler func(http.ResponseWriter, *call)

// handleAPI routes /api/v2. As on Auth0, an unknown route (or method) is a
// 404 before authentication; every answer carries the rate-limit headers.
// The router does what every handler needs: it parses the query (and, for
// reads, fields/include_fields), checks the token and its scopes, and runs
// the handler under the state lock. A handler's answer is held back until
// the change it made is durable in the journal.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.rateLimit(w, r) {
		writeError(w, http.StatusTooManyRequests, "Too Many Requests", "Global limit has been reached", "too_many_requests")
		return
	}
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/api/v2/"), "/")
	var id string
	if len(segs) == 2 {
		var err error
		if id, err = url.PathUnescape(segs[1]); err != nil || id == "" {
			notFound(w)
			return
		}
	}
	type route struct {
		h      handler
		scopes []string
	}
	var rt *route
	switch {
	case len(segs) == 1 && segs[0] == "users":
		switch r.Method {
		case http.MethodGet:
			rt = &route{s.listUsers, []string{"read:users"}}
		case http.MethodPost:
			rt = &route{s.createUser, []string{"create:users"}}
		}
	case len(segs) == 2 && segs[0] == "users":
		switch r.Method {
		case http.MethodGet:
			rt = &route{s.getUser, []string{"read:users", "read:current_user", "read:user_idp_tokens"}}
		case http.MethodPatch:
			// the narrower scopes are checked against the body in patchUser
			rt = &route{s.patchUser, []string{"update:users", "update:users_app_metadata", "update:current_user_metadata"}}
		case http.MethodDelete:
			rt = &route{s.deleteUser, []string{"delete:users", "delete:current_user"}}
		}
	case len(segs) == 1 && segs[0] == "users-by-email" && r.Method == http.MethodGet:
		rt = &route{s.usersByEmail, []string{"read:users"}}
	case len(segs) == 1 && segs[0] == "clients":
		switch r.Method {
		case http.MethodGet:
			rt = &route{s.listClients, []string{"read:clients", "read:client_keys"}}
		case http.MethodPost:
			rt = &route{s.createClient, []string{"create:clients"}}
		}
	case len(segs) == 2 && segs[0] == "clients":
		switch r.Method {
		case http.MethodGet:
			rt = &route{s.getClient, []string{"read:clients", "read:client_keys"}}
		case http.MethodPatch:
			rt = &route{s.patchClient, []string{"update:clients", "update:client_keys"}}
		case http.MethodDelete:
			rt = &route{s.deleteClient, []string{"delete:clients"}}
		}
	}
	if rt == nil {
		notFound(w)
		return
	}
	scopes, ok := s.authenticate(w, r)
	if !ok || !requireScope(w, scopes, rt.scopes...) {
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		badRequest(w, "Bad Request", "invalid_query_string")
		return
	}
	in := &call{r: r, q: q, scopes: scopes, id: id, body: body}
	if r.Method == http.MethodGet {
		if in.keep, ok = fieldFilter(w, q); !ok {
			return
		}
	}
	s.run(w, rt.h, in)
}

// run calls h under the state lock with its answer held back, makes any
// change durable, then sends the answer.
func (s *Server) run(w http.ResponseWriter, h handler, in *call) {
	held := &heldAnswer{header: http.Header{}}
	s.mu.Lock()
	gen := s.gen
	h(held, in)
	changed := s.gen != gen
	s.mu.Unlock()
	if changed {
		if err := s.syncJournal(); err != nil {
			writeError(w, http.StatusInternalServerError, "Internal Server Error", "The sandbox could not save the change: "+err.Error(), "")
			return
		}
	}
	for k, vs := range held.header {
		w.Header()[k] = vs
	}
	if held.status == 0 {
		held.status = http.StatusOK
	}
	w.WriteHeader(held.status)
	w.Write(held.body.Bytes())
}

// heldAnswer is a ResponseWriter that keeps the answer until run sends it.
type heldAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldAnswer) Header() http.Header { return h.header }

func (h *heldAnswer) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

func (h *heldAnswer) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

// fieldFilter reads fields and include_fields: keep(key) says whether an
// attribute goes into the answer (nil: all).
func fieldFilter(w http.ResponseWriter, q url.Values) (keep func(string) bool, ok bool) {
	include := true
	switch q.Get("include_fields") {
	case "", "true":
	case "false":
		include = false
	default:
		queryError(w, "Expected type boolean but found type string", "include_fields")
		return nil, false
	}
	if q.Get("fields") == "" {
		return nil, true
	}
	set := map[string]bool{}
	for _, f := range strings.Split(q.Get("fields"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			set[f] = true
		}
	}
	return func(k string) bool { return set[k] == include }, true
}

func boolParam(w http.ResponseWriter, q url.Values, name string) (bool, bool) {
	switch q.Get(name) {
	case "", "false":
		return false, true
	case "true":
		return true, true
	}
	queryError(w, "Expected type boolean but found type string", name)
	return false, false
}

// paging reads page and per_page (default 50, at most 100).
func paging(w http.ResponseWriter, q url.Values) (page, perPage int, ok bool) {
	perPage = 50
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &perPage}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			queryError(w, "Expected type integer but found type string", p.name)
			return 0, 0, false
		}
		if n < 0 {
			queryError(w, fmt.Sprintf("Value %d is less than minimum 0", n), p.name)
			return 0, 0, false
		}
		*p.dst = n
	}
	if perPage > 100 {
		queryError(w, fmt.Sprintf("Value %d is greater than maximum 100", perPage), "per_page")
		return 0, 0, false
	}
	return page, perPage, true
}

// parseBody validates a JSON object body, compacted, with its root members.
func parseBody(w http.ResponseWriter, body []byte) ([]member, bool) {
	c, ok := compactJSON(body)
	if !ok {
		if len(strings.TrimSpace(string(body))) == 0 {
			payloadError(w, "Expected type object but found type null", "")
			return nil, false
		}
		badRequest(w, "Invalid request payload JSON format", "invalid_body")
		return nil, false
	}
	if res := gjson.ParseBytes(c); !res.IsObject() {
		payloadError(w, "Expected type object but found type "+jsonType(res), "")
		return nil, false
	}
	return members(string(c)), true
}

// userProps are the attributes PATCH /users/{id} accepts, with their types;
// POST /users also takes user_id.
var userProps = map[string]string{
	"blocked": "boolean", "email_verified": "boolean", "email": "string",
	"phone_number": "string", "phone_verified": "boolean",
	"user_metadata": "object", "app_metadata": "object",
	"given_name": "string", "family_name": "string", "name": "string",
	"nickname": "string", "picture": "string", "verify_email": "boolean",
	"verify_phone_number": "boolean", "password": "string", "connection": "string",
	"client_id": "string", "username": "string",
}

// writeOnly attributes are accepted but never stored or echoed.
var writeOnly = map[string]bool{
	"password": true, "connection": true, "verify_email": true,
	"verify_phone_number": true, "client_id": true,
}

// checkUserBody validates the members of a user body against userProps and
// Auth0's metadata key rules.
func checkUserBody(w http.ResponseWriter, ms []member, create bool) bool {
	for _, m := range ms {
		want, ok := userProps[m.key]
		if create && m.key == "user_id" {
			want, ok = "string", true
		}
		if !ok {
			payloadError(w, "Additional properties not allowed: "+m.key, "")
			return false
		}
		v := gjson.Parse(m.val)
		if got := jsonType(v); got != want && !(want == "number" && got == "integer") {
			payloadError(w, "Expected type "+want+" but found type "+got, m.key)
			return false
		}
		if want == "object" {
			if k, bad := badKey(v); bad {
				payloadError(w, fmt.Sprintf("Invalid key %q: metadata keys must not contain '.' or '$'", k), m.key)
				return false
			}
		}
	}
	return true
}

func (s *Server) writeUser(w http.ResponseWriter, status int, u object, keep func(string) bool) {
	writeJSON(w, status, u.encode(userOrder, keep))
}

func (s *Server) getUser(w http.ResponseWriter, rq *call) {
	id := rq.id
	keep := rq.keep
	u, found := s.st.users[id]
	if !found {
		userNotFound(w)
		return
	}
	s.writeUser(w, http.StatusOK, u, keep)
}

func (s *Server) patchUser(w http.ResponseWriter, rq *call) {
	id, body, scopes := rq.id, rq.body, rq.scopes
	ms, ok := parseBody(w, body)
	if !ok {
		return
	}
	if !hasScope(scopes, "update:users") {
		// update:users_app_metadata only covers app_metadata
		for _, m := range ms {
			if m.key != "app_metadata" || !hasScope(scopes, "update:users_app_metadata") {
				requireScope(w, scopes, "update:users")
				return
			}
		}
	}
	if !checkUserBody(w, ms, false) {
		return
	}
	old, found := s.st.users[id]
	if !found {
		userNotFound(w)
		return
	}
	u := old.clone()
	setsVerified := false
	for _, m := range ms {
		if m.key == "email_verified" {
			setsVerified = true
		}
	}
	for _, m := range ms {
		switch {
		case writeOnly[m.key]:
		case m.key == "user_metadata":
			u[m.key] = mergeRoot(u[m.key], m.val, true)
		case m.key == "app_metadata":
			// Recorded on a real tenant: an emptied app_metadata disappears
			// from the user, an emptied user_metadata stays {}.
			if merged := mergeRoot(u[m.key], m.val, true); merged == "{}" {
				delete(u, m.key)
			} else {
				u[m.key] = merged
			}
		case m.key == "email":
			email := quote(strings.ToLower(gjson.Parse(m.val).String()))
			if email != u["email"] && !setsVerified {
				u["email_verified"] = "false"
			}
			u["email"] = email
		default:
			u[m.key] = m.val
		}
	}
	u["updated_at"] = s.nowString()
	s.putUser(u)
	s.writeUser(w, http.StatusOK, u, nil)
}

func hasScope(scopes []string, s string) bool {
	for _, x := range scopes {
		if x == s {
			return true
		}
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") && !strings.ContainsAny(e, " \t\r\n")
}

func (s *Server) createUser(w http.ResponseWriter, rq *call) {
	body := rq.body
	ms, ok := parseBody(w, body)
	if !ok || !checkUserBody(w, ms, true) {
		return
	}
	in := object{}
	for _, m := range ms {
		in[m.key] = m.val
	}
	conn := in.str("connection")
	if _, ok := in["connection"]; !ok {
		payloadError(w, "Missing required property: connection", "")
		return
	}
	provider, known := connections[conn]
	if !known {
		badRequest(w, "The connection does not exist.", "inexistent_connection")
		return
	}
	if conn != dbConnection {
		badRequest(w, "The connection '"+conn+"' does not support creating users.", "operation_not_supported")
		return
	}
	email := strings.ToLower(in.str("email"))
	switch {
	case email == "":
		payloadError(w, "Missing required property: email", "")
		return
	case !validEmail(email):
		payloadError(w, "Object didn't pass validation for format email: "+in.str("email"), "email")
		return
	case in.str("password") == "":
		payloadError(w, "Missing required property: password", "")
		return
	}
	local := in.str("user_id")
	if local == "" {
		local = randomHex(24)
	}
	uid := provider + "|" + local
	now := s.nowString()
	u := object{
		"created_at": now, "updated_at": now, "user_id": quote(uid),
		"email": quote(email), "email_verified": "false",
		"identities": `[{"connection":` + quote(conn) + `,"user_id":` + quote(local) +
			`,"provider":` + quote(provider) + `,"isSocial":false}]`,
		"name":     quote(email),
		"nickname": quote(email[:strings.IndexByte(email, '@')]),
		"picture": quote(fmt.Sprintf("https://s.gravatar.com/avatar/%x?s=480&r=pg&d=https%%3A%%2F%%2Fcdn.auth0.com%%2Favatars%%2F%s.png",
			md5.Sum([]byte(email)), url.PathEscape(strings.ToLower(email[:min(2, len(email))])))),
	}
	for _, m := range ms {
		switch {
		case writeOnly[m.key], m.key == "user_id", m.key == "email":
		case m.key == "app_metadata" || m.key == "user_metadata":
			v := mergeRoot("", m.val, true) // drops null root keys
			if v != "{}" || m.key == "user_metadata" {
				u[m.key] = v
			}
		default:
			u[m.key] = m.val
		}
	}
	dup := s.st.users[uid] != nil
	for _, o := range s.st.usersByEmail(email) {
		if strings.Contains(o["identities"], `"connection":`+quote(conn)) {
			dup = true
		}
	}
	if dup {
		writeError(w, http.StatusConflict, "Conflict", "The user already exists.", "auth0_idp_error")
		return
	}
	s.putUser(u)
	s.writeUser(w, http.StatusCreated, u, nil)
}

func (s *Server) deleteUser(w http.ResponseWriter, rq *call) {
	id := rq.id
	s.removeUser(id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) usersByEmail(w http.ResponseWriter, rq *call) {
	q, keep := rq.q, rq.keep
	email := q.Get("email")
	if email == "" {
		queryError(w, "Missing required property: email", "email")
		return
	}
	hits := s.st.usersByEmail(email) // case-sensitive, like Auth0
	var b strings.Builder
	b.WriteByte('[')
	for i, u := range hits {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(u.encode(userOrder, keep))
	}
	b.WriteByte(']')
	writeJSON(w, http.StatusOK, []byte(b.String()))
}

func (s *Server) listUsers(w http.ResponseWriter, rq *call) {
	q, keep := rq.q, rq.keep
	if se := q.Get("search_engine"); se != "" && se != "v3" {
		queryError(w, "No enum match for: "+se, "search_engine")
		return
	}
	totals, ok := boolParam(w, q, "include_totals")
	if !ok {
		return
	}
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	if page*perPage+perPage > 1000 {
		badRequest(w, "You can only page through the first 1000 records.", "invalid_paging")
		return
	}
	match, err := parseQuery(q.Get("q"))
	if err != nil {
		queryError(w, err.Error(), "q")
		return
	}
	srt, ok := parseSort(q.Get("sort"))
	if !ok {
		queryError(w, "String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$: "+q.Get("sort"), "sort")
		return
	}
	hits := s.st.search(match, srt)
	start := min(page*perPage, len(hits))
	pageHits := hits[start:min(start+perPage, len(hits))]
	var b strings.Builder
	if totals {
		fmt.Fprintf(&b, `{"start":%d,"limit":%d,"length":%d,"users":`, page*perPage, perPage, len(pageHits))
	}
	b.WriteByte('[')
	for i, u := range pageHits {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(u.encode(userOrder, keep))
	}
	b.WriteByte(']')
	if totals {
		fmt.Fprintf(&b, `,"total":%d}`, len(hits))
	}
	writeJSON(w, http.StatusOK, []byte(b.String()))
}

// Clients.

func hideSecret(k string) bool { return k != "client_secret" }

func both(a, b func(string) bool) func(string) bool {
	if a == nil {
		return b
	}
	return func(k string) bool { return a(k) && b(k) }
}

func (s *Server) getClient(w http.ResponseWriter, rq *call) {
	id := rq.id
	keep := rq.keep
	_, c := s.st.client(id)
	if c == nil {
		clientNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, c.encode(clientOrder, both(keep, hideSecret)))
}

func (s *Server) listClients(w http.ResponseWriter, rq *call) {
	q, keep := rq.q, rq.keep
	totals, ok := boolParam(w, q, "include_totals")
	if !ok {
		return
	}
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	all := append([]object(nil), s.st.clients...)
	start := min(page*perPage, len(all))
	pageHits := all[start:min(start+perPage, len(all))]
	var b strings.Builder
	if totals {
		fmt.Fprintf(&b, `{"total":%d,"start":%d,"limit":%d,"clients":`, len(all), page*perPage, perPage)
	}
	b.WriteByte('[')
	for i, c := range pageHits {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(c.encode(clientOrder, both(keep, hideSecret)))
	}
	b.WriteByte(']')
	if totals {
		b.WriteByte('}')
	}
	writeJSON(w, http.StatusOK, []byte(b.String()))
}

// clientKeyOK reports whether k uses only the characters Auth0 allows in
// client_metadata keys.
func clientKeyOK(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune(" \t:,-+=_*?\"/\\()<>@", c):
		default:
			return false
		}
	}
	return true
}

// mergeClientMetadata validates a client_metadata patch and merges it into
// base; it answers 400 itself when the patch or the result breaks a rule.
func mergeClientMetadata(w http.ResponseWriter, base, patch string) (string, bool) {
	v := gjson.Parse(patch)
	if !v.IsObject() {
		payloadError(w, "Expected type object but found type "+jsonType(v), "client_metadata")
		return "", false
	}
	for _, m := range members(patch) {
		val := gjson.Parse(m.val)
		if val.Type == gjson.Null {
			continue
		}
		switch {
		case !clientKeyOK(m.key):
			payloadError(w, fmt.Sprintf("Invalid property name %q: allowed characters are letters, digits, space, tab and :,-+=_*?\"/\\()<>@", m.key), "client_metadata")
			return "", false
		case len(m.key) > 255:
			payloadError(w, fmt.Sprintf("Property name is too long (%d chars), maximum 255", len(m.key)), "client_metadata")
			return "", false
		case val.Type != gjson.String:
			payloadError(w, "Expected type string but found type "+jsonType(val), "client_metadata."+m.key)
			return "", false
		case utf8.RuneCountInString(val.Str) > 255:
			payloadError(w, fmt.Sprintf("String is too long (%d chars), maximum 255", utf8.RuneCountInString(val.Str)), "client_metadata."+m.key)
			return "", false
		}
	}
	merged := mergeRoot(base, patch, false)
	if n := len(members(merged)); n > 10 {
		payloadError(w, fmt.Sprintf("Too many properties defined (%d), maximum 10", n), "client_metadata")
		return "", false
	}
	return merged, true
}

// checkClientBody refuses what no client body may hold.
func checkClientBody(w http.ResponseWriter, ms []member) bool {
	for _, m := range ms {
		v := gjson.Parse(m.val)
		switch m.key {
		case "client_id":
			payloadError(w, "Additional properties not allowed: client_id", "")
			return false
		case "name", "description", "app_type", "logo_uri":
			if v.Type != gjson.String {
				payloadError(w, "Expected type string but found type "+jsonType(v), m.key)
				return false
			}
		}
	}
	return true
}

func (s *Server) patchClient(w http.ResponseWriter, rq *call) {
	id, body := rq.id, rq.body
	ms, ok := parseBody(w, body)
	if !ok || !checkClientBody(w, ms) {
		return
	}
	_, old := s.st.client(id)
	if old == nil {
		clientNotFound(w)
		return
	}
	c := old.clone()
	for _, m := range ms {
		if m.key == "client_metadata" {
			merged, ok := mergeClientMetadata(w, c[m.key], m.val)
			if !ok {
				return
			}
			c[m.key] = merged
			continue
		}
		c[m.key] = m.val
	}
	s.putClient(c)
	writeJSON(w, http.StatusOK, c.encode(clientOrder, hideSecret))
}

func (s *Server) createClient(w http.ResponseWriter, rq *call) {
	body := rq.body
	ms, ok := parseBody(w, body)
	if !ok || !checkClientBody(w, ms) {
		return
	}
	c := object{}
	for _, m := range ms {
		if m.key == "client_metadata" {
			merged, ok := mergeClientMetadata(w, "", m.val)
			if !ok {
				return
			}
			c[m.key] = merged
			continue
		}
		c[m.key] = m.val
	}
	if c.str("name") == "" {
		payloadError(w, "Missing required property: name", "")
		return
	}
	c["client_id"] = quote(randomAlnum(32))
	if _, ok := c["client_secret"]; !ok {
		c["client_secret"] = quote(randomAlnum(64))
	}
	s.putClient(c)
	// Auth0 shows the secret once, in the creation answer.
	writeJSON(w, http.StatusCreated, c.encode(clientOrder, nil))
}

func (s *Server) deleteClient(w http.ResponseWriter, rq *call) {
	id := rq.id
	s.removeClient(id)
	w.WriteHeader(http.StatusNoContent)
}
