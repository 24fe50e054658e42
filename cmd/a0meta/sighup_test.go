//go:build !windows

package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/creack/pty"
)

// A hangup (the terminal closed) during `edit` removes the private temp
// file holding the metadata, as Ctrl-C and SIGTERM do.
func TestEditHangupRemovesTempFile(t *testing.T) {
	_, url := sandboxtest.Serve(t)
	dir := t.TempDir()
	env := sandboxtest.Env(dir, url)
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o700)
	env["TMPDIR"] = tmp
	env["PATH"] = os.Getenv("PATH") // holds the a0meta that TestMain installed
	seen := filepath.Join(dir, "editing")
	script := filepath.Join(dir, "ed.sh")
	// The editor says which file it holds, then waits like a real one.
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$1\" > '"+seen+"'\nexec sleep 60\n"), 0o700)
	env["VISUAL"] = script

	cmd := exec.Command("a0meta", "user", "meta", "edit", "auth0|jane1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	tty, err := pty.Start(cmd) // its own session: a hangup reaches its process group
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer tty.Close()
	go func() { _, _ = io.Copy(io.Discard, tty) }() // drain the terminal

	var file string
	for deadline := time.Now().Add(time.Minute); file == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) { // a guard against hanging, not a timing assertion
			cmd.Process.Kill()
			t.Fatal("the editor never started")
		}
		if b, err := os.ReadFile(seen); err == nil && strings.HasSuffix(string(b), "\n") {
			file = strings.TrimSpace(string(b))
		}
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the file being edited is not there: %v", err)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("a0meta: %v", err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("%s survived the hangup (%v)", file, err)
	}
	if _, err := os.Stat(filepath.Dir(file)); !os.IsNotExist(err) {
		t.Errorf("the private directory %s survived the hangup", filepath.Dir(file))
	}
}
