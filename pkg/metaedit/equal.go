package metaedit

import (
	"bytes"
	"math/big"
	"strconv"

	"github.com/tidwall/gjson"
)

// Equal reports whether the JSON values a and b mean the same: object key
// order is ignored (with duplicate keys the last one counts), arrays are
// ordered, strings compare after unescaping ("\u0041" equals "A") and
// numbers by exact decimal value (1.0 equals 1 and 10e-1; -0 equals 0;
// 12345678901234567890 differs from 12345678901234567891). Invalid JSON is
// equal only to the very same bytes.
func Equal(a, b []byte) bool {
	a, b = trimWS(a), trimWS(b)
	if bytes.Equal(a, b) {
		return true
	}
	if !gjson.ValidBytes(a) || !gjson.ValidBytes(b) {
		return false
	}
	return equal(a, b)
}

// equal is Equal on trimmed, valid values.
func equal(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	switch a[0] {
	case '{':
		return b[0] == '{' && equalObjects(a, b)
	case '[':
		if b[0] != '[' {
			return false
		}
		ma, mb := members(a), members(b)
		if len(ma) != len(mb) {
			return false
		}
		for i := range ma {
			if !equal(a[ma[i].vs:ma[i].ve], b[mb[i].vs:mb[i].ve]) {
				return false
			}
		}
		return true
	case '"':
		return b[0] == '"' && equalStrings(a, b)
	case 't', 'f', 'n':
		return false // literals are equal only byte for byte
	default:
		return isNumberStart(b[0]) && equalNumbers(a, b)
	}
}

func isNumberStart(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

func equalObjects(a, b []byte) bool {
	ma, mb := members(a), members(b)
	ia, ib := lastIndex(a, ma), lastIndex(b, mb)
	if len(ia) != len(ib) {
		return false
	}
	for k, i := range ia {
		j, ok := ib[k]
		if !ok || !equal(a[ma[i].vs:ma[i].ve], b[mb[j].vs:mb[j].ve]) {
			return false
		}
	}
	return true
}

// lastIndex maps each key of the object v to the index of its last member.
func lastIndex(v []byte, ms []member) map[string]int {
	idx := make(map[string]int, len(ms))
	for i, m := range ms {
		idx[keyOf(v, m)] = i
	}
	return idx
}

func equalStrings(a, b []byte) bool {
	if bytes.IndexByte(a, '\\') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return false // no escapes: equal only byte for byte, checked already
	}
	return unquote(a) == unquote(b)
}

// decimal is a JSON number as sign, significant digits (no leading or
// trailing zeros) and the power of ten of the point before the first digit:
// 0.d1d2... × 10^point × 10^exp.
type decimal struct {
	neg    bool
	digits []byte // empty means zero
	point  int    // position of the decimal point relative to digits
	exp    []byte // the exponent's text, sign included; nil when absent
}

func parseDecimal(s []byte) decimal {
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
	var frac []byte
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fs:i]
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		d.exp = s[i+1:]
	}
	digits := intPart
	if len(frac) > 0 {
		digits = make([]byte, 0, len(intPart)+len(frac))
		digits = append(digits, intPart...)
		digits = append(digits, frac...)
	}
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

func equalNumbers(a, b []byte) bool {
	da, db := parseDecimal(a), parseDecimal(b)
	if len(da.digits) == 0 || len(db.digits) == 0 {
		return len(da.digits) == len(db.digits) // zero of any sign or spelling
	}
	if da.neg != db.neg || !bytes.Equal(da.digits, db.digits) {
		return false
	}
	return sameMagnitude(da, db)
}

// sameMagnitude compares point+exp of both numbers exactly, in int64 when
// the exponents are short and with math/big when they are not.
func sameMagnitude(a, b decimal) bool {
	ea, oka := smallExp(a.exp)
	eb, okb := smallExp(b.exp)
	if oka && okb {
		return int64(a.point)+ea == int64(b.point)+eb
	}
	return bigMagnitude(a).Cmp(bigMagnitude(b)) == 0
}

func smallExp(exp []byte) (int64, bool) {
	if exp == nil {
		return 0, true
	}
	if len(exp) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(exp), 10, 64)
	return n, err == nil
}

func bigMagnitude(d decimal) *big.Int {
	n := big.NewInt(int64(d.point))
	if d.exp != nil {
		e, ok := new(big.Int).SetString(string(d.exp), 10)
		if ok {
			n.Add(n, e)
		}
	}
	return n
}
