package sandboxcmd_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/a0meta/a0meta/pkg/sandbox"
)

// TestServe runs `a0meta sandbox serve` on an ephemeral port, talks to it
// with the Management API client using the printed credentials, stops it
// and checks that the state file kept the change.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "tenant.json")
	pr, pw := io.Pipe()
	ios, _, _, errOut := iostreams.Test()
	ios.Out = pw
	env := func(k string) string {
		if k == "XDG_CONFIG_HOME" || k == "XDG_CACHE_HOME" || k == "XDG_DATA_HOME" || k == "HOME" {
			return dir
		}
		return ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- root.Run(ctx, []string{"sandbox", "serve", "--addr", "127.0.0.1:0", "--data", data}, ios, env)
		pw.Close()
	}()

	sc := bufio.NewScanner(pr)
	var url string
	var printed []string
	for sc.Scan() {
		line := sc.Text()
		printed = append(printed, line)
		if rest, ok := strings.CutPrefix(line, "Sandbox tenant serving on "); ok {
			url = rest
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		t.Fatalf("no URL printed; output:\n%s\nstderr: %s", strings.Join(printed, "\n"), errOut)
	}
	out := strings.Join(printed, "\n")
	for _, want := range []string{sandbox.DemoClientID, sandbox.DemoClientSecret, "export A0META_DOMAIN=" + url} {
		if !strings.Contains(out, want) {
			t.Errorf("serve output lacks %q:\n%s", want, out)
		}
	}

	base, err := mgmt.New(mgmt.Options{BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	c, err := mgmt.New(mgmt.Options{BaseURL: url, Tokens: &mgmt.ClientCredentials{
		TokenURL: url + "/oauth/token", ClientID: sandbox.DemoClientID, ClientSecret: sandbox.DemoClientSecret,
		Audience: "https://" + strings.TrimPrefix(url, "http://") + "/api/v2/", HTTPClient: base.HTTPClient(),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PatchUser(ctx, "auth0|jane1", []byte(`{"user_metadata":{"big":12345678901234567890}}`)); err != nil {
		t.Fatal(err)
	}

	// DNS rebinding: a Host that is not loopback is refused
	for host, want := range map[string]int{"evil.example": 400, "evil.example:4280": 400, "10.0.0.1": 400, "localhost": 404, "127.0.0.1:9": 404, "[::1]:80": 404} {
		req, _ := http.NewRequest("GET", url+"/nowhere", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %s: %d %s, want %d", host, res.StatusCode, body, want)
		}
		if want == 400 && !strings.Contains(string(body), `"statusCode":400`) {
			t.Errorf("Host %s: body %s", host, body)
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d; stderr: %s", code, errOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if _, err := os.Stat(data + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file left after serve stopped (%v)", err)
	}
	srv, err := sandbox.Open(sandbox.Options{DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := srv.User("auth0|jane1")
	if !strings.Contains(string(u), `"user_metadata":{"hobby":"surfing","big":12345678901234567890}`) {
		t.Errorf("state after serve: %s", u)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("server still answering after stop")
	}
}

func TestServeRefusesPublicAddress(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	code := root.Run(context.Background(), []string{"sandbox", "serve", "--addr", "0.0.0.0:4280"}, ios, func(string) string { return "" })
	if code != 2 || !strings.Contains(errOut.String(), "loopback") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

func TestServeRateLimitFlag(t *testing.T) {
	for _, bad := range []string{"x", "0", "-1/s", "3/h"} {
		ios, _, _, errOut := iostreams.Test()
		code := root.Run(context.Background(), []string{"sandbox", "serve", "--rate-limit", bad}, ios, func(string) string { return "" })
		if code != 2 || !strings.Contains(errOut.String(), "--rate-limit") {
			t.Errorf("--rate-limit %s: code %d, stderr %q", bad, code, errOut)
		}
	}
}

func testEnv(dir string) func(string) string {
	return func(k string) string {
		if k == "XDG_CONFIG_HOME" || k == "XDG_CACHE_HOME" || k == "XDG_DATA_HOME" || k == "HOME" {
			return dir
		}
		return ""
	}
}

func TestSeed(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "big.json")
	ios, _, _, errOut := iostreams.Test()
	code := root.Run(context.Background(), []string{"sandbox", "seed", "--users", "120", "--same-instant", "30", "--data", data}, ios, testEnv(dir))
	if code != 0 || !strings.Contains(errOut.String(), "seeded with 150 synthetic users") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	srv, err := sandbox.Open(sandbox.Options{DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"auth0|jane1", "auth0|user00120", "auth0|batch00030"} {
		if _, ok := srv.User(id); !ok {
			t.Errorf("%s missing", id)
		}
	}
	if _, ok := srv.User("auth0|user00121"); ok {
		t.Error("user00121 exists")
	}
	// without --data: the built-in profile's tenant
	ios, _, _, errOut = iostreams.Test()
	if code := root.Run(context.Background(), []string{"sandbox", "seed", "--users", "3"}, ios, testEnv(dir)); code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	srv, err = sandbox.Open(sandbox.Options{DataFile: filepath.Join(dir, "a0meta", "sandbox.json")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.User("auth0|user00003"); !ok {
		t.Error("built-in tenant not seeded")
	}
	ios, _, _, errOut = iostreams.Test()
	if code := root.Run(context.Background(), []string{"sandbox", "seed", "--users", "-5"}, ios, testEnv(dir)); code != 2 {
		t.Errorf("--users -5: code %d, stderr %q", code, errOut)
	}
}
