package mgmt

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// seen is one request as the server received it.
type seen struct {
	Method      string
	RequestURI  string
	EscapedPath string
	Header      http.Header
	Body        []byte
}

// recorder is an httptest server whose handler is a list of answers given in
// order (the last one repeats), recording every request.
type recorder struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
	// conns counts the connections clients opened.
	conns atomic.Int32
}

func newRecorder(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) *recorder {
	t.Helper()
	rec := &recorder{t: t}
	rec.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, seen{r.Method, r.RequestURI, r.URL.EscapedPath(), r.Header.Clone(), body})
		n := len(rec.reqs) - 1
		rec.mu.Unlock()
		h(n, w, r)
	}))
	rec.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			rec.conns.Add(1)
		}
	}
	rec.srv.Start()
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) requests() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.reqs...)
}

func (r *recorder) count(path string) int {
	n := 0
	for _, s := range r.requests() {
		if s.EscapedPath == path {
			n++
		}
	}
	return n
}

// sleeper records the waits asked for instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

var testNow = time.Unix(1700000000, 0)

// newClient builds a client for srv with recorded sleeps, a fixed clock and
// jitter that always draws its maximum (so waits are predictable).
func newClient(t *testing.T, srv *httptest.Server, mod func(*Options)) (*Client, *sleeper) {
	t.Helper()
	sl := &sleeper{}
	opts := Options{
		BaseURL:   srv.URL,
		UserAgent: "a0meta/test",
		Sleep:     sl.sleep,
		Now:       func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.retry.jitter = func(ceil time.Duration) time.Duration { return ceil }
	return c, sl
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// memCache is a TokenCache in memory that can be told to fail.
type memCache struct {
	mu      sync.Mutex
	toks    map[string]*oauth2.Token
	loadErr error
	stores  int
	deletes int
}

func (m *memCache) Load(key string) (*oauth2.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loadErr != nil {
		return nil, m.loadErr
	}
	t := m.toks[key]
	if t == nil {
		return nil, nil
	}
	c := *t
	return &c, nil
}

func (m *memCache) Store(key string, t *oauth2.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.toks == nil {
		m.toks = map[string]*oauth2.Token{}
	}
	c := *t
	m.toks[key] = &c
	m.stores++
	return nil
}

func (m *memCache) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.toks, key)
	m.deletes++
	return nil
}

func (m *memCache) get(key string) *oauth2.Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.toks[key]
}
