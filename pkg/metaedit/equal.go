package metaedit

import (
	"bytes"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/render"
)

// Equal reports whether the JSON values a and b mean the same: object key
// order is ignored (with duplicate keys the first one counts, as gjson reads
// them), arrays are ordered, strings compare after unescaping ("\u0041"
// equals "A") and numbers by exact decimal value (1.0 equals 1 and 10e-1;
// -0 equals 0; 12345678901234567890 differs from 12345678901234567891).
// Invalid JSON is equal only to the very same bytes. Lone surrogates
// compare as written ("\ud800" differs from "\udc00" and from "\ufffd").
// Values nested deeper than metapath.MaxDepth (only a tenant holds those)
// compare by their compacted bytes, which keeps the cost linear.
func Equal(a, b []byte) bool {
	a, b = trimWS(a), trimWS(b)
	if bytes.Equal(a, b) {
		return true
	}
	if !gjson.ValidBytes(a) || !gjson.ValidBytes(b) {
		return false
	}
	return equalBounded(gjson.ParseBytes(a), gjson.ParseBytes(b))
}

// equalBounded is equal for values of any depth: those deeper than
// metapath.MaxDepth are compared by their compacted bytes, since equal
// walks each level of a value again for every level above it.
func equalBounded(a, b gjson.Result) bool {
	if a.Raw == b.Raw {
		return true
	}
	if metapath.Depth([]byte(a.Raw)) > metapath.MaxDepth || metapath.Depth([]byte(b.Raw)) > metapath.MaxDepth {
		return bytes.Equal(render.Compact([]byte(a.Raw)), render.Compact([]byte(b.Raw)))
	}
	return equal(a, b)
}

// equal is Equal on values read from valid JSON.
func equal(a, b gjson.Result) bool {
	if a.Raw == b.Raw {
		return true
	}
	switch a.Type {
	case gjson.JSON:
		if b.Type != gjson.JSON || a.Raw[0] != b.Raw[0] {
			return false
		}
		if a.IsArray() {
			return equalArrays(a, b)
		}
		return equalObjects(a, b)
	case gjson.String:
		return b.Type == gjson.String && sameString(a, b)
	case gjson.Number:
		return b.Type == gjson.Number && equalNumbers(a.Raw, b.Raw)
	default:
		return false // literals are equal only byte for byte
	}
}

func equalArrays(a, b gjson.Result) bool {
	bs := b.Array()
	n, same := 0, true
	a.ForEach(func(_, av gjson.Result) bool {
		same = n < len(bs) && equal(av, bs[n])
		n++
		return same
	})
	return same && n == len(bs)
}

func equalObjects(a, b gjson.Result) bool {
	ma, mb := firstValues(a), firstValues(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, av := range ma {
		bv, ok := mb[k]
		if !ok || !equal(av, bv) {
			return false
		}
	}
	return true
}

// firstValues maps each key of the object v (as stringText reads it) to
// its first value.
func firstValues(v gjson.Result) map[string]gjson.Result {
	m := make(map[string]gjson.Result)
	v.ForEach(func(k, val gjson.Result) bool {
		key := stringText(k)
		if _, dup := m[key]; !dup {
			m[key] = val
		}
		return true
	})
	return m
}

// sameString compares two JSON strings by the text they encode.
func sameString(a, b gjson.Result) bool {
	if a.Str != b.Str {
		return false
	}
	return !strings.ContainsRune(a.Str, utf8.RuneError) || stringText(a) == stringText(b)
}

// stringText is the text of the JSON string s, like s.Str except that a
// lone surrogate escape (\ud800 without its pair), which gjson reads as
// U+FFFD, is kept distinct: it is encoded the way UTF-8 would encode the
// code unit (WTF-8), which no valid UTF-8 text contains.
func stringText(s gjson.Result) string {
	if !strings.ContainsRune(s.Str, utf8.RuneError) {
		return s.Str
	}
	raw := s.Raw
	if len(raw) < 2 || raw[0] != '"' {
		return s.Str
	}
	raw = raw[1 : len(raw)-1]
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			b.WriteByte(c)
			continue
		}
		i++
		if raw[i] != 'u' || i+4 >= len(raw) {
			// Any other escape: let gjson read the two bytes.
			b.WriteString(gjson.Parse(`"\` + string(raw[i]) + `"`).Str)
			continue
		}
		r1, ok := hex4(raw[i+1 : i+5])
		i += 4
		if !ok {
			continue
		}
		if utf16.IsSurrogate(r1) {
			if r1 < 0xdc00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2, ok := hex4(raw[i+3 : i+7]); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
					b.WriteRune(utf16.DecodeRune(r1, r2))
					i += 6
					continue
				}
			}
			b.Write([]byte{0xe0 | byte(r1>>12), 0x80 | byte(r1>>6)&0x3f, 0x80 | byte(r1)&0x3f})
			continue
		}
		b.WriteRune(r1)
	}
	return b.String()
}

func hex4(s string) (rune, bool) {
	n, err := strconv.ParseUint(s, 16, 16)
	return rune(n), err == nil
}

// decimal is a JSON number as sign, significant digits (no leading or
// trailing zeros) and the power of ten of the point before the first digit:
// 0.d1d2... × 10^point × 10^exp.
type decimal struct {
	neg    bool
	digits string // empty means zero
	point  int    // position of the decimal point relative to digits
	hasExp bool
	exp    string // the exponent's text, sign included
}

func parseDecimal(s string) decimal {
	var d decimal
	i := 0
	if s[0] == '-' {
		d.neg = true
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart := s[intStart:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fs:i]
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		d.hasExp, d.exp = true, s[i+1:]
	}
	digits := intPart + frac
	d.point = len(intPart)
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
		d.point--
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	d.digits = digits
	return d
}

func equalNumbers(a, b string) bool {
	da, db := parseDecimal(a), parseDecimal(b)
	if len(da.digits) == 0 || len(db.digits) == 0 {
		return len(da.digits) == len(db.digits) // zero of any sign or spelling
	}
	if da.neg != db.neg || da.digits != db.digits {
		return false
	}
	return sameMagnitude(da, db)
}

// sameMagnitude compares point+exp of both numbers exactly, in int64 when
// the exponents are short and with math/big when they are not.
func sameMagnitude(a, b decimal) bool {
	ea, oka := smallExp(a)
	eb, okb := smallExp(b)
	if oka && okb {
		return int64(a.point)+ea == int64(b.point)+eb
	}
	return bigMagnitude(a).Cmp(bigMagnitude(b)) == 0
}

func smallExp(d decimal) (int64, bool) {
	if !d.hasExp {
		return 0, true
	}
	if len(d.exp) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(d.exp, 10, 64)
	return n, err == nil
}

func bigMagnitude(d decimal) *big.Int {
	n := big.NewInt(int64(d.point))
	if d.hasExp {
		if e, ok := new(big.Int).SetString(d.exp, 10); ok {
			n.Add(n, e)
		}
	}
	return n
}
