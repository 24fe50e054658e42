package sandbox

import (
	"errors"
	"strings"

	"github.com/tidwall/gjson"
)

// A small subset of the Lucene syntax of Auth0's user search (v3):
// field:value, field:"quoted value", dotted metadata paths, _exists_:path,
// * and ? wildcards in unquoted values, *:*, AND/OR/NOT (&&, ||, !),
// parentheses, and ranges field:[a TO b] with [ ] inclusive, { } exclusive
// (mixed too) and * for an open end, and field:>v, >=v, <v, <=v. Terms side by side are OR-ed, as in
// Lucene. Matching is exact, except that the profile's text fields (email,
// name, ...) ignore case. Range ends that are dates (2024-01-02, midnight
// UTC) or ISO 8601 timestamps compare as instants with date values,
// numbers numerically with numbers, anything else as text.

type matcher interface{ match(u object) bool }

type matchAll struct{}

func (matchAll) match(object) bool { return true }

type orQ []matcher

func (q orQ) match(u object) bool {
	for _, m := range q {
		if m.match(u) {
			return true
		}
	}
	return false
}

type andQ []matcher

func (q andQ) match(u object) bool {
	for _, m := range q {
		if !m.match(u) {
			return false
		}
	}
	return true
}

type notQ struct{ m matcher }

func (q notQ) match(u object) bool { return !q.m.match(u) }

type termQ struct {
	field  string // "" for free text
	value  string
	wild   bool // value holds unescaped * or ? (kept as \x00 and \x01)
	exists bool
}

var caseless = map[string]bool{
	"email": true, "name": true, "nickname": true, "given_name": true,
	"family_name": true, "username": true,
}

var freeTextFields = []string{"name", "email", "nickname", "user_id", "username"}

func (t termQ) match(u object) bool {
	if t.exists {
		return visit(u, t.value, func(v gjson.Result) bool { return v.Type != gjson.Null })
	}
	if t.field != "" {
		return t.matchField(u, t.field)
	}
	for _, f := range freeTextFields {
		if t.matchField(u, f) {
			return true
		}
	}
	return false
}

func (t termQ) matchField(u object, f string) bool {
	fold := caseless[f]
	return visit(u, f, func(v gjson.Result) bool {
		var text string
		switch v.Type {
		case gjson.String:
			text = v.Str
		case gjson.Number, gjson.True, gjson.False:
			text = v.Raw
		default:
			return false
		}
		return matchValue(t.value, text, t.wild, fold)
	})
}

// gjsonSpecial are the characters a gjson path would not take literally.
const gjsonSpecial = "\\*?|#@!=<>%{}[]:,"

// visit calls fn with each value at path (as resolve finds them) until fn
// says true, and reports whether it did. Values without arrays on the way,
// the common case, are read with one gjson lookup.
func visit(u object, path string, fn func(gjson.Result) bool) bool {
	first, rest, nested := strings.Cut(path, ".")
	raw, ok := u[first]
	if !ok {
		return false
	}
	if strings.IndexByte(raw, '[') < 0 && !strings.ContainsAny(rest, gjsonSpecial) {
		v := gjson.Parse(raw)
		if nested {
			v = gjson.Get(raw, rest)
		}
		return v.Exists() && fn(v)
	}
	for _, v := range resolve(u, path) {
		if fn(v) {
			return true
		}
	}
	return false
}

func matchValue(pat, text string, wild, fold bool) bool {
	if fold {
		pat, text = strings.ToLower(pat), strings.ToLower(text)
	}
	if !wild {
		return pat == text
	}
	return glob(pat, text)
}

// glob matches \x00 as any run and \x01 as any one character.
func glob(pat, s string) bool {
	if pat == "" {
		return s == ""
	}
	switch pat[0] {
	case 0:
		for i := 0; i <= len(s); i++ {
			if glob(pat[1:], s[i:]) {
				return true
			}
		}
		return false
	case 1:
		return s != "" && glob(pat[1:], s[1:])
	}
	return s != "" && s[0] == pat[0] && glob(pat[1:], s[1:])
}

// resolve walks a dotted path through the user, flattening arrays on the
// way as Elasticsearch indexes them.
func resolve(u object, path string) []gjson.Result {
	segs := strings.Split(path, ".")
	raw, ok := u[segs[0]]
	if !ok {
		return nil
	}
	var out []gjson.Result
	var walk func(v gjson.Result, segs []string)
	walk = func(v gjson.Result, segs []string) {
		if v.IsArray() {
			v.ForEach(func(_, e gjson.Result) bool { walk(e, segs); return true })
			return
		}
		if len(segs) == 0 {
			out = append(out, v)
			return
		}
		if v.IsObject() {
			v.ForEach(func(k, c gjson.Result) bool {
				if k.String() == segs[0] {
					walk(c, segs[1:])
				}
				return true
			})
		}
	}
	walk(gjson.Parse(raw), segs[1:])
	return out
}

