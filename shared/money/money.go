// Package money holds exact amounts: integer pence for money and scaled
// integers for decimals, both parsed from their text, never through a binary
// float.
package money

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Pence is an amount of money in pence.
type Pence int64

// Max is the largest amount the product accepts: £99,999,999,999.99.
const Max Pence = 9_999_999_999_999

// Errors from Parse, each the reason behind one rule code.
var (
	ErrSyntax     = errors.New("not a number of pounds")
	ErrExponent   = errors.New("exponent notation is not allowed")
	ErrTooPrecise = errors.New("more than 2 decimal places")
	ErrTooLarge   = errors.New("larger than 99,999,999,999.99")
	ErrOverflow   = errors.New("sum overflows")
)

// Parse reads pounds written as digits with an optional sign and at most two
// decimals ("1250000", "1250000.5", "-3.20") into pence.
func Parse(s string) (Pence, error) {
	neg, intPart, frac, err := splitNumber(s)
	if err != nil {
		return 0, err
	}
	if len(frac) > 2 {
		return 0, ErrTooPrecise
	}
	if len(intPart) > 12 {
		return 0, ErrTooLarge
	}
	frac += strings.Repeat("0", 2-len(frac))
	v, _ := strconv.ParseInt(intPart+frac, 10, 64) // at most 14 digits: cannot fail
	if Pence(v) > Max {
		return 0, ErrTooLarge
	}
	if neg {
		v = -v
	}
	return Pence(v), nil
}

// PlainDecimal reports text of the form [-]digits[.digits] (no exponent, no
// plus sign): how amounts and decimals are written.
func PlainDecimal(s string) bool {
	_, _, _, err := splitNumber(s)
	return err == nil
}

// splitNumber checks the JSON-number-like form [-]digits[.digits] and splits it.
func splitNumber(s string) (neg bool, intPart, frac string, err error) {
	if mantissa, exp, ok := strings.Cut(strings.ToLower(s), "e"); ok {
		if _, _, _, err := splitNumber(mantissa); err == nil && digits(strings.TrimLeft(exp, "+-")) {
			return false, "", "", ErrExponent
		}
		return false, "", "", ErrSyntax
	}
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if !digits(intPart) || (hasDot && !digits(frac)) {
		return false, "", "", ErrSyntax
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	return neg, intPart, frac, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String writes pounds with exactly two decimals: "1250000.50", "-0.05".
func (p Pence) String() string { return string(p.Append(make([]byte, 0, 24))) }

// Append writes the amount as String does, onto b (no allocation of its own).
func (p Pence) Append(b []byte) []byte {
	v := int64(p)
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = uint64(-(v + 1)) + 1 // safe for MinInt64
	}
	b = strconv.AppendUint(b, u/100, 10)
	cents := u % 100
	return append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
}

// MarshalText writes the amount as two-decimal text, so JSON carries it as
// a string ("1250000.50"): never a number a reader could take as a float.
func (p Pence) MarshalText() ([]byte, error) {
	return []byte(p.String()), nil
}

// UnmarshalJSON reads a JSON number or string of pounds: any amount
// MarshalText writes, so that a stored sum (a fund's cells add up past Max)
// reads back exactly. The bound on what a partner may send is Parse's, which
// the submission rules apply at the door.
func (p *Pence) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	neg, intPart, frac, err := splitNumber(s)
	if err != nil {
		return err
	}
	if len(frac) > 2 {
		return ErrTooPrecise
	}
	digits := intPart + frac + strings.Repeat("0", 2-len(frac))
	if neg {
		digits = "-" + digits
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return ErrOverflow
	}
	*p = Pence(v)
	return nil
}

// Add returns a+b, or ErrOverflow when the sum leaves int64.
func Add(a, b Pence) (Pence, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, ErrOverflow
	}
	return a + b, nil
}

// Sub returns a-b, or ErrOverflow.
func Sub(a, b Pence) (Pence, error) {
	if b == math.MinInt64 {
		if a < 0 {
			return a - b, nil
		}
		return 0, ErrOverflow
	}
	return Add(a, -b)
}

// Sum adds amounts, overflow-checked.
func Sum(vs ...Pence) (Pence, error) {
	var total Pence
	for _, v := range vs {
		var err error
		if total, err = Add(total, v); err != nil {
			return 0, err
		}
	}
	return total, nil
}
