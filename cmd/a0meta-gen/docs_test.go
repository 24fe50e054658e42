//go:build unix

package main

// TestDocs runs every ```console block of README.md and docs/*.md against the
// real a0meta binary and compares what it prints, byte for byte, with the
// page. Each page runs in order, in its own empty HOME (XDG directories
// under it), from `a0meta sandbox reset`. Conventions of a block:
//
//	$ COMMAND            a command, run by bash; continuation lines follow
//	                     while the command is incomplete (open quote, `&&`,
//	                     `|`, `\`, if/for, a here-document)
//	stdout lines         as printed
//	[stderr] line        one line of stderr (stdout first, then stderr)
//	[exit N]             a non-zero exit status
//
// Exported variables and the working directory carry over from one command
// to the next, as in one terminal. `COMMAND &` starts a background job (its
// output so far is shown) and `kill [-SIG] %N` stops job N (the rest of its
// output is shown); jobs left running are interrupted when the page ends.
// Before comparing, the private temporary directory is removed from paths
// (so HOME reads /home/you and TMPDIR /tmp), and loopback ports, HTTP dates,
// durations and timestamps are masked on both sides. Pages use bash, curl
// and POSIX tools only (jq is refused: a fresh machine with Go lacks it).
//
// Rewrite the outputs in the pages from the binary with:
//
//	go test ./cmd/a0meta-gen -run TestDocs -update

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "TestDocs: rewrite the example outputs in README.md and docs/*.md from the binary")

const repoRoot = "../.."

// docPages lists the pages whose console blocks run: README.md and every
// docs/*.md (docs/reference and docs/man are generated, without blocks).
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(pages)
	return append([]string{filepath.Join(repoRoot, "README.md")}, pages...)
}

func TestDocs(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("the docs examples run in bash, which is not on PATH: %v", err)
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "a0meta"), "./cmd/a0meta")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building a0meta: %v\n%s", err, out)
	}
	// Pages start `a0meta sandbox serve` on its default port: one docs run
	// at a time on this machine.
	unlock := lockMachine(t)
	defer unlock()

	total := 0
	for _, path := range docPages(t) {
		name, _ := filepath.Rel(repoRoot, path)
		t.Run(name, func(t *testing.T) {
			ran, diffs := runPage(t, bash, bin, path, name, *update)
			for _, d := range diffs {
				t.Error(d)
			}
			total += ran
		})
	}
	t.Logf("%d documented commands ran", total)
}

func lockMachine(t *testing.T) func() {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "a0meta-docs-test.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return func() { f.Close() }
}

// A step is one documented command and the output the page shows for it.
type step struct {
	line     int      // 1-based line of the "$ " in the page
	cmd      string   // the command, continuation lines included
	indent   string   // the fence's indentation, for rewriting
	want     []string // output lines as in the page (indent removed)
	from, to int      // 0-based line range [from, to) of the output lines
}

type block struct {
	line  int
	steps []step
}

var fenceRE = regexp.MustCompile("^( *)(```+|~~~+)[ \t]*([^ \t`]*)")

// parsePage returns the console blocks of a page. It fails on a fence that
// looks like a console block but is not exactly ```console, and on a
// console block that does not start with a command or ends inside one.
func parsePage(bash, name string, lines []string) ([]block, error) {
	var blocks []block
	for i := 0; i < len(lines); i++ {
		m := fenceRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent, fence, info := m[1], m[2], m[3]
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != fence {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("%s:%d: code block is never closed", name, i+1)
		}
		body := lines[i+1 : end]
		switch {
		case info == "console":
			b, err := parseBlock(bash, name, i+1, indent, body)
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, b)
		case strings.HasPrefix(strings.ToLower(info), "console"), info == "shell-session", info == "sh-session":
			return nil, fmt.Errorf("%s:%d: unrecognised fence %q: use ```console for a block that runs, ```sh or ```text for one that cannot", name, i+1, info)
		}
		i = end
	}
	return blocks, nil
}

