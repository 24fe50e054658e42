package undo

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
)

// fakeAPI holds one user's app_metadata and notes the PATCHes.
type fakeAPI struct {
	app     string
	patches []string
}

func (f *fakeAPI) GetUserField(_ context.Context, id, field string) (json.RawMessage, error) {
	return json.RawMessage(f.app), nil
}
func (f *fakeAPI) PatchUser(_ context.Context, id string, body []byte) (json.RawMessage, error) {
	f.patches = append(f.patches, id+" "+string(body))
	return json.RawMessage(`{"user_id":"` + id + `","app_metadata":{"plan":"trial"}}`), nil
}
func (f *fakeAPI) UsersByEmail(context.Context, string, ...string) ([]json.RawMessage, error) {
	return nil, nil
}
func (f *fakeAPI) GetClientField(context.Context, string, string) (json.RawMessage, error) {
	return nil, nil
}
func (f *fakeAPI) PatchClient(context.Context, string, []byte) (json.RawMessage, error) {
	return nil, nil
}
func (f *fakeAPI) ListClients(context.Context) ([]mgmt.ClientRef, error) { return nil, nil }

func TestRunAgainstFake(t *testing.T) {
	tests := []struct {
		name    string
		current string
		force   bool
		dryRun  bool
		code    failure.Code
		patches string
		stdout  string
		stderr  string
	}{
		{name: "restores", current: `{"plan":"pro","keep":1}`, patches: `auth0|u1 {"app_metadata":{"plan":"trial"}}`,
			stderr: "Undid the last write in app_metadata of user auth0|u1 on t.auth0.com: restored plan\n"},
		{name: "changed since", current: `{"plan":"gold"}`, code: failure.General,
			stderr: ""},
		{name: "changed since, forced", current: `{"plan":"gold"}`, force: true, patches: `auth0|u1 {"app_metadata":{"plan":"trial"}}`,
			stderr: "Undid the last write in app_metadata of user auth0|u1 on t.auth0.com: restored plan\n"},
		{name: "dry run", current: `{"plan":"pro"}`, dryRun: true, stdout: `{"app_metadata":{"plan":"trial"}}` + "\n",
			stderr: "Dry run: would undo the last write in app_metadata of user auth0|u1 on t.auth0.com: restore plan; nothing sent\n"},
		{name: "already as before", current: `{"plan":"trial"}`,
			stderr: "Nothing to undo for the last write: app_metadata of user auth0|u1 on t.auth0.com already as before it; nothing sent\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &history.Log{Dir: filepath.Join(t.TempDir(), "a0meta"), Settings: history.DefaultSettings()}
			id, _ := log.Begin(history.Entry{Domain: "t.auth0.com", Kind: "user", Target: "auth0|u1", Field: "app_metadata",
				Before: json.RawMessage(`{"plan":"trial"}`), Body: json.RawMessage(`{"app_metadata":{"plan":"pro"}}`)})
			log.Finish(id, nil)
			api := &fakeAPI{app: tt.current}
			io, _, out, errOut := iostreams.Test()
			opts := &Options{
				IO:  io,
				API: func() (metaops.API, error) { return api, nil },
				Settings: func() (*config.Settings, error) {
					return &config.Settings{Domain: config.Value{Value: "t.auth0.com"}}, nil
				},
				Log:   func(*config.Settings) (*history.Log, error) { return log, nil },
				Where: func() string { return "t.auth0.com" },
				Last:  true, Force: tt.force, DryRun: tt.dryRun,
			}
			err := Run(context.Background(), opts)
			if failure.CodeOf(err) != tt.code {
				t.Fatalf("err = %v, want exit %d", err, tt.code)
			}
			if tt.code == failure.General && !strings.Contains(err.Error(), `root key(s) "plan" of app_metadata of user auth0|u1 changed since that write`) {
				t.Errorf("err = %v", err)
			}
			if got := strings.Join(api.patches, "\n"); got != tt.patches {
				t.Errorf("patches %q, want %q", got, tt.patches)
			}
			if out.String() != tt.stdout || errOut.String() != tt.stderr {
				t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
			}
		})
	}
}
