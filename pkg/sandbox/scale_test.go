package sandbox

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func searchIDs(t *testing.T, e *env, params string) (ids []string, total int64) {
	t.Helper()
	r := e.do("GET", "/api/v2/users?search_engine=v3&include_totals=true&fields=user_id&"+params, "")
	e.with(t).expect(r, 200, "")
	for _, u := range r.get("users").Array() {
		ids = append(ids, u.Get("user_id").String())
	}
	return ids, r.get("total").Int()
}

func TestSearchRangesAndSort(t *testing.T) {
	e := seeded(t)
	cases := []struct{ q, sort, want string }{
		// seed users are created 2024-01-15 … 2024-01-19
		{`created_at:[2024-01-16 TO 2024-01-18]`, "", "auth0|john2 auth0|sam3"},
		{`created_at:[2024-01-16 TO 2024-01-18T12:00:00.000Z]`, "", "auth0|john2 auth0|sam3 google-oauth2|1089347"},
		{`created_at:{2024-01-16T10:00:00.000Z TO 2024-01-18T12:00:00.000Z}`, "", "auth0|sam3"},
		{`created_at:[2024-01-16T10:00:00.000Z TO 2024-01-18T12:00:00.000Z}`, "", "auth0|john2 auth0|sam3"},
		{`created_at:{2024-01-16T10:00:00.000Z TO 2024-01-18T12:00:00.000Z]`, "", "auth0|sam3 google-oauth2|1089347"},
		{`created_at:[* TO 2024-01-16T10:00:00.000Z]`, "", "auth0|jane1 auth0|john2"},
		{`created_at:[2024-01-18T12:00:00Z TO *]`, "", "google-oauth2|1089347 samlp|acme|jdoe@acme.example/ops"},
		{`created_at:[2024-01-18T13:00:00+01:00 TO *]`, "created_at:-1", "samlp|acme|jdoe@acme.example/ops google-oauth2|1089347"},
		{`created_at:[* TO *]`, "created_at:1", "auth0|jane1 auth0|john2 auth0|sam3 google-oauth2|1089347 samlp|acme|jdoe@acme.example/ops"},
		{`created_at:["2024-01-17T11:00:00.000Z" TO "2024-01-17T11:00:00.000Z"]`, "", "auth0|sam3"},
		{`created_at:[2024-01-17T11:00:00.001Z TO *] AND NOT _exists_:user_metadata`, "created_at:1", "google-oauth2|1089347 samlp|acme|jdoe@acme.example/ops"},
		{`(created_at:[* TO 2024-01-16] OR app_metadata.plan:"trial") AND email_verified:true`, "", "auth0|jane1 google-oauth2|1089347"},
		{`logins_count:[3 TO 5]`, "", "auth0|jane1 google-oauth2|1089347"},
		{`created_at:>2024-01-18T12:00:00.000Z`, "", "samlp|acme|jdoe@acme.example/ops"},
		{`created_at:>=2024-01-18T12:00:00.000Z`, "", "google-oauth2|1089347 samlp|acme|jdoe@acme.example/ops"},
		{`created_at:<2024-01-16T10:00:00.000Z`, "", "auth0|jane1"},
		{`(created_at:<=2024-01-16T10:00:00.000Z)`, "", "auth0|jane1 auth0|john2"},
		{`logins_count:>3 AND logins_count:<12`, "", "google-oauth2|1089347"},
		{`logins_count:{3 TO *}`, "logins_count:1", "google-oauth2|1089347 samlp|acme|jdoe@acme.example/ops"},
		{`app_metadata.employee_no:[12345678901234567890 TO 12345678901234567890]`, "", "samlp|acme|jdoe@acme.example/ops"},
		{`app_metadata.employee_no:[12345678901234567891 TO *]`, "", ""},
		{`*:*`, "email:1", "auth0|jane1 samlp|acme|jdoe@acme.example/ops auth0|john2 auth0|sam3 google-oauth2|1089347"},
		{`*:*`, "created_at:-1", "samlp|acme|jdoe@acme.example/ops google-oauth2|1089347 auth0|sam3 auth0|john2 auth0|jane1"},
	}
	for _, c := range cases {
		ids, total := searchIDs(t, e, "q="+url.QueryEscape(c.q)+"&sort="+url.QueryEscape(c.sort))
		if got := strings.Join(ids, " "); got != c.want || int(total) != len(ids) {
			t.Errorf("q=%s sort=%s: got %q (total %d), want %q", c.q, c.sort, got, total, c.want)
		}
	}
	for _, bad := range []string{`created_at:>`, `created_at:<=*`, `created_at:[2024 TO`, `created_at:[2024-01-01 2024-02-01]`, `created_at:[ TO *]`, `_exists_:[a TO b]`} {
		r := e.do("GET", "/api/v2/users?q="+url.QueryEscape(bad), "")
		if r.status != 400 || r.get("errorCode").String() != "invalid_query_string" {
			t.Errorf("q=%s: %d %s", bad, r.status, r.body)
		}
	}
	for _, bad := range []string{"created_at", "created_at:2", "user_metadata.x:1", ":1"} {
		r := e.do("GET", "/api/v2/users?sort="+url.QueryEscape(bad), "")
		if r.status != 400 || r.get("errorCode").String() != "invalid_query_string" {
			t.Errorf("sort=%s: %d %s", bad, r.status, r.body)
		}
	}
}

