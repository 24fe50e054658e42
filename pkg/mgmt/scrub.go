package mgmt

import (
	"errors"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// secretSet holds every credential a Client has sent or received (the
// client secret, each access token), so that traces and error messages can
// scrub them wherever they are echoed.
type secretSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *secretSet) add(vs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]bool{}
	}
	for _, v := range vs {
		// Short values would scrub innocent text; credentials are long.
		if len(v) >= 8 {
			s.m[v] = true
		}
	}
}

// list is longest first, so a secret containing another is scrubbed whole.
func (s *secretSet) list() []string {
	s.mu.Lock()
	all := make([]string, 0, len(s.m))
	for v := range s.m {
		all = append(all, v)
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	return all
}

var (
	// "access_token": "v", "client_secret":"v" and the like, in JSON that
	// may not parse.
	looseJSONSecret = regexp.MustCompile(`(?i)("(?:[a-z0-9_]*_token|token|[a-z0-9_]*secret[a-z0-9_]*|[a-z0-9_]*password[a-z0-9_]*|assertion|client_assertion|api_?key)"\s*:\s*)"((?:[^"\\]|\\.)*)"`)
	// access_token=v in a form-encoded or text body.
	looseFormSecret = regexp.MustCompile(`(?i)((?:^|[?&\s;,])(?:[a-z0-9_]*_token|token|[a-z0-9_]*secret[a-z0-9_]*|[a-z0-9_]*password[a-z0-9_]*|assertion|client_assertion|api_?key)=)([^&\s;,"]+)`)
	// Authorization: Bearer v (capitalised as sent, so prose is left alone)
	looseBearer = regexp.MustCompile(`(\bBearer\s+)([A-Za-z0-9\-._~+/]{8,}=*)`)
)

// scrubText hides credentials in text that is not (or not wholly) JSON:
// the values of credential-named JSON keys and form fields, bearer
// credentials, and every value in known. It returns the values it hid
// besides known, so callers can scrub them elsewhere too.
func scrubText(s string, known []string) (string, []string) {
	var found []string
	repl := func(re *regexp.Regexp) {
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			sub := re.FindStringSubmatch(m)
			if sub[2] == redacted {
				return m
			}
			found = append(found, sub[2])
			if re == looseJSONSecret {
				return sub[1] + `"` + redacted + `"`
			}
			return sub[1] + redacted
		})
	}
	repl(looseJSONSecret)
	repl(looseFormSecret)
	repl(looseBearer)
	for _, v := range known {
		s = strings.ReplaceAll(s, v, redacted)
	}
	for _, v := range found {
		if len(v) >= 8 {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s, found
}

// scrubbedError gives err a scrubbed message while keeping it reachable
// through errors.As and errors.Is.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubErr scrubs what err says: the fields of the errors this package
// makes, and the message of any other error whose text holds a credential.
func (c *Client) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	known := c.secrets.list()
	clean := func(s string) string { out, _ := scrubText(s, known); return out }
	var ae *APIError
	if errors.As(err, &ae) {
		ae.ErrorText, ae.Message, ae.ErrorCode = clean(ae.ErrorText), clean(ae.Message), clean(ae.ErrorCode)
		ae.Body = []byte(clean(string(ae.Body)))
	}
	var te *TokenError
	if errors.As(err, &te) {
		te.ErrorCode, te.Description = clean(te.ErrorCode), clean(te.Description)
	}
	var ue *UnexpectedAnswerError
	if errors.As(err, &ue) {
		ue.Excerpt = clean(ue.Excerpt)
	}
	if msg := err.Error(); clean(msg) != msg {
		return &scrubbedError{msg: clean(msg), err: err}
	}
	return err
}

// Redact scrubs s of every credential this client has seen and of
// credential-looking values: for messages built outside this package.
func (c *Client) Redact(s string) string {
	out, _ := scrubText(s, c.secrets.list())
	return out
}

// RedactValues scrubs s of the given credentials (those of 8 characters or
// more: shorter ones would scrub innocent text) and of credential-looking
// values.
func RedactValues(s string, credentials ...string) string {
	var known secretSet
	known.add(credentials...)
	out, _ := scrubText(s, known.list())
	return out
}
