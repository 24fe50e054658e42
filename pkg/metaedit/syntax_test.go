package metaedit

import (
	"strings"
	"testing"
)

// An edited document that does not parse is refused with where it breaks,
// so the reopened editor points at the mistake.
func TestRootDiffSyntaxErrorLocation(t *testing.T) {
	tests := []struct {
		doc, want string
	}{
		{"{\n  \"hobby\": \"surfing\",\n    \"tags\": [1, 2\n}\n", `at line 4, column 1 of the JSON: }`},
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", `invalid character '2' after object key at line 3, column 7 of the JSON: "b" 2`},
		{`{"a": tru}`, `in literal true (expecting 'e') at line 1, column 10 of the JSON: {"a": tru}`},
		{"{\"a\": 1", `unexpected end of JSON input at line 1, column 8 of the JSON: {"a": 1`},
	}
	for _, tt := range tests {
		_, _, err := RootDiff([]byte(`{}`), []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("RootDiff(%q) error = %v, want it to contain %q", tt.doc, err, tt.want)
		}
	}
}