func TestSyntheticUsers(t *testing.T) {
	e := newEnv(t, Options{Seed: true, Synthetic: SeedSpec{Users: 3000, SameInstant: 1500}})
	count := func(q string) int64 {
		t.Helper()
		_, total := searchIDs(t, e, "per_page=1&q="+url.QueryEscape(q))
		return total
	}
	for _, c := range []struct {
		q    string
		want int64
	}{
		{`*:*`, 3000 + 1500 + 5},
		{`email:user00042@example.com`, 1},
		{`app_metadata.plan:"pro"`, 1000 + 500},
		{`app_metadata.plan:"trial"`, 1000 + 500 + 1}, // + the seed's Sam
		{`_exists_:app_metadata.legacy`, 300 + 150},
		{`app_metadata.plan:"free" AND app_metadata.legacy:true`, 100 + 50},
		{`_exists_:user_metadata.lang`, 3000 - 428 + 1500 - 214},
		{`created_at:"` + SameInstant + `"`, 1500},
		{`created_at:[` + SameInstant + ` TO ` + SameInstant + `]`, 1500},
		{`created_at:[2020-01-01 TO 2020-01-02}`, 143}, // 24h / 10 min, minus the epoch itself
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("%s: %d users, want %d", c.q, got, c.want)
		}
	}
	// created_at values are distinct outside the batch and sorted by i
	r := e.do("GET", "/api/v2/users?fields=created_at,user_id&sort=created_at:1&per_page=100&page=0&q="+
		url.QueryEscape(`created_at:[2020-01-01 TO *] AND NOT created_at:"`+SameInstant+`"`), "")
	e.expect(r, 200, "")
	prev := ""
	for i, u := range r.get("@this").Array() {
		if want := fmt.Sprintf("auth0|user%05d", i+1); u.Get("user_id").String() != want {
			t.Fatalf("position %d: %s, want %s", i, u.Get("user_id"), want)
		}
		if c := u.Get("created_at").String(); c <= prev {
			t.Fatalf("created_at %s after %s", c, prev)
		}
		prev = u.Get("created_at").String()
	}
	e.expect(e.do("GET", "/api/v2/users/auth0%7Cuser00070?fields=user_metadata,app_metadata,email", ""), 200,
		`{"email":"user00070@example.com","app_metadata":{"plan":"trial","legacy":true}}`)
	e.expect(e.do("GET", "/api/v2/users/auth0%7Cbatch00002?fields=user_metadata,app_metadata,created_at", ""), 200,
		`{"created_at":"`+SameInstant+`","user_metadata":{"lang":"de","newsletter":true},"app_metadata":{"plan":"pro"}}`)
	// a page past the first 1000 results is refused even when more match
	e.expect(e.do("GET", "/api/v2/users?per_page=50&page=20&q="+url.QueryEscape(`created_at:"`+SameInstant+`"`), ""), 400,
		`{"statusCode":400,"error":"Bad Request","message":"You can only page through the first 1000 records.","errorCode":"invalid_paging"}`)
	ids, total := searchIDs(t, e, "per_page=100&page=9&sort=created_at:1&q="+url.QueryEscape(`created_at:"`+SameInstant+`"`))
	if total != 1500 || len(ids) != 100 || ids[0] != "auth0|batch00901" {
		t.Errorf("page 9 of the batch: total %d, %d ids, first %v", total, len(ids), ids[:1])
	}
}

// The same spec gives the same tenant, byte for byte.
func TestSeedDeterministic(t *testing.T) {
	spec := SeedSpec{Users: 200, SameInstant: 20}
	dir := t.TempDir()
	var files [2][]byte
	for i := range files {
		f := filepath.Join(dir, fmt.Sprint(i))
		s, err := Open(Options{DataFile: f})
		if err != nil {
			t.Fatal(err)
		}
		s.st.key = []byte("0123456789abcdef0123456789abcdef")
		if err := s.Seed(spec); err != nil {
			t.Fatal(err)
		}
		files[i], _ = os.ReadFile(f)
	}
	if string(files[0]) != string(files[1]) {
		t.Fatal("two seeds of the same spec differ")
	}
	if n := strings.Count(string(files[0]), `"user_id":"auth0|`); n < 220 {
		t.Fatalf("%d auth0 users in the file", n)
	}
	// a reopened file holds the same users
	s, err := Open(Options{DataFile: filepath.Join(dir, "0")})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.st.users) != 225 || len(s.st.usersByEmail("batch00020@example.com")) != 1 {
		t.Fatalf("%d users after reopen", len(s.st.users))
	}
}

