package httpapi

import (
	"mime"
	"net/http"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// langParam is the query parameter every route takes to ask for a language;
// it wins over Accept-Language.
const langParam = "lang"

// negotiate chooses the request's language (i18n.Negotiate) and keeps it in
// its context. A lang naming no language served answers in English here;
// checkQuery refuses it.
func negotiate(r *http.Request) (*http.Request, i18n.Lang) {
	var asked string
	if r.URL.RawQuery != "" {
		asked = r.URL.Query().Get(langParam)
	}
	lang, _ := i18n.Negotiate(r.Header.Get("Accept-Language"), asked)
	return r.WithContext(i18n.With(r.Context(), lang)), lang
}

// contentLanguage marks an answer that carries words (a JSON body, a
// problem, or a page under /app/) with the language they are in. Files and
// empty answers carry none.
func contentLanguage(h http.Header, lang i18n.Lang) {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	switch mt {
	case "application/json", "application/problem+json", "text/html":
		h.Set("Content-Language", string(lang))
	}
}
