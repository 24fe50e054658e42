package metaops_test

// Whole-document edits (`meta edit`): the root-level patch of an edited
// document, the checks made before any request, and the lost-update guard.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
)

// log renders the requests since the last call, without queries.
func (tn *tenant) log() string { return sandboxtest.Log(tn.srv, false) }

// onNextGet runs change once, when the next GET of path arrives: set after
// BeginEdit, it is a concurrent writer between the edit's read and its
// guard read.
func (e *tenant) onNextGet(path string, change func()) {
	var gets atomic.Int32
	e.srv.SetHook(func(r *http.Request) {
		if r.Method == http.MethodGet && r.URL.EscapedPath() == path && gets.Add(1) == 1 {
			change()
		}
	})
}

// realDoc keeps every spelling that must survive byte for byte: key order,
// a big integer, 1.0, an exponent and string escapes.
const realDoc = `{"zeta":1,"prefs":{"b":2,"a":1.0,"big":12345678901234567890,"tiny":1.5e-07},` +
	`"esc":"caf\u00e9 \"q\" \/","alpha":[3,1,2]}`

func TestEditPlan(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		edited    string
		patch     string // "" means no change
		changed   string
		removed   string
		wantUsage string
	}{
		{"unchanged bytes", realDoc, "", "", "", ""},
		{"reordered and respelled", `{"alpha":[3,1,2],"esc":"café \"q\" /","prefs":{"tiny":15e-8,"big":12345678901234567890,"a":1,"b":2.0},"zeta":1.00}`, "", "", "", ""},
		{"one nested change sends the whole root, bytes kept",
			`{"zeta":1,"prefs":{"b":2,"a":1.0,"big":12345678901234567890,"tiny":1.5e-07,"new":true},"esc":"caf\u00e9 \"q\" \/","alpha":[3,1,2]}`,
			`{"prefs":{"b":2,"a":1.0,"big":12345678901234567890,"tiny":1.5e-07,"new":true}}`, "prefs", "", ""},
		{"big integer off by one", `{"zeta":1,"prefs":{"b":2,"a":1.0,"big":12345678901234567891,"tiny":1.5e-07},"esc":"caf\u00e9 \"q\" \/","alpha":[3,1,2]}`,
			`{"prefs":{"b":2,"a":1.0,"big":12345678901234567891,"tiny":1.5e-07}}`, "prefs", "", ""},
		{"array order matters", `{"zeta":1,"prefs":{"b":2,"a":1.0,"big":12345678901234567890,"tiny":1.5e-07},"esc":"caf\u00e9 \"q\" \/","alpha":[1,2,3]}`,
			`{"alpha":[1,2,3]}`, "alpha", "", ""},
		{"removed roots are null, new roots kept in order", `{"new2":"x","alpha":[3,1,2],"new1":{"k":  1}}`,
			`{"new2":"x","new1":{"k":1},"zeta":null,"prefs":null,"esc":null}`, "new2,new1", "zeta,prefs,esc", ""},
		{"everything removed: key by key, never {}", `{}`, `{"zeta":null,"prefs":null,"esc":null,"alpha":null}`, "", "zeta,prefs,esc,alpha", ""},
		{"whitespace only is refused", " \n ", "", "", "", "empty"},
		{"not JSON", `{"zeta":`, "", "", "", "not valid JSON"},
		{"not an object", `["zeta"]`, "", "", "", "not a JSON object"},
		{"dot in a root key", `{"a.b":1}`, "", "", "", "'.' or '$'"},
		{"dollar in a nested key", `{"zeta":{"$x":1}}`, "", "", "", "$"},
		{"null root", `{"zeta":null}`, "", "", "", "null"},
		{"null document is refused, not read as {}", "null\n", "", "", "", "the edited metadata is null, not a JSON object"},
		{"duplicate root keys", `{"zeta":1,"alpha":[3,1,2],"zeta":2}`, "", "", "", `root key "zeta" appears twice in the edited metadata`},
		{"nested duplicate names its place", `{"zeta":{"k":1,"k":2}}`, "", "", "", `key "k" appears twice in the same object (in "zeta")`},
		{"too deep", `{"zeta":` + strings.Repeat("[", 128) + strings.Repeat("]", 128) + `}`, "", "", "", `the value for "zeta" nests 129 levels deep in the metadata; a0meta accepts at most 128`},
	}
	tn := newTenant(t)
	tn.putUser(t, `{"user_id":"auth0|ed1","user_metadata":`+realDoc+`}`)
	ed, err := metaops.BeginEdit(ctx, tn.api, metaops.UserMetadata, "auth0|ed1")
	if err != nil {
		t.Fatal(err)
	}
	if string(ed.Original) != realDoc {
		t.Fatalf("Original = %s", ed.Original)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ed.Plan([]byte(tt.edited))
			if tt.wantUsage != "" {
				if failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), tt.wantUsage) {
					t.Fatalf("Plan: %v, want a usage error mentioning %q", err, tt.wantUsage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(p.Patch) != tt.patch {
				t.Errorf("patch\n got %s\nwant %s", p.Patch, tt.patch)
			}
			if got := strings.Join(p.Changed, ","); got != tt.changed {
				t.Errorf("changed %q, want %q", got, tt.changed)
			}
			if got := strings.Join(p.Removed, ","); got != tt.removed {
				t.Errorf("removed %q, want %q", got, tt.removed)
			}
		})
	}
}

