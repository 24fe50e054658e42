package metaops_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
)

// TestUnconfirmedWriteSaysHowToCheck: a PATCH whose outcome is unknown is
// reported as possibly applied, with the command that shows the truth.
func TestUnconfirmedWriteSaysHowToCheck(t *testing.T) {
	tests := []struct {
		kind  metaops.Kind
		id    string
		cause error
		want  string
		code  failure.Code
	}{
		{metaops.UserMetadata, "auth0|jane1", &mgmt.UnexpectedAnswerError{Method: "PATCH", Path: "/api/v2/users/auth0%7Cjane1", Status: 200, Reason: "not valid JSON"},
			"the change to user_metadata of user auth0|jane1 may or may not have been applied (PATCH /api/v2/users/auth0%7Cjane1: unexpected 200 answer: not valid JSON); check with: a0meta user meta get 'auth0|jane1'", failure.General},
		{metaops.AppMetadata, "auth0|jane1", context.Canceled,
			"the change to app_metadata of user auth0|jane1 may or may not have been applied (interrupted after the request was sent); check with: a0meta user meta get 'auth0|jane1' --app", 130},
		{metaops.ClientMetadata, "abc123", &mgmt.DeadlineError{D: 5e9},
			"the change to client_metadata of client abc123 may or may not have been applied (gave up: no result within the deadline of 5s (--deadline)); check with: a0meta client meta get abc123", failure.General},
	}
	for _, tt := range tests {
		t.Run(tt.kind.Field(), func(t *testing.T) {
			api := &failingAPI{err: &mgmt.UncertainError{Method: "PATCH", Path: "/x", Err: tt.cause}}
			res := &metaops.ChangeResult{Target: metaops.Target{Kind: tt.kind, ID: tt.id}, Body: []byte(`{}`)}
			err := metaops.Send(context.Background(), api, res)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err\n%v\nwant\n%s", err, tt.want)
			}
			if failure.CodeOf(err) != tt.code || !errors.Is(err, tt.cause) || res.Sent {
				t.Errorf("code %d, Is(cause) %v, Sent %v", failure.CodeOf(err), errors.Is(err, tt.cause), res.Sent)
			}
		})
	}
	t.Run("other errors pass through", func(t *testing.T) {
		cause := fmt.Errorf("boom")
		api := &failingAPI{err: cause}
		res := &metaops.ChangeResult{Target: metaops.Target{ID: "auth0|x"}, Body: []byte(`{}`)}
		if err := metaops.Send(context.Background(), api, res); err != cause || strings.Contains(err.Error(), "may or may not") {
			t.Errorf("err %v", err)
		}
	})
}

// failingAPI fails every write with err.
type failingAPI struct {
	metaops.API
	err error
}

func (f *failingAPI) PatchUser(context.Context, string, []byte) (json.RawMessage, error) {
	return nil, f.err
}
func (f *failingAPI) PatchClient(context.Context, string, []byte) (json.RawMessage, error) {
	return nil, f.err
}
