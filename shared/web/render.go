package web

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

// templates are the pages by name: the layout and its parts, with one page
// file (templates/page-{name}.html) defining "main".
type templates map[string]*template.Template

func parseTemplates() (templates, error) {
	base, err := template.New("layout.html").Funcs(partsFuncs).ParseFS(templateFS, "templates/layout.html", "templates/parts*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/page-*.html")
	if err != nil {
		return nil, err
	}
	out := templates{}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(strings.TrimPrefix(path.Base(f), "page-"), ".html")] = t
	}
	return out, nil
}

// page is what the layout shows around every page's own Data.
type page struct {
	Lang       i18n.Lang
	Title      string
	Who        string // the signed-in person's name; "" signed out
	Flash      *flash
	CSRF       string // the forms' CSRF token
	CSRFField  string
	Home       string
	SignOut    string // the sign-out form's action
	Switch     langSwitch
	Stylesheet string
	Data       any
}

// langSwitch is the link to the same page in the other language.
type langSwitch struct {
	Href, Label string
	Lang        i18n.Lang
}

// T is a message of the catalogue in the page's language; kv are its
// values as name, value pairs.
func (p *page) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 1 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			name, ok := kv[i].(string) // always, from the Go writers and the templates
			if !ok {
				name = fmt.Sprint(kv[i])
			}
			data[name] = kv[i+1]
		}
	}
	return text(p.Lang, id, data)
}

func (v *visit) t(id string, data map[string]any) string { return text(v.lang, id, data) }

// plainTexts keeps each message that takes no values once looked up, by
// language and id: a page asks for the same labels on every request, and
// the catalogue does not change while the process runs. At most
// maxPlainTexts are kept (a document's field names are looked up too).
var (
	plainTexts    sync.Map // string(lang) + "\x00" + id → string
	plainCount    atomic.Int64
	maxPlainTexts int64 = 4096
)

// valueTexts keeps messages with values of words and whole numbers (a
// date, a version's number, a count), by language, id and values: a list's
// rows say the same dates and numbers on every view. When maxValueTexts are
// kept they are all let go and kept again as they are asked.
var (
	valueTexts    sync.Map // valueKey → string
	valueCount    atomic.Int64
	maxValueTexts int64 = 8192
)