func parseBlock(bash, name string, fenceLine int, indent string, body []string) (block, error) {
	b := block{line: fenceLine}
	var lines []string
	for _, l := range body {
		lines = append(lines, strings.TrimPrefix(l, indent))
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "$ ") {
		return b, fmt.Errorf("%s:%d: a console block starts with a \"$ \" command line", name, fenceLine+1)
	}
	i := 0
	for i < len(lines) {
		s := step{line: fenceLine + i + 1, indent: indent, cmd: strings.TrimPrefix(lines[i], "$ ")}
		i++
		for !complete(bash, s.cmd) {
			if i == len(lines) {
				return b, fmt.Errorf("%s:%d: the command never ends (unclosed quote, `\\`, `&&` or here-document?)", name, s.line)
			}
			s.cmd += "\n" + lines[i]
			i++
		}
		if jqRE.MatchString(s.cmd) {
			return b, fmt.Errorf("%s:%d: the command runs jq, which a fresh machine with Go lacks: use a0meta's -o raw, grep or sed", name, s.line)
		}
		s.from = fenceLine + i
		for i < len(lines) && !strings.HasPrefix(lines[i], "$ ") {
			s.want = append(s.want, lines[i])
			i++
		}
		s.to = fenceLine + i
		b.steps = append(b.steps, s)
	}
	return b, nil
}

// jqRE finds jq run as a command (after a pipe, a list operator, "$(" or at
// the start of a line).
var jqRE = regexp.MustCompile(`(^|\n|[|;&(]|\$\()[ \t]*jq([ \t]|$)`)

// complete asks bash whether cmd is a whole command or needs more lines.
// A line ending in an unescaped backslash continues (bash alone would read
// the backslash-newline before the end of input as nothing).
func complete(bash, cmd string) bool {
	trailing := len(cmd) - len(strings.TrimRight(cmd, "\\"))
	if trailing%2 == 1 {
		return false
	}
	c := exec.Command(bash, "-n")
	c.Stdin = strings.NewReader(cmd + "\n")
	c.Env = []string{"LC_ALL=C"}
	out, _ := c.CombinedOutput()
	s := string(out)
	return !strings.Contains(s, "unexpected end of file") &&
		!strings.Contains(s, "unexpected EOF") &&
		!strings.Contains(s, "here-document")
}

// session is one page's terminal: its private directories, exported
// variables and working directory (in a state file bash reloads for each
// command) and its background jobs.
type session struct {
	t     *testing.T
	bash  string
	root  string // removed from every path printed
	state string
	jobs  []*job
}