// The email index follows creates, email changes and deletes.
func TestEmailIndex(t *testing.T) {
	e := seeded(t)
	byEmail := func(email string) string {
		r := e.do("GET", "/api/v2/users-by-email?fields=user_id&email="+url.QueryEscape(email), "")
		e.expect(r, 200, "")
		var ids []string
		for _, u := range r.get("@this").Array() {
			ids = append(ids, u.Get("user_id").String())
		}
		return strings.Join(ids, " ")
	}
	e.expect(e.do("PATCH", jane, `{"email":"Jane@New.example"}`), 200, "")
	if got := byEmail("jane.doe@example.com"); got != "" {
		t.Errorf("old email still finds %q", got)
	}
	if got := byEmail("jane@new.example"); got != "auth0|jane1" {
		t.Errorf("new email finds %q", got)
	}
	e.expect(e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"sam@example.com","password":"x"}`), 409, "")
	e.expect(e.do("DELETE", "/api/v2/users/auth0%7Csam3", ""), 204, "")
	e.expect(e.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"sam@example.com","password":"x","user_id":"sam9"}`), 201, "")
	if got := byEmail("sam@example.com"); got != "auth0|sam9 google-oauth2|1089347" {
		t.Errorf("after delete and create: %q", got)
	}
	if err := e.s.PutUser([]byte(`{"user_id":"auth0|sam9","email":"other@example.com"}`)); err != nil {
		t.Fatal(err)
	}
	if got := byEmail("sam@example.com"); got != "google-oauth2|1089347" {
		t.Errorf("after PutUser: %q", got)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`a:b`, `created_at:[2024-01-01 TO *}`, `(x:1 OR NOT y:"z") AND _exists_:q`, `*:*`, `a:[1 TO 2] AND b:{x TO y]`} {
		f.Add(s)
	}
	u := object{"created_at": `"2024-01-15T09:30:00.000Z"`, "user_id": `"auth0|x"`, "app_metadata": `{"a":[1,"b"]}`}
	f.Fuzz(func(t *testing.T, q string) {
		m, err := parseQuery(q)
		if err == nil {
			m.match(u)
		}
	})
}

// BenchmarkSeed100k measures generating and saving 100k synthetic users.
func BenchmarkSeed100k(b *testing.B) {
	f := filepath.Join(b.TempDir(), "s.json")
	s, err := Open(Options{DataFile: f})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if err := s.Seed(SeedSpec{Users: 100000}); err != nil {
			b.Fatal(err)
		}
	}
	st, _ := os.Stat(f)
	b.ReportMetric(float64(st.Size())/1e6, "MB")
}

// BenchmarkSearchRange100k measures one page of a created_at slice of a
// 100k-user tenant, sorted by created_at.
func BenchmarkSearchRange100k(b *testing.B) {
	s, _ := Open(Options{Seed: true, Synthetic: SeedSpec{Users: 100000}})
	tok := s.MintToken("https://example.test/api/v2/")
	q := url.QueryEscape(`created_at:[2020-06-01 TO 2020-07-01} AND app_metadata.plan:"pro"`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := callAPI(s, tok, "GET", "/api/v2/users?fields=user_id&per_page=100&include_totals=true&sort=created_at:1&q="+q)
		if gjson.Get(w, "total").Int() == 0 {
			b.Fatal(w)
		}
	}
}

// BenchmarkSearchScan100k measures a metadata query over all 100k users.
func BenchmarkSearchScan100k(b *testing.B) {
	s, _ := Open(Options{Seed: true, Synthetic: SeedSpec{Users: 100000}})
	tok := s.MintToken("https://example.test/api/v2/")
	q := url.QueryEscape(`app_metadata.plan:"pro" AND _exists_:app_metadata.legacy`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := callAPI(s, tok, "GET", "/api/v2/users?fields=user_id&per_page=100&include_totals=true&q="+q)
		if gjson.Get(w, "total").Int() == 0 {
			b.Fatal(w)
		}
	}
}

// BenchmarkLoad100k measures opening a state file of 100k users.
func BenchmarkLoad100k(b *testing.B) {
	f := filepath.Join(b.TempDir(), "s.json")
	s, _ := Open(Options{DataFile: f})
	s.Seed(SeedSpec{Users: 100000})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Open(Options{DataFile: f}); err != nil {
			b.Fatal(err)
		}
	}
}
