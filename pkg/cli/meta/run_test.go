package meta

// The run functions against a fake API: every call must be one the test
// expects, and the exact PATCH bodies are checked.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops/metaopstest"
	"github.com/a0meta/a0meta/pkg/metapath"
)

// testCommon returns options wired to fake and buffers.
func testCommon(t *testing.T, fake *metaopstest.Fake, noun Noun, target, stdin string) (common, *iostreams.IOStreams, func() (string, string)) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	c := common{IO: ios, API: fake.API, Where: func() string { return "example.eu.auth0.com (profile prod)" }, Noun: noun, Target: target}
	return c, ios, func() (string, string) { return out.String(), errOut.String() }
}

func assignments(t *testing.T, args ...string) []metapath.Assignment {
	t.Helper()
	var out []metapath.Assignment
	for _, a := range args {
		as, err := metapath.ParseAssignment(a)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, as)
	}
	return out
}

func TestSetRun(t *testing.T) {
	fake := metaopstest.New(t)
	fake.Register("UsersByEmail jane.doe@example.com user_id", `[{"user_id":"auth0|jane1"}]`)
	fake.Register("GetUserField auth0|jane1 user_metadata", `{"hobby":"surfing","addresses":{"home":"1 Main St"}}`)
	patch := fake.Register("PatchUser auth0|jane1", `{"user_id":"auth0|jane1","user_metadata":{"hobby":"surfing","addresses":{"home":"1 Main St","work":"100 Industrial Way"}}}`)
	c, _, output := testCommon(t, fake, User, " Jane.Doe@example.com ", "")
	c.Output = "json"
	opts := &SetOptions{writeOptions: writeOptions{common: c}, Assignments: assignments(t, "addresses.work=100 Industrial Way")}
	if err := setRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fake.Verify(t)
	if want := `{"user_metadata":{"addresses":{"home":"1 Main St","work":"100 Industrial Way"}}}`; string(patch.Body) != want {
		t.Errorf("PATCH body\n got %s\nwant %s", patch.Body, want)
	}
	stdout, stderr := output()
	if want := "Updated user_metadata of user auth0|jane1 on example.eu.auth0.com (profile prod): set addresses.work (created)\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if !strings.Contains(stdout, `"work": "100 Industrial Way"`) {
		t.Errorf("stdout lacks the stored metadata: %s", stdout)
	}
}

