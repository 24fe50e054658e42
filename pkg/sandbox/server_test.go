package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	clk := newClock()
	e := newEnv(t, Options{Seed: true, Now: clk.Now, RateLimit: 2, Burst: 2})
	now := clk.Now().Unix()
	type want struct {
		status              int
		remaining, resetSec string
	}
	check := func(step string, w want) {
		t.Helper()
		r := e.do("GET", jane+"?fields=user_id", "")
		if r.status != w.status {
			t.Fatalf("%s: status %d, want %d", step, r.status, w.status)
		}
		h := r.header
		if h.Get("X-Ratelimit-Limit") != "2" || h.Get("X-Ratelimit-Remaining") != w.remaining || h.Get("X-Ratelimit-Reset") != w.resetSec {
			t.Fatalf("%s: headers limit=%s remaining=%s reset=%s, want remaining=%s reset=%s", step,
				h.Get("X-Ratelimit-Limit"), h.Get("X-Ratelimit-Remaining"), h.Get("X-Ratelimit-Reset"), w.remaining, w.resetSec)
		}
		if r.status == 429 && r.body != `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}` {
			t.Fatalf("429 body %s", r.body)
		}
	}
	next := strconv.FormatInt(now+1, 10) // a token every 0.5 s, rounded up
	check("first", want{200, "1", next})
	check("second", want{200, "0", next})
	check("third", want{429, "0", next})
	clk.Advance(499 * time.Millisecond)
	check("still empty", want{429, "0", next})
	clk.Advance(time.Millisecond)
	check("refilled one", want{200, "0", next})
	clk.Advance(10 * time.Second)
	check("full again", want{200, "1", strconv.FormatInt(clk.Now().Unix()+1, 10)})
	// the token endpoint is outside the API's bucket
	e.expect(e.tokenRequest(formType, form("grant_type", "client_credentials", "client_id", DemoClientID,
		"client_secret", DemoClientSecret, "audience", e.aud())), 200, "")

	// unlimited: headers still present
	u := seeded(t)
	r := u.do("GET", jane, "")
	for _, h := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"} {
		if r.header.Get(h) == "" {
			t.Errorf("unlimited: no %s", h)
		}
	}
}

func TestFaults(t *testing.T) {
	e := seeded(t)
	e.s.InjectFault(Fault{Method: "PATCH", PathPrefix: "/api/v2/users/auth0%7Cjane1", Status: 503,
		Body: `{"statusCode":503,"error":"Service Unavailable","message":"try later"}`, Header: http.Header{"Retry-After": {"1"}}})
	e.expect(e.do("GET", jane+"?fields=user_id", ""), 200, "") // other method: untouched
	r := e.do("PATCH", jane, `{"user_metadata":{"a":"1"}}`)
	e.expect(r, 503, `{"statusCode":503,"error":"Service Unavailable","message":"try later"}`)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("fault headers: %v", r.header)
	}
	if u, _ := e.s.User("auth0|jane1"); strings.Contains(string(u), `"a":"1"`) {
		t.Error("faulted PATCH was applied")
	}
	e.expect(e.do("PATCH", jane, `{"user_metadata":{"a":"1"}}`), 200, "") // Times 1: gone

	e.s.InjectFault(Fault{PathPrefix: "/oauth/token", Times: 2, Status: 500})
	for i := 0; i < 2; i++ {
		e.expect(e.tokenRequest(formType, ""), 500, "")
	}
	e.expect(e.tokenRequest(formType, ""), 400, "")

	e.s.InjectFault(Fault{Hangup: true, PathPrefix: "/api/v2/clients"})
	e.s.ClearRequests()
	req, _ := http.NewRequest("GET", e.ts.URL+myclient, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	// a fresh connection: net/http silently retries a GET whose reused
	// connection dies
	fresh := &http.Client{Transport: &http.Transport{}}
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("hangup: got an answer %d", res.StatusCode)
	}
	if reqs := e.s.Requests(); len(reqs) == 0 || reqs[0].Status != 0 || reqs[0].Path != "/api/v2/clients/myclientid123" {
		t.Errorf("hangup log: %+v", reqs)
	}
	e.expect(e.do("GET", myclient+"?fields=client_id", ""), 200, `{"client_id":"myclientid123"}`)

	// Delay without a status delays, then answers normally; forever until cleared by count
	e.s.InjectFault(Fault{Delay: time.Millisecond, Times: -1, PathPrefix: "/api/v2/users-by-email"})
	for i := 0; i < 3; i++ {
		e.expect(e.do("GET", "/api/v2/users-by-email?email=sam%40example.com&fields=user_id", ""), 200,
			`[{"user_id":"auth0|sam3"},{"user_id":"google-oauth2|1089347"}]`)
	}
}

