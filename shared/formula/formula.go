// Package formula says which text a spreadsheet would run as a formula (CSV
// injection, OWASP): uploads refuse such cells and exports defuse them, by
// the same rule.
package formula

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// starts are the first characters that make a spreadsheet run a cell as a
// formula, with the full-width forms some spreadsheets also accept.
const starts = "=+-@\t\r＝＋－＠"

// Like reports text that would start a formula.
func Like(s string) bool {
	_, ok := First(s)
	return ok
}

// First is the character that makes s formula-like, if it is. Spreadsheets
// skip leading spaces before looking, and the service trims every kind of
// Unicode white space from the text it stores (strings.TrimSpace), so a
// formula hidden behind a no-break or ideographic space is stored as a bare
// formula: every white space is skipped here too (but tab and carriage
// return, which start a formula themselves), and so are invisible format
// characters (zero-width space, byte order mark), which show as nothing.
func First(s string) (rune, bool) {
	r, size := utf8.DecodeRuneInString(strings.TrimLeftFunc(s, skipped))
	return r, size > 0 && strings.ContainsRune(starts, r)
}

func skipped(r rune) bool {
	return r != '\t' && r != '\r' && (unicode.IsSpace(r) || unicode.Is(unicode.Cf, r))
}