type job struct {
	cmd   *exec.Cmd
	out   lockedBuf
	err   lockedBuf
	done  chan struct{}
	shown [2]int // bytes of stdout, stderr already shown
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

func newSession(t *testing.T, bash, bin string) *session {
	root := t.TempDir()
	home := filepath.Join(root, "home", "you")
	tmp := filepath.Join(root, "tmp")
	env := [][2]string{
		{"PATH", bin + string(os.PathListSeparator) + os.Getenv("PATH")},
		{"HOME", home},
		{"XDG_CONFIG_HOME", filepath.Join(home, ".config")},
		{"XDG_DATA_HOME", filepath.Join(home, ".local", "share")},
		{"XDG_CACHE_HOME", filepath.Join(home, ".cache")},
		{"XDG_STATE_HOME", filepath.Join(home, ".local", "state")},
		{"TMPDIR", tmp},
		{"LC_ALL", "C"},
		{"TZ", "UTC"},
	}
	for _, d := range []string{home, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var st strings.Builder
	for _, kv := range env {
		fmt.Fprintf(&st, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	fmt.Fprintf(&st, "cd %s\n", shellQuote(home))
	s := &session{t: t, bash: bash, root: root, state: filepath.Join(root, "shell-state")}
	if err := os.WriteFile(s.state, []byte(st.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// script wraps a documented command: reload the session, run it, save the
// session (also when the command calls exit).
func (s *session) script(cmd string, keep bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, ". %s\n", shellQuote(s.state))
	if keep {
		fmt.Fprintf(&b, "trap '__rc=$?; { export -p; printf \"cd %%q\\n\" \"$PWD\"; } > %s; exit $__rc' EXIT\n", shellQuote(s.state))
	}
	b.WriteString(cmd)
	b.WriteString("\n")
	return b.String()
}

func (s *session) command(cmd string) *exec.Cmd {
	c := exec.Command(s.bash, "-c", cmd, "bash")
	c.Env = []string{} // everything comes from the state file
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.WaitDelay = 5 * time.Second
	return c
}

var killRE = regexp.MustCompile(`^kill(?: -([A-Z0-9]+))? %([0-9]+)$`)

// run executes one step and returns its output as the page would show it.
func (s *session) run(st step) string {
	cmd := strings.TrimSpace(st.cmd)
	if m := killRE.FindStringSubmatch(cmd); m != nil {
		return s.kill(m[1], m[2])
	}
	if strings.HasSuffix(cmd, "&") && !strings.HasSuffix(cmd, "&&") {
		return s.background(strings.TrimSuffix(cmd, "&"), st.want)
	}
	c := s.command(s.script(st.cmd, true))
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Start(); err != nil {
		s.t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { syscall.Kill(-c.Process.Pid, syscall.SIGKILL) })
	err := c.Wait()
	timer.Stop()
	syscall.Kill(-c.Process.Pid, syscall.SIGKILL) // anything it left behind
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			s.t.Fatalf("line %d: %v", st.line, err)
		}
		code = ee.ExitCode()
		if code < 0 {
			return s.render(out.Bytes(), errOut.Bytes(), 0) + "[killed after a minute]\n"
		}
	}
	return s.render(out.Bytes(), errOut.Bytes(), code)
}

// background starts a job and returns its output once it matches what the
// page shows, or the job ends, or 5 seconds pass.
func (s *session) background(cmd string, want []string) string {
	j := &job{done: make(chan struct{})}
	j.cmd = s.command(s.script(cmd, false))
	j.cmd.Stdout, j.cmd.Stderr = &j.out, &j.err
	if err := j.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { j.cmd.Wait(); close(j.done) }()
	s.jobs = append(s.jobs, j)
	wantText := mask(joinLines(want))
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case <-j.done:
			return s.jobOutput(j, true)
		case <-time.After(50 * time.Millisecond):
		}
		if mask(s.render(j.out.Bytes(), j.err.Bytes(), 0)) == wantText || time.Now().After(deadline) {
			return s.jobOutput(j, false)
		}
	}
}

func (s *session) jobOutput(j *job, ended bool) string {
	out, errOut := j.out.Bytes(), j.err.Bytes()
	code := 0
	if ended && j.cmd.ProcessState != nil {
		code = j.cmd.ProcessState.ExitCode()
	}
	text := s.render(out[j.shown[0]:], errOut[j.shown[1]:], code)
	j.shown = [2]int{len(out), len(errOut)}
	return text
}

func (s *session) kill(sig, n string) string {
	i, _ := strconv.Atoi(n)
	if i < 1 || i > len(s.jobs) {
		return fmt.Sprintf("[stderr] bash: kill: %%%s: no such job\n[exit 1]\n", n)
	}
	j := s.jobs[i-1]
	signal := syscall.SIGTERM
	switch sig {
	case "", "TERM", "15":
	case "INT", "2":
		signal = syscall.SIGINT
	case "KILL", "9":
		signal = syscall.SIGKILL
	default:
		s.t.Fatalf("kill -%s: only INT, TERM and KILL are supported", sig)
	}
	syscall.Kill(-j.cmd.Process.Pid, signal)
	select {
	case <-j.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-j.cmd.Process.Pid, syscall.SIGKILL)
		<-j.done
	}
	return s.jobOutput(j, false)
}

func (s *session) stopJobs() {
	for _, j := range s.jobs {
		syscall.Kill(-j.cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-j.done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-j.cmd.Process.Pid, syscall.SIGKILL)
			<-j.done
		}
	}
}

// render shows a command's output the way pages do, with the private
// temporary directory taken out of paths.
func (s *session) render(stdout, stderr []byte, code int) string {
	var b strings.Builder
	out := strings.ReplaceAll(string(stdout), s.root, "")
	b.WriteString(out)
	if out != "" && !strings.HasSuffix(out, "\n") {
		b.WriteString("\n[no newline at the end of stdout]\n")
	}
	errText := strings.ReplaceAll(string(stderr), s.root, "")
	if errText != "" {
		noNL := !strings.HasSuffix(errText, "\n")
		for _, l := range strings.Split(strings.TrimSuffix(errText, "\n"), "\n") {
			if l == "" {
				b.WriteString("[stderr]\n")
			} else {
				b.WriteString("[stderr] " + l + "\n")
			}
		}
		if noNL {
			b.WriteString("[no newline at the end of stderr]\n")
		}
	}
	if code != 0 {
		fmt.Fprintf(&b, "[exit %d]\n", code)
	}
	return b.String()
}

