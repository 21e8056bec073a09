package httpapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// langParam is the query parameter every route takes to ask for a language;
// it wins over Accept-Language.
const langParam = "lang"

// negotiate chooses the request's language (i18n.Negotiate) and keeps it in
// its context. A lang naming no language served answers in English here;
// checkQuery refuses it. English, what a context without a language answers
// in, costs a request nothing: no query parse, no new context.
func negotiate(r *http.Request) (*http.Request, i18n.Lang) {
	var asked string
	if q := r.URL.RawQuery; strings.Contains(q, langParam+"=") || strings.Contains(q, "%") { // %6Cang= is lang= too
		asked = r.URL.Query().Get(langParam)
	}
	lang, _ := i18n.Negotiate(r.Header.Get("Accept-Language"), asked)
	if lang == i18n.English {
		return r, lang
	}
	return r.WithContext(i18n.With(r.Context(), lang)), lang
}

// contentLanguage marks an answer that carries words (a JSON body, a
// problem, or a page under /app/) with the language they are in: lang,
// unless the answer already says (a replayed answer, in the language it was
// first given in; a template, whose guide is in the request's language).
// Empty answers and other files carry none.
func contentLanguage(h http.Header, lang i18n.Lang) {
	if wordy(h) && h.Get("Content-Language") == "" {
		h.Set("Content-Language", string(lang))
	}
}

// wordy reports an answer whose body carries words: JSON, a problem or a page.
func wordy(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/json" || mt == "application/problem+json" || mt == "text/html"
}

// storedLanguage is the language of an answer stored before stored answers
// kept their Content-Language: a problem's title says it; any other body was
// English then.
func storedLanguage(h http.Header, body []byte) i18n.Lang {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt != "application/problem+json" {
		return i18n.English
	}
	var p struct{ Type, Title string }
	if json.Unmarshal(body, &p) != nil {
		return i18n.English
	}
	code := apperr.Code(strings.TrimPrefix(p.Type, ProblemBase))
	for _, l := range i18n.Langs {
		if p.Title == title(l, code) {
			return l
		}
	}
	return i18n.English
}
