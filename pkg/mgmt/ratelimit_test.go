package mgmt

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBucketOf(t *testing.T) {
	tests := []struct {
		method, path string
		want         Bucket
	}{
		{"GET", "/api/v2/users/auth0%7Cx", BucketUserRead},
		{"GET", "/api/v2/users", BucketUserRead},
		{"GET", "/api/v2/users-by-email", BucketUserRead},
		{"PATCH", "/api/v2/users/auth0%7Cx", BucketUserWrite},
		{"POST", "/api/v2/users", BucketUserWrite},
		{"DELETE", "/api/v2/users/auth0%7Cx", BucketUserDelete},
		{"GET", "/api/v2/clients/abc", BucketClients},
		{"PATCH", "/api/v2/clients/abc", BucketClients},
		{"GET", "/api/v2/jobs/x", BucketOther},
		{"GET", "/api/v2/usersx", BucketOther},
		{"POST", "/oauth/token", BucketToken},
	}
	for _, tt := range tests {
		if got := BucketOf(tt.method, tt.path); got != tt.want {
			t.Errorf("BucketOf(%s %s) = %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestParseRateInfo(t *testing.T) {
	h := http.Header{}
	h.Set("X-Ratelimit-Limit", "20")
	h.Set("X-Ratelimit-Remaining", "7")
	h.Set("X-Ratelimit-Reset", "1700000000")
	got, ok := ParseRateInfo(h, 200)
	if !ok || got.Limit != 20 || got.Remaining != 7 || !got.Reset.Equal(time.Unix(1700000000, 0)) || got.Status != 200 {
		t.Errorf("got %+v, %v", got, ok)
	}
	for _, bad := range [][3]string{{"", "1", "1"}, {"20", "x", "1"}, {"0", "0", "1"}, {"20", "-1", "1"}, {"20", "1", ""}} {
		h := http.Header{}
		h.Set("X-Ratelimit-Limit", bad[0])
		h.Set("X-Ratelimit-Remaining", bad[1])
		h.Set("X-Ratelimit-Reset", bad[2])
		if _, ok := ParseRateInfo(h, 200); ok {
			t.Errorf("%v accepted", bad)
		}
	}
}

type recordingGate struct {
	mu       sync.Mutex
	waits    []Bucket
	observed []RateInfo
}

func (g *recordingGate) Wait(_ context.Context, b Bucket) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.waits = append(g.waits, b)
	return nil
}

func (g *recordingGate) Observe(b Bucket, info RateInfo, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.observed = append(g.observed, info)
}

// Every attempt, retries included, waits for the gate and reports its
// answer; token requests pass by.
func TestGatedTransportSeesEveryAttempt(t *testing.T) {
	n := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"access_token":"tok","expires_in":86400,"token_type":"Bearer"}`))
			return
		}
		n++
		w.Header().Set("X-Ratelimit-Limit", "20")
		w.Header().Set("X-Ratelimit-Reset", "1700000000")
		if n == 1 {
			w.Header().Set("X-Ratelimit-Remaining", "0")
			w.WriteHeader(429)
			w.Write([]byte(`{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached"}`))
			return
		}
		w.Header().Set("X-Ratelimit-Remaining", "19")
		w.Write([]byte(`{"user_id":"auth0|a","app_metadata":{}}`))
	}))
	defer ts.Close()
	g := &recordingGate{}
	tokens := &ClientCredentials{TokenURL: ts.URL + "/oauth/token", ClientID: "id", ClientSecret: "s"}
	c, err := New(Options{
		BaseURL:   ts.URL,
		Tokens:    tokens,
		Transport: GatedTransport(PooledTransport(8), g),
		Sleep:     func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens.HTTPClient = c.HTTPClient()
	if _, err := c.PatchUser(context.Background(), "auth0|a", []byte(`{"app_metadata":{"a":1}}`)); err != nil {
		t.Fatal(err)
	}
	if len(g.waits) != 2 || g.waits[0] != BucketUserWrite || g.waits[1] != BucketUserWrite {
		t.Errorf("waits %v, want two for %s", g.waits, BucketUserWrite)
	}
	if len(g.observed) != 2 || g.observed[0].Status != 429 || g.observed[0].Remaining != 0 || g.observed[1].Remaining != 19 {
		t.Errorf("observed %+v", g.observed)
	}
	if pt, ok := PooledTransport(32).(*http.Transport); !ok || pt.MaxIdleConnsPerHost != 32 {
		t.Errorf("pooled transport keeps %d idle connections per host", pt.MaxIdleConnsPerHost)
	}
}

func TestSearchUserPage(t *testing.T) {
	var got string
	body := `{"start":0,"limit":100,"length":1,"users":[{"user_id":"auth0|a","created_at":"2024-01-01T00:00:00.000Z"}],"total":1234}`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RawQuery
		w.Write([]byte(body))
	}))
	defer ts.Close()
	c, err := New(Options{BaseURL: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.SearchUserPage(context.Background(), UserSearch{Query: `app_metadata.plan:"trial"`, Page: 3, Sort: "created_at:1", Fields: []string{"user_id", "created_at"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "q=app_metadata.plan%3A%22trial%22&search_engine=v3&page=3&per_page=100&include_totals=true&sort=created_at%3A1&fields=user_id,created_at&include_fields=true"
	if got != want {
		t.Errorf("query\n%s\nwant\n%s", got, want)
	}
	if page.Total != 1234 || len(page.Users) != 1 || !strings.Contains(string(page.Users[0]), "auth0|a") {
		t.Errorf("page %+v", page)
	}
	body = `[{"user_id":"auth0|a"}]`
	if page, err = c.SearchUserPage(context.Background(), UserSearch{Query: "*:*"}); err != nil || page.Total != -1 || len(page.Users) != 1 {
		t.Errorf("bare array: %+v %v", page, err)
	}
}