func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// Values that differ from run to run, masked on both sides.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b(127\.0\.0\.1|localhost|\[::1\]):[0-9]+`), "$1:PORT"},
	{regexp.MustCompile(`[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT`), "HTTP-DATE"},
	{regexp.MustCompile(`\b[0-9]{8}T[0-9]{6}Z\b`), "TIMESTAMP"},
	{regexp.MustCompile(`\b[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})`), "TIME"},
	{regexp.MustCompile(`\(<?[0-9]+(\.[0-9]+)?(ns|µs|us|ms|s)\)`), "(DURATION)"},
}

// historyID is a history entry's or bulk run's id: random, so masked.
var historyID = regexp.MustCompile(`\b[0-9a-f]{12}\b`)

func mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return historyID.ReplaceAllStringFunc(s, func(id string) string {
		if strings.ContainsAny(id, "abcdef") && strings.ContainsAny(id, "0123456789") {
			return "ID"
		}
		return id
	})
}

// runPage runs the console blocks of one page and returns how many commands
// ran and a readable diff for each output that differs from the page; with
// rewrite, it writes the binary's outputs into the page instead.
func runPage(t *testing.T, bash, bin, path, name string, rewrite bool) (int, []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	blocks, err := parsePage(bash, name, lines)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		return 0, nil
	}
	s := newSession(t, bash, bin)
	defer s.stopJobs()
	if got := s.run(step{cmd: "a0meta sandbox reset > /dev/null 2>&1"}); got != "" {
		t.Fatalf("a0meta sandbox reset: %s", got)
	}
	type edit struct {
		st  step
		got string
	}
	var edits []edit
	var diffs []string
	ran := 0
	for _, b := range blocks {
		for _, st := range b.steps {
			got := s.run(st)
			ran++
			want := joinLines(st.want)
			if mask(got) == mask(want) {
				continue
			}
			if rewrite {
				edits = append(edits, edit{st, got})
				continue
			}
			diffs = append(diffs, fmt.Sprintf("%s:%d: the page does not match the binary for\n$ %s\n%s", name, st.line, st.cmd, lineDiff(want, got)))
		}
	}
	if len(edits) > 0 {
		for i := len(edits) - 1; i >= 0; i-- {
			e := edits[i]
			var repl []string
			for _, l := range strings.Split(strings.TrimSuffix(e.got, "\n"), "\n") {
				if e.got == "" {
					break
				}
				if l != "" {
					l = e.st.indent + l
				}
				repl = append(repl, l)
			}
			lines = append(lines[:e.st.from:e.st.from], append(repl, lines[e.st.to:]...)...)
		}
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: rewrote the output of %d command(s)", name, len(edits))
	}
	return ran, diffs
}

// lineDiff shows how got differs from want, line by line ("-" the page,
// "+" the binary).
func lineDiff(want, got string) string {
	a := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	b := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if want == "" {
		a = nil
	}
	if got == "" {
		b = nil
	}
	// Longest common subsequence, by masked lines.
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if mask(a[i]) == mask(b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	out.WriteString("--- the page\n+++ the binary\n")
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && mask(a[i]) == mask(b[j]):
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + a[i] + "\n")
			i++
		default:
			out.WriteString("+ " + b[j] + "\n")
			j++
		}
	}
	return out.String()
}

