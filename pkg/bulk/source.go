// Package bulk runs one metadata change over many users: it reads and
// validates the targets (a file of user_ids or emails, or a user search),
// walks searches past Auth0's 1000-result window, paces requests per rate
// bucket, keeps a resumable journal, and reports each user's outcome. Each
// user goes through the same read-edit-write as the single-user commands
// (metaops). The package knows nothing of cobra.
package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
)

// Target is one user named by the input: a user_id or an email address.
type Target struct {
	Input string // user_id, or email as written (trimmed)
	Line  int    // 1-based line in the input file; 0 for search results
}

// Key identifies a target for de-duplication: emails are matched
// lower-cased, as Auth0 stores them; user_ids are case-sensitive.
func (t Target) Key() string { return targetKey(t.Input) }

func targetKey(input string) string {
	if !strings.Contains(input, "|") {
		return strings.ToLower(input)
	}
	return input
}

// maxLine bounds one input line (an NDJSON user with its metadata).
const maxLine = 1 << 20

// ParseLine reads one line of a --users-from file. Blank lines and lines
// starting with '#' are skipped (skip true). A line starting with '{' is an
// NDJSON object whose "user_id" names the user (what `user list` prints);
// any other line is a user_id or an email address.
func ParseLine(line string) (input string, skip bool, err error) {
	// A byte-order mark (files saved by some editors) is not part of an id.
	s := strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
	if s == "" || strings.HasPrefix(s, "#") {
		return "", true, nil
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return "", false, fmt.Errorf("a control character (%q) inside the line", s[i:i+utf8.RuneLen([]rune(s[i:])[0])])
	}
	if strings.HasPrefix(s, "{") {
		var obj map[string]json.RawMessage
		dec := json.NewDecoder(strings.NewReader(s))
		if err := dec.Decode(&obj); err != nil {
			return "", false, fmt.Errorf("not a JSON object: %v", err)
		}
		if dec.More() {
			return "", false, errors.New("more than one JSON value on the line")
		}
		raw, ok := obj["user_id"]
		if !ok {
			return "", false, errors.New(`the JSON object has no "user_id"`)
		}
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", false, errors.New(`"user_id" is not a string`)
		}
		if !strings.Contains(id, "|") {
			return "", false, fmt.Errorf("user_id %q holds no '|' (Auth0 user_ids look like auth0|abc123)", id)
		}
		if strings.IndexFunc(id, unicode.IsControl) >= 0 {
			return "", false, fmt.Errorf("user_id %q holds a control character", id)
		}
		return id, false, nil
	}
	if err := metaops.ValidateTarget(metaops.UserMetadata, s); err != nil {
		return "", false, fmt.Errorf("%q is neither a user_id (with a '|') nor an email address", s)
	}
	return s, false, nil
}

// ReadTargets reads and validates a whole --users-from input before
// anything is sent. The first bad line is named (exit 2). Duplicates are
// dropped, keeping the first occurrence; dupes counts them.
func ReadTargets(r io.Reader, name string) (targets []Target, dupes int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	seen := make(map[string]struct{})
	var bad []string
	badCount := 0
	for n := 1; ; n++ {
		line, rerr := readLine(br)
		if rerr != nil && rerr != io.EOF {
			if errors.Is(rerr, errLineTooLong) {
				badCount++
				if len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("%s:%d: line longer than %d bytes", name, n, maxLine))
				}
				continue
			}
			return nil, 0, failure.Wrap(failure.Usage, rerr, "reading %s", name)
		}
		if line == "" && rerr == io.EOF {
			break
		}
		input, skip, perr := ParseLine(line)
		switch {
		case perr != nil:
			badCount++
			if len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("%s:%d: %v", name, n, perr))
			}
		case !skip:
			k := targetKey(input)
			if _, dup := seen[k]; dup {
				dupes++
			} else {
				seen[k] = struct{}{}
				targets = append(targets, Target{Input: input, Line: n})
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	if badCount > 0 {
		msg := strings.Join(bad, "\n  ")
		if badCount > len(bad) {
			msg += fmt.Sprintf("\n  … and %d more bad line(s)", badCount-len(bad))
		}
		return nil, 0, failure.Usagef("invalid input, nothing was sent:\n  %s", msg)
	}
	return targets, dupes, nil
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its newline; io.EOF comes with the
// last line when it has no newline (or with "" at the end). A line longer
// than maxLine is skipped whole and reported.
func readLine(br *bufio.Reader) (string, error) {
	var buf bytes.Buffer
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if err == io.EOF {
				return buf.String(), io.EOF
			}
			return "", err
		}
		if buf.Len()+len(chunk) > maxLine {
			for isPrefix {
				if _, isPrefix, err = br.ReadLine(); err != nil {
					break
				}
			}
			return "", errLineTooLong
		}
		buf.Write(chunk)
		if !isPrefix {
			return buf.String(), nil
		}
	}
}
