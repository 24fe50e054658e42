package bulk

import (
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line    string
		want    string
		skip    bool
		wantErr string
	}{
		{line: "", skip: true},
		{line: "   \t", skip: true},
		{line: "# a comment", skip: true},
		{line: "  # indented comment", skip: true},
		{line: "auth0|abc", want: "auth0|abc"},
		{line: "  auth0|abc  ", want: "auth0|abc"},
		{line: "auth0|abc\r", want: "auth0|abc"},
		{line: "samlp|conn|x/y@z", want: "samlp|conn|x/y@z"},
		{line: "Jane.Doe@Example.com", want: "Jane.Doe@Example.com"},
		{line: `{"user_id":"auth0|n1","email":"x@y"}`, want: "auth0|n1"},
		{line: ` {"email":"a@b","user_id":"auth0|n2"} `, want: "auth0|n2"},
		{line: "abc123", wantErr: "neither a user_id"},
		{line: "a@b@c", wantErr: "neither a user_id"},
		{line: "@b", wantErr: "neither a user_id"},
		{line: `{"email":"a@b"}`, wantErr: `no "user_id"`},
		{line: `{"user_id":42}`, wantErr: "not a string"},
		{line: `{"user_id":"abc"}`, wantErr: "holds no '|'"},
		{line: `{"user_id":"auth0|a"} {}`, wantErr: "more than one"},
		{line: `{"user_id":`, wantErr: "not a JSON object"},
		{line: "auth0|a\tb", wantErr: "control character"},
		{line: "auth0|jane1\x00x", wantErr: "control character"},
		{line: "auth0|x\x1b[2J", wantErr: "control character"},
		{line: `{"user_id":"auth0|a\u0000b"}`, wantErr: "control character"},
		{line: "\ufeffauth0|abc", want: "auth0|abc"},
	}
	for _, tt := range tests {
		got, skip, err := ParseLine(tt.line)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseLine(%q) error = %v, want %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || skip != tt.skip {
			t.Errorf("ParseLine(%q) = %q, %v, %v; want %q, %v", tt.line, got, skip, err, tt.want, tt.skip)
		}
	}
}

func TestReadTargetsDedupes(t *testing.T) {
	in := strings.Join([]string{
		"# users to migrate",
		"auth0|a",
		"",
		"jane@example.com",
		"auth0|a",               // the same id again
		"JANE@example.com",      // the same email, other case
		`{"user_id":"auth0|b"}`, // NDJSON from user list
		"auth0|b",
		"auth0|A", // user_ids are case-sensitive
	}, "\n") // no final newline
	got, dupes, err := ReadTargets(strings.NewReader(in), "users.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{"auth0|a", 2}, {"jane@example.com", 4}, {"auth0|b", 7}, {"auth0|A", 9}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("target %d = %v, want %v", i, got[i], want[i])
		}
	}
	if dupes != 3 {
		t.Errorf("dupes = %d, want 3", dupes)
	}
}

func TestReadTargetsNamesBadLines(t *testing.T) {
	in := "auth0|a\nauth0|b\n\nnot-a-user\nauth0|c\n{broken\n"
	_, _, err := ReadTargets(strings.NewReader(in), "list.txt")
	if failure.CodeOf(err) != failure.Usage {
		t.Fatalf("code = %d (%v), want 2", failure.CodeOf(err), err)
	}
	for _, want := range []string{"list.txt:4:", "list.txt:6:", "nothing was sent"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestReadTargetsLongLine(t *testing.T) {
	in := "auth0|a\n" + strings.Repeat("x", maxLine+10) + "\nauth0|b\n"
	_, _, err := ReadTargets(strings.NewReader(in), "-")
	if err == nil || !strings.Contains(err.Error(), "-:2: line longer") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"auth0|a", "a@b.c", "# c", "", `{"user_id":"x|y"}`, `{"user_id":1}`, "a@b@c", " {\"user_id\":\"a|b\"} x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, skip, err := ParseLine(line)
		if err != nil || skip {
			if got != "" {
				t.Fatalf("ParseLine(%q) = %q with skip=%v err=%v", line, got, skip, err)
			}
			return
		}
		if got == "" || strings.TrimSpace(got) != got && !strings.HasPrefix(strings.TrimSpace(line), "{") {
			t.Fatalf("ParseLine(%q) = %q: empty or untrimmed", line, got)
		}
		if err := metaops.ValidateTarget(metaops.UserMetadata, got); err != nil {
			t.Fatalf("ParseLine(%q) = %q, which is not a valid target: %v", line, got, err)
		}
		// What is accepted reads back the same when written as a line.
		if !strings.HasPrefix(got, "{") && !strings.ContainsAny(got, "\r\n") {
			again, skip2, err2 := ParseLine(got)
			if strings.TrimSpace(got) == got && !strings.HasPrefix(got, "#") && (err2 != nil || skip2 || again != got) {
				t.Fatalf("ParseLine(%q) = %q, but ParseLine(%q) = %q, %v, %v", line, got, got, again, skip2, err2)
			}
		}
	})
}
