package metaops_test

// metaops against the sandbox tenant over loopback HTTP, with a ready token
// (as with a cached one): the requests each operation costs, the exact PATCH
// bodies, and the warnings and refusals of the contract.

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
)

type tenant struct {
	srv *sandbox.Server
	api *mgmt.Client
}

// newTenant serves a seeded sandbox and a client holding a valid token, so
// no token request is ever made.
func newTenant(t *testing.T) *tenant {
	t.Helper()
	srv, url := sandboxtest.Serve(t)
	return &tenant{srv: srv, api: sandboxtest.Client(t, srv, url)}
}

func (tn *tenant) putUser(t *testing.T, raw string) {
	t.Helper()
	if err := tn.srv.PutUser(json.RawMessage(raw)); err != nil {
		t.Fatal(err)
	}
}

// requests renders what the sandbox received since the last call as
// "METHOD PATH[?QUERY][ BODY]" lines, and forgets it.
func (tn *tenant) requests() string { return sandboxtest.Log(tn.srv, true) }

func (tn *tenant) field(t *testing.T, userID, field string) (string, bool) {
	t.Helper()
	u, ok := tn.srv.User(userID)
	if !ok {
		t.Fatalf("no user %s", userID)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(u, &m); err != nil {
		t.Fatal(err)
	}
	v, ok := m[field]
	return string(v), ok
}

func set(t *testing.T, s string) metaedit.Op {
	t.Helper()
	a, err := metapath.ParseAssignment(s)
	if err != nil {
		t.Fatalf("ParseAssignment(%q): %v", s, err)
	}
	return metaedit.SetOp(a)
}

// apply plans the change and sends it, as the cli's writing verbs do.
func apply(ctx context.Context, api metaops.API, ch metaops.Change) (*metaops.ChangeResult, error) {
	res, err := metaops.Plan(ctx, api, ch)
	if err != nil {
		return res, err
	}
	return res, metaops.Send(ctx, api, res)
}

func unset(s string) metaedit.Op { return metaedit.UnsetOp(metapath.MustParse(s)) }

const (
	janeGET  = "GET /api/v2/users/auth0%7Cjane1?fields=user_metadata&include_fields=true\n"
	janePATH = "/api/v2/users/auth0%7Cjane1"
	byEmail  = "GET /api/v2/users-by-email?email=jane.doe%40example.com&fields=user_id&include_fields=true\n"
)

func TestRequestCounts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		run    func(api metaops.API) error
		want   string
		stored string // user_metadata of jane afterwards
	}{
		{
			name: "get by user_id",
			run: func(api metaops.API) error {
				_, err := metaops.Get(ctx, api, metaops.UserMetadata, "auth0|jane1", []metapath.Path{{"hobby"}})
				return err
			},
			want:   janeGET,
			stored: `{"hobby":"surfing"}`,
		},
		{
			name: "get by email, mixed case",
			run: func(api metaops.API) error {
				_, err := metaops.Get(ctx, api, metaops.UserMetadata, "Jane.Doe@Example.COM", nil)
				return err
			},
			want:   byEmail + janeGET,
			stored: `{"hobby":"surfing"}`,
		},
		{
			name: "a change by user_id",
			run: func(api metaops.API) error {
				_, err := apply(ctx, api, metaops.Change{Target: "auth0|jane1", Ops: []metaedit.Op{
					set(t, "addresses.home=1 Main St"), set(t, "addresses.work=2 Office Rd")}})
				return err
			},
			want:   janeGET + "PATCH " + janePATH + ` {"user_metadata":{"addresses":{"home":"1 Main St","work":"2 Office Rd"}}}` + "\n",
			stored: `{"hobby":"surfing","addresses":{"home":"1 Main St","work":"2 Office Rd"}}`,
		},
		{
			name: "a change by email",
			run: func(api metaops.API) error {
				_, err := apply(ctx, api, metaops.Change{Target: "jane.doe@example.com", Ops: []metaedit.Op{unset("hobby")}})
				return err
			},
			want:   byEmail + janeGET + "PATCH " + janePATH + ` {"user_metadata":{"hobby":null}}` + "\n",
			stored: `{}`,
		},
		{
			name: "nothing to change",
			run: func(api metaops.API) error {
				_, err := apply(ctx, api, metaops.Change{Target: "auth0|jane1", Ops: []metaedit.Op{
					set(t, "hobby=surfing"), unset("nothere.deep")}})
				return err
			},
			want:   janeGET,
			stored: `{"hobby":"surfing"}`,
		},
		{
			name: "nothing to change by email",
			run: func(api metaops.API) error {
				_, err := apply(ctx, api, metaops.Change{Target: "jane.doe@example.com", Ops: []metaedit.Op{set(t, "hobby=surfing")}})
				return err
			},
			want:   byEmail + janeGET,
			stored: `{"hobby":"surfing"}`,
		},
		{
			name: "dry run",
			run: func(api metaops.API) error {
				res, err := metaops.Plan(ctx, api, metaops.Change{Target: "auth0|jane1", Ops: []metaedit.Op{set(t, "hobby=kiting")}})
				if err == nil && (res.Sent || string(res.Body) != `{"user_metadata":{"hobby":"kiting"}}` || string(res.Stored) != `{"hobby":"kiting"}`) {
					t.Errorf("dry run result: sent %v body %s stored %s", res.Sent, res.Body, res.Stored)
				}
				return err
			},
			want:   janeGET,
			stored: `{"hobby":"surfing"}`,
		},
		{
			name: "clear",
			run: func(api metaops.API) error {
				_, err := apply(ctx, api, metaops.Change{Target: "auth0|jane1", Clear: true})
				return err
			},
			want:   janeGET + "PATCH " + janePATH + ` {"user_metadata":{}}` + "\n",
			stored: `{}`,
		},
		{
			name: "clear dry run",
			run: func(api metaops.API) error {
				res, err := metaops.Plan(ctx, api, metaops.Change{Target: "auth0|jane1", Clear: true})
				if err == nil && string(res.Body) != `{"user_metadata":{}}` {
					t.Errorf("body %s", res.Body)
				}
				return err
			},
			want:   janeGET,
			stored: `{"hobby":"surfing"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newTenant(t)
			if err := tt.run(tn.api); err != nil {
				t.Fatal(err)
			}
			if got := tn.requests(); got != tt.want {
				t.Errorf("requests:\n%swant:\n%s", got, tt.want)
			}
			if got, _ := tn.field(t, "auth0|jane1", "user_metadata"); got != tt.stored {
				t.Errorf("stored user_metadata %s, want %s", got, tt.stored)
			}
		})
	}
}

func TestClearApp(t *testing.T) {
	t.Parallel()
	tn := newTenant(t)
	res, err := apply(context.Background(), tn.api, metaops.Change{Kind: metaops.AppMetadata, Target: "auth0|jane1", Clear: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "GET /api/v2/users/auth0%7Cjane1?fields=app_metadata&include_fields=true\n" +
		"PATCH " + janePATH + ` {"app_metadata":{}}` + "\n"
	if got := tn.requests(); got != want {
		t.Errorf("requests:\n%swant:\n%s", got, want)
	}
	// Auth0 drops an emptied app_metadata from the user.
	if v, ok := tn.field(t, "auth0|jane1", "app_metadata"); ok {
		t.Errorf("app_metadata still on the user: %s", v)
	}
	if um, _ := tn.field(t, "auth0|jane1", "user_metadata"); um != `{"hobby":"surfing"}` {
		t.Errorf("user_metadata touched: %s", um)
	}
	if !res.Sent || string(res.Stored) != "{}" {
		t.Errorf("sent %v, stored %s", res.Sent, res.Stored)
	}

	// Clearing it again: the field is absent, which is {}: nothing to send.
	res, err = apply(context.Background(), tn.api, metaops.Change{Kind: metaops.AppMetadata, Target: "auth0|jane1", Clear: true})
	if err != nil || res.Body != nil || res.Sent {
		t.Errorf("second clear: err %v, body %s", err, res.Body)
	}
	if got := tn.requests(); got != "GET /api/v2/users/auth0%7Cjane1?fields=app_metadata&include_fields=true\n" {
		t.Errorf("second clear requests:\n%s", got)
	}
}

func TestClientMetadata(t *testing.T) {
	ctx := context.Background()
	const getMy = "GET /api/v2/clients/myclientid123?fields=client_metadata&include_fields=true\n"
	const list = "GET /api/v2/clients?fields=client_id,name&include_fields=true&page=0&per_page=100&include_totals=true\n"

	t.Run("clear sends every key as null", func(t *testing.T) {
		t.Parallel()
		tn := newTenant(t)
		if _, err := apply(ctx, tn.api, metaops.Change{Kind: metaops.ClientMetadata, Target: "myclientid123", Clear: true}); err != nil {
			t.Fatal(err)
		}
		want := getMy + `PATCH /api/v2/clients/myclientid123 {"client_metadata":{"mycolor":null,"myflavor":null}}` + "\n"
		if got := tn.requests(); got != want {
			t.Errorf("requests:\n%swant:\n%s", got, want)
		}
		c, _ := tn.srv.Client("myclientid123")
		if bytes.Contains(c, []byte("mycolor")) || bytes.Contains(c, []byte("myflavor")) {
			t.Errorf("client after clear: %s", c)
		}
	})

	t.Run("by unique name", func(t *testing.T) {
		t.Parallel()
		tn := newTenant(t)
		if _, err := apply(ctx, tn.api, metaops.Change{Kind: metaops.ClientMetadata, Target: "myclient", Ops: []metaedit.Op{set(t, "mycolor=blue")}}); err != nil {
			t.Fatal(err)
		}
		want := "GET /api/v2/clients/myclient?fields=client_metadata&include_fields=true\n" + list + getMy +
			`PATCH /api/v2/clients/myclientid123 {"client_metadata":{"mycolor":"blue"}}` + "\n"
		if got := tn.requests(); got != want {
			t.Errorf("requests:\n%swant:\n%s", got, want)
		}
	})

	t.Run("by id: one GET", func(t *testing.T) {
		t.Parallel()
		tn := newTenant(t)
		res, err := metaops.Get(ctx, tn.api, metaops.ClientMetadata, "myclientid123", []metapath.Path{{"myflavor"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Values) != 1 || string(res.Values[0]) != `"grape"` {
			t.Errorf("values %q", res.Values)
		}
		if got := tn.requests(); got != getMy {
			t.Errorf("requests:\n%s", got)
		}
	})

	t.Run("ambiguous name", func(t *testing.T) {
		t.Parallel()
		tn := newTenant(t)
		_, err := apply(ctx, tn.api, metaops.Change{Kind: metaops.ClientMetadata, Target: "Shared Name", Ops: []metaedit.Op{set(t, "team=x")}})
		if failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), "dupA1") || !strings.Contains(err.Error(), "dupB2") {
			t.Fatalf("err %v (code %d), want exit 2 naming dupA1 and dupB2", err, failure.CodeOf(err))
		}
		if got := tn.requests(); strings.Contains(got, "PATCH") {
			t.Errorf("sent a PATCH:\n%s", got)
		}
	})

	t.Run("more than 10 keys: refused after the read", func(t *testing.T) {
		t.Parallel()
		tn := newTenant(t)
		var ops []metaedit.Op
		for _, k := range strings.Split("a b c d e f g h i", " ") {
			ops = append(ops, set(t, k+"=x"))
		}
		_, err := apply(ctx, tn.api, metaops.Change{Kind: metaops.ClientMetadata, Target: "myclientid123", Ops: ops})
		if failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), "11") {
			t.Fatalf("err %v (code %d), want exit 2 counting 11 keys", err, failure.CodeOf(err))
		}
		if got := tn.requests(); got != getMy {
			t.Errorf("requests:\n%s", got)
		}
	})

	t.Run("no such id or name", func(t *testing.T) {
		t.Parallel()
		tn := newTenant(t)
		_, err := metaops.Get(ctx, tn.api, metaops.ClientMetadata, "nobody", nil)
		if failure.CodeOf(err) != failure.NotFound || !strings.Contains(err.Error(), "nobody") {
			t.Fatalf("err %v (code %d), want exit 3", err, failure.CodeOf(err))
		}
		want := "GET /api/v2/clients/nobody?fields=client_metadata&include_fields=true\n" + list
		if got := tn.requests(); got != want {
			t.Errorf("requests:\n%swant:\n%s", got, want)
		}
	})
}

func TestUserTargets(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		input    string
		code     failure.Code
		mentions []string
		requests int
	}{
		{"sam@example.com", failure.Usage, []string{"auth0|sam3", "google-oauth2|1089347"}, 1},
		{"nobody@example.com", failure.NotFound, []string{"nobody@example.com"}, 1},
		{" Sam@Example.com\t", failure.Usage, []string{"users have email sam@example.com;"}, 1}, // pasted with blanks
		{"  ", failure.Usage, nil, 0},
		{"auth0|ghost", failure.NotFound, nil, 1},
		{"abc123", failure.Usage, nil, 0},
		{"a@b@c", failure.Usage, nil, 0},
		{"", failure.Usage, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			t.Parallel()
			tn := newTenant(t)
			_, err := apply(ctx, tn.api, metaops.Change{Target: tt.input, Ops: []metaedit.Op{set(t, "a=1")}})
			if failure.CodeOf(err) != tt.code {
				t.Fatalf("err %v: code %d, want %d", err, failure.CodeOf(err), tt.code)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
			if n := len(tn.srv.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d:\n%s", n, tt.requests, tn.requests())
			}
		})
	}
}

func TestReservedNameWarning(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		kind metaops.Kind
		ops  []string
		warn string // the reserved root named, "" for no warning
	}{
		{"app root", metaops.AppMetadata, []string{"blocked:=true"}, "blocked"},
		{"app nested under a reserved root", metaops.AppMetadata, []string{"plan=pro", "identities.x=1"}, "identities"},
		{"app ordinary", metaops.AppMetadata, []string{"plan=pro"}, ""},
		{"app reserved name below the root", metaops.AppMetadata, []string{"prefs.email=x"}, ""},
		{"user_metadata is not app_metadata", metaops.UserMetadata, []string{"blocked:=true"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newTenant(t)
			var ops []metaedit.Op
			for _, s := range tt.ops {
				ops = append(ops, set(t, s))
			}
			res, err := apply(ctx, tn.api, metaops.Change{Kind: tt.kind, Target: "auth0|jane1", Ops: ops})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Sent {
				t.Error("a reserved name is allowed, but nothing was sent")
			}
			got := strings.Join(res.Warnings, "\n")
			if (tt.warn != "") != strings.Contains(got, "reserved") || tt.warn != "" && !strings.Contains(got, `"`+tt.warn+`"`) {
				t.Errorf("warnings %q, want one naming %q", got, tt.warn)
			}
		})
	}
}

func TestSizeWarning(t *testing.T) {
	ctx := context.Background()
	// user_metadata of about 9.9 KB plus app_metadata: a small write takes
	// the profile's metadata past 10 KB.
	big := strings.Repeat("x", 10*1024-200)
	tests := []struct {
		name  string
		value string
		warn  bool
	}{
		{"below", "a=1", false},
		{"past 10 KB", "b=" + strings.Repeat("y", 300), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newTenant(t)
			tn.putUser(t, `{"user_id":"auth0|big","email":"big@example.com","user_metadata":{"blob":"`+big+`"},"app_metadata":{"plan":"full"}}`)
			res, err := apply(ctx, tn.api, metaops.Change{Target: "auth0|big", Ops: []metaedit.Op{set(t, tt.value)}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Sent {
				t.Fatal("not sent")
			}
			got := strings.Join(res.Warnings, "\n")
			if tt.warn != strings.Contains(got, "10 KB") {
				t.Errorf("warnings %q, want the size warning: %v", got, tt.warn)
			}
		})
	}
}

func TestValidateRefusesBeforeAnyRequest(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		ops  []metaedit.Op
	}{
		{"nested set", []metaedit.Op{set(t, "a.b=x")}},
		{"nested unset", []metaedit.Op{unset("mycolor.x")}},
		{"number", []metaedit.Op{set(t, "n:=42")}},
		{"boolean", []metaedit.Op{set(t, "b:=true")}},
		{"object", []metaedit.Op{set(t, `o:={"a":"b"}`)}},
		{"array", []metaedit.Op{set(t, `l:=["a"]`)}},
		{"null", []metaedit.Op{set(t, "ok=fine"), {Kind: metaedit.Set, Path: metapath.Path{"x"}, Value: []byte("null")}}},
		{"key character", []metaedit.Op{set(t, "café=x")}},
		{"key too long", []metaedit.Op{set(t, strings.Repeat("k", 256)+"=x")}},
		{"value too long", []metaedit.Op{set(t, "k="+strings.Repeat("v", 256))}},
		{"a bad one after a good one", []metaedit.Op{set(t, "ok=fine"), set(t, "n:=1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := metaops.Validate(metaops.ClientMetadata, tt.ops); failure.CodeOf(err) != failure.Usage {
				t.Errorf("Validate: %v, want exit 2", err)
			}
			tn := newTenant(t)
			for _, dry := range []bool{false, true} {
				ch := metaops.Change{Kind: metaops.ClientMetadata, Target: "myclientid123", Ops: tt.ops}
				res, err := metaops.Plan(ctx, tn.api, ch)
				if err == nil && !dry {
					err = metaops.Send(ctx, tn.api, res)
				}
				if failure.CodeOf(err) != failure.Usage {
					t.Errorf("Apply (dry run %v): %v, want exit 2", dry, err)
				}
			}
			if got := tn.requests(); got != "" {
				t.Errorf("requests were made:\n%s", got)
			}
		})
	}

	t.Run("get with a nested client path", func(t *testing.T) {
		t.Parallel()
		tn := newTenant(t)
		_, err := metaops.Get(ctx, tn.api, metaops.ClientMetadata, "myclientid123", []metapath.Path{{"a", "b"}})
		if failure.CodeOf(err) != failure.Usage {
			t.Errorf("err %v, want exit 2", err)
		}
		if got := tn.requests(); got != "" {
			t.Errorf("requests were made:\n%s", got)
		}
	})

	t.Run("user fields take any JSON", func(t *testing.T) {
		t.Parallel()
		ops := []metaedit.Op{set(t, "a.b:=1"), set(t, `o:={"x":[true]}`)}
		for _, k := range []metaops.Kind{metaops.UserMetadata, metaops.AppMetadata} {
			if err := metaops.Validate(k, ops); err != nil {
				t.Errorf("Validate(%s): %v", k.Field(), err)
			}
		}
	})
}

// realistic is a user's metadata as a real tenant returns it: nested
// objects, arrays, a big integer, number spellings and string escapes that
// must all survive byte for byte.
const realistic = `{"addresses":{"home":"1 Main St","work":"2 Office Rd"},` +
	`"prefs":{"theme":"dark","ratio":1.0,"big":12345678901234567890,"tiny":1.5e-07},` +
	`"tags":["a","b"],"score":0.1,"hobby":"surfing","esc":"caf\u00e9 \"q\" \/"}`

func TestPlanBodies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		ops  []string // "-PATH" unsets
		want string   // the whole PATCH body; "" for none
	}{
		{"seed example: work address keeps home",
			[]string{"addresses.work=100 Industrial Way, Anytown, ST 12345"},
			`{"user_metadata":{"addresses":{"home":"1 Main St","work":"100 Industrial Way, Anytown, ST 12345"}}}`},
		{"new nested key appended",
			[]string{"addresses.vacation=Beach"},
			`{"user_metadata":{"addresses":{"home":"1 Main St","work":"2 Office Rd","vacation":"Beach"}}}`},
		{"nested unset",
			[]string{"-addresses.work"},
			`{"user_metadata":{"addresses":{"home":"1 Main St"}}}`},
		{"root unset is null",
			[]string{"-hobby"},
			`{"user_metadata":{"hobby":null}}`},
		{"siblings keep their number spelling",
			[]string{"prefs.theme=light"},
			`{"user_metadata":{"prefs":{"theme":"light","ratio":1.0,"big":12345678901234567890,"tiny":1.5e-07}}}`},
		{"big integers compare exactly",
			[]string{"prefs.big:=12345678901234567891"},
			`{"user_metadata":{"prefs":{"theme":"dark","ratio":1.0,"big":12345678901234567891,"tiny":1.5e-07}}}`},
		{"equal by value: 1 is 1.0",
			[]string{"prefs.ratio:=1", "prefs.tiny:=0.00000015"},
			""},
		{"append and index",
			[]string{"tags.-1=c", "tags.0=z"},
			`{"user_metadata":{"tags":["z","b","c"]}}`},
		{"roots in order of first change",
			[]string{"score:=0.2", "-esc", "addresses.home=3 New St"},
			`{"user_metadata":{"score":0.2,"esc":null,"addresses":{"home":"3 New St","work":"2 Office Rd"}}}`},
		{"new nested objects; numeric key where nothing exists",
			[]string{"new.deep.n:=42", "ids.2313=x", "list.-1=a"},
			`{"user_metadata":{"new":{"deep":{"n":42}},"ids":{"2313":"x"},"list":["a"]}}`},
		{"special characters are literal keys",
			[]string{"a*b=1", "#tag.@home=2", "q?=3", "pipe|key=4"},
			`{"user_metadata":{"a*b":"1","#tag":{"@home":"2"},"q?":"3","pipe|key":"4"}}`},
		{"JSON values are sent compact, tokens kept",
			[]string{`prefs:={ "theme" : "dark", "list" : [1, 2.50, 1e3] }`},
			`{"user_metadata":{"prefs":{"theme":"dark","list":[1,2.50,1e3]}}}`},
		{"string values are escaped",
			[]string{`hobby=say "hi" \ <b>`},
			`{"user_metadata":{"hobby":"say \"hi\" \\ <b>"}}`},
		{"set then unset a new key: nothing",
			[]string{"x=1", "-x"},
			""},
		{"change then change back: nothing",
			[]string{"hobby=kiting", "hobby=surfing"},
			""},
		{"unset what is not there: nothing",
			[]string{"-addresses.nothere", "-tags.9", "-nothere"},
			""},
		{"emptying a nested object keeps the root",
			[]string{"-addresses.home", "-addresses.work"},
			`{"user_metadata":{"addresses":{}}}`},
		{"a null below the root is a value",
			[]string{"prefs.theme:=null"},
			`{"user_metadata":{"prefs":{"theme":null,"ratio":1.0,"big":12345678901234567890,"tiny":1.5e-07}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newTenant(t)
			tn.putUser(t, `{"user_id":"auth0|r1","email":"r@example.com","user_metadata":`+realistic+`}`)
			var ops []metaedit.Op
			for _, s := range tt.ops {
				if p, ok := strings.CutPrefix(s, "-"); ok {
					ops = append(ops, unset(p))
				} else {
					ops = append(ops, set(t, s))
				}
			}
			res, err := metaops.Plan(ctx, tn.api, metaops.Change{Target: "auth0|r1", Ops: ops})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Body) != tt.want {
				t.Errorf("body\n got %s\nwant %s", res.Body, tt.want)
			}
			if (res.Body == nil) != (tt.want == "") {
				t.Errorf("body nil %v, want none %v", res.Body == nil, tt.want == "")
			}
			if got := tn.requests(); got != "GET /api/v2/users/auth0%7Cr1?fields=user_metadata&include_fields=true\n" {
				t.Errorf("Plan made requests:\n%s", got)
			}
			if res.Body == nil {
				return
			}
			// Sending it makes the server hold what Plan said it would.
			if err := metaops.Send(ctx, tn.api, res); err != nil {
				t.Fatal(err)
			}
			stored, _ := tn.field(t, "auth0|r1", "user_metadata")
			// Both keep untouched bytes and root order, so they agree exactly.
			if stored != string(res.Edit.After) || string(res.Stored) != stored {
				t.Errorf("stored %s\nplanned %s\nreported %s", stored, res.Edit.After, res.Stored)
			}
		})
	}
}