func TestCheckDocumentClientRules(t *testing.T) {
	long := strings.Repeat("v", 256)
	tests := []struct {
		doc  string
		want string // "" = accepted
	}{
		{`{"a":"1","x=y":"2","sp ace":"3","tab\there":"4",":,-+=_*?\"/\\()<>@":"5"}`, ""},
		{`{"a":1}`, "must be strings"},
		{`{"a":{"b":"c"}}`, "must be strings"},
		{`{"a":null}`, "null"},
		{`{"a.b":"c"}`, "'.' or '$'"},
		{`{"é":"c"}`, "not allowed"},
		{`{"a!":"c"}`, "not allowed"},
		{`{"a":"` + long + `"}`, "255"},
		{`{"` + strings.Repeat("k", 256) + `":"v"}`, "255"},
		{`{"a":"` + long[:255] + `","` + strings.Repeat("k", 255) + `":"v"}`, ""},
		{`{"1":"","2":"","3":"","4":"","5":"","6":"","7":"","8":"","9":"","10":""}`, ""},
		{`{"1":"","2":"","3":"","4":"","5":"","6":"","7":"","8":"","9":"","10":"","11":""}`, "at most 10"},
	}
	for _, tt := range tests {
		err := metaops.CheckDocument(metaops.ClientMetadata, []byte(tt.doc))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckDocument(%.60s): %v", tt.doc, err)
		case tt.want != "" && (failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckDocument(%.60s): %v, want exit 2 mentioning %q", tt.doc, err, tt.want)
		}
	}
	// The same documents are fine as user metadata (apart from JSON rules).
	if err := metaops.CheckDocument(metaops.UserMetadata, []byte(`{"a":1,"é":{"b":[true]}}`)); err != nil {
		t.Errorf("user metadata: %v", err)
	}
}

