package cmdutil

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
)

// DefaultDeadline is --deadline's default: time enough for a token, a
// lookup, a read and a write with some retries, not for six attempts of
// each against a tenant that never answers.
const DefaultDeadline = 2 * time.Minute

// deadlineAPI spends one budget of time across every call a command makes:
// each call gets what is left of it, so that token, lookup, read and write
// together take at most d. Time between calls (the user in an editor, a
// confirmation prompt) is not counted.
type deadlineAPI struct {
	c *mgmt.Client
	d time.Duration

	mu   sync.Mutex
	left time.Duration
}

var _ metaops.API = (*deadlineAPI)(nil)

func bounded[T any](a *deadlineAPI, ctx context.Context, call func(context.Context) (T, error)) (T, error) {
	var zero T
	if a.d <= 0 {
		return call(ctx)
	}
	a.mu.Lock()
	left := a.left
	a.mu.Unlock()
	if left <= 0 {
		return zero, &mgmt.DeadlineError{D: a.d}
	}
	cctx, cancel := context.WithTimeoutCause(ctx, left, &mgmt.DeadlineError{D: a.d})
	defer cancel()
	start := time.Now()
	v, err := call(cctx)
	a.mu.Lock()
	a.left -= time.Since(start)
	a.mu.Unlock()
	return v, err
}

func (a *deadlineAPI) GetUserField(ctx context.Context, userID, field string) (json.RawMessage, error) {
	return bounded(a, ctx, func(ctx context.Context) (json.RawMessage, error) { return a.c.GetUserField(ctx, userID, field) })
}

func (a *deadlineAPI) PatchUser(ctx context.Context, userID string, body []byte) (json.RawMessage, error) {
	return bounded(a, ctx, func(ctx context.Context) (json.RawMessage, error) { return a.c.PatchUser(ctx, userID, body) })
}

func (a *deadlineAPI) UsersByEmail(ctx context.Context, email string, fields ...string) ([]json.RawMessage, error) {
	return bounded(a, ctx, func(ctx context.Context) ([]json.RawMessage, error) { return a.c.UsersByEmail(ctx, email, fields...) })
}

func (a *deadlineAPI) GetClientField(ctx context.Context, clientID, field string) (json.RawMessage, error) {
	return bounded(a, ctx, func(ctx context.Context) (json.RawMessage, error) { return a.c.GetClientField(ctx, clientID, field) })
}

func (a *deadlineAPI) PatchClient(ctx context.Context, clientID string, body []byte) (json.RawMessage, error) {
	return bounded(a, ctx, func(ctx context.Context) (json.RawMessage, error) { return a.c.PatchClient(ctx, clientID, body) })
}

func (a *deadlineAPI) ListClients(ctx context.Context) ([]mgmt.ClientRef, error) {
	return bounded(a, ctx, func(ctx context.Context) ([]mgmt.ClientRef, error) { return a.c.ListClients(ctx) })
}
