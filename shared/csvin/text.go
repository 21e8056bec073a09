package csvin

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/regional-data-exchange/rdx/shared/formula"
)

// formulaLike reports a cell a spreadsheet would run as a formula. The
// file's figures come back to partners and the region in exports, so such
// text is refused at the door.
func formulaLike(raw string) bool { return formula.Like(raw) }

// formulaData is what csv.formula names of a cell: the character it starts with.
func formulaData(raw string) map[string]any {
	r, _ := formula.First(raw)
	return map[string]any{"Char": strconv.QuoteRune(r)}
}

// numberLike is text made only of what figures are written with, so a
// leading sign in a figure column is a negative number, not a formula.
func numberLike(s string) bool {
	return strings.Trim(s, "0123456789.,+-") == ""
}

// wholeNumber is the JSON integer a cell spells, from its text alone (never
// through a float): no decimals, no exponent; leading zeros dropped, since
// JSON forbids them.
func wholeNumber(s string) (json.Number, bool) {
	s = ungroup(s)
	sign := ""
	if s[0] == '+' || s[0] == '-' {
		sign, s = strings.TrimPrefix(s[:1], "+"), s[1:]
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return "", false
	}
	if s = strings.TrimLeft(s, "0"); s == "" {
		return "0", true // and "-0" is 0
	}
	return json.Number(sign + s), true
}

// ungroup removes thousands separators ("1,250,000.00"): the XLSX
// template formats money as #,##0.00 and spreadsheets save a cell as shown.
// Anything else is left as written, for the validator to judge.
func ungroup(s string) string {
	sign, rest := "", s
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		sign, rest = rest[:1], rest[1:]
	}
	whole, frac, hasFrac := strings.Cut(rest, ".")
	groups := strings.Split(whole, ",")
	if len(groups) < 2 || !digits(frac) || len(groups[0]) == 0 || len(groups[0]) > 3 || !digits(groups[0]) {
		return s
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !digits(g) {
			return s
		}
	}
	out := sign + strings.Join(groups, "")
	if hasFrac {
		out += "." + frac
	}
	return out
}

func digits(s string) bool { return strings.Trim(s, "0123456789") == "" }

// clip shortens a cell quoted in a message.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}
