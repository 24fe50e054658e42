// Package editor runs the user's text editor on a file and holds the small
// text conventions of an edit buffer: a '#' comment header that is stripped
// again when the file is read back.
package editor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"mvdan.cc/sh/v3/shell"
)

// DefaultEditor is used when neither VISUAL nor EDITOR is set.
const DefaultEditor = "vi"

// Command returns the editor command line: $VISUAL, else $EDITOR, else vi,
// split into words as a POSIX shell would (quotes, backslashes, and $VAR
// from env expanded), so that values such as "code --wait" work.
func Command(env func(string) string) ([]string, error) {
	for _, name := range []string{"VISUAL", "EDITOR"} {
		v := strings.TrimSpace(env(name))
		if v == "" {
			continue
		}
		argv, err := Split(v, env)
		if err != nil {
			return nil, fmt.Errorf("$%s: %w", name, err)
		}
		if len(argv) > 0 {
			return argv, nil
		}
	}
	return []string{DefaultEditor}, nil
}

// Split splits s into words the way a POSIX shell would, expanding
// parameters from env but running nothing.
func Split(s string, env func(string) string) ([]string, error) {
	return shell.Fields(s, env)
}

// Streams are the terminal the editor runs on.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run opens path in the editor argv and waits for it to exit. An editor
// that exits non-zero is an error (vi's :cq is the usual way to give up).
// The editor is not tied to a context: it handles its own signals (Ctrl-C
// in a terminal reaches it too) and the user ends it.
func Run(argv []string, path string, s Streams) error {
	if len(argv) == 0 {
		return errors.New("no editor command")
	}
	cmd := exec.Command(argv[0], append(argv[1:len(argv):len(argv)], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.In, s.Out, s.Err
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("editor %q exited with status %d", strings.Join(argv, " "), ee.ExitCode())
		}
		return fmt.Errorf("cannot run editor %q: %w (set VISUAL or EDITOR)", strings.Join(argv, " "), err)
	}
	return nil
}

// Header turns lines into a '#' comment block ending with a blank line.
func Header(lines ...string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		for _, part := range strings.Split(l, "\n") {
			if part == "" {
				b.WriteString("#\n")
				continue
			}
			b.WriteString("# ")
			b.WriteString(part)
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// StripComments drops every line whose first non-blank character is '#'.
// No line of valid JSON can start that way (strings cannot span lines), so
// only comments are lost, wherever the user left them.
func StripComments(text []byte) []byte {
	var out []byte
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i+1], text[i+1:]
		} else {
			text = nil
		}
		if t := bytes.TrimLeft(line, " \t\r"); len(t) > 0 && t[0] == '#' {
			continue
		}
		out = append(out, line...)
	}
	return out
}

// Session is a private temporary directory holding the file being edited;
// Close removes it.
type Session struct {
	dir  string
	Path string
}

// NewSession creates a private directory (0700) for a file named name
// (its extension lets editors pick a syntax).
func NewSession(name string) (*Session, error) {
	dir, err := os.MkdirTemp("", "a0meta-edit-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Session{dir: dir, Path: filepath.Join(dir, name)}, nil
}

// Write replaces the file's content (mode 0600).
func (s *Session) Write(content []byte) error {
	return os.WriteFile(s.Path, content, 0o600)
}

// Read returns the file's content.
func (s *Session) Read() ([]byte, error) { return os.ReadFile(s.Path) }

// Close removes the directory and the file.
func (s *Session) Close() error { return os.RemoveAll(s.dir) }
