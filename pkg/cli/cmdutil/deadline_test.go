package cmdutil

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/mgmt"
)

func TestDeadlineSpansTheCommandsCalls(t *testing.T) {
	var hang atomic.Bool
	var reqs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		_, _ = io.Copy(io.Discard, r.Body) // so that the server sees the client go
		if hang.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		time.Sleep(60 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"user_metadata":{}}`))
	}))
	defer srv.Close()
	c, err := mgmt.New(mgmt.Options{BaseURL: srv.URL, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	api := &deadlineAPI{c: c, d: 500 * time.Millisecond, left: 500 * time.Millisecond}
	ctx := context.Background()

	// Time between calls (a user in an editor) is not spent.
	if _, err := api.GetUserField(ctx, "auth0|x", "user_metadata"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	if _, err := api.GetUserField(ctx, "auth0|x", "user_metadata"); err != nil {
		t.Fatalf("after a pause between calls: %v", err)
	}

	// A tenant that stops answering uses up what is left, then every
	// further call fails at once without a request.
	hang.Store(true)
	start := time.Now()
	_, err = api.PatchUser(ctx, "auth0|x", []byte(`{"user_metadata":{}}`))
	var de *mgmt.DeadlineError
	if !errors.As(err, &de) || de.D != 500*time.Millisecond {
		t.Fatalf("err %v, want the deadline", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s", el)
	}
	n := reqs.Load()
	if _, err := api.GetUserField(ctx, "auth0|x", "user_metadata"); !errors.As(err, &de) {
		t.Errorf("err %v after the budget is spent", err)
	}
	if reqs.Load() != n {
		t.Error("a request was sent after the deadline")
	}
}
