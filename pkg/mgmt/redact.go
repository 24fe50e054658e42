package mgmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

const redacted = "[REDACTED]"

// sensitiveKey reports whether a JSON key, form field or query parameter
// holds a credential: client_secret, password, access_token, id_token,
// refresh_token and anything else named *_token, *secret*, *password*.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "token", "assertion", "client_assertion", "api_key", "apikey":
		return true
	}
	return strings.HasSuffix(k, "_token") || strings.Contains(k, "secret") || strings.Contains(k, "password")
}

// sensitiveHeader reports whether a header's value is a credential.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"authorization", "secret", "token", "cookie", "api-key", "apikey", "password"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// harmlessParams are query parameters shown even when values are hidden:
// they describe the request, not a person.
var harmlessParams = map[string]bool{
	"fields": true, "include_fields": true, "page": true, "per_page": true,
	"include_totals": true, "search_engine": true, "sort": true, "from": true, "take": true,
}

// redactor rewrites traced text, remembering every credential it hid so that
// the same value is also scrubbed wherever else it appears (an error page
// echoing it, a malformed body).
type redactor struct {
	all     bool // hide every value, keep structure and length
	secrets []string
}

func (r *redactor) secret(v string) {
	// Short values would scrub innocent text; credentials are long.
	if len(v) >= 8 {
		r.secrets = append(r.secrets, v)
	}
}

func (r *redactor) header(name, v string) string {
	if strings.Contains(strings.ToLower(name), "authorization") {
		if scheme, cred, ok := strings.Cut(v, " "); ok && scheme != "" {
			r.secret(strings.TrimSpace(cred))
			return scheme + " " + redacted
		}
		r.secret(v)
		return redacted
	}
	if sensitiveHeader(name) {
		r.secret(v)
		return redacted
	}
	return v
}

// query redacts a raw query string pair by pair, keeping order and spelling.
// path hides the id of /api/v2/users/{id} when values are redacted: an
// enterprise user_id can hold an email address.
func (r *redactor) path(escaped string) string {
	const users = "/api/v2/users/"
	if !r.all || !strings.HasPrefix(escaped, users) {
		return escaped
	}
	return users + "[REDACTED]"
}

func (r *redactor) query(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, hasV := strings.Cut(p, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			dv = v
		}
		switch {
		case !hasV:
		case sensitiveKey(dk):
			r.secret(dv)
			r.secret(v)
			parts[i] = k + "=" + redacted
		case r.all && !harmlessParams[dk]:
			parts[i] = k + "=" + hiddenString(dv)
		}
	}
	return strings.Join(parts, "&")
}

// loose scrubs text that is not valid JSON: credential-named values and
// bearer credentials, remembered so that they are scrubbed elsewhere too.
func (r *redactor) loose(s string) string {
	out, found := scrubText(s, nil)
	for _, v := range found {
		r.secret(v)
	}
	return out
}

func hiddenString(s string) string {
	return fmt.Sprintf("<%d chars>", utf8.RuneCountInString(s))
}

// jsonBody redacts a JSON document without decoding it into Go values, so
// everything not redacted stays byte for byte. ok is false when the body is
// not valid JSON.
func (r *redactor) jsonBody(in []byte) (out []byte, ok bool) {
	if !json.Valid(in) {
		return nil, false
	}
	s := &jsonScan{in: in, r: r}
	s.ws()
	if err := s.value(r.all, false); err != nil {
		return nil, false
	}
	s.ws()
	return s.out, s.pos == len(in)
}

type jsonScan struct {
	in  []byte
	pos int
	out []byte
	r   *redactor
}

var errSyntax = errors.New("json syntax")

func (s *jsonScan) ws() {
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.out = append(s.out, s.in[s.pos])
			s.pos++
		default:
			return
		}
	}
}

// value copies one value; all hides scalars (structure kept), secret
// replaces the whole value.
func (s *jsonScan) value(all, secret bool) error {
	if s.pos >= len(s.in) {
		return errSyntax
	}
	start, mark := s.pos, len(s.out)
	var err error
	switch c := s.in[s.pos]; {
	case c == '{':
		err = s.object(all)
	case c == '[':
		err = s.array(all)
	case c == '"':
		var raw []byte
		if raw, err = s.str(); err == nil {
			var dec string
			_ = json.Unmarshal(raw, &dec)
			switch {
			case secret:
			case all:
				s.out = append(s.out, '"')
				s.out = append(s.out, hiddenString(dec)...)
				s.out = append(s.out, '"')
			default:
				s.out = append(s.out, raw...)
			}
			if secret {
				s.r.secret(dec)
			}
		}
	default:
		for s.pos < len(s.in) && !strings.ContainsRune(" \t\n\r,]}", rune(s.in[s.pos])) {
			s.pos++
		}
		lit := string(s.in[start:s.pos])
		switch {
		case lit == "":
			return errSyntax
		case secret:
			s.r.secret(lit)
		case all && lit == "null":
			s.out = append(s.out, lit...)
		case all && (lit == "true" || lit == "false"):
			s.out = append(s.out, `"<bool>"`...)
		case all:
			s.out = append(s.out, `"<number>"`...)
		default:
			s.out = append(s.out, lit...)
		}
	}
	if err != nil {
		return err
	}
	if secret {
		s.out = append(s.out[:mark], `"`+redacted+`"`...)
	}
	return nil
}

func (s *jsonScan) str() ([]byte, error) {
	start := s.pos
	s.pos++
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case '\\':
			s.pos += 2
			continue
		case '"':
			s.pos++
			return s.in[start:s.pos], nil
		}
		s.pos++
	}
	return nil, errSyntax
}

func (s *jsonScan) object(all bool) error {
	s.out = append(s.out, '{')
	s.pos++
	s.ws()
	if s.pos < len(s.in) && s.in[s.pos] == '}' {
		s.out = append(s.out, '}')
		s.pos++
		return nil
	}
	for {
		s.ws()
		if s.pos >= len(s.in) || s.in[s.pos] != '"' {
			return errSyntax
		}
		rawKey, err := s.str()
		if err != nil {
			return err
		}
		var key string
		_ = json.Unmarshal(rawKey, &key)
		s.out = append(s.out, rawKey...)
		s.ws()
		if s.pos >= len(s.in) || s.in[s.pos] != ':' {
			return errSyntax
		}
		s.out = append(s.out, ':')
		s.pos++
		s.ws()
		if err := s.value(all, sensitiveKey(key)); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.in) {
			return errSyntax
		}
		c := s.in[s.pos]
		s.out = append(s.out, c)
		s.pos++
		switch c {
		case ',':
		case '}':
			return nil
		default:
			return errSyntax
		}
	}
}

func (s *jsonScan) array(all bool) error {
	s.out = append(s.out, '[')
	s.pos++
	s.ws()
	if s.pos < len(s.in) && s.in[s.pos] == ']' {
		s.out = append(s.out, ']')
		s.pos++
		return nil
	}
	for {
		s.ws()
		if err := s.value(all, false); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.in) {
			return errSyntax
		}
		c := s.in[s.pos]
		s.out = append(s.out, c)
		s.pos++
		switch c {
		case ',':
		case ']':
			return nil
		default:
			return errSyntax
		}
	}
}
