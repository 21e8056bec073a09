package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// visit is one request for a page: who asks (nil before sign-in), in which
// language, and the message a redirect brought.
type visit struct {
	w    http.ResponseWriter
	r    *http.Request
	p    *auth.Principal
	lang i18n.Lang
	// explicit is the language the address asks for (?lang=), kept on every
	// link and form of the page; "" when the browser's Accept-Language chose.
	explicit i18n.Lang
	flash    *flash
}

func (s *site) newVisit(w http.ResponseWriter, r *http.Request) *visit {
	v := &visit{w: w, r: r, lang: i18n.From(r.Context())}
	if asked := r.URL.Query().Get("lang"); asked != "" {
		if l, ok := i18n.Negotiate("", asked); ok {
			v.explicit = l
		}
	}
	return v
}

// link is an address of the pages with its query, keeping the language the
// address asked for.
func (v *visit) link(path string, q url.Values) string {
	if v.explicit != "" {
		q = cloneValues(q)
		q.Set("lang", string(v.explicit))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// appPath is the address of a page from its segments, each escaped.
func appPath(segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(Prefix, "/"))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// redirect answers a form (or a page that moved) with 303 See Other: the
// browser then asks for the page with GET (post, redirect, get).
func (v *visit) redirect(path string, q url.Values) error {
	http.Redirect(v.w, v.r, v.link(path, q), http.StatusSeeOther)
	return nil
}

// flash is a message a form leaves for the page it redirects to.
type flash struct {
	Error   bool     `json:"e,omitempty"`
	Text    string   `json:"t"`
	Details []string `json:"d,omitempty"`
}

// flashLife is how long a flash waits for its page.
const flashLife = time.Minute

// maxFlashDetails bounds what a flash carries, to keep its cookie small.
const maxFlashDetails = 10

func (s *site) leaveFlash(v *visit, f flash) {
	if len(f.Details) > maxFlashDetails {
		f.Details = f.Details[:maxFlashDetails]
	}
	if err := s.cookies.set(v.w, s.cookies.flash, f, flashLife); err != nil {
		s.Log.WarnContext(v.r.Context(), "flash not kept", "error", err)
	}
}

// takeFlash reads the flash a redirect brought, once.
func (s *site) takeFlash(v *visit) {
	var f flash
	if s.cookies.get(v.r, s.cookies.flash, &f) {
		v.flash = &f
	}
	if _, err := v.r.Cookie(s.cookies.flash); err == nil {
		s.cookies.clear(v.w, s.cookies.flash)
	}
}