func TestParsePage(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	page := strings.Split("# Page\n\n```sh\nnot run\n```\n\n```console\n"+
		"$ echo a \\\n    b\na b\n"+
		"$ if true; then\n    echo yes\n  fi\nyes\n"+
		"$ cat > f <<'EOF'\n$ not a command\nEOF\n"+
		"$ a0meta x && \n  a0meta y\n[stderr] e\n[exit 2]\n"+
		"```\n", "\n")
	blocks, err := parsePage(bash, "p.md", page)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 {
		t.Fatalf("%d blocks, want 1", len(blocks))
	}
	var got []string
	for _, st := range blocks[0].steps {
		got = append(got, fmt.Sprintf("%d %q %q %d-%d", st.line, st.cmd, st.want, st.from, st.to))
	}
	want := []string{
		`8 "echo a \\\n    b" ["a b"] 9-10`,
		`11 "if true; then\n    echo yes\n  fi" ["yes"] 13-14`,
		`15 "cat > f <<'EOF'\n$ not a command\nEOF" [] 17-17`,
		`18 "a0meta x && \n  a0meta y" ["[stderr] e" "[exit 2]"] 19-21`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, bad := range []struct{ page, err string }{
		{"```console-session\n$ x\n```\n", "unrecognised fence"},
		{"```shell-session\n$ x\n```\n", "unrecognised fence"},
		{"```console\nx\n```\n", `starts with a "$ " command`},
		{"```console\n```\n", `starts with a "$ " command`},
		{"```console\n$ echo 'open\n```\n", "never ends"},
		{"```console\n$ x\n", "never closed"},
		{"```console\n$ a0meta user meta get u -o json | jq .\n```\n", "runs jq"},
		{"```console\n$ v=$(jq -n 1)\n```\n", "runs jq"},
	} {
		_, err := parsePage(bash, "p.md", strings.Split(bad.page, "\n"))
		if err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("parsePage(%q) = %v, want an error with %q", bad.page, err, bad.err)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:46303/oauth/token":              "http://127.0.0.1:PORT/oauth/token",
		"< Date: Fri, 27 Nov 2026 09:06:31 GMT":           "< Date: HTTP-DATE",
		"< 200 OK (3ms)":                                  "< 200 OK (DURATION)",
		"< 200 OK (<1ms)":                                 "< 200 OK (DURATION)",
		"user_metadata-auth0_jane1-20261127T090035Z.json": "user_metadata-auth0_jane1-TIMESTAMP.json",
		"2026-11-30T02:01:26.113Z":                        "TIME",
		"example.eu.auth0.com:443 and (3 keys)":           "example.eu.auth0.com:443 and (3 keys)",
		"the last bulk run 8ef311223fa7 (app_metadata)":   "the last bulk run ID (app_metadata)",
		"client 123456789012, token 036ced42702519ef32":   "client 123456789012, token 036ced42702519ef32",
	} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// The runner itself, on a page of plain shell commands and a stand-in
// a0meta that only knows `sandbox reset`: outputs, stderr marks, exit
// codes, exported variables and the directory carried over, background
// jobs, a drifted output reported, then rewritten with -update.
func TestDocsRunner(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	fake := "#!/bin/sh\n[ \"$1 $2\" = 'sandbox reset' ] && exit 0\necho \"a0meta $*\"\n"
	if err := os.WriteFile(filepath.Join(bin, "a0meta"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	page := "# T\n\n```console\n" +
		"$ export GREETING=hello\n" +
		"$ mkdir sub && cd sub\n" +
		"$ echo \"$GREETING from ${PWD#$HOME/}\"; echo oops >&2; exit 3\n" +
		"hello from sub\n[stderr] oops\n[exit 3]\n" +
		"$ printf 'x\\ny' | a0meta user meta get\n" +
		"a0meta user meta get\n" +
		"$ echo $HOME $TMPDIR\n" +
		"/home/you /tmp\n" +
		"```\n\nText.\n\n```console\n" +
		"$ sh -c 'echo serving on 127.0.0.1:4280; sleep 30' &\n" +
		"serving on 127.0.0.1:9999\n" +
		"$ kill -INT %1\n" +
		"$ echo drifted\n" +
		"the old output\n" +
		"$ printf 'no newline'\n" +
		"no newline\n[no newline at the end of stdout]\n" +
		"```\n"
	path := filepath.Join(t.TempDir(), "page.md")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ran, diffs := runPage(t, bash, bin, path, "page.md", false)
	if ran != 9 {
		t.Errorf("ran %d commands, want 9", ran)
	}
	if len(diffs) != 1 || !strings.Contains(diffs[0], "page.md:22:") ||
		!strings.Contains(diffs[0], "- the old output\n+ drifted\n") {
		t.Fatalf("diffs = %q, want one for line 22 (drifted)", diffs)
	}
	if _, diffs := runPage(t, bash, bin, path, "page.md", true); len(diffs) != 0 {
		t.Fatalf("update mode reported %q", diffs)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(page, "the old output\n", "drifted\n", 1); string(data) != want {
		t.Errorf("rewritten page:\n%s\nwant:\n%s", data, want)
	}
	if _, diffs := runPage(t, bash, bin, path, "page.md", false); len(diffs) != 0 {
		t.Errorf("after the rewrite: %q", diffs)
	}
}
