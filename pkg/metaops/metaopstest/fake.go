// Package metaopstest is a fake metaops.API for command tests: each call
// must match a registered stub, in any order, or the test fails; Verify
// fails the test for a stub never used; every PATCH body is recorded.
package metaopstest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
)

// Stub is one expected call and its answer.
type Stub struct {
	Call  string // "GetUserField auth0|jane1 user_metadata", "PatchUser auth0|jane1", ...
	Reply string // the JSON answer (for ListClients: the clients as a JSON array)
	Err   error
	// Body is the request body a PATCH stub received.
	Body []byte
	used bool
}

// Fake answers metaops.API calls from stubs.
type Fake struct {
	t     testing.TB
	mu    sync.Mutex
	stubs []*Stub
	// Calls lists every call made, in order, as Stub.Call spells it.
	Calls []string
}

var _ metaops.API = (*Fake)(nil)

// New returns a fake that reports unexpected calls to t.
func New(t testing.TB) *Fake { return &Fake{t: t} }

// Register expects one call, spelled as in Stub.Call, answering reply.
func (f *Fake) Register(call, reply string) *Stub {
	s := &Stub{Call: call, Reply: reply}
	f.stubs = append(f.stubs, s)
	return s
}

// RegisterErr expects one call that fails with err.
func (f *Fake) RegisterErr(call string, err error) *Stub {
	s := &Stub{Call: call, Err: err}
	f.stubs = append(f.stubs, s)
	return s
}

// Verify fails the test for every stub no call used.
func (f *Fake) Verify(t testing.TB) {
	t.Helper()
	for _, s := range f.stubs {
		if !s.used {
			t.Errorf("expected call never made: %s", s.Call)
		}
	}
}

// API returns the fake as the options' API function.
func (f *Fake) API() (metaops.API, error) { return f, nil }

func (f *Fake) take(call string, body []byte) (*Stub, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, call)
	for _, s := range f.stubs {
		if !s.used && s.Call == call {
			s.used = true
			s.Body = append([]byte(nil), body...)
			return s, s.Err
		}
	}
	f.t.Errorf("unexpected call: %s", call)
	return nil, fmt.Errorf("unexpected call: %s", call)
}

func (f *Fake) raw(call string, body []byte) (json.RawMessage, error) {
	s, err := f.take(call, body)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(s.Reply), nil
}

func (f *Fake) GetUserField(_ context.Context, userID, field string) (json.RawMessage, error) {
	return f.raw("GetUserField "+userID+" "+field, nil)
}

func (f *Fake) PatchUser(_ context.Context, userID string, body []byte) (json.RawMessage, error) {
	return f.raw("PatchUser "+userID, body)
}

func (f *Fake) UsersByEmail(_ context.Context, email string, fields ...string) ([]json.RawMessage, error) {
	s, err := f.take("UsersByEmail "+email+" "+strings.Join(fields, ","), nil)
	if err != nil {
		return nil, err
	}
	var out []json.RawMessage
	if err := json.Unmarshal([]byte(s.Reply), &out); err != nil {
		f.t.Fatalf("stub %s: %v", s.Call, err)
	}
	return out, nil
}

func (f *Fake) GetClientField(_ context.Context, clientID, field string) (json.RawMessage, error) {
	return f.raw("GetClientField "+clientID+" "+field, nil)
}

func (f *Fake) PatchClient(_ context.Context, clientID string, body []byte) (json.RawMessage, error) {
	return f.raw("PatchClient "+clientID, body)
}

func (f *Fake) ListClients(context.Context) ([]mgmt.ClientRef, error) {
	s, err := f.take("ListClients", nil)
	if err != nil {
		return nil, err
	}
	var out []mgmt.ClientRef
	if err := json.Unmarshal([]byte(s.Reply), &out); err != nil {
		f.t.Fatalf("stub %s: %v", s.Call, err)
	}
	return out, nil
}
