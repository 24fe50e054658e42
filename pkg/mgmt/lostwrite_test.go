package mgmt

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// A PATCH whose first attempt was read by the server and then lost (the
// connection reset before any answer) may have been applied, so a later
// 503 does not make its failure definite.
func TestLostAttemptThen503IsUncertain(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			hangUp(t, w)
			return
		}
		writeJSON(w, 503, `{"statusCode":503,"error":"Service Unavailable","message":"down"}`)
	})
	c, _ := newClient(t, rec.srv, nil)
	_, err := c.PatchUser(context.Background(), "auth0|x", []byte(`{"user_metadata":{"a":1}}`))
	var unc *UncertainError
	if !errors.As(err, &unc) {
		t.Fatalf("err %T %v, want *UncertainError", err, err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Errorf("err %v does not keep the last answer", err)
	}
	if !strings.Contains(err.Error(), "may or may not have been applied") {
		t.Errorf("message %q", err.Error())
	}
	if n := len(rec.requests()); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
}

// Answers on every attempt leave a definite failure, and a GET is never
// uncertain.
func TestAnswered503StaysDefinite(t *testing.T) {
	for _, get := range []bool{false, true} {
		rec := newRecorder(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if get && n == 0 {
				hangUp(t, w)
				return
			}
			writeJSON(w, 503, `{}`)
		})
		c, _ := newClient(t, rec.srv, nil)
		var err error
		if get {
			_, err = c.GetUser(context.Background(), "auth0|x")
		} else {
			_, err = c.PatchUser(context.Background(), "auth0|x", []byte(`{"user_metadata":{"a":1}}`))
		}
		var unc *UncertainError
		var ae *APIError
		if errors.As(err, &unc) || !errors.As(err, &ae) || ae.Status != 503 {
			t.Errorf("get=%v: err %T %v, want a definite *APIError", get, err, err)
		}
	}
}
