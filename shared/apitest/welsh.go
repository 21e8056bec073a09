package apitest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// The Welsh sweep: every request of the suite answered with a problem is
// asked again in Welsh, where asking again changes nothing, and the Welsh
// problem must be in Welsh: its title, its detail and every field's message
// other than the English (one with no words, an id say, aside). A message
// written in English only, anywhere in the service, fails the test that
// meets it. And every problem, in whichever language, says in
// Content-Language the language its words are in (a replayed answer too).

// OnlyEnglish stops the Welsh sweep for the rest of a test: one that counts
// the requests, store calls or log lines its own requests make.
func (e *Env) OnlyEnglish() { e.onlyEnglish.Store(true) }

// sweep asks r again in Welsh when its answer en is a problem that asking
// again cannot change, and checks the Welsh answer's words.
func (e *Env) sweep(r Req, en *Resp) {
	e.T.Helper()
	if !isProblem(en) {
		return
	}
	expectLanguageOfWords(e.T, r.Method+" "+r.Path, en)
	if e.onlyEnglish.Load() || asksLanguage(r) || !askAgain(r.Method, en.Status) {
		return
	}
	expectWelshWords(e.T, r.Method+" "+r.Path+" in Welsh", en, e.do(welsh(r)))
}

func isProblem(r *Resp) bool { return r.Header.Get("Content-Type") == "application/problem+json" }

// asksLanguage reports a request that names its language itself.
func asksLanguage(r Req) bool {
	_, ok := r.Header["Accept-Language"]
	return ok || strings.Contains(r.Path, "lang=")
}

// askAgain reports whether a request of method answered status can be sent
// again without changing anything: a read, or a write refused before it
// did anything. A write answered 5xx may have been cut short: asking again
// could finish it.
func askAgain(method string, status int) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return true
	}
	switch status {
	case 400, 401, 403, 404, 405, 409, 412, 413, 415, 422:
		return true
	}
	return false
}

// welsh asks r in Welsh through Accept-Language, as a browser set to Cymraeg
// would.
func welsh(r Req) Req {
	h := make(map[string]string, len(r.Header)+1)
	for k, v := range r.Header {
		h[k] = v
	}
	h["Accept-Language"] = "cy-GB, cy;q=0.9, en;q=0.5"
	r.Header = h
	return r
}

// problemParts is a problem's parts that never change with the language, and
// its words.
type problemParts struct {
	Type, Title, Detail string
	Status              int
	Errors              []struct{ Code, Pointer, Parameter, Header, Message string }
}

// titleLanguage is the language a problem's title is in, by the catalogue's
// titles of its type ("" when it is neither's).
func titleLanguage(p problemParts) string {
	code := strings.TrimPrefix(p.Type, "https://rdx.invalid/problems/")
	for _, l := range i18n.Langs {
		if p.Title == i18n.Text(l, "problem."+code+".title", nil) {
			return string(l)
		}
	}
	return ""
}

// expectLanguageOfWords fails when a problem's Content-Language is not the
// language its title is in.
func expectLanguageOfWords(t *testing.T, label string, r *Resp) {
	t.Helper()
	var p problemParts
	if json.Unmarshal(r.Body, &p) != nil {
		return // the contract check says what is wrong with it
	}
	if got, want := r.Header.Get("Content-Language"), titleLanguage(p); got != want {
		t.Errorf("%s: Content-Language %q, but the problem's title %q is in %q (replayed: %q)", label, got, p.Title, want, r.Header.Get("Idempotent-Replayed"))
	}
}

// expectWelshWords fails when cy, the Welsh asking of a request answered en,
// is a problem whose words are English. An answer replayed from its first
// asking keeps that asking's words (expectLanguageOfWords holds it to
// them); a status that differs means the state moved between the two.
func expectWelshWords(t *testing.T, label string, en, cy *Resp) {
	t.Helper()
	if cy.Status != en.Status || !isProblem(cy) || cy.Header.Get("Idempotent-Replayed") == "true" {
		expectLanguageOfWords(t, label, cy)
		return
	}
	expectLanguage(t, cy, "cy")
	if a, b := wordless(t, en.Body), wordless(t, cy.Body); a != b {
		t.Errorf("%s: the Welsh problem differs in more than words:\n en %s\n cy %s", label, a, b)
	}
	var pe, pc problemParts
	decode(t, en, &pe)
	decode(t, cy, &pc)
	if pc.Title == pe.Title || titleLanguage(pc) != "cy" {
		t.Errorf("%s: the title is not Welsh: %q", label, pc.Title)
	}
	if pc.Detail == pe.Detail && hasWords(pe.Detail) {
		t.Errorf("%s: the detail is English: %q", label, pc.Detail)
	}
	if len(pc.Errors) != len(pe.Errors) {
		t.Errorf("%s: %d errors in Welsh, %d in English", label, len(pc.Errors), len(pe.Errors))
		return
	}
	for i, f := range pc.Errors {
		if f.Message == pe.Errors[i].Message && hasWords(f.Message) {
			t.Errorf("%s: %s at %s%s%s is English: %q", label, f.Code, f.Pointer, f.Parameter, f.Header, f.Message)
		}
	}
	if a, b := en.Header.Get("WWW-Authenticate"), cy.Header.Get("WWW-Authenticate"); strings.Contains(a, "error_description") && a == b {
		t.Errorf("%s: WWW-Authenticate is English: %s", label, b)
	}
}

// quoted is a value a message quotes: it is the caller's, in no language.
var quoted = regexp.MustCompile(`"[^"]*"`)

// hasWords reports whether a message has a word of prose: what it quotes,
// codes (with dots, dashes or digits), paths and numbers are no words.
func hasWords(s string) bool {
	s = quoted.ReplaceAllString(s, " ")
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;:()", r) }) {
		f = strings.TrimRight(f, ".")
		if len(f) > 1 && strings.IndexFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) < 0 {
			return true
		}
	}
	return false
}
