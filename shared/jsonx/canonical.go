package jsonx

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Canonical writes a decoded value (Decode's tree) per RFC 8785: members
// sorted by name in UTF-16 order, strings as JCS escapes them, numbers as
// ECMAScript writes the IEEE 754 double they denote. It stands in for a JCS
// library on the request path (idempotency fingerprints) because that one
// compiles a regular expression at start, which a Lambda cold start pays for.
func Canonical(v any) []byte { return appendCanonical(make([]byte, 0, 256), v) }

func appendCanonical(b []byte, v any) []byte {
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
			b = appendCanonical(b, x[k])
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCanonical(b, e)
		}
		return append(b, ']')
	case string:
		return AppendString(b, x)
	case json.Number:
		return appendES6Number(b, string(x))
	case bool:
		return strconv.AppendBool(b, x)
	}
	return append(b, "null"...)
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
	k, n := len(digits), e+1
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		return append(b, strings.Repeat("0", n-k)...)
	case 0 < n && n <= 21:
		return append(append(append(b, digits[:n]...), '.'), digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, "0."...)
		return append(append(b, strings.Repeat("0", -n)...), digits...)
	}
	b = append(b, digits[0])
	if k > 1 {
		b = append(append(b, '.'), digits[1:]...)
	}
	b = append(b, 'e')
	if n-1 >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(n-1), 10)
}