func TestRequestsLog(t *testing.T) {
	e := seeded(t)
	e.do("GET", jane+"?fields=user_metadata&include_fields=true", "")
	e.do("PATCH", jdoe, `{"app_metadata":{"x":1}}`)
	e.do("GET", "/api/v2/users/auth0%7Cnobody", "", "Authorization", "")
	reqs := e.s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := []Request{
		{Method: "GET", Path: "/api/v2/users/auth0%7Cjane1", Query: "fields=user_metadata&include_fields=true", Status: 200},
		{Method: "PATCH", Path: "/api/v2/users/samlp%7Cacme%7Cjdoe%40acme.example%2Fops", Body: []byte(`{"app_metadata":{"x":1}}`), Status: 200},
		{Method: "GET", Path: "/api/v2/users/auth0%7Cnobody", Status: 401},
	}
	for i, w := range want {
		g := reqs[i]
		if g.Method != w.Method || g.Path != w.Path || g.Query != w.Query || string(g.Body) != string(w.Body) || g.Status != w.Status {
			t.Errorf("request %d: %+v, want %+v", i, g, w)
		}
	}
	if reqs[0].Header.Get("Authorization") != "Bearer "+e.token || reqs[2].Header.Get("Authorization") != "" {
		t.Error("Authorization header not logged as sent")
	}
	reqs[0].Header.Set("X-Mutated", "1")
	if e.s.Requests()[0].Header.Get("X-Mutated") != "" {
		t.Error("Requests returns shared headers")
	}
	e.s.ClearRequests()
	if n := len(e.s.Requests()); n != 0 {
		t.Errorf("after clear: %d", n)
	}
	capped := newEnv(t, Options{Seed: true, MaxRequests: 2})
	for i := 0; i < 5; i++ {
		capped.do("GET", jane+"?n="+strconv.Itoa(i), "")
	}
	if reqs := capped.s.Requests(); len(reqs) != 2 || reqs[1].Query != "n=4" {
		t.Errorf("capped log: %+v", reqs)
	}
}

func TestHookSeesConcurrentChange(t *testing.T) {
	e := seeded(t)
	e.s.SetHook(func(r *http.Request) {
		if r.Method == "PATCH" {
			// another writer sneaks in between our GET and PATCH
			if err := e.s.PutUser(json.RawMessage(`{"user_id":"auth0|jane1","email":"jane.doe@example.com","user_metadata":{"hobby":"surfing","other":"theirs"}}`)); err != nil {
				t.Error(err)
			}
		}
	})
	e.expect(e.do("GET", jane+"?fields=user_metadata", ""), 200, `{"user_metadata":{"hobby":"surfing"}}`)
	r := e.do("PATCH", jane, `{"user_metadata":{"mine":1}}`)
	if got := r.get("user_metadata").Raw; got != `{"hobby":"surfing","other":"theirs","mine":1}` {
		t.Errorf("after hook: %s", got)
	}
	if err := e.s.PutUser(json.RawMessage(`{"email":"x"}`)); err == nil {
		t.Error("PutUser without user_id accepted")
	}
	if err := e.s.PutClient(json.RawMessage(`[]`)); err == nil {
		t.Error("PutClient of an array accepted")
	}
}

