package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// matcher matches what a request accepts against the languages served;
// English, first, is what an unmatched request gets.
var matcher = language.NewMatcher([]language.Tag{language.English, language.MustParse("cy")})

// Negotiate chooses the language of an answer: the lang parameter when one is
// given (cy or en), else the best of Accept-Language by its q-values (cy,
// cy-GB, en, en-GB, ...), else English. ok is false when lang names a
// language not served; the answer is then English, and the caller refuses it.
func Negotiate(acceptLanguage, langParam string) (lang Lang, ok bool) {
	if langParam != "" {
		switch l := Lang(strings.ToLower(langParam)); l {
		case English, Welsh:
			return l, true
		}
		return English, false
	}
	if acceptLanguage == "" {
		return English, true
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English, true // an unreadable header asks for nothing in particular
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English, true
	}
	return Langs[i], true
}
