package sandbox

import (
	"strings"
	"testing"
	"time"
)

const (
	jane = "/api/v2/users/auth0%7Cjane1"
	jdoe = "/api/v2/users/samlp%7Cacme%7Cjdoe%40acme.example%2Fops"
)

func seeded(t *testing.T) *env { return newEnv(t, Options{Seed: true}) }

func TestGetUserFields(t *testing.T) {
	e := seeded(t)
	cases := []struct {
		path string
		want string
	}{
		{jane + "?fields=user_metadata&include_fields=true", `{"user_metadata":{"hobby":"surfing"}}`},
		{jane + "?fields=app_metadata,user_metadata", `{"user_metadata":{"hobby":"surfing"},"app_metadata":{"plan":"full"}}`},
		{"/api/v2/users/auth0%7Cjohn2?fields=user_metadata,app_metadata", `{}`},
		{jdoe + "?fields=app_metadata", `{"app_metadata":{"employee_no":12345678901234567890,"roles":["ops","admin"],"ratio":1.0}}`},
		{jdoe + "?fields=user_id,email", `{"email":"jdoe@acme.example","user_id":"samlp|acme|jdoe@acme.example/ops"}`},
		{"/api/v2/users/google-oauth2%7C1089347?fields=identities,picture,created_at,updated_at,email_verified,logins_count,user_metadata,name,given_name,family_name,nickname,app_metadata&include_fields=false",
			`{"email":"sam@example.com","user_id":"google-oauth2|1089347"}`},
	}
	for _, c := range cases {
		e.expect(e.do("GET", c.path, ""), 200, c.want)
	}
	e.expect(e.do("GET", jane+"?include_fields=maybe", ""), 400,
		`{"statusCode":400,"error":"Bad Request","message":"Query validation error: 'Expected type boolean but found type string' on property include_fields.","errorCode":"invalid_query_string"}`)
	e.expect(e.do("GET", "/api/v2/users/auth0%7Cnobody", ""), 404,
		`{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`)
	// whole user: Auth0's key order, deterministic
	r := e.do("GET", jane, "")
	want := `{"created_at":"2024-01-15T09:30:00.000Z","email":"jane.doe@example.com","email_verified":true,` +
		`"identities":[{"connection":"Username-Password-Authentication","user_id":"jane1","provider":"auth0","isSocial":false}],` +
		`"name":"jane.doe@example.com","nickname":"jane.doe","picture":"https://s.gravatar.com/avatar/jd?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fja.png",` +
		`"updated_at":"2024-01-15T09:30:00.000Z","user_id":"auth0|jane1","user_metadata":{"hobby":"surfing"},"app_metadata":{"plan":"full"},` +
		`"last_login":"2024-02-01T08:00:00.000Z","logins_count":3}`
	e.expect(r, 200, want)
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if u, ok := e.s.User("auth0|jane1"); !ok || string(u) != want {
		t.Errorf("User() = %s", u)
	}
	// a raw '/' in the path is another route, as on Auth0
	e.expect(e.do("GET", "/api/v2/users/samlp%7Cacme%7Cjdoe@acme.example/ops", ""), 404,
		`{"statusCode":404,"error":"Not Found","message":"Not Found"}`)
}

func TestPatchUserMerge(t *testing.T) {
	clk := newClock()
	e := newEnv(t, Options{Seed: true, Now: clk.Now})
	steps := []struct {
		body    string
		wantUM  string // "" = absent
		wantAM  string
		comment string
	}{
		{`{"user_metadata":{"addresses":{"home":"123 Main"}}}`, `{"hobby":"surfing","addresses":{"home":"123 Main"}}`, `{"plan":"full"}`, "new key at the end"},
		{`{"user_metadata":{"hobby":"diving"}}`, `{"hobby":"diving","addresses":{"home":"123 Main"}}`, `{"plan":"full"}`, "replace keeps position"},
		{`{"user_metadata":{"addresses":{"work":"1 Office"}}}`, `{"hobby":"diving","addresses":{"work":"1 Office"}}`, `{"plan":"full"}`, "root key replaced whole"},
		{`{"app_metadata":{"plan":null,"tier":"x"}}`, `{"hobby":"diving","addresses":{"work":"1 Office"}}`, `{"tier":"x"}`, "null removes"},
		{`{"user_metadata":{"hobby":null,"addresses":null}}`, `{}`, `{"tier":"x"}`, "user_metadata emptied stays {}"},
		{`{"app_metadata":{}}`, `{}`, "", "app_metadata emptied disappears"},
		{`{"app_metadata":{"n":{"deep":null}}}`, `{}`, `{"n":{"deep":null}}`, "null below the root is a value"},
		{`{"user_metadata":{}, "name":"Jane D"}`, `{}`, `{"n":{"deep":null}}`, "{} empties"},
	}
	prev := ""
	for _, st := range steps {
		clk.Advance(1234 * time.Millisecond)
		r := e.do("PATCH", jane, st.body)
		e.expect(r, 200, "")
		for _, f := range []struct{ name, want string }{{"user_metadata", st.wantUM}, {"app_metadata", st.wantAM}} {
			got := r.get(f.name)
			if f.want == "" && got.Exists() || f.want != "" && got.Raw != f.want {
				t.Fatalf("%s: %s = %s, want %q", st.comment, f.name, got.Raw, f.want)
			}
		}
		ua := r.get("updated_at").String()
		if want := clk.Now().UTC().Format("2006-01-02T15:04:05.000Z"); ua != want || ua == prev {
			t.Fatalf("%s: updated_at %s, want %s", st.comment, ua, want)
		}
		prev = ua
		// a later read agrees with the PATCH answer
		e.expect(e.do("GET", jane, ""), 200, r.body)
	}
	if got := e.do("GET", jane+"?fields=name", "").body; got != `{"name":"Jane D"}` {
		t.Errorf("name not stored: %s", got)
	}
}

