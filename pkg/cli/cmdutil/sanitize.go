package cmdutil

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes text that may hold user input safe to print on a
// terminal: control characters (escape sequences, carriage returns, C1
// codes), bidirectional overrides and invalid UTF-8 are shown as Go
// escapes (\x1b, \r, \u202e). Newlines are kept when keepNewlines is
// given, for multi-line messages.
func Sanitize(s string, keepNewlines ...bool) string {
	keepNL := len(keepNewlines) > 0 && keepNewlines[0]
	clean := true
	for i, r := range s {
		if unsafeRune(r, keepNL) || r == utf8.RuneError && !validAt(s, i) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafeRune(r, keepNL):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune, keepNL bool) bool {
	if r == '\n' && keepNL {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

func validAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return !(r == utf8.RuneError && size <= 1)
}
