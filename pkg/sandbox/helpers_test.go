package sandbox

import (
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	s     *Server
	ts    *httptest.Server
	token string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, s)
}

// serve mounts s on a test server, with an all-scopes token for it.
func serve(t *testing.T, s *Server) *env {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	e := &env{t: t, s: s, ts: ts}
	e.token = s.MintToken(e.aud())
	return e
}

// aud is the audience the sandbox accepts for requests to ts.
func (e *env) aud() string {
	return "https://" + strings.TrimPrefix(e.ts.URL, "http://") + "/api/v2/"
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) get(path string) gjson.Result { return gjson.Get(r.body, path) }

// do sends a request; path is escaped and may carry ?query.
func (e *env) do(method, path, body string, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, string(b)}
}

// expect checks status and, when want is not "", the exact body bytes.
func (e *env) expect(r resp, status int, want string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if want != "" && r.body != want {
		e.t.Fatalf("body\n got %s\nwant %s", r.body, want)
	}
}

// jsonEqual compares JSON by meaning: key order ignored, numbers by exact
// decimal value. It walks gjson values so that nothing goes through
// map[string]any.
func jsonEqual(a, b gjson.Result) bool {
	switch {
	case a.IsObject() && b.IsObject():
		am, bm := map[string]gjson.Result{}, map[string]gjson.Result{}
		a.ForEach(func(k, v gjson.Result) bool { am[k.String()] = v; return true })
		b.ForEach(func(k, v gjson.Result) bool { bm[k.String()] = v; return true })
		if len(am) != len(bm) {
			return false
		}
		for k, v := range am {
			w, ok := bm[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case a.IsArray() && b.IsArray():
		aa, ba := a.Array(), b.Array()
		if len(aa) != len(ba) {
			return false
		}
		for i := range aa {
			if !jsonEqual(aa[i], ba[i]) {
				return false
			}
		}
		return true
	case a.Type == gjson.Number && b.Type == gjson.Number:
		x, ok1 := new(big.Rat).SetString(a.Raw)
		y, ok2 := new(big.Rat).SetString(b.Raw)
		return ok1 && ok2 && x.Cmp(y) == 0
	case a.Type == gjson.String && b.Type == gjson.String:
		return a.Str == b.Str
	case a.IsObject() || a.IsArray() || b.IsObject() || b.IsArray():
		return false
	}
	return a.Type == b.Type
}

func TestJSONEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		eq   bool
	}{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1.0}`, true},
		{`12345678901234567890`, `12345678901234567891`, false},
		{`{"a":1}`, `{"a":1,"b":null}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`"x"`, `"x"`, true},
		{`null`, `false`, false},
		{`{}`, `[]`, false},
	} {
		if got := jsonEqual(gjson.Parse(c.a), gjson.Parse(c.b)); got != c.eq {
			t.Errorf("jsonEqual(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// with returns a copy of e that reports to t (for subtests).
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}