func TestSetRunNoChangeSendsNothing(t *testing.T) {
	fake := metaopstest.New(t) // a PATCH would be an unexpected call
	fake.Register("GetClientField myclient client_metadata", `{"mycolor":"blue"}`)
	c, _, output := testCommon(t, fake, Client, "myclient", "")
	opts := &SetOptions{writeOptions: writeOptions{common: c}, Assignments: assignments(t, "mycolor=blue")}
	if err := setRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fake.Verify(t)
	if _, stderr := output(); !strings.HasPrefix(stderr, "No change to client_metadata of client myclient on ") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestUnsetRunDryRun(t *testing.T) {
	fake := metaopstest.New(t)
	fake.Register("GetUserField auth0|jane1 app_metadata", `{"tags":["a","b","c"],"plan":"pro"}`)
	c, _, output := testCommon(t, fake, User, "auth0|jane1", "")
	c.App = true
	opts := &UnsetOptions{writeOptions: writeOptions{common: c, DryRun: true}, Paths: []metapath.Path{metapath.MustParse("plan")}}
	if err := unsetRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fake.Verify(t)
	stdout, stderr := output()
	if stdout != `{"app_metadata":{"plan":null}}`+"\n" {
		t.Errorf("stdout %q", stdout)
	}
	if !strings.HasPrefix(stderr, "Dry run: would update app_metadata of user auth0|jane1 on example.eu.auth0.com (profile prod): unset plan (removed); nothing sent") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestClearRun(t *testing.T) {
	t.Run("client keys sent as null", func(t *testing.T) {
		fake := metaopstest.New(t)
		fake.Register("GetClientField myclientid123 client_metadata", `{"a":"1","b":"2"}`)
		patch := fake.Register("PatchClient myclientid123", `{"client_id":"myclientid123","client_metadata":{}}`)
		c, _, _ := testCommon(t, fake, Client, "myclientid123", "")
		if err := clearRun(context.Background(), &ClearOptions{writeOptions: writeOptions{common: c}, Yes: true}); err != nil {
			t.Fatal(err)
		}
		fake.Verify(t)
		if want := `{"client_metadata":{"a":null,"b":null}}`; string(patch.Body) != want {
			t.Errorf("PATCH body %s, want %s", patch.Body, want)
		}
	})
	t.Run("a no at the prompt sends nothing", func(t *testing.T) {
		fake := metaopstest.New(t)
		fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":1}`)
		c, _, output := testCommon(t, fake, User, "auth0|jane1", "n\n")
		if err := clearRun(context.Background(), &ClearOptions{writeOptions: writeOptions{common: c}}); err != cmdutil.ErrCancelled || failure.CodeOf(err) != failure.Usage {
			t.Fatalf("err = %v, want the cancellation (exit 2)", err)
		}
		fake.Verify(t)
		_, stderr := output()
		want := "Remove all 1 root key(s) of user_metadata of user auth0|jane1 on example.eu.auth0.com (profile prod)? [y/N] "
		if stderr != want {
			t.Errorf("stderr %q, want %q", stderr, want)
		}
	})
}

func TestGetRun(t *testing.T) {
	fake := metaopstest.New(t)
	fake.Register("GetUserField auth0|jane1 user_metadata", `{"hobby":"surfing","n":12345678901234567890,"o":{"k":[1]}}`)
	c, _, output := testCommon(t, fake, User, "auth0|jane1", "")
	c.Output = "json"
	opts := &GetOptions{common: c, Paths: []metapath.Path{metapath.MustParse("n"), metapath.MustParse("o")}}
	if err := getRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fake.Verify(t)
	if stdout, _ := output(); stdout != "12345678901234567890\n{\"k\":[1]}\n" {
		t.Errorf("stdout %q", stdout)
	}
}

func editOpts(t *testing.T, fake *metaopstest.Fake, c common, file string) *EditOptions {
	return &EditOptions{
		writeOptions: writeOptions{common: c},
		Editor:       func() ([]string, error) { t.Error("the editor was asked for"); return nil, errors.New("no") },
		UnsentDir:    func() string { return filepath.Join(t.TempDir(), "unsent") },
		GlobalArgs:   func() []string { return nil },
		Now:          func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		CommandPath:  "user meta edit",
		File:         file,
	}
}

func TestEditRunFile(t *testing.T) {
	fake := metaopstest.New(t)
	fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":1,"b":2}`)
	fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":1,"b":2,"c":3}`) // c added meanwhile
	patch := fake.Register("PatchUser auth0|jane1", `{"user_id":"auth0|jane1","user_metadata":{"a":5,"c":3}}`)
	doc := filepath.Join(t.TempDir(), "doc.json")
	os.WriteFile(doc, []byte(`{"a":5}`), 0o600)
	c, _, output := testCommon(t, fake, User, "auth0|jane1", "")
	if err := editRun(context.Background(), editOpts(t, fake, c, doc)); err != nil {
		t.Fatal(err)
	}
	fake.Verify(t)
	if want := `{"user_metadata":{"a":5,"b":null}}`; string(patch.Body) != want {
		t.Errorf("PATCH body %s, want %s", patch.Body, want)
	}
	if _, stderr := output(); stderr != "Updated user_metadata of user auth0|jane1 on example.eu.auth0.com (profile prod): set a; removed b\n" {
		t.Errorf("stderr %q", stderr)
	}
}

// After a conflict the hint repeats every global flag that chose the
// tenant, quoted for a shell.
func TestEditConflictHintCarriesGlobalFlags(t *testing.T) {
	fake := metaopstest.New(t)
	fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":1}`)
	fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":2}`)
	doc := filepath.Join(t.TempDir(), "doc.json")
	os.WriteFile(doc, []byte(`{"a":5}`), 0o600)
	c, _, _ := testCommon(t, fake, User, "auth0|jane1", "")
	opts := editOpts(t, fake, c, doc)
	dir := filepath.Join(t.TempDir(), "un sent")
	opts.UnsentDir = func() string { return dir }
	opts.GlobalArgs = func() []string {
		return []string{"--config", "/etc/a0 meta.yaml", "--domain", "example.eu.auth0.com", "--client-id", "AbC", "--audience", "https://x/api/v2/"}
	}
	opts.App = false
	err := editRun(context.Background(), opts)
	fake.Verify(t)
	if failure.CodeOf(err) != failure.General {
		t.Fatalf("err %v", err)
	}
	want := "  a0meta --config '/etc/a0 meta.yaml' --domain example.eu.auth0.com --client-id AbC --audience https://x/api/v2/ user meta edit 'auth0|jane1' --file '" +
		filepath.Join(dir, "user_metadata-auth0_jane1-20260102T030405Z.json") + "' --diff --dry-run"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error lacks\n%s\n%s", want, err)
	}
}

// When the unsent document cannot be saved, the user is told so.
func TestEditReportsFailedSave(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o600)
	t.Run("after a conflict", func(t *testing.T) {
		fake := metaopstest.New(t)
		fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":1}`)
		fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":2}`)
		doc := filepath.Join(t.TempDir(), "doc.json")
		os.WriteFile(doc, []byte(`{"a":5}`), 0o600)
		c, _, _ := testCommon(t, fake, User, "auth0|jane1", "")
		opts := editOpts(t, fake, c, doc)
		opts.UnsentDir = func() string { return filepath.Join(blocker, "unsent") }
		err := editRun(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), "could not be saved") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("after the editor, when the write fails", func(t *testing.T) {
		fake := metaopstest.New(t)
		fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":1}`)
		fake.Register("GetUserField auth0|jane1 user_metadata", `{"a":1}`)
		fake.RegisterErr("PatchUser auth0|jane1", failure.New(failure.General, "PATCH /api/v2/users/auth0%%7Cjane1: 503"))
		c, ios, _ := testCommon(t, fake, User, "auth0|jane1", "")
		ios.StdinTTY = true
		opts := editOpts(t, fake, c, "")
		opts.Editor = func() ([]string, error) {
			return []string{"sh", "-c", `printf '{"a":7}\n' > "$1"`, "sh"}, nil
		}
		opts.UnsentDir = func() string { return filepath.Join(blocker, "unsent") }
		err := editRun(context.Background(), opts)
		fake.Verify(t)
		if err == nil || !strings.Contains(err.Error(), "edit not applied, and your edited document could not be saved") || !strings.Contains(err.Error(), "503") {
			t.Errorf("err %v", err)
		}
	})
}

// Keys and ids typed by the user reach the terminal with their control
// characters escaped.
func TestSummaryEscapesControlCharacters(t *testing.T) {
	fake := metaopstest.New(t)
	fake.Register("GetUserField auth0|x\x1b[2J user_metadata", `{}`)
	patch := fake.Register("PatchUser auth0|x\x1b[2J", `{"user_metadata":{"k\x1b]0;t\u0007":"v"}}`)
	c, _, output := testCommon(t, fake, User, "auth0|x\x1b[2J", "")
	opts := &SetOptions{writeOptions: writeOptions{common: c}, Assignments: assignments(t, "k\x1b]0;t\a=v")}
	if err := setRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fake.Verify(t)
	if want := `{"user_metadata":{"k\u001b]0;t\u0007":"v"}}`; string(patch.Body) != want {
		t.Errorf("PATCH body %s, want %s", patch.Body, want)
	}
	_, stderr := output()
	if want := `Updated user_metadata of user auth0|x\x1b[2J on example.eu.auth0.com (profile prod): set k\x1b]0;t\a (created)` + "\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}
