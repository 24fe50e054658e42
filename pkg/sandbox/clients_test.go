package sandbox

import (
	"strings"
	"testing"
)

const myclient = "/api/v2/clients/myclientid123"

func TestGetClients(t *testing.T) {
	e := seeded(t)
	e.expect(e.do("GET", myclient+"?fields=client_metadata&include_fields=true", ""), 200,
		`{"client_metadata":{"mycolor":"red","myflavor":"grape"}}`)
	e.expect(e.do("GET", "/api/v2/clients/"+DemoClientID+"?fields=client_metadata", ""), 200, `{}`)
	e.expect(e.do("GET", "/api/v2/clients/nope", ""), 404,
		`{"statusCode":404,"error":"Not Found","message":"The client does not exist","errorCode":"inexistent_client"}`)
	// the secret never shows in reads
	for _, p := range []string{myclient, myclient + "?fields=client_secret", "/api/v2/clients"} {
		if r := e.do("GET", p, ""); strings.Contains(r.body, "secret\":") {
			t.Errorf("%s shows a secret: %s", p, r.body)
		}
	}
	if c, ok := e.s.Client(DemoClientID); !ok || strings.Contains(string(c), DemoClientSecret) {
		t.Errorf("Client() = %s", c)
	}
	e.expect(e.do("GET", "/api/v2/clients?fields=client_id,name&include_totals=true&per_page=2&page=1", ""), 200,
		`{"total":4,"start":2,"limit":2,"clients":[{"name":"Shared Name","client_id":"dupA1"},{"name":"Shared Name","client_id":"dupB2"}]}`)
	e.expect(e.do("GET", "/api/v2/clients?fields=client_id&per_page=2", ""), 200,
		`[{"client_id":"myclientid123"},{"client_id":"a0meta-sandbox"}]`)
	e.expect(e.do("GET", "/api/v2/clients?per_page=500", ""), 400, "")
}

