package metapath

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s for a message, with what could act on a terminal
// escaped the way strconv.Quote does: control characters (ESC, CR, C1
// codes), invisible format characters such as bidirectional overrides, and
// bytes that are not UTF-8. Other text, quotes and backslashes included,
// is kept, so ordinary input reads as typed.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// quoteShort is strconv.Quote of s, cut after about 60 bytes, for messages
// about input that may be very long.
func quoteShort(s string) string {
	const max = 60
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// DescribeSyntaxError says where the invalid JSON doc goes wrong: the
// error, line and column, and the text of that line (escaped with
// Printable), so the user can find the mistake. Only the error is taken
// from encoding/json; nothing is decoded.
func DescribeSyntaxError(doc []byte) string {
	var raw json.RawMessage
	err := json.Unmarshal(doc, &raw)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		if err == nil {
			return "more than one JSON value"
		}
		return err.Error()
	}
	off := int(se.Offset)
	if off > len(doc) {
		off = len(doc)
	}
	if off > 0 && se.Error() != "unexpected end of JSON input" {
		off-- // Offset is just past the offending byte.
	}
	line := 1 + bytes.Count(doc[:off], []byte("\n"))
	start := bytes.LastIndexByte(doc[:off], '\n') + 1
	end := len(doc)
	if i := bytes.IndexByte(doc[off:], '\n'); i >= 0 {
		end = off + i
	}
	text := string(bytes.TrimSpace(doc[start:end]))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return fmt.Sprintf("%s at line %d, column %d of the JSON: %s", se.Error(), line, off-start+1, Printable(text))
}
