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
//
// The headers browsers and clients send (en, en-GB, cy, cy-GB, with or
// without q-values) are read by a fast path that allocates nothing; any
// other is matched by golang.org/x/text.
func Negotiate(acceptLanguage, langParam string) (lang Lang, ok bool) {
	if langParam != "" {
		switch {
		case strings.EqualFold(langParam, string(English)):
			return English, true
		case strings.EqualFold(langParam, string(Welsh)):
			return Welsh, true
		}
		return English, false
	}
	if l, ok := quickMatch(acceptLanguage); ok {
		return l, true
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

// quickTags are the tags the fast path knows, each the language it matches.
var quickTags = [...]struct {
	tag  string
	lang Lang
}{{"en", English}, {"en-GB", English}, {"en-US", English}, {"cy", Welsh}, {"cy-GB", Welsh}}

// quickMatch reads an Accept-Language made only of the quickTags, each with
// an optional q-value, and gives the language of the first tag with the
// highest q (RFC 9110 §12.5.4), as the matcher answers such a header when it
// names each language once. ok is false for any other header, which the
// matcher reads.
func quickMatch(h string) (lang Lang, ok bool) {
	lang, best := English, -1
	for more := h != ""; more; {
		var item string
		item, h, more = strings.Cut(h, ",")
		tag, q, found := strings.Cut(item, ";")
		tag = strings.TrimSpace(tag)
		w := 1000
		if found {
			if w, ok = qValue(q); !ok {
				return English, false
			}
		}
		l, known := quickTag(tag)
		if !known {
			return English, false
		}
		if w > best && w > 0 {
			lang, best = l, w
		}
	}
	return lang, true
}

func quickTag(tag string) (Lang, bool) {
	for _, t := range quickTags {
		if strings.EqualFold(tag, t.tag) {
			return t.lang, true
		}
	}
	return "", false
}

// qValue reads " q=0.8" (RFC 9110 §12.4.2: 0 to 1 with at most three
// decimals) in thousandths.
func qValue(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 3 || s[0] != 'q' || s[1] != '=' {
		return 0, false
	}
	s = s[2:]
	whole := s[0]
	if whole != '0' && whole != '1' {
		return 0, false
	}
	w := int(whole-'0') * 1000
	s = s[1:]
	if s == "" {
		return w, true
	}
	if s[0] != '.' || len(s) > 4 {
		return 0, false
	}
	scale := 100
	for i := 1; i < len(s); i++ {
		d := s[i]
		if d < '0' || d > '9' || (whole == '1' && d != '0') {
			return 0, false
		}
		w += int(d-'0') * scale
		scale /= 10
	}
	return w, true
}
