package sandboxcmd_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/tidwall/gjson"
)

// The test binary doubles as a0meta, so tests can signal and kill a real
// process.
func TestMain(m *testing.M) {
	if os.Getenv("A0META_TEST_AS_CLI") == "1" {
		os.Exit(root.Main())
	}
	os.Exit(m.Run())
}

// a0meta returns a command running a0meta with args, its XDG directories
// in dir.
func a0meta(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals and SIGPIPE are Unix behaviours")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"A0META_TEST_AS_CLI=1", "HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_CACHE_HOME=" + dir, "XDG_DATA_HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	return cmd
}

// startServe starts `sandbox serve` on data and returns its URL.
func startServe(t *testing.T, dir, data string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := a0meta(t, dir, append([]string{"sandbox", "serve", "--addr", "127.0.0.1:0", "--data", data}, extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Sandbox tenant serving on "); ok {
			go io.Copy(io.Discard, out)
			return cmd, rest
		}
	}
	t.Fatalf("serve printed no URL; stderr: %s", stderr.String())
	return nil, ""
}

func token(t *testing.T, base string) string {
	t.Helper()
	res, err := http.PostForm(base+"/oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {sandbox.DemoClientID}, "client_secret": {sandbox.DemoClientSecret},
		"audience": {"https://" + strings.TrimPrefix(base, "http://") + "/api/v2/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	tok := gjson.GetBytes(b, "access_token").String()
	if tok == "" {
		t.Fatalf("token: %d %s", res.StatusCode, b)
	}
	return tok
}

func patch(base, tok, id, body string) (int, error) {
	req, _ := http.NewRequest("PATCH", base+"/api/v2/users/"+url.PathEscape(id), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// Every write answered 200 by `sandbox serve --data` is still there after
// kill -9, and the snapshot was not rewritten for it.
func TestServeKill9KeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "tenant.json")
	if err := sandbox.Reseed(data, sandbox.SeedSpec{Users: 2000}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(data)
	cmd, base := startServe(t, dir, data)
	tok := token(t, base)
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w + 1; i <= n; i += 6 {
				code, err := patch(base, tok, fmt.Sprintf("auth0|user%05d", i), fmt.Sprintf(`{"app_metadata":{"plan":"pro","n":%d}}`, i))
				if err == nil && code != 200 {
					err = fmt.Errorf("user %d: status %d", i, code)
				}
				if err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if after, _ := os.ReadFile(data); string(after) != string(before) {
		t.Error("the snapshot was rewritten while serving")
	}
	srv, err := sandbox.Open(sandbox.Options{DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		u, _ := srv.User(fmt.Sprintf("auth0|user%05d", i))
		if got := gjson.GetBytes(u, "app_metadata"); got.Get("plan").String() != "pro" || got.Get("n").Int() != int64(i) {
			t.Fatalf("user %d after kill -9: app_metadata %s", i, got)
		}
	}
	// Close compacts the replayed journal into the snapshot
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(data + ".journal"); err != nil || st.Size() != 0 {
		t.Errorf("journal after Close: %v %v", st, err)
	}
}

// A second `sandbox serve --data` on the same file says it is waiting, and
// SIGINT or SIGTERM stops it with 130.
func TestLockWaitInterruptible(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "tenant.json")
	builtin := filepath.Join(dir, "a0meta", "sandbox.json")
	for _, c := range []struct {
		name string
		file string
		args []string
		sig  os.Signal
	}{
		{"serve SIGINT", data, []string{"sandbox", "serve", "--addr", "127.0.0.1:0", "--data", data}, os.Interrupt},
		{"serve SIGTERM", data, []string{"sandbox", "serve", "--addr", "127.0.0.1:0", "--data", data}, syscall.SIGTERM},
		{"profile SIGINT", builtin, []string{"-p", "sandbox", "user", "meta", "get", "jane.doe@example.com"}, os.Interrupt},
		{"reset SIGTERM", builtin, []string{"sandbox", "reset"}, syscall.SIGTERM},
	} {
		t.Run(c.name, func(t *testing.T) {
			unlock, err := sandbox.Lock(c.file)
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			cmd := a0meta(t, dir, c.args...)
			stderr, _ := cmd.StderrPipe()
			var stdout strings.Builder
			cmd.Stdout = &stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var said []string
			timeout := time.After(10 * time.Second)
		wait:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("stderr closed without the waiting notice: %q", said)
					}
					said = append(said, l)
					if strings.Contains(l, "waiting for another a0meta using the sandbox") {
						break wait
					}
				case <-timeout:
					cmd.Process.Kill()
					t.Fatalf("no waiting notice; stderr so far %q", said)
				}
			}
			cmd.Process.Signal(c.sig)
			var rest []string
			for l := range lines {
				rest = append(rest, l)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit %v, want 130; stderr after the signal %q", err, rest)
			}
			if strings.Join(rest, "\n") != "a0meta: interrupted" {
				t.Errorf("stderr after the signal %q", rest)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q", stdout.String())
			}
		})
	}
}

// A write the in-process sandbox answered is kept even when a0meta then
// dies of SIGPIPE printing it (`... -o json | true`).
func TestProfileWriteSurvivesSIGPIPE(t *testing.T) {
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := a0meta(t, dir, "-p", "sandbox", "user", "meta", "set", "jane.doe@example.com", "hobby=diving", "-o", "json")
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("a0meta did not fail writing to a closed pipe: %v; stderr %s", err, stderr.String())
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGPIPE {
		t.Fatalf("a0meta ended with %v, not SIGPIPE; stderr %s", err, stderr.String())
	}
	srv, err := sandbox.Open(sandbox.Options{DataFile: filepath.Join(dir, "a0meta", "sandbox.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u, _ := srv.User("auth0|jane1")
	if got := gjson.GetBytes(u, "user_metadata").Raw; got != `{"hobby":"diving"}` {
		t.Fatalf("user_metadata after SIGPIPE: %s", got)
	}
}

// A damaged state file: `-p sandbox` commands say to reset (exit 1), and
// `sandbox reset` always works.
func TestCorruptStateNeedsReset(t *testing.T) {
	for name, damage := range map[string]func(file string) error{
		"snapshot": func(file string) error { return os.WriteFile(file, []byte(`{"version":1,"users":[`), 0o600) },
		"journal": func(file string) error {
			return os.WriteFile(file+".journal", []byte("{\"u\":{\"user_id\":\"auth0|x\"}}\nnot json\n{\"du\":\"auth0|x\"}\n"), 0o600)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			env := testEnv(dir)
			file := filepath.Join(dir, "a0meta", "sandbox.json")
			run := func(args ...string) (int, string, string) {
				ios, _, out, errOut := iostreams.Test()
				code := root.Run(context.Background(), args, ios, env)
				return code, out.String(), errOut.String()
			}
			if code, _, errOut := run("-p", "sandbox", "user", "meta", "set", "jane.doe@example.com", "hobby=diving"); code != 0 {
				t.Fatalf("set: %d %s", code, errOut)
			}
			if err := damage(file); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := run("-p", "sandbox", "user", "meta", "get", "jane.doe@example.com")
			if code != 1 || out != "" || !strings.Contains(errOut, "run `a0meta sandbox reset`") || !strings.Contains(errOut, "damaged") {
				t.Fatalf("get on a damaged state: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := run("sandbox", "reset"); code != 0 {
				t.Fatalf("reset: %d %s", code, errOut)
			}
			code, out, errOut = run("-p", "sandbox", "user", "meta", "get", "jane.doe@example.com", "hobby")
			if code != 0 || strings.TrimSpace(out) != `"surfing"` {
				t.Fatalf("get after reset: %d %q %q", code, out, errOut)
			}
		})
	}
}

// `serve --plan professional`: writes and reads have buckets of their own.
func TestServePlan(t *testing.T) {
	dir := t.TempDir()
	// --speedup 0.001 makes the refill negligible during the test
	_, base := startServe(t, dir, filepath.Join(dir, "t.json"), "--plan", "professional", "--speedup", "0.001")
	// the summary names each bucket, sped up, with --bucket applied last
	ios, _, _, _ := iostreams.Test()
	pr, pw := io.Pipe()
	ios.Out = pw
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- root.Run(ctx, []string{"sandbox", "serve", "--plan", "professional", "--speedup", "100", "--bucket", "clients=3:7/s", "--addr", "127.0.0.1:0"}, ios, testEnv(dir))
		pw.Close()
	}()
	var printed strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
		printed.WriteString(sc.Text() + "\n")
	}
	go io.Copy(io.Discard, pr)
	cancel()
	<-done
	want := "  rate limits    read-users burst 40, 50000/min\n                 write-users burst 20, 20000/min\n" +
		"                 clients burst 3, 42000/min\n                 other burst 10, 15000/min\n"
	if !strings.Contains(printed.String(), want) {
		t.Errorf("serve output lacks\n%s\n%s", want, printed.String())
	}
	tok := token(t, base)
	do := func(method, path, body string) (int, http.Header) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, res.Header
	}
	for i := 0; i < 20; i++ {
		if code, h := do("PATCH", "/api/v2/users/auth0%7Cjane1", `{"user_metadata":{"i":1}}`); code != 200 || h.Get("X-Ratelimit-Limit") != "20" {
			t.Fatalf("write %d: %d limit %s", i, code, h.Get("X-Ratelimit-Limit"))
		}
	}
	code, h := do("PATCH", "/api/v2/users/auth0%7Cjane1", `{"user_metadata":{"i":2}}`)
	if code != 429 || h.Get("X-Ratelimit-Remaining") != "0" {
		t.Fatalf("write 21: %d remaining %s", code, h.Get("X-Ratelimit-Remaining"))
	}
	if reset, _ := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); reset <= time.Now().Unix() {
		t.Errorf("x-ratelimit-reset %s is not in the future", h.Get("X-Ratelimit-Reset"))
	}
	if code, h := do("GET", "/api/v2/users/auth0%7Cjane1", ""); code != 200 || h.Get("X-Ratelimit-Limit") != "40" || h.Get("X-Ratelimit-Remaining") != "39" {
		t.Fatalf("read: %d %v", code, h)
	}
}

func TestServeRateFlagsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--plan", "gold"}, {"--speedup", "0"}, {"--speedup", "-2"}, {"--bucket", "users=1:1/s"},
		{"--bucket", "write-users=x"}, {"--bucket", "write-users"}, {"--rate-limit", "2/s", "--plan", "free"},
	} {
		ios, _, _, errOut := iostreams.Test()
		code := root.Run(context.Background(), append([]string{"sandbox", "serve"}, args...), ios, func(string) string { return "" })
		if code != 2 || !strings.Contains(errOut.String(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: code %d, stderr %q", args, code, errOut)
		}
	}
}

// `serve --faults`: user reads fail at about the given rate, in every way.
func TestServeFaults(t *testing.T) {
	dir := t.TempDir()
	_, base := startServe(t, dir, filepath.Join(dir, "t.json"), "--faults", "0.3", "--seed", "3", "--slow", "800ms")
	tok := token(t, base)
	client := &http.Client{Timeout: 300 * time.Millisecond}
	tally := map[string]int{}
	const n = 120
	for i := 0; i < n; i++ {
		req, _ := http.NewRequest("GET", base+"/api/v2/users/auth0%7Cjane1?fields=user_id", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := client.Do(req)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
				tally["slow"]++
			} else {
				tally["reset"]++
			}
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		tally[strconv.Itoa(res.StatusCode)]++
	}
	faulted := n - tally["200"]
	if faulted < n/6 || faulted > n/2 || tally["429"] == 0 || tally["500"] == 0 || tally["reset"] == 0 || tally["slow"] == 0 {
		t.Fatalf("outcomes of %d reads at --faults 0.3: %v", n, tally)
	}
	for _, bad := range [][]string{{"--faults", "1.5"}, {"--faults", "-0.1"}, {"--slow", "0s"}} {
		ios, _, _, errOut := iostreams.Test()
		if code := root.Run(context.Background(), append([]string{"sandbox", "serve"}, bad...), ios, func(string) string { return "" }); code != 2 {
			t.Errorf("%v: code %d, stderr %q", bad, code, errOut)
		}
	}
}
