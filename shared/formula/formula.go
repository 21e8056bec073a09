// Package formula says which text a spreadsheet would run as a formula (CSV
// injection, OWASP): uploads refuse such cells and exports defuse them, by
// the same rule.
package formula

import (
	"strings"
	"unicode/utf8"
)

// starts are the first characters that make a spreadsheet run a cell as a
// formula, with the full-width forms some spreadsheets also accept.
const starts = "=+-@\t\r＝＋－＠"

// Like reports text that would start a formula: spreadsheets skip leading
// spaces (and line breaks) before looking.
func Like(s string) bool {
	_, ok := First(s)
	return ok
}

// First is the character that makes s formula-like, if it is.
func First(s string) (rune, bool) {
	r, size := utf8.DecodeRuneInString(strings.TrimLeft(s, " \n"))
	return r, size > 0 && strings.ContainsRune(starts, r)
}