func TestPatchUserValidation(t *testing.T) {
	e := seeded(t)
	before, _ := e.s.User("auth0|jane1")
	bad := func(msg string) string {
		return `{"statusCode":400,"error":"Bad Request","message":"` + msg + `","errorCode":"invalid_body"}`
	}
	cases := []struct {
		body string
		want string
	}{
		{`{"user_metadata":{"a.b":1}}`, bad(`Payload validation error: 'Invalid key \"a.b\": metadata keys must not contain '.' or '$'' on property user_metadata.`)},
		{`{"app_metadata":{"x":{"y$":1}}}`, bad(`Payload validation error: 'Invalid key \"y$\": metadata keys must not contain '.' or '$'' on property app_metadata.`)},
		{`{"user_metadata":{"x":[1,{"deep":{"$set":2}}]}}`, bad(`Payload validation error: 'Invalid key \"$set\": metadata keys must not contain '.' or '$'' on property user_metadata.`)},
		{`{"user_metadata":"surfing"}`, bad(`Payload validation error: 'Expected type object but found type string' on property user_metadata.`)},
		{`{"app_metadata":null}`, bad(`Payload validation error: 'Expected type object but found type null' on property app_metadata.`)},
		{`{"user_metadata":[1]}`, bad(`Payload validation error: 'Expected type object but found type array' on property user_metadata.`)},
		{`{"blocked":"yes"}`, bad(`Payload validation error: 'Expected type boolean but found type string' on property blocked.`)},
		{`{"favourite":"x"}`, bad(`Payload validation error: 'Additional properties not allowed: favourite'.`)},
		{`[1]`, bad(`Payload validation error: 'Expected type object but found type array'.`)},
		{`{"user_metadata":`, bad(`Invalid request payload JSON format`)},
		{``, bad(`Payload validation error: 'Expected type object but found type null'.`)},
	}
	for _, c := range cases {
		e.expect(e.do("PATCH", jane, c.body), 400, c.want)
	}
	// values may hold dots and dollars; only keys may not
	e.expect(e.do("PATCH", jane, `{"user_metadata":{"site":"a.b$c"}}`), 200, "")
	after, _ := e.s.User("auth0|jane1")
	if strings.Contains(string(after), `"a.b"`) || string(before) == string(after) {
		t.Errorf("state after refused PATCHes: %s", after)
	}
	e.expect(e.do("PATCH", "/api/v2/users/auth0%7Cnobody", `{"user_metadata":{"a":1}}`), 404,
		`{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`)
}

func TestPatchUserWriteOnlyAndEmail(t *testing.T) {
	e := seeded(t)
	r := e.do("PATCH", jane, `{"password":"s3cret!","connection":"Username-Password-Authentication","verify_email":false,"email":"Jane.New@Example.com"}`)
	e.expect(r, 200, "")
	for _, k := range []string{"password", "connection", "verify_email"} {
		if r.get(k).Exists() {
			t.Errorf("%s echoed: %s", k, r.body)
		}
	}
	if r.get("email").String() != "jane.new@example.com" || r.get("email_verified").Bool() {
		t.Errorf("email change: %s", r.body)
	}
}

