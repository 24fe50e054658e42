package sandbox

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPlanBuckets(t *testing.T) {
	clk := newClock()
	e := newEnv(t, Options{Seed: true, Now: clk.Now, Limits: Plans["professional"]})
	type step struct {
		method, path, body string
		status             int
		limit, remaining   string
	}
	run := func(name string, steps ...step) {
		t.Helper()
		for i, st := range steps {
			r := e.do(st.method, st.path, st.body)
			h := r.header
			if r.status != st.status || h.Get("X-Ratelimit-Limit") != st.limit || h.Get("X-Ratelimit-Remaining") != st.remaining || h.Get("X-Ratelimit-Reset") == "" {
				t.Fatalf("%s step %d %s %s: %d limit=%s remaining=%s reset=%s, want %d %s %s", name, i, st.method, st.path, r.status,
					h.Get("X-Ratelimit-Limit"), h.Get("X-Ratelimit-Remaining"), h.Get("X-Ratelimit-Reset"), st.status, st.limit, st.remaining)
			}
			if r.status == 429 && r.body != `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}` {
				t.Fatalf("429 body %s", r.body)
			}
		}
	}
	patch := step{"PATCH", jane, `{"app_metadata":{"n":1}}`, 200, "20", ""}
	var writes []step
	for i := 19; i >= 0; i-- {
		p := patch
		p.remaining = strconv.Itoa(i)
		writes = append(writes, p)
	}
	run("writes", writes...)
	run("write bucket empty", step{"PATCH", jane, `{"app_metadata":{"n":2}}`, 429, "20", "0"},
		step{"POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"x@example.com","password":"p"}`, 429, "20", "0"})
	// reads, clients and the rest have buckets of their own
	run("reads", step{"GET", jane, "", 200, "40", "39"}, step{"GET", "/api/v2/users-by-email?email=sam%40example.com", "", 200, "40", "38"},
		step{"GET", "/api/v2/users?q=*:*", "", 200, "40", "37"})
	run("clients", step{"GET", "/api/v2/clients/myclientid123", "", 200, "5", "4"},
		step{"PATCH", "/api/v2/clients/myclientid123", `{"client_metadata":{"a":"b"}}`, 200, "5", "3"})
	run("other", step{"DELETE", "/api/v2/users/auth0%7Cjohn2", "", 204, "10", "9"}, step{"GET", "/api/v2/roles", "", 404, "10", "8"})
	// 200 per minute: one write token every 0.3 s
	clk.Advance(299 * time.Millisecond)
	run("not yet", step{"PATCH", jane, `{"app_metadata":{"n":3}}`, 429, "20", "0"})
	clk.Advance(time.Millisecond)
	run("refilled", step{"PATCH", jane, `{"app_metadata":{"n":4}}`, 200, "20", "0"})
	if u, _ := e.s.User("auth0|jane1"); !contains(u, `"n":4`) {
		t.Errorf("refused writes changed the user: %s", u)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

func TestSharedBucketAndSpeedup(t *testing.T) {
	clk := newClock()
	e := newEnv(t, Options{Seed: true, Now: clk.Now, Limits: Plans["free"].Speedup(10)})
	for i, want := range []int{200, 200, 429} {
		path := jane
		if i == 1 {
			path = "/api/v2/clients/myclientid123"
		}
		r := e.do("GET", path, "")
		if r.status != want || r.header.Get("X-Ratelimit-Limit") != "2" {
			t.Fatalf("request %d: %d limit %s", i, r.status, r.header.Get("X-Ratelimit-Limit"))
		}
	}
	// 2/s sped up 10 times: a token every 50 ms
	clk.Advance(50 * time.Millisecond)
	if r := e.do("PATCH", jane, `{"user_metadata":{}}`); r.status != 200 {
		t.Fatalf("after 50 ms: %d", r.status)
	}
	want := Limits{GroupOther: {Burst: 50, Rate: 1600}}
	if got := Plans["enterprise"].Speedup(100); got[GroupOther] != want[GroupOther] || len(got) != 1 {
		t.Errorf("enterprise ×100: %v", got)
	}
}

func TestParseBucket(t *testing.T) {
	for in, want := range map[string]Bucket{"20:200/m": {20, 200.0 / 60}, "5:2/s": {5, 2}, "1:0.5": {1, 0.5}, "50:16/min": {50, 16.0 / 60}} {
		if got, err := ParseBucket(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "20", "0:1/s", "x:1/s", "2:0/s", "2:-1/s", "2:1/h", "2:NaN", "2:Inf/s"} {
		if _, err := ParseBucket(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