func TestEditCommit(t *testing.T) {
	ctx := context.Background()
	const user = `{"user_id":"auth0|ed1","user_metadata":{"hobby":"surfing","theme":"dark","n":1.0}}`
	const userPath = "/api/v2/users/auth0%7Ced1"
	const get = "GET " + userPath + "\n"

	t.Run("GET then GET then PATCH of only the edited roots", func(t *testing.T) {
		tn := newTenant(t)
		tn.putUser(t, user)
		ed, err := metaops.BeginEdit(ctx, tn.api, metaops.UserMetadata, "auth0|ed1")
		if err != nil {
			t.Fatal(err)
		}
		p, err := ed.Plan([]byte(`{"hobby":"diving","n":1}`))
		if err != nil {
			t.Fatal(err)
		}
		res, err := ed.Commit(ctx, tn.api, p, false)
		if err != nil {
			t.Fatal(err)
		}
		want := get + get + `PATCH ` + userPath + ` {"user_metadata":{"hobby":"diving","theme":null}}` + "\n"
		if got := tn.log(); got != want {
			t.Errorf("requests:\n%swant:\n%s", got, want)
		}
		if !res.Sent || string(res.Stored) != `{"hobby":"diving","n":1.0}` {
			t.Errorf("sent %v, stored %s", res.Sent, res.Stored)
		}
	})

	t.Run("dry run: one GET, the body, nothing sent", func(t *testing.T) {
		tn := newTenant(t)
		tn.putUser(t, user)
		ed, _ := metaops.BeginEdit(ctx, tn.api, metaops.UserMetadata, "auth0|ed1")
		p, _ := ed.Plan([]byte(`{"hobby":"diving","theme":"dark","n":1.0}`))
		res, err := ed.Commit(ctx, tn.api, p, true)
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Body) != `{"user_metadata":{"hobby":"diving"}}` || res.Sent {
			t.Errorf("body %s, sent %v", res.Body, res.Sent)
		}
		if got := tn.log(); got != get {
			t.Errorf("requests:\n%s", got)
		}
	})

	t.Run("guard: an edited root changed meanwhile blocks the PATCH", func(t *testing.T) {
		tn := newTenant(t)
		tn.putUser(t, user)
		ed, _ := metaops.BeginEdit(ctx, tn.api, metaops.UserMetadata, "auth0|ed1")
		p, _ := ed.Plan([]byte(`{"hobby":"diving","theme":"dark","n":1.0}`))
		tn.onNextGet(userPath, func() {
			tn.putUser(t, `{"user_id":"auth0|ed1","user_metadata":{"hobby":"chess","theme":"dark","n":1.0}}`)
		})
		_, err := ed.Commit(ctx, tn.api, p, false)
		var ce *metaops.ConflictError
		if !errors.As(err, &ce) || failure.CodeOf(err) != failure.General || strings.Join(ce.Roots, ",") != "hobby" {
			t.Fatalf("err %v, want a ConflictError on hobby with exit 1", err)
		}
		if got := tn.log(); strings.Contains(got, "PATCH") {
			t.Errorf("sent a PATCH:\n%s", got)
		}
	})

	t.Run("guard: a root the edit adds, created meanwhile with another value, blocks", func(t *testing.T) {
		tn := newTenant(t)
		tn.putUser(t, `{"user_id":"auth0|ed1","user_metadata":{"hobby":"surfing"}}`)
		ed, _ := metaops.BeginEdit(ctx, tn.api, metaops.UserMetadata, "auth0|ed1")
		p, _ := ed.Plan([]byte(`{"hobby":"surfing","tags":["x"]}`))
		tn.onNextGet(userPath, func() {
			tn.putUser(t, `{"user_id":"auth0|ed1","user_metadata":{"hobby":"surfing","tags":["y"]}}`)
		})
		_, err := ed.Commit(ctx, tn.api, p, false)
		var ce *metaops.ConflictError
		if !errors.As(err, &ce) || strings.Join(ce.Roots, ",") != "tags" {
			t.Fatalf("err %v, want a conflict on tags", err)
		}
	})

	t.Run("guard: a change by meaning only, or to another root, does not block", func(t *testing.T) {
		tn := newTenant(t)
		tn.putUser(t, user)
		ed, _ := metaops.BeginEdit(ctx, tn.api, metaops.UserMetadata, "auth0|ed1")
		p, _ := ed.Plan([]byte(`{"hobby":"diving","theme":"dark","n":1.0}`))
		tn.onNextGet(userPath, func() {
			// n respelled (same meaning), theme changed, a new root: none is the edit's.
			tn.putUser(t, `{"user_id":"auth0|ed1","user_metadata":{"n":1,"hobby":"surfing","theme":"light","extra":{"k":"v"}}}`)
		})
		res, err := ed.Commit(ctx, tn.api, p, false)
		if err != nil {
			t.Fatal(err)
		}
		want := get + get + `PATCH ` + userPath + ` {"user_metadata":{"hobby":"diving"}}` + "\n"
		if got := tn.log(); got != want {
			t.Errorf("requests:\n%swant:\n%s", got, want)
		}
		if string(res.Stored) != `{"n":1,"hobby":"diving","theme":"light","extra":{"k":"v"}}` {
			t.Errorf("stored %s", res.Stored)
		}
	})

	t.Run("guard: someone made the same change meanwhile: nothing to send", func(t *testing.T) {
		tn := newTenant(t)
		tn.putUser(t, user)
		ed, _ := metaops.BeginEdit(ctx, tn.api, metaops.UserMetadata, "auth0|ed1")
		p, _ := ed.Plan([]byte(`{"hobby":"diving","theme":"dark","n":1.0}`))
		tn.onNextGet(userPath, func() {
			tn.putUser(t, `{"user_id":"auth0|ed1","user_metadata":{"hobby":"diving","theme":"dark","n":1.0}}`)
		})
		res, err := ed.Commit(ctx, tn.api, p, false)
		if err != nil || res.Body != nil || res.Sent {
			t.Fatalf("err %v, body %s, sent %v", err, res.Body, res.Sent)
		}
		if got := tn.log(); strings.Contains(got, "PATCH") {
			t.Errorf("sent a PATCH:\n%s", got)
		}
	})

	t.Run("client: keys added meanwhile count towards the limit", func(t *testing.T) {
		tn := newTenant(t)
		ed, err := metaops.BeginEdit(ctx, tn.api, metaops.ClientMetadata, "myclientid123")
		if err != nil {
			t.Fatal(err)
		}
		p, err := ed.Plan([]byte(`{"mycolor":"red","myflavor":"grape","k1":"","k2":"","k3":"","k4":"","k5":""}`))
		if err != nil {
			t.Fatal(err)
		}
		tn.onNextGet("/api/v2/clients/myclientid123", func() {
			err := tn.srv.PutClient(json.RawMessage(`{"client_id":"myclientid123","name":"myclient","client_metadata":{"mycolor":"red","myflavor":"grape","o1":"","o2":"","o3":"","o4":""}}`))
			if err != nil {
				t.Error(err)
			}
		})
		tn.log()
		_, err = ed.Commit(ctx, tn.api, p, false)
		if failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), "at most 10") {
			t.Fatalf("err %v, want exit 2 for 11 keys", err)
		}
		if got := tn.log(); strings.Contains(got, "PATCH") {
			t.Errorf("sent a PATCH:\n%s", got)
		}
	})
}

