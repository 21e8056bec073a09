package web

import (
	"net/http"
	"time"

	"github.com/gorilla/csrf"
)

// csrfField is the hidden field every form carries its CSRF token in.
const csrfField = "csrf"

// maxFormBytes bounds a form's body: the pages' forms are a few short fields.
const maxFormBytes = 64 << 10

// protect refuses every form (any method but GET, HEAD, OPTIONS and TRACE)
// that does not carry the CSRF token of the browser's CSRF cookie, or whose
// Origin (or, over HTTPS, Referer) is another site's: gorilla/csrf, a
// masked token per page and a cookie sealed with a key of the service's.
// Over HTTPS the cookie is a __Host- cookie, so a neighbouring site cannot
// plant one; the refusal is a page of its own (403).
func (s *site) protect(next http.Handler) http.Handler {
	p := csrf.Protect(s.cookies.csrfKey,
		csrf.CookieName(s.cookies.csrf), csrf.FieldName(csrfField), csrf.Path("/"),
		csrf.Secure(!s.PlainHTTP), csrf.HttpOnly(true), csrf.SameSite(csrf.SameSiteLaxMode),
		csrf.MaxAge(int(IdleLimit/time.Second)), csrf.ErrorHandler(http.HandlerFunc(s.csrfRefused)),
	)(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUploadForm(r) {
			if !s.readUploadForm(w, r) {
				return
			}
		} else if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		if s.PlainHTTP {
			// Plain http on loopback (make run): there is no HTTPS Referer
			// to ask for; the token and any Origin are still checked.
			r = csrf.PlaintextHTTPRequest(r)
		}
		p.ServeHTTP(w, r)
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
	})
}

// csrfToken is the hidden field a page's forms carry.
func csrfToken(r *http.Request) string { return csrf.Token(r) }

func (s *site) csrfRefused(w http.ResponseWriter, r *http.Request) {
	s.Log.InfoContext(r.Context(), "form refused", "reason", csrf.FailureReason(r).Error())
	v := s.newVisit(w, r)
	s.message(v, http.StatusForbidden, "page.csrf.title", "page.csrf.body")
}
