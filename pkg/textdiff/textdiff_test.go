package textdiff

import (
	"strings"
	"testing"
)

func TestJSON(t *testing.T) {
	before := []byte(`{"hobby":"surfing","n":12345678901234567890,"r":1.0}`)
	after := []byte(`{"hobby":"diving","n":12345678901234567890,"r":1.0,"tags":["a"]}`)
	want := `--- a/user_metadata
+++ b/user_metadata
@@ -1,5 +1,8 @@
 {
-  "hobby": "surfing",
+  "hobby": "diving",
   "n": 12345678901234567890,
-  "r": 1.0
+  "r": 1.0,
+  "tags": [
+    "a"
+  ]
 }
`
	if got := string(JSON("user_metadata", before, after)); got != want {
		t.Errorf("JSON diff:\n%s\nwant:\n%s", got, want)
	}
	if d := JSON("user_metadata", before, before); d != nil {
		t.Errorf("same documents: %q", d)
	}
	// Different bytes, same pretty text (whitespace only): no diff.
	if d := JSON("x", []byte(`{"a":1}`), []byte(`{ "a" : 1 }`)); d != nil {
		t.Errorf("whitespace only: %q", d)
	}
	if got := string(JSON("x", []byte(`{}`), []byte(`{"a":"b"}`))); !strings.Contains(got, "-{}\n+{\n+  \"a\": \"b\"\n+}\n") {
		t.Errorf("from empty:\n%s", got)
	}
}

func TestColorize(t *testing.T) {
	d := JSON("client_metadata", []byte(`{"a":"1"}`), []byte(`{"a":"2"}`))
	got := string(Colorize(d))
	want := "\x1b[1m--- a/client_metadata\x1b[0m\n" +
		"\x1b[1m+++ b/client_metadata\x1b[0m\n" +
		"\x1b[36m@@ -1,3 +1,3 @@\x1b[0m\n" +
		" {\n" +
		"\x1b[31m-  \"a\": \"1\"\x1b[0m\n" +
		"\x1b[32m+  \"a\": \"2\"\x1b[0m\n" +
		" }\n"
	if got != want {
		t.Errorf("Colorize:\n%q\nwant\n%q", got, want)
	}
}
