package region

import (
	"fmt"
	"strconv"
	"strings"
)

// Percent is a share in basis points (hundredths of a per cent), read from a
// JSON number of per cent with at most two decimals ("45", "37.5").
type Percent int

// Whole is 100%: a fixed-shares fund's shares sum to it every year.
const Whole Percent = 100_00

// ParsePercent reads a number of per cent exactly, never through a float:
// digits with at most two decimals, more than 0 and at most 100.
func ParsePercent(s string) (Percent, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" || strings.ContainsAny(s, "eE+-") {
		return 0, false
	}
	frac += strings.Repeat("0", 2-len(frac))
	n, err := strconv.Atoi(whole + frac)
	if err != nil || n <= 0 || Percent(n) > Whole {
		return 0, false
	}
	return Percent(n), true
}

// String is the per cent without trailing zeros.
func (p Percent) String() string {
	s := fmt.Sprintf("%d.%02d", int(p)/100, int(p)%100)
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "0"), "0"), ".")
}