func TestSaveUnsent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "unsent")
	tg := metaops.Target{Kind: metaops.AppMetadata, ID: "samlp|acme|j@x/ops"}
	now := time.Date(2025, 3, 1, 12, 0, 5, 0, time.FixedZone("X", 3600))
	p1, err := metaops.SaveUnsent(dir, tg, []byte(`{"a":1}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "app_metadata-samlp_acme_j_x_ops-20250301T110005Z.json"); p1 != want {
		t.Errorf("path %s, want %s", p1, want)
	}
	p2, err := metaops.SaveUnsent(dir, tg, []byte("{\"a\":2}\n"), now)
	if err != nil || p2 == p1 || !strings.HasSuffix(p2, "-2.json") {
		t.Fatalf("second save %s, %v", p2, err)
	}
	for path, want := range map[string]string{p1: "{\"a\":1}\n", p2: "{\"a\":2}\n"} {
		b, err := os.ReadFile(path)
		if err != nil || string(b) != want {
			t.Errorf("%s holds %q (%v), want %q", path, b, err, want)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", path, fi.Mode())
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode())
	}
}

func TestSanitizeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"auth0|jane1":            "auth0_jane1",
		"samlp|acme|jd@acme/ops": "samlp_acme_jd_acme_ops",
		"myclientid123":          "myclientid123",
		"../x":                   "_.._x",
		"":                       "_",
		"Shared Name":            "Shared_Name",
		"caf\u00e9":              "caf__",
	} {
		if got := metaops.SanitizeFileName(in); got != want {
			t.Errorf("SanitizeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
