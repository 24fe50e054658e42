// Package textdiff shows how a metadata field changes as a unified diff of
// its pretty-printed text, optionally coloured for a terminal.
package textdiff

import (
	"bytes"

	"github.com/a0meta/a0meta/pkg/render"
	"github.com/rogpeppe/go-internal/diff"
)

// ANSI colours of a diff, as git uses them.
const (
	red   = "\x1b[31m"
	green = "\x1b[32m"
	cyan  = "\x1b[36m"
	bold  = "\x1b[1m"
	reset = "\x1b[0m"
)

// JSON returns the unified diff between the pretty-printed JSON values
// before and after, labelled a/name and b/name, or nil when their text is
// the same.
func JSON(name string, before, after []byte) []byte {
	return Unified("a/"+name, "b/"+name, pretty(before), pretty(after))
}

func pretty(v []byte) []byte {
	return append(render.Pretty(v), '\n')
}

// Unified returns the unified diff of two texts (nil when they are equal),
// without the "diff a b" line go-internal/diff starts with.
func Unified(oldName, newName string, old, new []byte) []byte {
	d := diff.Diff(oldName, old, newName, new)
	if d == nil {
		return nil
	}
	if bytes.HasPrefix(d, []byte("diff ")) {
		if i := bytes.IndexByte(d, '\n'); i >= 0 {
			d = d[i+1:]
		}
	}
	return d
}

// Colorize paints a unified diff: headers bold, removed lines red, added
// lines green, hunk headers cyan.
func Colorize(d []byte) []byte {
	var out bytes.Buffer
	for len(d) > 0 {
		line := d
		if i := bytes.IndexByte(d, '\n'); i >= 0 {
			line, d = d[:i], d[i+1:]
		} else {
			d = nil
		}
		color := ""
		switch {
		case bytes.HasPrefix(line, []byte("--- ")), bytes.HasPrefix(line, []byte("+++ ")):
			color = bold
		case bytes.HasPrefix(line, []byte("@@")):
			color = cyan
		case bytes.HasPrefix(line, []byte("-")):
			color = red
		case bytes.HasPrefix(line, []byte("+")):
			color = green
		}
		if color != "" {
			out.WriteString(color)
			out.Write(line)
			out.WriteString(reset)
		} else {
			out.Write(line)
		}
		out.WriteByte('\n')
	}
	return out.Bytes()
}
