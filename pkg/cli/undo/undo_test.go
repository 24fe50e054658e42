package undo_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
)

type env struct {
	srv  *sandbox.Server
	vars map[string]string
	log  *history.Log
}

func setup(t *testing.T) *env {
	t.Helper()
	srv, url := sandboxtest.Serve(t)
	vars := sandboxtest.Env(t.TempDir(), url)
	return &env{srv: srv, vars: vars, log: &history.Log{Dir: filepath.Join(vars["XDG_STATE_HOME"], "a0meta"), Settings: history.DefaultSettings()}}
}

func (e *env) run(args ...string) (int, string, string) {
	io, _, out, errOut := iostreams.Test()
	code := root.Run(context.Background(), args, io, func(k string) string { return e.vars[k] })
	return code, out.String(), errOut.String()
}

func (e *env) record(t *testing.T, en history.Entry) {
	t.Helper()
	id, err := e.log.Begin(en)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.log.Finish(id, nil); err != nil {
		t.Fatal(err)
	}
}

func janeEntry(id, domain, profile string) history.Entry {
	return history.Entry{ID: id, Domain: domain, Profile: profile, Kind: "user", Target: "auth0|jane1", Field: "user_metadata",
		Before: json.RawMessage(`{"hobby":"chess"}`), Body: json.RawMessage(`{"user_metadata":{"hobby":"surfing"}}`)}
}

// An entry of another tenant is refused before any request; one of this
// tenant is found by a unique prefix of its id.
func TestUndoByIDAndTenant(t *testing.T) {
	e := setup(t)
	e.record(t, janeEntry("abcd00000001", "other.eu.auth0.com", "prod"))
	e.record(t, janeEntry("beef00000001", e.vars["A0META_DOMAIN"], ""))
	sandboxtest.Log(e.srv, false)

	code, _, errOut := e.run("undo", "abcd")
	if code != 2 || !strings.Contains(errOut, "history entry abcd00000001 was written to other.eu.auth0.com (run it with -p prod)") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := sandboxtest.Log(e.srv, false); got != "" {
		t.Errorf("requests after a refusal:\n%s", got)
	}

	code, _, errOut = e.run("undo", "beef", "-o", "json")
	if code != 0 || !strings.Contains(errOut, "Undid beef00000001 in user_metadata of user auth0|jane1") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	u, _ := e.srv.User("auth0|jane1")
	if !strings.Contains(string(u), `"user_metadata":{"hobby":"chess"}`) {
		t.Errorf("user: %s", u)
	}
	// The undo is recorded, naming what it undid.
	entries, _, _ := e.log.Read()
	last := entries[len(entries)-1]
	if last.Undoes != "beef00000001" || last.Status != history.StatusDone || string(last.Before) != `{"hobby":"surfing"}` {
		t.Errorf("undo entry: %+v", last)
	}
}

// A write that cannot be recorded is not made.
func TestUnrecordableWriteNotSent(t *testing.T) {
	e := setup(t)
	if err := os.MkdirAll(e.vars["XDG_STATE_HOME"], 0o700); err != nil {
		t.Fatal(err)
	}
	// The state directory is a file: the history cannot be written.
	if err := os.WriteFile(filepath.Join(e.vars["XDG_STATE_HOME"], "a0meta"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := e.run("user", "meta", "set", "auth0|jane1", "plan=pro")
	if code != 1 || !strings.Contains(errOut, "nothing sent: the change could not be recorded") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := sandboxtest.Log(e.srv, false); strings.Contains(got, "PATCH") {
		t.Errorf("sent:\n%s", got)
	}
	// --no-history writes anyway.
	if code, _, errOut := e.run("--no-history", "user", "meta", "set", "auth0|jane1", "plan=pro"); code != 0 {
		t.Fatalf("--no-history: exit %d: %s", code, errOut)
	}
}

// A newest write with an unknown outcome stops `undo --last`: skipping it
// would undo the write before it. `undo ID` still undoes it.
func TestUndoLastRefusesUnknownOutcome(t *testing.T) {
	e := setup(t)
	older := janeEntry("feed00000001", e.vars["A0META_DOMAIN"], "")
	older.Before, older.Body = json.RawMessage(`{"plan":null}`), json.RawMessage(`{"user_metadata":{"plan":"pro"}}`)
	e.record(t, older)
	id, err := e.log.Begin(janeEntry("0dd000000001", e.vars["A0META_DOMAIN"], ""))
	if err != nil {
		t.Fatal(err)
	}
	lost := &metaops.UnconfirmedWriteError{Target: metaops.Target{Kind: metaops.UserMetadata, ID: "auth0|jane1"},
		Err: &mgmt.UncertainError{Method: "PATCH", Path: "/api/v2/users/auth0%7Cjane1", Err: errors.New("no answer within 30s")}}
	if err := e.log.Finish(id, lost); err != nil {
		t.Fatal(err)
	}
	sandboxtest.Log(e.srv, false)

	code, _, errOut := e.run("undo", "--last")
	for _, want := range []string{"history entry 0dd000000001, may or may not have been applied", "check with: a0meta user meta get 'auth0|jane1'", "a0meta undo 0dd000000001"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Fatalf("exit %d, want 1 and %q:\n%s", code, want, errOut)
		}
	}
	if got := sandboxtest.Log(e.srv, false); strings.Contains(got, "PATCH") {
		t.Errorf("sent after a refusal:\n%s", got)
	}

	code, _, errOut = e.run("undo", "0dd0")
	if code != 0 || !strings.Contains(errOut, "Undid 0dd000000001") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	u, _ := e.srv.User("auth0|jane1")
	if !strings.Contains(string(u), `"hobby":"chess"`) {
		t.Errorf("user: %s", u)
	}
}

// A write with an intent record and no completion (its process was killed
// mid-request) is as unknown as one that lost its answer.
func TestUndoLastRefusesPendingWrite(t *testing.T) {
	e := setup(t)
	older := janeEntry("feed00000002", e.vars["A0META_DOMAIN"], "")
	older.Before, older.Body = json.RawMessage(`{"plan":null}`), json.RawMessage(`{"user_metadata":{"plan":"pro"}}`)
	e.record(t, older)
	if _, err := e.log.Begin(janeEntry("0dd000000002", e.vars["A0META_DOMAIN"], "")); err != nil {
		t.Fatal(err)
	}
	sandboxtest.Log(e.srv, false)
	code, _, errOut := e.run("undo", "--last")
	if code != 1 || !strings.Contains(errOut, "history entry 0dd000000002, may or may not have been applied") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if got := sandboxtest.Log(e.srv, false); strings.Contains(got, "PATCH") {
		t.Errorf("sent after a refusal:\n%s", got)
	}
}
