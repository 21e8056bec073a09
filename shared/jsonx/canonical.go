package jsonx

import (
	"cmp"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Canonical writes v per RFC 8785: members sorted by name in UTF-16 order,
// strings as JCS escapes them, numbers as ECMAScript writes the IEEE 754
// double they denote. v is a tree of map[string]any, []any, string,
// json.Number, bool and nil, as Decode makes it; it may also hold int64
// (written as an integer: the caller keeps it within ±2^53) and
// encoding.TextMarshaler values such as money amounts, written as strings.
// Anything else is an error rather than a guess. It stands in for a JCS
// library on the request path (idempotency fingerprints, receipts) because
// that one compiles a regular expression at start, which a Lambda cold
// start pays for.
func Canonical(v any) ([]byte, error) { return canon{appendES6Number}.append(make([]byte, 0, 1024), v) }

// CanonicalExact is Canonical with every json.Number written as the exact
// decimal it denotes rather than the double nearest to it, in the same
// layout: two numbers are written alike only when they are equal. A number
// a double holds exactly in at most 17 significant digits (every figure a
// partner sends) is written exactly as Canonical writes it. It is for
// telling requests apart (idempotency fingerprints), where 21-digit numbers
// that differ must not look the same; it is not RFC 8785.
func CanonicalExact(v any) ([]byte, error) {
	return canon{appendExactNumber}.append(make([]byte, 0, 1024), v)
}

// canon writes canonical JSON with its own way of writing numbers.
type canon struct {
	number func(b []byte, text string) []byte
}

func (c canon) append(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return utf16Less(keys[i], keys[j]) })
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(AppendString(b, k), ':')
			if b, err = c.append(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = c.append(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case string:
		return AppendString(b, x), nil
	case json.Number:
		return c.number(b, string(x)), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case nil:
		return append(b, "null"...), nil
	case encoding.TextMarshaler:
		text, err := x.MarshalText()
		if err != nil {
			return nil, err
		}
		return AppendString(b, string(text)), nil
	}
	return nil, fmt.Errorf("canonical JSON: unexpected %T", v)
}

// utf16Less orders strings by their UTF-16 code units, as RFC 8785 sorts
// member names (it differs from byte order only beyond the BMP). Two runes
// with the same first code unit (same lead surrogate) are ordered by their
// second, which follows code point order.
func utf16Less(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			if ka, kb := utf16Key(ra), utf16Key(rb); ka != kb {
				return ka < kb
			}
			return ra < rb
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) < len(b)
}

// utf16Key is a rune's first UTF-16 code unit, as a sort key.
func utf16Key(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}

// appendES6Number writes the double a JSON number denotes as ECMAScript's
// Number::toString does (ECMA-262 §6.1.6.1.20): shortest round-trip digits,
// plain notation for exponents from -6 to 20, otherwise d.ddde±n.
func appendES6Number(b []byte, text string) []byte {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && math.IsInf(f, 0) {
		return append(b, "null"...) // not representable; JCS refuses such input
	}
	if f == 0 {
		return append(b, '0')
	}
	if f < 0 {
		b, f = append(b, '-'), -f
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	return appendLayout(b, digits, int64(e+1))
}

// appendLayout writes digits (no leading or trailing zeros) with the decimal
// point at n (the value is 0.digits × 10^n) as ECMAScript lays a number out:
// plain notation for n from -5 to 21, otherwise d.ddde±n.
func appendLayout(b []byte, digits string, n int64) []byte {
	k := int64(len(digits))
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		return append(b, strings.Repeat("0", int(n-k))...)
	case 0 < n && n <= 21:
		return append(append(append(b, digits[:n]...), '.'), digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, "0."...)
		return append(append(b, strings.Repeat("0", int(-n))...), digits...)
	}
	b = append(b, digits[0])
	if k > 1 {
		b = append(append(b, '.'), digits[1:]...)
	}
	b = append(b, 'e')
	if n-1 >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, n-1, 10)
}

// appendExactNumber writes the exact value of a JSON number's text (which
// the decoder has checked) in appendLayout's form. An exponent too long for
// an int64 is carried exactly, in the d.ddde±n form.
func appendExactNumber(b []byte, text string) []byte {
	neg := text[0] == '-'
	mant, exp, _ := strings.Cut(strings.ToLower(strings.TrimPrefix(text, "-")), "e")
	whole, frac, _ := strings.Cut(mant, ".")
	all := strings.TrimLeft(whole+frac, "0")
	digits := strings.TrimRight(all, "0")
	if digits == "" {
		return append(b, '0') // and -0 is 0
	}
	if neg {
		b = append(b, '-')
	}
	// The value is 0.digits × 10^n with n = len(all) − len(frac) + exp.
	exp = strings.TrimPrefix(exp, "+")
	point := int64(len(all) - len(frac))
	if e, err := strconv.ParseInt(cmp.Or(exp, "0"), 10, 64); err == nil && e > -1<<60 && e < 1<<60 {
		return appendLayout(b, digits, point+e)
	}
	e, _ := new(big.Int).SetString(exp, 10)
	e.Add(e, big.NewInt(point-1))
	b = append(b, digits[0])
	if len(digits) > 1 {
		b = append(append(b, '.'), digits[1:]...)
	}
	b = append(b, 'e')
	if e.Sign() >= 0 {
		b = append(b, '+')
	}
	return e.Append(b, 10)
}