type qparser struct {
	s   string
	pos int
}

func parseQuery(q string) (matcher, error) {
	if strings.TrimSpace(q) == "" {
		return matchAll{}, nil
	}
	p := &qparser{s: q}
	m, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.s) {
		return nil, errors.New("Invalid query: unexpected " + p.s[p.pos:])
	}
	return m, nil
}

func (p *qparser) space() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// keyword consumes one of words when it stands alone at the current position.
func (p *qparser) keyword(words ...string) bool {
	p.space()
	for _, w := range words {
		if strings.HasPrefix(p.s[p.pos:], w) {
			end := p.pos + len(w)
			if w == "&&" || w == "||" || w == "!" || end == len(p.s) || strings.IndexByte(" \t\r\n(", p.s[end]) >= 0 {
				p.pos = end
				return true
			}
		}
	}
	return false
}

func (p *qparser) or() (matcher, error) {
	var alts orQ
	for {
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		alts = append(alts, m)
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] == ')' {
			break
		}
		p.keyword("OR", "||") // implicit OR otherwise
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return alts, nil
}

func (p *qparser) and() (matcher, error) {
	m, err := p.unary()
	if err != nil {
		return nil, err
	}
	all := andQ{m}
	for p.keyword("AND", "&&") {
		m, err := p.unary()
		if err != nil {
			return nil, err
		}
		all = append(all, m)
	}
	if len(all) == 1 {
		return m, nil
	}
	return all, nil
}

func (p *qparser) unary() (matcher, error) {
	if p.keyword("NOT", "!") {
		m, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notQ{m}, nil
	}
	p.space()
	if p.pos >= len(p.s) {
		return nil, errors.New("Invalid query: unexpected end")
	}
	if p.s[p.pos] == '(' {
		p.pos++
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, errors.New("Invalid query: missing )")
		}
		p.pos++
		return m, nil
	}
	return p.term()
}

// word reads an unquoted word up to white space, ')' or (when stopColon)
// an unescaped ':'; wildcards become \x00 and \x01.
func (p *qparser) word(stopColon bool) (string, bool) {
	var b strings.Builder
	wild := false
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.s):
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case strings.IndexByte(" \t\r\n()", c) >= 0, stopColon && c == ':':
			return b.String(), wild
		case c == '*':
			b.WriteByte(0)
			wild = true
		case c == '?':
			b.WriteByte(1)
			wild = true
		default:
			b.WriteByte(c)
		}
		p.pos++
	}
	return b.String(), wild
}

func (p *qparser) quoted() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.s):
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case c == '"':
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", errors.New("Invalid query: unterminated quote")
}

func (p *qparser) term() (matcher, error) {
	if p.s[p.pos] == '"' {
		v, err := p.quoted()
		return termQ{value: v}, err
	}
	start := p.pos
	field, fwild := p.word(true)
	if p.pos >= len(p.s) || p.s[p.pos] != ':' {
		p.pos = start
		v, wild := p.word(false)
		if v == "" {
			return nil, errors.New("Invalid query: unexpected " + p.s[p.pos:])
		}
		return termQ{value: v, wild: wild}, nil
	}
	p.pos++ // ':'
	if p.pos < len(p.s) && strings.IndexByte("[{<>", p.s[p.pos]) >= 0 {
		if fwild || field == "_exists_" {
			return nil, errors.New("Invalid query: a range needs a field name")
		}
		if c := p.s[p.pos]; c == '<' || c == '>' {
			return p.compareTerm(field)
		}
		return p.rangeTerm(field)
	}
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		return termQ{field: field, value: v, exists: field == "_exists_"}, nil
	}
	v, wild := p.word(false)
	switch {
	case fwild && field == "\x00" && v == "\x00":
		return matchAll{}, nil
	case fwild:
		return nil, errors.New("Invalid query: wildcard field names are not supported")
	case v == "":
		return nil, errors.New("Invalid query: missing value for " + field)
	case field == "_exists_":
		return termQ{value: strings.NewReplacer("\x00", "*", "\x01", "?").Replace(v), exists: true}, nil
	}
	return termQ{field: field, value: v, wild: wild}, nil
}
