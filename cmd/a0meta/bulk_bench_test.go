//go:build linux || darwin

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
)

// The bulk benchmarks run the a0meta binary as a client against `a0meta
// sandbox serve` in a process of its own, so that the client's memory and
// the server's work are measured apart. Run them without -race:
//
//	go test ./cmd/a0meta -run '^$' -bench BulkWrites -benchtime 1x
//
// A0META_BENCH_CONCURRENCY sets --concurrency (default 16).
// A0META_BENCH_SERVER names another a0meta binary to serve and seed the
// sandbox (the client is always this tree's). A0META_BENCH_USERS (default 10000) lists the run sizes, e.g. 10000,100000;
// A0META_BENCH_SPEEDUP (default 100) speeds up the Professional plan's
// buckets: write users 20 burst, 200/min × speedup.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// a0metaBinary builds the binary once per test process.
func a0metaBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "a0meta-bench")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "a0meta")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// procEnv is an environment for a0meta processes with every directory
// under dir.
func procEnv(dir string, extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	for k, v := range sandboxtest.Dirs(dir) {
		env = append(env, k+"="+v)
	}
	return append(env, extra...)
}

// servedSandbox is `a0meta sandbox serve` in a process of its own.
type servedSandbox struct {
	URL string
	cmd *exec.Cmd
	out *bytes.Buffer
}

func serverBinary(bin string) string {
	if s := os.Getenv("A0META_BENCH_SERVER"); s != "" {
		return s
	}
	return bin
}

func serveSandbox(tb testing.TB, bin, dir, data string, args ...string) *servedSandbox {
	tb.Helper()
	bin = serverBinary(bin)
	cmd := exec.Command(bin, append([]string{"sandbox", "serve", "--addr", "127.0.0.1:0", "--data", data}, args...)...)
	cmd.Env = procEnv(dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	errOut := &bytes.Buffer{}
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &servedSandbox{cmd: cmd, out: errOut}
	tb.Cleanup(s.stop)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "Sandbox tenant serving on "); ok {
			s.URL = strings.TrimSpace(u)
			break
		}
	}
	if s.URL == "" {
		tb.Fatalf("sandbox serve did not start: %s", errOut)
	}
	go io.Copy(io.Discard, stdout)
	return s
}

func (s *servedSandbox) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func (s *servedSandbox) env() []string {
	return []string{"A0META_DOMAIN=" + s.URL, "A0META_CLIENT_ID=" + sandbox.DemoClientID, "A0META_CLIENT_SECRET=" + sandbox.DemoClientSecret}
}

// seedData writes a state file with n synthetic users (auth0|user00001…).
func seedData(tb testing.TB, bin, dir string, n, sameInstant int) string {
	tb.Helper()
	data := filepath.Join(dir, fmt.Sprintf("tenant-%d.json", n))
	cmd := exec.Command(serverBinary(bin), "sandbox", "seed", "--users", strconv.Itoa(n), "--same-instant", strconv.Itoa(sameInstant), "--data", data)
	cmd.Env = procEnv(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("sandbox seed: %v\n%s", err, out)
	}
	return data
}

// usersFile lists auth0|user00001 … auth0|userN, one a line.
func usersFile(tb testing.TB, dir string, n int) string {
	tb.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "auth0|user%05d\n", i)
	}
	p := filepath.Join(dir, fmt.Sprintf("users-%d.txt", n))
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// clientRun is one run of the client binary.
type clientRun struct {
	Code     int
	Stdout   string
	Stderr   string
	Elapsed  time.Duration
	MaxRSSKB int64
	Buckets  map[string][2]int64 // answers, 429s
	RunTime  time.Duration       // the run itself, without start-up
}

var (
	statsRE = regexp.MustCompile(`(?m)^bucket (\S+): (\d+) answers, (\d+) answered 429`)
	runRE   = regexp.MustCompile(`(?m)^run: (\d+) changed in ([0-9.]+)s`)
)

func runClient(tb testing.TB, bin, dir string, env []string, args ...string) clientRun {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = procEnv(dir, append(env, "A0META_BULK_STATS=1")...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := clientRun{Elapsed: time.Since(start), Stdout: out.String(), Stderr: errOut.String(), Buckets: map[string][2]int64{}}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			r.Code = ee.ExitCode()
		} else {
			tb.Fatal(err)
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSSKB = maxRSSKB(ru)
	}
	if m := runRE.FindStringSubmatch(r.Stderr); m != nil {
		secs, _ := strconv.ParseFloat(m[2], 64)
		r.RunTime = time.Duration(secs * float64(time.Second))
	}
	for _, m := range statsRE.FindAllStringSubmatch(r.Stderr, -1) {
		a, _ := strconv.ParseInt(m[2], 10, 64)
		t, _ := strconv.ParseInt(m[3], 10, 64)
		r.Buckets[m[1]] = [2]int64{a, t}
	}
	return r
}

func benchSizes() []int {
	s := os.Getenv("A0META_BENCH_USERS")
	if s == "" {
		s = "10000"
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func benchSpeedup() float64 {
	if v, err := strconv.ParseFloat(os.Getenv("A0META_BENCH_SPEEDUP"), 64); err == nil && v > 0 {
		return v
	}
	return 100
}

// BenchmarkBulkWrites sets app_metadata on N users from a file against a
// Professional tenant sped up, and reports the sustained writes per second
// as a share of the write bucket's rate, the share of answers that were
// 429, and the client's peak RSS.
func BenchmarkBulkWrites(b *testing.B) {
	bin := a0metaBinary(b)
	speedup := benchSpeedup()
	writeRate := 200.0 / 60 * speedup
	const burst = 20
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			data := seedData(b, bin, dir, n, 0)
			users := usersFile(b, dir, n)
			srv := serveSandbox(b, bin, dir, data, "--plan", "professional", "--speedup", strconv.FormatFloat(speedup, 'f', -1, 64))
			b.ResetTimer()
			var last clientRun
			for i := 0; i < b.N; i++ {
				last = runClient(b, bin, dir, srv.env(), "user", "meta", "set", "--users-from", users, "--app", fmt.Sprintf("bench=%d", i), "--yes", "--concurrency", strconv.Itoa(benchConcurrency()), "--journal", filepath.Join(dir, fmt.Sprintf("run-%d.journal", i)))
				if last.Code != 0 || !strings.Contains(last.Stderr, fmt.Sprintf(": %d changed,", n)) {
					b.Fatalf("exit %d:\n%s", last.Code, tail(last.Stderr, 2000))
				}
			}
			b.StopTimer()
			var answers, throttled int64
			for _, v := range last.Buckets {
				answers += v[0]
				throttled += v[1]
			}
			// The bucket starts full: those writes are not sustained. The
			// run's own time leaves out process start-up and reading the
			// input.
			rate := float64(n-burst) / last.RunTime.Seconds()
			b.ReportMetric(rate, "writes/s")
			b.ReportMetric(rate/writeRate, "of-write-bucket")
			if answers > 0 {
				b.ReportMetric(float64(throttled)/float64(answers), "429-share")
			}
			b.ReportMetric(float64(last.MaxRSSKB)/1024, "peak-RSS-MB")
		})
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// benchConcurrency is A0META_BENCH_CONCURRENCY (default 16): a sped-up
// sandbox answers in milliseconds, and each user costs a read and a write in
// turn, so more workers than a real tenant needs keep its bucket busy.
func benchConcurrency() int {
	if n, err := strconv.Atoi(os.Getenv("A0META_BENCH_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 16
}