// valueKey is a message's key in valueTexts; false when a value is of
// another kind (region's words, a term), which is looked up each time.
func valueKey(lang i18n.Lang, id string, data map[string]any) (string, bool) {
	if len(data) > 8 {
		return "", false
	}
	names := make([]string, 0, len(data))
	for name := range data {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(string(lang))
	b.WriteByte(0)
	b.WriteString(id)
	for _, name := range names {
		var v string
		switch x := data[name].(type) {
		case string:
			v = "s" + x
		case int:
			v = "i" + strconv.Itoa(x)
		case int64:
			v = "i" + strconv.FormatInt(x, 10)
		default:
			return "", false
		}
		b.WriteByte(0)
		b.WriteString(name)
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String(), true
}

// text is a message of the catalogue in a language.
func text(lang i18n.Lang, id string, data map[string]any) string {
	if data != nil {
		key, ok := valueKey(lang, id, data)
		if !ok {
			return i18n.Text(lang, id, data)
		}
		if s, ok := valueTexts.Load(key); ok {
			return s.(string)
		}
		s := i18n.Text(lang, id, data)
		if valueCount.Add(1) > maxValueTexts {
			valueTexts.Clear()
			valueCount.Store(1)
		}
		valueTexts.Store(key, s)
		return s
	}
	key := string(lang) + "\x00" + id
	if s, ok := plainTexts.Load(key); ok {
		return s.(string)
	}
	s := i18n.Text(lang, id, nil)
	if plainCount.Load() < maxPlainTexts {
		if _, had := plainTexts.LoadOrStore(key, s); !had {
			plainCount.Add(1)
		}
	}
	return s
}

// checkAgainstTemplates, set by the package's tests, writes every page
// also as its templates write it and fails the page unless the two are the
// same, byte for byte.
var checkAgainstTemplates bool

// render writes a page: the layout around templates/page-{name}.html.
func (s *site) render(v *visit, status int, name, title string, data any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	if v.flash == nil {
		s.takeFlash(v)
	}
	p := &page{Lang: v.lang, Title: title, Flash: v.flash, CSRF: csrfToken(v.r), CSRFField: csrfField,
		Home: v.link(Prefix, nil), SignOut: v.link(signOutPath, nil), Switch: v.switchLink(), Stylesheet: stylesheet, Data: data}
	if v.p != nil {
		p.Who = v.p.Name
		if p.Who == "" {
			p.Who = v.p.Subject
		}
	}
	var buf strings.Builder
	buf.Grow(16 << 10)
	if err := writePage(&buf, t, mainWriters[name], p); err != nil {
		return err
	}
	if checkAgainstTemplates {
		var want strings.Builder
		if err := t.ExecuteTemplate(&want, "layout.html", p); err != nil {
			return err
		}
		if want.String() != buf.String() {
			return fmt.Errorf("web: page %q is not written as its template writes it:\n got %q\nwant %q", name, buf.String(), want.String())
		}
	}
	h := v.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(v.lang))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	v.w.WriteHeader(status)
	_, err := io.WriteString(v.w, buf.String())
	return err
}

// switchLink is the page's address in the other language.
func (v *visit) switchLink() langSwitch {
	other, label := i18n.Welsh, "Cymraeg"
	if v.lang == i18n.Welsh {
		other, label = i18n.English, "English"
	}
	q := v.r.URL.Query()
	q.Set("lang", string(other))
	path := v.r.URL.Path
	if v.r.Method != http.MethodGet {
		path = Prefix // a form's address is no page
		q = nil
	}
	if q == nil {
		return langSwitch{Href: path + "?lang=" + string(other), Label: label, Lang: other}
	}
	return langSwitch{Href: path + "?" + q.Encode(), Label: label, Lang: other}
}

// message is a page of a title and a sentence (errors, refusals).
type message struct {
	Body    string
	Details []string
}

func (s *site) message(v *visit, status int, titleID, bodyID string, details ...string) {
	if err := s.render(v, status, "message", v.t(titleID, nil), message{Body: v.t(bodyID, nil), Details: details}); err != nil {
		s.Log.ErrorContext(v.r.Context(), "render", "error", err)
	}
}

// errNoPage is an address that names no page: a word that is no kind, a
// fund the region does not have. Its page is every 404's.
var errNoPage = apperr.Localized(apperr.NotFound, "page.not-found.body", nil)

// notFound is every address under /app/ that is no page.
func (s *site) notFound(v *visit) error {
	return errNoPage
}

// fail shows an error as its page. Another partner's page and a page that
// does not exist are the same 404, word for word: a refusal says nothing of
// what is there.
func (s *site) fail(v *visit, err error) {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Unauthenticated:
		s.cookies.endSession(v.w, v.r)
		s.toSignIn(v, true)
	case apperr.Forbidden, apperr.NotFound:
		s.message(v, http.StatusNotFound, "page.not-found.title", "page.not-found.body")
	case apperr.Invalid, apperr.Malformed:
		s.message(v, http.StatusBadRequest, "page.invalid.title", "page.invalid.body", problemDetails(v, e)...)
	case apperr.Conflict, apperr.Locked, apperr.PreconditionFail:
		s.message(v, http.StatusConflict, "page.conflict.title", "page.conflict.body", e.DetailIn(v.lang))
	case apperr.Unavailable:
		v.w.Header().Set("Retry-After", strconv.Itoa(max(1, int(e.RetryAfter/time.Second))))
		s.message(v, http.StatusServiceUnavailable, "page.unavailable.title", "page.unavailable.body")
	default:
		s.Log.ErrorContext(v.r.Context(), "page failed", "error", err)
		s.message(v, http.StatusInternalServerError, "page.internal.title", "page.internal.body")
	}
}

// problemDetails are an error's field messages in the page's language.
func problemDetails(v *visit, e *apperr.Error) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.In(v.lang).Message)
	}
	if len(out) == 0 {
		out = append(out, e.DetailIn(v.lang))
	}
	return out
}

// formFailed answers a form the service refused: back to the page the form
// was on, with what went wrong. A form on another partner's page, or one
// that does not exist, is the same 404 as its page.
func (s *site) formFailed(v *visit, err error, back string, q map[string][]string) error {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Unauthenticated, apperr.Forbidden, apperr.NotFound, apperr.Unavailable, apperr.Internal:
		return err
	}
	s.leaveFlash(v, flash{Error: true, Text: v.t("page.form.refused", nil), Details: problemDetails(v, e)})
	return v.redirect(back, q)
}