func TestSeedlessAndReset(t *testing.T) {
	e := newEnv(t, Options{})
	e.expect(e.do("GET", "/api/v2/users?fields=user_id", ""), 200, `[]`)
	e.expect(e.do("GET", "/api/v2/clients?fields=client_id", ""), 200, `[{"client_id":"a0meta-sandbox"}]`)

	s := seeded(t)
	s.expect(s.do("PATCH", jane, `{"user_metadata":{"hobby":null}}`), 200, "")
	s.expect(s.do("DELETE", "/api/v2/clients/dupA1", ""), 204, "")
	if err := s.s.Reset(); err != nil {
		t.Fatal(err)
	}
	s.expect(s.do("GET", jane+"?fields=user_metadata", ""), 200, `{"user_metadata":{"hobby":"surfing"}}`)
	s.expect(s.do("GET", "/api/v2/clients/dupA1?fields=name", ""), 200, `{"name":"Shared Name"}`)
	// the signing key survives Reset: the token still works (checked by the GETs above)
}

func TestSaveAtomicAndMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	file := filepath.Join(dir, "state.json")
	s, err := Open(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatalf("Open did not create the seeded state: %v", err)
	}
	if runtime.GOOS != "windows" {
		if st.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v", st.Mode().Perm())
		}
		if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
			t.Errorf("dir mode %v", d.Mode().Perm())
		}
	}
	// nothing changed: Save writes nothing
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Save without changes wrote the file (%v)", err)
	}
	e := serve(t, s)
	e.expect(e.do("PATCH", jane, `{"app_metadata":{"plan":"pro"}}`), 200, "")
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) || !strings.Contains(string(data), `"app_metadata":{"plan":"pro"}`) || !strings.HasPrefix(string(data), `{"version":1,"signing_key":"`) {
		t.Fatalf("state file:\n%s", data)
	}
	if st, _ := os.Stat(file); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode after save %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if strings.HasSuffix(en.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", en.Name())
		}
	}
	// a broken state is reported, never overwritten
	if err := os.WriteFile(file, []byte(`{"version":1,`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{DataFile: file}); err == nil {
		t.Fatal("Open accepted a broken state file")
	}
	if data, _ := os.ReadFile(file); string(data) != `{"version":1,` {
		t.Error("broken state file was overwritten")
	}
	if err := os.WriteFile(file, []byte(`{"version":2,"signing_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","users":[],"clients":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{DataFile: file}); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("version 2: %v", err)
	}
}

func TestLock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "new", "state.json")
	unlock, err := Lock(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(file); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock while locked: %v", err)
	}
	// a blocked Lock gets the lock once the holder lets go
	got := make(chan func() error)
	go func() {
		u, err := Lock(file)
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil { // idempotent
		t.Fatal(err)
	}
	u2 := <-got
	if _, err := TryLock(file); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock while the second holder has it: %v", err)
	}
	if err := u2(); err != nil {
		t.Fatal(err)
	}
	u3, err := TryLock(file)
	if err != nil {
		t.Fatalf("TryLock when free: %v", err)
	}
	u3()
}

// Many clients at once: every write lands (run with -race).
func TestConcurrentPatches(t *testing.T) {
	e := seeded(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := fmt.Sprintf(`{"app_metadata":{"k%d":%d}}`, i, i)
			req, _ := http.NewRequest("PATCH", e.ts.URL+jane, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.token)
			res, err := e.ts.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			e.s.Requests()
			e.s.User("auth0|jane1")
		}(i)
	}
	wg.Wait()
	u, _ := e.s.User("auth0|jane1")
	for i := 0; i < 20; i++ {
		if !strings.Contains(string(u), fmt.Sprintf(`"k%d":%d`, i, i)) {
			t.Errorf("k%d lost: %s", i, u)
		}
	}
}
