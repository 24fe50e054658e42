package mgmt

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/failure"
)

const rate429 = `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`

func TestRetryWaits(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		status int
		want   time.Duration
	}{
		{"Retry-After seconds", map[string]string{"Retry-After": "2", "X-Ratelimit-Reset": strconv.FormatInt(testNow.Unix()+9, 10)}, 429, 2 * time.Second},
		{"Retry-After date", map[string]string{"Retry-After": testNow.Add(4 * time.Second).UTC().Format(http.TimeFormat)}, 429, 4 * time.Second},
		{"x-ratelimit-reset", map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(testNow.Unix()+3, 10)}, 429, 3 * time.Second},
		{"reset in the past waits the minimum", map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(testNow.Unix()-5, 10)}, 429, minDelay},
		{"Retry-After clamped to MaxDelay", map[string]string{"Retry-After": "120"}, 429, 20 * time.Second},
		{"503 Retry-After", map[string]string{"Retry-After": "1"}, 503, time.Second},
		{"503 ignores x-ratelimit-reset, backs off", map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(testNow.Unix()+9, 10)}, 503, 500 * time.Millisecond},
		{"408 backs off", nil, 408, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 0 {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					writeJSON(w, tt.status, rate429)
					return
				}
				writeJSON(w, 200, `{"user_metadata":{"ok":true}}`)
			})
			c, sl := newClient(t, rec.srv, nil)
			got, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != `{"ok":true}` {
				t.Errorf("got %s", got)
			}
			if w := sl.got(); !slices.Equal(w, []time.Duration{tt.want}) {
				t.Errorf("waits %v, want [%v]", w, tt.want)
			}
			if n := len(rec.requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

func TestBackoffGrowsAndBudgetExhausts(t *testing.T) {
	t.Run("5xx: exponential backoff, then APIError exit 1", func(t *testing.T) {
		rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 503, `{"statusCode":503,"error":"Service Unavailable","message":"try later"}`)
		})
		c, sl := newClient(t, rec.srv, nil)
		_, err := c.GetUser(context.Background(), "auth0|x")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 503 || ae.Attempts != 6 {
			t.Fatalf("err %v", err)
		}
		if failure.CodeOf(err) != failure.General {
			t.Errorf("code %d", failure.CodeOf(err))
		}
		want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
		if !slices.Equal(sl.got(), want) {
			t.Errorf("waits %v, want %v", sl.got(), want)
		}
		if len(rec.requests()) != 6 {
			t.Errorf("%d requests", len(rec.requests()))
		}
	})
	t.Run("429 until the budget is spent: exit 5", func(t *testing.T) {
		rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "20")
			writeJSON(w, 429, rate429)
		})
		c, sl := newClient(t, rec.srv, nil)
		_, err := c.GetUser(context.Background(), "auth0|x")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 429 || ae.ErrorCode != "too_many_requests" {
			t.Fatalf("err %v", err)
		}
		if failure.CodeOf(err) != failure.RateLimited {
			t.Errorf("code %d", failure.CodeOf(err))
		}
		// 3 waits of 20s fill the 60s budget; a fourth would pass it.
		if w := sl.got(); !slices.Equal(w, []time.Duration{20 * time.Second, 20 * time.Second, 20 * time.Second}) {
			t.Errorf("waits %v", w)
		}
		if len(rec.requests()) != 4 || ae.Attempts != 4 {
			t.Errorf("%d requests, %d attempts, want 4", len(rec.requests()), ae.Attempts)
		}
	})
	t.Run("jitter stays under the ceiling", func(t *testing.T) {
		rt := &retryTransport{policy: DefaultRetryPolicy, jitter: fullJitter}
		for attempt := 1; attempt <= 8; attempt++ {
			ceil := min(DefaultRetryPolicy.BaseDelay<<(attempt-1), DefaultRetryPolicy.MaxDelay)
			for range 50 {
				if d := rt.backoff(attempt); d < minDelay || d > ceil {
					t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, d, minDelay, ceil)
				}
			}
		}
	})
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409} {
		rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, status, `{}`) })
		c, sl := newClient(t, rec.srv, nil)
		_, _ = c.GetUser(context.Background(), "auth0|x")
		if len(rec.requests()) != 1 || len(sl.got()) != 0 {
			t.Errorf("%d: %d requests, waits %v", status, len(rec.requests()), sl.got())
		}
	}
}

// hangUp answers by closing the connection without a word.
func hangUp(t *testing.T, w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	conn.Close()
}

func TestRetryAfterHangupRewindsBody(t *testing.T) {
	body := []byte(`{"user_metadata":{"n":12345678901234567890}}`)
	rec := newRecorder(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 0:
			hangUp(t, w)
		case 1:
			writeJSON(w, 503, `{}`)
		default:
			writeJSON(w, 200, `{"user_id":"auth0|x"}`)
		}
	})
	c, sl := newClient(t, rec.srv, nil)
	got, err := c.PatchUser(context.Background(), "auth0|x", body)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"user_id":"auth0|x"}` {
		t.Errorf("got %s", got)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if string(r.Body) != string(body) || r.Method != "PATCH" {
			t.Errorf("attempt %d: %s body %q", i, r.Method, r.Body)
		}
	}
	if len(sl.got()) != 2 {
		t.Errorf("waits %v", sl.got())
	}
}

func TestNetworkErrorAfterRetries(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	sl := &sleeper{}
	c, err := New(Options{BaseURL: "http://" + addr, Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	c.retry.jitter = func(ceil time.Duration) time.Duration { return ceil }
	_, err = c.GetUser(context.Background(), "auth0|x")
	var ne *NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("err %T %v, want *NetworkError", err, err)
	}
	if ne.Attempts != 6 || len(sl.got()) != 5 {
		t.Errorf("attempts %d, waits %v", ne.Attempts, sl.got())
	}
	if failure.CodeOf(err) != failure.General {
		t.Errorf("code %d", failure.CodeOf(err))
	}
	if msg := err.Error(); !strings.Contains(msg, addr) || !strings.Contains(msg, "retried 5 times") {
		t.Errorf("message %q does not name the host and the retries", msg)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			select { // stall until the client gives up on this attempt
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		writeJSON(w, 200, `{"user_metadata":{"a":1}}`)
	})
	c, sl := newClient(t, rec.srv, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	got, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"a":1}` || len(sl.got()) != 1 {
		t.Errorf("got %s, waits %v", got, sl.got())
	}
}

func TestTimeoutEveryAttemptSaysSo(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c, _ := newClient(t, rec.srv, func(o *Options) {
		o.Timeout = 20 * time.Millisecond
		o.Retry.MaxAttempts = 2
	})
	_, err := c.GetUser(context.Background(), "auth0|x")
	var ne *NetworkError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "no answer within 20ms") || ne.Attempts != 2 {
		t.Fatalf("err %v", err)
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 503, `{}`) })
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := newClient(t, rec.srv, func(o *Options) {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return ctx.Err()
		}
	})
	_, err := c.GetUser(ctx, "auth0|x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests after cancel, want 1", n)
	}
}

func TestBodyReadableAfterRoundTrip(t *testing.T) {
	// A body larger than what is buffered inside the attempt must still be
	// readable in full: the attempt's timeout context ends on Close only.
	big := strings.Repeat("x", 1<<20)
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"user_metadata":{"s":"`+big+`"}}`)
	})
	c, _ := newClient(t, rec.srv, nil)
	c.retry.bufLimit = 1024
	got, err := c.GetUserField(context.Background(), "auth0|x", "user_metadata")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(big)+8 {
		t.Errorf("got %d bytes", len(got))
	}
}
