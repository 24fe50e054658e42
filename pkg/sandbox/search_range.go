package sandbox

import (
	"errors"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// bound is one end of a range term.
type bound struct {
	open      bool // *
	inclusive bool
	text      string
	t         time.Time
	isTime    bool
	n         *big.Float
}

func newBound(text string, inclusive bool) bound {
	b := bound{text: text, inclusive: inclusive, open: text == "*"}
	if b.open {
		return b
	}
	b.t, b.isTime = parseInstant(text)
	if f, _, err := big.ParseFloat(text, 10, 200, big.ToNearestEven); err == nil {
		b.n = f
	}
	return b
}

// parseInstant reads a date (midnight UTC) or an ISO 8601 timestamp (UTC
// when it names no zone).
func parseInstant(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

type rangeQ struct {
	field  string
	lo, hi bound
}

// cmp compares a stored value with a bound: -1, 0, 1, or ok=false when they
// cannot be compared.
func (b bound) cmp(v gjson.Result) (int, bool) {
	switch v.Type {
	case gjson.String:
		if b.isTime {
			if t, ok := parseInstant(v.Str); ok {
				return t.Compare(b.t), true
			}
		}
		return strings.Compare(v.Str, b.text), true
	case gjson.Number:
		if b.n == nil {
			return 0, false
		}
		f, _, err := big.ParseFloat(v.Raw, 10, 200, big.ToNearestEven)
		if err != nil {
			return 0, false
		}
		return f.Cmp(b.n), true
	}
	return 0, false
}

func (q rangeQ) inRange(v gjson.Result) bool {
	if !q.lo.open {
		c, ok := q.lo.cmp(v)
		if !ok || c < 0 || (c == 0 && !q.lo.inclusive) {
			return false
		}
	}
	if !q.hi.open {
		c, ok := q.hi.cmp(v)
		if !ok || c > 0 || (c == 0 && !q.hi.inclusive) {
			return false
		}
	}
	if q.lo.open && q.hi.open {
		return v.Type == gjson.String || v.Type == gjson.Number
	}
	return true
}

func (q rangeQ) match(u object) bool { return visit(u, q.field, q.inRange) }

// rangeTerm reads [a TO b], {a TO b} or a mix, after "field:".
func (p *qparser) rangeTerm(field string) (matcher, error) {
	loInc := p.s[p.pos] == '['
	p.pos++
	p.space()
	lo, err := p.rangeEnd()
	if err != nil {
		return nil, err
	}
	if !p.keyword("TO") {
		return nil, errors.New("Invalid query: a range needs TO")
	}
	p.space()
	hi, err := p.rangeEnd()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos >= len(p.s) || (p.s[p.pos] != ']' && p.s[p.pos] != '}') {
		return nil, errors.New("Invalid query: unterminated range")
	}
	hiInc := p.s[p.pos] == ']'
	p.pos++
	return rangeQ{field: field, lo: newBound(lo, loInc), hi: newBound(hi, hiInc)}, nil
}

// compareTerm reads >v, >=v, <v or <=v after "field:" (a one-sided range).
func (p *qparser) compareTerm(field string) (matcher, error) {
	op := p.s[p.pos : p.pos+1]
	p.pos++
	if p.pos < len(p.s) && p.s[p.pos] == '=' {
		op += "="
		p.pos++
	}
	v, err := p.rangeEnd()
	if err != nil || v == "*" {
		return nil, errors.New("Invalid query: missing value after " + field + ":" + op)
	}
	open := newBound("*", true)
	b := newBound(v, strings.HasSuffix(op, "="))
	if op[0] == '>' {
		return rangeQ{field: field, lo: b, hi: open}, nil
	}
	return rangeQ{field: field, lo: open, hi: b}, nil
}

func (p *qparser) rangeEnd() (string, error) {
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		return p.quoted()
	}
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n]})", p.s[p.pos]) < 0 {
		p.pos++
	}
	if p.pos == start {
		return "", errors.New("Invalid query: missing range end")
	}
	return strings.ReplaceAll(p.s[start:p.pos], `\`, ""), nil
}

// sortSpec is the sort parameter: field:1 or field:-1.
type sortSpec struct {
	field string // "" : by user_id
	desc  bool
}

func parseSort(v string) (sortSpec, bool) {
	if v == "" {
		return sortSpec{}, true
	}
	f, dir, ok := strings.Cut(v, ":")
	if !ok || f == "" || (dir != "1" && dir != "-1") || strings.Contains(f, "_metadata") {
		return sortSpec{}, false
	}
	return sortSpec{field: f, desc: dir == "-1"}, true
}

// canonicalInstant is the created_at order key: the stored text made
// canonical (UTC, milliseconds) when it is a date, so text order is time
// order; anything else sorts first, as written.
func canonicalInstant(s string) string {
	if len(s) == len(timeFormat) && s[len(s)-1] == 'Z' && s[10] == 'T' && s[19] == '.' {
		return s
	}
	if t, ok := parseInstant(s); ok {
		return t.Format(timeFormat)
	}
	return ""
}

// createdRange finds a created_at range that every hit of m must satisfy,
// to look only at that stretch of the created_at order.
func createdRange(m matcher) *rangeQ {
	switch q := m.(type) {
	case rangeQ:
		if q.field == "created_at" {
			return &q
		}
	case andQ:
		for _, c := range q {
			if r := createdRange(c); r != nil {
				return r
			}
		}
	}
	return nil
}

// search returns the users matching m in the order asked for; ties (and
// the default order) go by user_id.
func (st *state) search(m matcher, srt sortSpec) []object {
	var hits []object
	byCreated := srt.field == "created_at"
	if r := createdRange(m); r != nil || byCreated {
		keys := st.createdOrder()
		lo, hi := 0, len(keys)
		if r != nil {
			lo, hi = narrow(keys, r)
		}
		// users whose created_at is not a date sort first; always look at them
		undated := sort.Search(len(keys), func(i int) bool { return keys[i].created != "" })
		for i := 0; i < min(undated, lo); i++ {
			if u := st.users[keys[i].id]; m.match(u) {
				hits = append(hits, u)
			}
		}
		for _, k := range keys[lo:hi] {
			if u := st.users[k.id]; m.match(u) {
				hits = append(hits, u)
			}
		}
	} else {
		// Walking the map beats looking each id up; only hits get sorted.
		var ids []string
		for id, u := range st.users {
			if m.match(u) {
				ids = append(ids, id)
				hits = append(hits, u)
			}
		}
		sort.Sort(byIDs{ids, hits})
	}
	switch {
	case byCreated:
		// already in created_at order
	case srt.field != "":
		type keyed struct {
			k  gjson.Result
			id string
			u  object
		}
		ks := make([]keyed, len(hits))
		for i, u := range hits {
			ks[i] = keyed{gjson.Parse(u[srt.field]), u.str("user_id"), u}
		}
		sort.Slice(ks, func(i, j int) bool {
			a, b := ks[i].k, ks[j].k
			if a.Type == gjson.Number && b.Type == gjson.Number {
				if c := a.Float() - b.Float(); c != 0 {
					return c < 0
				}
			} else if a.Type != b.Type {
				return a.Type < b.Type
			} else if a.String() != b.String() {
				return a.String() < b.String()
			}
			return ks[i].id < ks[j].id
		})
		for i := range ks {
			hits[i] = ks[i].u
		}
	case createdRange(m) != nil:
		ids := make([]string, len(hits))
		for i, u := range hits {
			ids[i] = u.str("user_id")
		}
		sort.Sort(byIDs{ids, hits})
	}
	if srt.desc {
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
	}
	return hits
}

type byIDs struct {
	ids []string
	us  []object
}

func (b byIDs) Len() int           { return len(b.ids) }
func (b byIDs) Less(i, j int) bool { return b.ids[i] < b.ids[j] }
func (b byIDs) Swap(i, j int) {
	b.ids[i], b.ids[j] = b.ids[j], b.ids[i]
	b.us[i], b.us[j] = b.us[j], b.us[i]
}

// narrow bounds the stretch of keys (in created_at order) that can satisfy
// r. It errs on the wide side: the matcher decides.
func narrow(keys []userKey, r *rangeQ) (lo, hi int) {
	lo, hi = 0, len(keys)
	if !r.lo.open && r.lo.isTime {
		from := r.lo.t.Truncate(time.Millisecond).Format(timeFormat)
		lo = sort.Search(len(keys), func(i int) bool { return keys[i].created >= from })
	}
	if !r.hi.open && r.hi.isTime {
		to := r.hi.t.Add(time.Millisecond - 1).Truncate(time.Millisecond).Format(timeFormat)
		hi = sort.Search(len(keys), func(i int) bool { return keys[i].created > to })
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}
