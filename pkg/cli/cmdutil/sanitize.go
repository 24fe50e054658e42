package cmdutil

import (
	"strings"

	"github.com/a0meta/a0meta/pkg/metapath"
)

// Sanitize makes text that may hold user input safe to print on a
// terminal (metapath.Printable). Newlines are kept when keepNewlines is
// given, for multi-line messages.
func Sanitize(s string, keepNewlines ...bool) string {
	if len(keepNewlines) == 0 || !keepNewlines[0] || !strings.Contains(s, "\n") {
		return metapath.Printable(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = metapath.Printable(l)
	}
	return strings.Join(lines, "\n")
}