// Metadata bytes survive a PATCH, a GET, Save and Open exactly.
func TestRawBytesPreserved(t *testing.T) {
	file := t.TempDir() + "/state.json"
	s, err := Open(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, s)
	meta := `{"big":12345678901234567890,"one":1.0,"tiny":1.5e-07,"esc":"\u00e9<&>\/","neg":-0,"nested":{"z":1,"a":[1.10,{"k":2E3}]}}`
	r := e.do("PATCH", jane, `{"user_metadata": `+strings.ReplaceAll(meta, ",", ", ")+`}`)
	e.expect(r, 200, "")
	want := `{"hobby":"surfing",` + meta[1:]
	if got := r.get("user_metadata").Raw; got != want {
		t.Fatalf("PATCH answer\n got %s\nwant %s", got, want)
	}
	// a second merge keeps the untouched keys byte for byte
	e.expect(e.do("PATCH", jane, `{"user_metadata":{"one":2}}`), 200, "")
	want = strings.Replace(want, `"one":1.0`, `"one":2`, 1)
	if got := e.do("GET", jane+"?fields=user_metadata", "").body; got != `{"user_metadata":`+want+`}` {
		t.Fatalf("GET\n got %s\nwant %s", got, want)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s2.User("auth0|jane1")
	if !strings.Contains(string(u), `"user_metadata":`+want) {
		t.Fatalf("after reopen: %s", u)
	}
	ju, _ := s2.User("samlp|acme|jdoe@acme.example/ops")
	if !strings.Contains(string(ju), `"app_metadata":{"employee_no":12345678901234567890,"roles":["ops","admin"],"ratio":1.0}`) {
		t.Fatalf("seed bytes after reopen: %s", ju)
	}
}

func TestCreateAndDeleteUser(t *testing.T) {
	clk := newClock()
	e := newEnv(t, Options{Seed: true, Now: clk.Now})
	r := e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"New.Person@Example.com","password":"x","user_id":"np1","user_metadata":{"a":1,"b":null},"app_metadata":{}}`)
	e.expect(r, 201, "")
	if r.get("user_id").String() != "auth0|np1" || r.get("email").String() != "new.person@example.com" ||
		r.get("user_metadata").Raw != `{"a":1}` || r.get("app_metadata").Exists() || r.get("password").Exists() ||
		r.get("created_at").String() != "2025-03-01T12:00:00.000Z" || r.get("identities.0.user_id").String() != "np1" ||
		r.get("name").String() != "new.person@example.com" || r.get("nickname").String() != "new.person" {
		t.Fatalf("created: %s", r.body)
	}
	r = e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"x@example.com","password":"x"}`)
	e.expect(r, 201, "")
	if id := r.get("user_id").String(); len(id) != len("auth0|")+24 || !strings.HasPrefix(id, "auth0|") {
		t.Errorf("random id %q", id)
	}
	conflict := `{"statusCode":409,"error":"Conflict","message":"The user already exists.","errorCode":"auth0_idp_error"}`
	e.expect(e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"other@example.com","password":"x","user_id":"np1"}`), 409, conflict)
	e.expect(e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"JANE.DOE@example.com","password":"x"}`), 409, conflict)
	bad := func(msg string) string {
		return `{"statusCode":400,"error":"Bad Request","message":"` + msg + `","errorCode":"invalid_body"}`
	}
	e.expect(e.do("POST", "/api/v2/users", `{"email":"a@b.c","password":"x"}`), 400, bad("Payload validation error: 'Missing required property: connection'."))
	e.expect(e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","password":"x"}`), 400, bad("Payload validation error: 'Missing required property: email'."))
	e.expect(e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"a@b.c","password":"x","user_metadata":{"a.b":1}}`), 400, "")
	e.expect(e.do("POST", "/api/v2/users", `{"connection":"nope","email":"a@b.c","password":"x"}`), 400,
		`{"statusCode":400,"error":"Bad Request","message":"The connection does not exist.","errorCode":"inexistent_connection"}`)

	e.expect(e.do("DELETE", "/api/v2/users/auth0%7Cnp1", ""), 204, "")
	e.expect(e.do("DELETE", "/api/v2/users/auth0%7Cnp1", ""), 204, "")
	if _, ok := e.s.User("auth0|np1"); ok {
		t.Error("user still there")
	}
}

func TestUsersByEmail(t *testing.T) {
	e := seeded(t)
	r := e.do("GET", "/api/v2/users-by-email?email=sam%40example.com&fields=user_id", "")
	e.expect(r, 200, `[{"user_id":"auth0|sam3"},{"user_id":"google-oauth2|1089347"}]`)
	e.expect(e.do("GET", "/api/v2/users-by-email?email=Sam%40example.com", ""), 200, `[]`)
	e.expect(e.do("GET", "/api/v2/users-by-email?email=jdoe%40acme.example&fields=user_id,app_metadata&include_fields=true", ""), 200,
		`[{"user_id":"samlp|acme|jdoe@acme.example/ops","app_metadata":{"employee_no":12345678901234567890,"roles":["ops","admin"],"ratio":1.0}}]`)
	e.expect(e.do("GET", "/api/v2/users-by-email", ""), 400,
		`{"statusCode":400,"error":"Bad Request","message":"Query validation error: 'Missing required property: email' on property email.","errorCode":"invalid_query_string"}`)
}

func TestSearchUsers(t *testing.T) {
	e := seeded(t)
	all := "auth0|jane1 auth0|john2 auth0|sam3 google-oauth2|1089347 samlp|acme|jdoe@acme.example/ops"
	cases := []struct{ q, want string }{
		{"", all},
		{"*:*", all},
		{`email:"sam@example.com"`, "auth0|sam3 google-oauth2|1089347"},
		{`email:SAM@example.com`, "auth0|sam3 google-oauth2|1089347"},
		{`app_metadata.plan:full`, "auth0|jane1"},
		{`_exists_:user_metadata`, "auth0|jane1 auth0|sam3"},
		{`_exists_:app_metadata.roles`, "samlp|acme|jdoe@acme.example/ops"},
		{`user_metadata.hobby:surf*`, "auth0|jane1"},
		{`app_metadata.roles:admin`, "samlp|acme|jdoe@acme.example/ops"},
		{`app_metadata.employee_no:12345678901234567890`, "samlp|acme|jdoe@acme.example/ops"},
		{`identities.connection:"google-oauth2"`, "google-oauth2|1089347"},
		{`email:"sam@example.com" AND app_metadata.plan:trial`, "google-oauth2|1089347"},
		{`app_metadata.plan:full OR app_metadata.plan:trial`, "auth0|jane1 google-oauth2|1089347"},
		{`email:sam@example.com AND NOT _exists_:app_metadata`, "auth0|sam3"},
		{`(user_metadata.theme:dark OR user_metadata.hobby:surfing) AND email_verified:true`, "auth0|jane1 auth0|sam3"},
		{`user_id:"samlp|acme|jdoe@acme.example/ops"`, "samlp|acme|jdoe@acme.example/ops"},
		{`user_id:auth0\|john2`, "auth0|john2"},
		{`nobody`, ""},
	}
	for _, c := range cases {
		r := e.do("GET", "/api/v2/users?search_engine=v3&fields=user_id&q="+escapeQuery(c.q), "")
		e.expect(r, 200, "")
		var ids []string
		for _, u := range r.get("@this").Array() {
			ids = append(ids, u.Get("user_id").String())
		}
		if got := strings.Join(ids, " "); got != c.want {
			t.Errorf("q=%s: got %q, want %q", c.q, got, c.want)
		}
	}
	e.expect(e.do("GET", "/api/v2/users?q="+escapeQuery(`email:"open`), ""), 400, "")
}

