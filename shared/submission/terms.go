package submission

import "github.com/regional-data-exchange/rdx/shared/i18n"

// typeTerms are the words a wrong-type finding says what a field takes and
// what was sent with (jsonx's phrases and JSON's type names), each a term of
// the catalogue so that a Welsh message says them in Welsh.
var typeTerms = map[string]i18n.Term{
	"a string":                       "term.type.a-string",
	"an object":                      "term.type.an-object",
	"an array":                       "term.type.an-array",
	"a number":                       "term.type.a-number",
	"a whole number":                 "term.type.a-whole-number",
	"true or false":                  "term.type.true-or-false",
	"a number or a string of pounds": "term.type.number-or-pounds",
	"a number or a string of digits": "term.type.number-or-digits",
	"null":                           "term.type.null",
	"boolean":                        "term.type.boolean",
	"number":                         "term.type.number",
	"string":                         "term.type.string",
	"array":                          "term.type.array",
	"object":                         "term.type.object",
}

// typeTerm is s as a term of the catalogue, or s itself (a number's text).
func typeTerm(s string) any {
	if t, ok := typeTerms[s]; ok {
		return t
	}
	return s
}