func TestPatchClientMetadata(t *testing.T) {
	e := seeded(t)
	bad := func(detail, prop string) string {
		msg := "Payload validation error: '" + detail + "'"
		if prop != "" {
			msg += " on property " + prop
		}
		return `{"statusCode":400,"error":"Bad Request","message":"` + strings.ReplaceAll(strings.ReplaceAll(msg, `\`, `\\`), `"`, `\"`) + `.","errorCode":"invalid_body"}`
	}
	nine := `"k1":"v","k2":"v","k3":"v","k4":"v","k5":"v","k6":"v","k7":"v","k8":"v","k9":"v"`
	long := strings.Repeat("k", 256)
	keyMsg := func(k string) string {
		return `Invalid property name "` + k + `": allowed characters are letters, digits, space, tab and :,-+=_*?"/\()<>@`
	}
	cases := []struct {
		name   string
		body   string
		status int
		want   string // whole body on 400, client_metadata on 200
	}{
		{"doc example", `{"client_metadata":{"mycolor":"blue"}}`, 200, `{"mycolor":"blue","myflavor":"grape"}`},
		{"number value", `{"client_metadata":{"n":1}}`, 400, bad("Expected type string but found type integer", "client_metadata.n")},
		{"nested value", `{"client_metadata":{"n":{"a":"b"}}}`, 400, bad("Expected type string but found type object", "client_metadata.n")},
		{"not an object", `{"client_metadata":"x"}`, 400, bad("Expected type object but found type string", "client_metadata")},
		{"11 keys after merge", `{"client_metadata":{` + nine + `}}`, 400, bad("Too many properties defined (11), maximum 10", "client_metadata")},
		{"key too long", `{"client_metadata":{"` + long + `":"v"}}`, 400, bad("Property name is too long (256 chars), maximum 255", "client_metadata")},
		{"value too long", `{"client_metadata":{"k":"` + strings.Repeat("é", 256) + `"}}`, 400, bad("String is too long (256 chars), maximum 255", "client_metadata.k")},
		{"dot in key", `{"client_metadata":{"a.b":"v"}}`, 400, bad(keyMsg("a.b"), "client_metadata")},
		{"dollar in key", `{"client_metadata":{"$a":"v"}}`, 400, bad(keyMsg("$a"), "client_metadata")},
		{"client_id", `{"client_id":"x"}`, 400, bad("Additional properties not allowed: client_id", "")},
		{"allowed characters", `{"client_metadata":{"a:,-+=_*?\"/\\()<>@\t z":"` + strings.Repeat("é", 255) + `"}}`, 200,
			`{"mycolor":"blue","myflavor":"grape","a:,-+=_*?\"/\\()<>@\t z":"` + strings.Repeat("é", 255) + `"}`},
		{"null removes", `{"client_metadata":{"a:,-+=_*?\"/\\()<>@\t z":null,"myflavor":null}}`, 200, `{"mycolor":"blue"}`},
		{"removing an absent key", `{"client_metadata":{"nope":null}}`, 200, `{"mycolor":"blue"}`},
		{"ten keys", `{"client_metadata":{` + nine + `}}`, 200, `{"mycolor":"blue",` + nine + `}`},
		{"eleventh key", `{"client_metadata":{"k10":"v"}}`, 400, bad("Too many properties defined (11), maximum 10", "client_metadata")},
		{"replace at ten", `{"client_metadata":{"k9":"w","mycolor":null,"k10":"v"}}`, 200,
			`{` + strings.Replace(nine, `"k9":"v"`, `"k9":"w"`, 1) + `,"k10":"v"}`},
		{"empty object changes nothing", `{"client_metadata":{},"description":"d"}`, 200,
			`{` + strings.Replace(nine, `"k9":"v"`, `"k9":"w"`, 1) + `,"k10":"v"}`},
		{"remove all", `{"client_metadata":{"k1":null,"k2":null,"k3":null,"k4":null,"k5":null,"k6":null,"k7":null,"k8":null,"k9":null,"k10":null}}`, 200, `{}`},
	}
	for _, c := range cases {
		r := e.do("PATCH", myclient, c.body)
		if r.status != c.status {
			t.Fatalf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
		}
		got := r.body
		if c.status == 200 {
			got = r.get("client_metadata").Raw
			if r.get("client_secret").Exists() {
				t.Errorf("%s: secret in PATCH answer", c.name)
			}
		}
		if got != c.want {
			t.Fatalf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	e.expect(e.do("PATCH", "/api/v2/clients/nope", `{"client_metadata":{"a":"b"}}`), 404,
		`{"statusCode":404,"error":"Not Found","message":"The client does not exist","errorCode":"inexistent_client"}`)
	if c, _ := e.s.Client("myclientid123"); !strings.Contains(string(c), `"description":"d"`) {
		t.Errorf("description not stored: %s", c)
	}
}

func TestCreateDeleteClient(t *testing.T) {
	e := seeded(t)
	r := e.do("POST", "/api/v2/clients", `{"name":"New App","client_metadata":{"a":"1","b":null}}`)
	e.expect(r, 201, "")
	id := r.get("client_id").String()
	if len(id) != 32 || r.get("client_metadata").Raw != `{"a":"1"}` || r.get("client_secret").String() == "" {
		t.Fatalf("created: %s", r.body)
	}
	e.expect(e.do("POST", "/api/v2/clients", `{"client_metadata":{"a":"1"}}`), 400, "")
	e.expect(e.do("POST", "/api/v2/clients", `{"name":"x","client_metadata":{"a":1}}`), 400, "")
	// a created client can get tokens with its secret
	tok := e.tokenRequest(formType, form("grant_type", "client_credentials", "client_id", id,
		"client_secret", r.get("client_secret").String(), "audience", e.aud()))
	e.expect(tok, 200, "")
	e.expect(e.do("DELETE", "/api/v2/clients/"+id, ""), 204, "")
	e.expect(e.do("GET", "/api/v2/clients/"+id, ""), 404, "")
	e.expect(e.do("DELETE", "/api/v2/clients/"+id, ""), 204, "")
}