func escapeQuery(q string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "%20", "#", "%23", `"`, "%22", "|", "%7C").Replace(q)
}

func TestSearchPaging(t *testing.T) {
	e := seeded(t)
	e.expect(e.do("GET", "/api/v2/users?include_totals=true&per_page=2&page=1&fields=user_id&q=*:*", ""), 200,
		`{"start":2,"limit":2,"length":2,"users":[{"user_id":"auth0|sam3"},{"user_id":"google-oauth2|1089347"}],"total":5}`)
	e.expect(e.do("GET", "/api/v2/users?include_totals=true&per_page=2&page=9&fields=user_id", ""), 200,
		`{"start":18,"limit":2,"length":0,"users":[],"total":5}`)
	e.expect(e.do("GET", "/api/v2/users?per_page=1&fields=email", ""), 200, `[{"email":"jane.doe@example.com"}]`)
	e.expect(e.do("GET", "/api/v2/users?per_page=101", ""), 400,
		`{"statusCode":400,"error":"Bad Request","message":"Query validation error: 'Value 101 is greater than maximum 100' on property per_page.","errorCode":"invalid_query_string"}`)
	e.expect(e.do("GET", "/api/v2/users?per_page=100&page=9", ""), 200, "")
	e.expect(e.do("GET", "/api/v2/users?per_page=100&page=10", ""), 400,
		`{"statusCode":400,"error":"Bad Request","message":"You can only page through the first 1000 records.","errorCode":"invalid_paging"}`)
	e.expect(e.do("GET", "/api/v2/users?page=x", ""), 400, "")
	e.expect(e.do("GET", "/api/v2/users?search_engine=v2", ""), 400, "")
}

func TestUnknownRoutesAndLimits(t *testing.T) {
	e := seeded(t)
	nf := `{"statusCode":404,"error":"Not Found","message":"Not Found"}`
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v2/roles"}, {"PUT", jane}, {"POST", jane}, {"GET", "/nowhere"},
		{"DELETE", "/api/v2/users"}, {"GET", "/api/v2/users/auth0%7Cjane1/roles"},
	} {
		e.expect(e.do(c.method, c.path, ""), 404, nf)
	}
	big := `{"user_metadata":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`
	e.expect(e.do("PATCH", jane, big), 413,
		`{"statusCode":413,"error":"Request Entity Too Large","message":"Payload content length greater than maximum allowed: 1048576"}`)
}
