package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
	"github.com/regional-data-exchange/rdx/shared/web"
)

// Every answer under /app/ carries the pages' security headers; no page
// has script or an inline style, and no address carries a token.
func TestSecurityHeadersAndNoTokenInAnyAddress(t *testing.T) {
	s := newSite(t)
	s.seed()
	b := s.browser()
	signIn := b.get("/app/sign-in")
	b.signIn("west-wales/unit")
	pages := []answer{signIn, b.get("/app/"), b.get(positionPage), b.get(completenessPage), b.get(carmReturn), b.get("/app/nowhere")}
	for _, a := range pages {
		h := a.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", a.URL, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", a.URL, csp)
		}
		if h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", a.URL, h)
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Content-Language") != "en" {
			t.Errorf("%s: %q %q %q", a.URL, h.Get("Cache-Control"), h.Get("Content-Type"), h.Get("Content-Language"))
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s: not served through the API's handler (no X-Request-Id)", a.URL)
		}
		for _, bad := range []string{"<script", " style=", "javascript:", "eyJ"} { // eyJ: the start of every JWT
			if strings.Contains(a.Body, bad) {
				t.Errorf("%s holds %q", a.URL, bad)
			}
		}
		for _, href := range regexp.MustCompile(`(?:href|action)="([^"]*)"`).FindAllStringSubmatch(a.Body, -1) {
			if strings.Contains(href[1], "token") || strings.Contains(href[1], "eyJ") {
				t.Errorf("%s links to %s", a.URL, href[1])
			}
		}
		for _, want := range []string{`<a class="skip-link" href="#main">`, `<main id="main"`, `<html lang="en">`, `<nav class="account" aria-label=`, "<h1>", `<link rel="stylesheet" href="/app/static/app.css?v=`} {
			if !strings.Contains(a.Body, want) {
				t.Errorf("%s lacks %s", a.URL, want)
			}
		}
	}
	css := b.get("/app/static/app.css")
	if css.Status != 200 || css.Header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css.Body, ":focus-visible") {
		t.Errorf("stylesheet: %d %v", css.Status, css.Header)
	}
}

// The session is a cookie the service sealed: HttpOnly, SameSite=Lax, for
// 8 hours of idleness (sealed again as the minutes pass: session_test.go);
// a cookie altered or made up is no session, and signing out ends it.
func TestTheSessionCookie(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	page := b.get("/app/sign-in")
	form := url.Values{"csrf": {csrf(t, page)}, "role": {"west-wales/carmarthenshire"}}
	signIn, _ := http.NewRequest("POST", s.base+"/app/sign-in", strings.NewReader(form.Encode()))
	signIn.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signIn.Header.Set("Origin", s.base)
	res, err := b.c.Do(signIn) // its answer, the redirect not followed
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", s.base+"/app/", nil)
	cookie := func(h http.Header) *http.Cookie {
		for _, c := range (&http.Response{Header: h}).Cookies() {
			if c.Name == "rdx-session" {
				return c
			}
		}
		return nil
	}
	// A page within the minute of the sign-in is served with the cookie as
	// it is: none sent again.
	if home := b.get("/app/"); home.Status != 200 || cookie(home.Header) != nil {
		t.Errorf("the home page, signed in a moment ago: %d, session cookie %v", home.Status, cookie(home.Header))
	}
	c := cookie(res.Header)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != int(web.IdleLimit/time.Second) || c.Path != "/" {
		t.Fatalf("session cookie: %+v", c)
	}
	if c.Secure {
		t.Error("the plain-http local run's cookie is Secure: the browser would not send it back")
	}
	if strings.Contains(c.Value, "eyJ") {
		t.Error("the session cookie shows its token: it is not encrypted")
	}

	// An altered cookie is no session.
	forged := []byte(c.Value)
	forged[len(forged)/2] ^= 1
	req.AddCookie(&http.Cookie{Name: "rdx-session", Value: string(forged)})
	res2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.Request.URL.Path != "/app/sign-in" {
		t.Errorf("an altered session cookie reached %s", res2.Request.URL.Path)
	}

	// Signing out ends it; the pages then ask for a sign-in, and come back.
	out := b.submit("/app/", "/app/sign-out", nil)
	if !strings.Contains(out.Body, "You have signed out.") || !strings.HasSuffix(out.URL, "/app/sign-in") {
		t.Errorf("sign out: %s %.500s", out.URL, mainOf(out.Body))
	}
	again := b.get(carmHome)
	if !strings.Contains(again.URL, "/app/sign-in?next=") || again.Chain[0] != http.StatusSeeOther {
		t.Errorf("after sign-out: %v %s", again.Chain, again.URL)
	}
	back := b.post("/app/sign-in", url.Values{"csrf": {csrf(t, again)}, "role": {"west-wales/carmarthenshire"}, "next": {regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(again.Body)[1]}})
	if !strings.HasSuffix(back.URL, carmHome) || back.Status != 200 {
		t.Errorf("signed in again, not back at the page asked for: %s %d", back.URL, back.Status)
	}
}

// Development sign-in is the local run's alone: a composition without it
// offers no roles and refuses the form (as the Lambda function is built),
// and Build refuses it on Lambda.
func TestDevelopmentSignInOnlyLocally(t *testing.T) {
	dir := t.TempDir()
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer table.Close()
	blobs, err := fileblob.New(filepath.Join(dir, "blobs"), "http://rdx.local", bytes.Repeat([]byte("b"), 32))
	if err != nil {
		t.Fatal(err)
	}
	key := auth.NewDevKey()
	keys, err := auth.StaticKeys(key.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Config{Issuer: "https://idp.example", Audience: "rdx", Keys: keys, CursorKey: bytes.Repeat([]byte("k"), 32),
		Log: slog.New(slog.DiscardHandler)}
	deployed, err := app.Build(cfg, app.Stores{Table: table, Blobs: blobs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(deployed.Handler)
	defer srv.Close()
	b := &browser{t: t, base: srv.URL, c: srv.Client()}
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	page := b.get("/app/sign-in")
	if page.Status != 200 || strings.Contains(page.Body, `type="radio"`) || !strings.Contains(page.Body, "not set up") {
		t.Errorf("the deployed sign-in page: %d %.800s", page.Status, mainOf(page.Body))
	}
	if strings.Contains(page.Header.Get("Set-Cookie"), "rdx-csrf") && !strings.Contains(page.Header.Get("Set-Cookie"), "__Host-rdx-csrf") {
		t.Errorf("deployed, the CSRF cookie is not a __Host- cookie: %s", page.Header.Get("Set-Cookie"))
	}
	if page.Header.Get("Strict-Transport-Security") == "" {
		t.Error("deployed, the pages do not ask for HTTPS")
	}
	// No page there has a form to sign in with; a form made up is refused
	// (with a token of the service's own, 404: TestEveryPageVerifiesTheSessionsToken).
	refused := b.post("/app/sign-in", url.Values{"role": {"west-wales/unit"}}, "Referer", srv.URL+"/app/sign-in")
	if refused.Status/100 != 4 || strings.Contains(strings.Join(refused.Header.Values("Set-Cookie"), ";"), "session") {
		t.Errorf("a development sign-in where none is offered: %d %v", refused.Status, refused.Header)
	}

	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "rdx-api")
	cfg.Pages.DevSignIn = key
	if _, err := app.Build(cfg, app.Stores{Table: table, Blobs: blobs}, nil); err == nil || !strings.Contains(err.Error(), "refused on Lambda") {
		t.Errorf("Build on Lambda with development sign-in: %v", err)
	}
}
