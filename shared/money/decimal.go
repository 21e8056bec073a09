package money

import (
	"errors"
	"strings"
)

// Decimal is an exact decimal number of at most six decimal places, kept in
// its normalised text form (no leading zeros, no trailing fractional zeros,
// no "-0"): "612.4", "0.000001", "-3".
type Decimal struct{ text string }

// MaxDecimalPlaces and MaxDecimalIntegerDigits bound what a decimal may carry.
const (
	MaxDecimalPlaces        = 6
	MaxDecimalIntegerDigits = 15
)

// Errors from ParseDecimal (with ErrSyntax and ErrExponent).
var (
	ErrDecimalTooPrecise = errors.New("more than 6 decimal places")
	ErrDecimalTooLarge   = errors.New("more than 15 digits before the decimal point")
)

// ParseDecimal reads [-]digits[.digits] exactly.
func ParseDecimal(s string) (Decimal, error) {
	neg, intPart, frac, err := splitNumber(s)
	if err != nil {
		return Decimal{}, err
	}
	if len(frac) > MaxDecimalPlaces {
		return Decimal{}, ErrDecimalTooPrecise
	}
	if len(intPart) > MaxDecimalIntegerDigits {
		return Decimal{}, ErrDecimalTooLarge
	}
	frac = strings.TrimRight(frac, "0")
	text := intPart
	if frac != "" {
		text += "." + frac
	}
	if neg && text != "0" {
		text = "-" + text
	}
	return Decimal{text: text}, nil
}

// String is the normalised text.
func (d Decimal) String() string {
	if d.text == "" {
		return "0"
	}
	return d.text
}

// MarshalText writes the decimal's text (a JSON string).
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON reads a JSON number or string.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
