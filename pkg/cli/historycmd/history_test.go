package historycmd

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/history"
)

func TestLine(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	tests := []struct {
		e    history.Entry
		want string
	}{
		{history.Entry{ID: "abc", Time: at, Domain: "t.auth0.com", Kind: "user", Target: "auth0|1", Field: "app_metadata",
			Before: json.RawMessage(`{"plan":"trial","new":null,"old":1,"a.b":2}`), Body: json.RawMessage(`{"app_metadata":{"plan":"pro","new":1,"old":null}}`), Status: "done"},
			"abc  2030-01-02T03:04:05Z  t.auth0.com  user auth0|1  app_metadata  ~plan +new -old -a.b"},
		{history.Entry{ID: "def", Time: at, Domain: "t", Kind: "client", Target: "c1", Field: "client_metadata", Run: "r1", Undoes: "abc",
			Before: json.RawMessage(`{"k":"v"}`), Body: json.RawMessage(`{"client_metadata":{"k":null}}`), Status: "failed", Error: "500\nboom"},
			"def  2030-01-02T03:04:05Z  t  client c1  client_metadata  -k  (undo of abc)  [run r1]  FAILED: 500 boom"},
		{history.Entry{ID: "ghi", Time: at, Domain: "t", Kind: "user", Target: "u", Field: "user_metadata",
			Before: json.RawMessage(`{"x":1}`), Body: json.RawMessage(`{"user_metadata":{}}`), Status: "pending"},
			"ghi  2030-01-02T03:04:05Z  t  user u  user_metadata  -x  PENDING (no answer recorded; check with get)"},
		{history.Entry{ID: "jkl", Time: at, Domain: "t", Kind: "user", Target: "u", Field: "user_metadata",
			Before: json.RawMessage(`{"x":1}`), Body: json.RawMessage(`{"user_metadata":{"x":2}}`), Status: "unknown", Error: "no answer within 30s"},
			"jkl  2030-01-02T03:04:05Z  t  user u  user_metadata  ~x  UNKNOWN OUTCOME (may or may not have been applied; check with get): no answer within 30s"},
	}
	for _, tt := range tests {
		if got := Line(tt.e); got != tt.want {
			t.Errorf("Line:\n got %q\nwant %q", got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	e := history.Entry{Kind: "user", Target: "auth0|jane1", Input: "jane.doe@example.com", Run: "r1"}
	tests := []struct {
		user, client, run string
		want              bool
	}{
		{want: true},
		{user: "auth0|jane1", want: true},
		{user: "Jane.Doe@example.com", want: true},
		{user: "auth0|other", want: false},
		{client: "auth0|jane1", want: false},
		{run: "r1", want: true},
		{run: "r2", want: false},
		{user: "auth0|jane1", run: "r2", want: false},
	}
	for _, tt := range tests {
		if got := Match(e, tt.user, tt.client, tt.run); got != tt.want {
			t.Errorf("Match(%q, %q, %q) = %v", tt.user, tt.client, tt.run, got)
		}
	}
}

// What users typed and servers answered cannot act on the terminal.
func TestLineEscapesControlCharacters(t *testing.T) {
	e := history.Entry{ID: "abc", Kind: "user", Target: "auth0|x\x1b[2J", Field: "user_metadata",
		Body: []byte(`{"user_metadata":{"a":"1"}}`), Status: history.StatusFailed, Error: "boom \x1b]0;pwned\x07"}
	got := Line(e)
	if strings.ContainsAny(got, "\x1b\x07") || !strings.Contains(got, `auth0|x\x1b[2J`) || !strings.Contains(got, `pwned\a`) {
		t.Errorf("Line = %q", got)
	}
}
