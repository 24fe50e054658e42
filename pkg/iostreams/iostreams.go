// Package iostreams bundles the standard streams with what the commands need
// to know about them (is this a terminal, is colour wanted), so tests can
// swap in buffers and flip those bits.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is the terminal a command talks to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool

	// NoColor is set when the environment asks for no colour (see
	// NoColorWanted).
	NoColor bool
}

// System returns the process's streams.
func System() *IOStreams {
	noColor := NoColorWanted(os.Getenv)
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinTTY:  isTerminal(os.Stdin),
		StdoutTTY: isTerminal(os.Stdout),
		StderrTTY: isTerminal(os.Stderr),
		NoColor:   noColor,
	}
}

// NoColorWanted reports whether env asks for plain output: NO_COLOR set to
// a non-empty value (https://no-color.org), or a terminal that declares
// itself dumb.
func NoColorWanted(env func(string) string) bool {
	return env("NO_COLOR") != "" || env("TERM") == "dumb"
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// ColorStderr reports whether diagnostics on stderr may be coloured.
func (s *IOStreams) ColorStderr() bool { return s.StderrTTY && !s.NoColor }

// Test returns streams backed by buffers, none of them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, NoColor: true}, in, out, errOut
}
