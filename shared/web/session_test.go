package web

import (
	"bytes"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
)

// Every page verifies the session's token as an API call's: a token that
// has expired, or that no key of the issuer signed, ends the session though
// the service sealed the cookie; a good one is sealed again, seen now, once
// a minute has passed since it was last seen (the idle limit slides), and
// not before.
func TestEveryPageVerifiesTheSessionsToken(t *testing.T) {
	rs, err := region.LoadFS(regions.FS)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := region.NewRegistry(rs...)
	if err != nil {
		t.Fatal(err)
	}
	key, stranger := auth.NewDevKey(), auth.NewDevKey()
	keys, err := auth.StaticKeys(key.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte("s"), 32)
	clock := time.Now()
	h, err := New(Deps{Config: Config{SessionKey: secret, PlainHTTP: true}, UseCases: httpapi.UseCases{Service: &service.Service{Regions: reg}},
		Verifier: auth.NewVerifier(keys, auth.DevIssuer, auth.DevAudience, reg), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCookies(secret, false)
	if err != nil {
		t.Fatal(err)
	}
	role, _ := auth.DevRoleByID(reg, "west-wales/carmarthenshire")
	mint := func(k *auth.DevKey, issued time.Time, times ...time.Time) *http.Cookie {
		spec := role.Spec
		spec.TTL = time.Hour
		tok, err := k.Mint(spec, issued)
		if err != nil {
			t.Fatal(err)
		}
		started, seen := clock, clock
		if len(times) == 2 {
			started, seen = times[0], times[1]
		}
		enc, err := c.codec.Encode(c.session, Session{Token: tok, Via: ViaDevelopment, Started: started.Unix(), Seen: seen.Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return &http.Cookie{Name: c.session, Value: enc}
	}
	ask := func(ck *http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/app/no-such-page", nil)
		req.AddCookie(ck)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	session := mint(key, time.Now(), clock.Add(-10*time.Hour), clock.Add(-IdleLimit+time.Minute))
	good := ask(session)
	if good.Code != 404 || !strings.Contains(strings.Join(good.Header().Values("Set-Cookie"), "\n"), c.session+"=") {
		t.Errorf("a good session: %d %v", good.Code, good.Header())
	}
	// The page seals the session again, seen now: the idle limit slides.
	var resealed Session
	if !c.getSession(&http.Request{Header: http.Header{"Cookie": good.Header().Values("Set-Cookie")}}, &resealed) ||
		resealed.Seen != clock.Unix() || resealed.Started != clock.Add(-10*time.Hour).Unix() {
		t.Errorf("the session is not sealed again as seen now: %+v", resealed)
	}

	// Seen less than a minute ago, the session is served as it is: no
	// cookie is sealed. A minute on, it is sealed again, seen now.
	for _, seen := range []struct {
		ago  time.Duration
		want bool
	}{{0, false}, {59 * time.Second, false}, {time.Minute, true}, {time.Hour, true}} {
		rec := ask(mint(key, time.Now(), clock.Add(-2*time.Hour), clock.Add(-seen.ago)))
		var got Session
		sealed := c.getSession(&http.Request{Header: http.Header{"Cookie": rec.Header().Values("Set-Cookie")}}, &got)
		if rec.Code != 404 || sealed != seen.want || sealed && got.Seen != clock.Unix() {
			t.Errorf("a session seen %s ago: %d, sealed again %v (%+v), want %v", seen.ago, rec.Code, sealed, got, seen.want)
		}
	}

	// Without development sign-in (as deployed) the sign-in form is no
	// page, even sent with a good CSRF token.
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(good.Body.String())
	if token == nil {
		t.Fatal("no form on the signed-in page")
	}
	req := httptest.NewRequest("POST", signInPath, strings.NewReader(url.Values{"csrf": {html.UnescapeString(token[1])}, "role": {role.ID}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range (&http.Response{Header: good.Header()}).Cookies() {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 404 {
		t.Errorf("development sign-in where none is offered: %d %s", rec.Code, rec.Body)
	}
	for name, ck := range map[string]*http.Cookie{
		"an expired token":       mint(key, time.Now().Add(-2*time.Hour)),
		"a stranger's signature": mint(stranger, time.Now()),
		// On the service's clock: idle past the limit, or signed in longer
		// than a session lasts though busy all along.
		"a session idle 8 hours":      mint(key, time.Now(), clock.Add(-9*time.Hour), clock.Add(-IdleLimit-time.Minute)),
		"a session 12 hours old":      mint(key, time.Now(), clock.Add(-SessionLimit-time.Minute), clock.Add(-time.Minute)),
		"a session never seen before": mint(key, time.Now(), time.Unix(0, 0), time.Unix(0, 0)),
	} {
		rec := ask(ck)
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), signInPath) {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Header().Get("Location"))
		}
		if !strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), "\n"), c.session+"=; Path=/; Max-Age=0") {
			t.Errorf("%s: the session is not ended: %v", name, rec.Header().Values("Set-Cookie"))
		}
	}
}

// A sign-in goes on only to a page of the service.
func TestNextPageStaysHere(t *testing.T) {
	for next, want := range map[string]string{
		"/app/regions/west-wales/obligations?status=late": "/app/regions/west-wales/obligations?status=late",
		"":                     Prefix,
		"//evil.example/app/":  Prefix,
		"https://evil.example": Prefix,
		"/v1/me":               Prefix,
		"/app/\\evil":          Prefix,
		"/app/../v1/me":        Prefix,
		"javascript:alert(1)":  Prefix,
	} {
		if got := nextPage(next); got != want {
			t.Errorf("nextPage(%q) = %q, want %q", next, got, want)
		}
	}
}

// Amounts read as people write them.
func TestPounds(t *testing.T) {
	for p, want := range map[int64]string{0: "£0.00", 5: "£0.05", 123456: "£1,234.56", -25000000: "−£250,000.00", 100000000000: "£1,000,000,000.00"} {
		if got := pounds(money.Pence(p)); got != want {
			t.Errorf("pounds(%d) = %q, want %q", p, got, want)
		}
	}
}

// A provider's tokens too large for one cookie are kept in more (each under
// a browser's 4 KB), read back whole; a smaller session later clears the
// tail. Deployed, every one is a __Host- cookie: Secure, HttpOnly,
// SameSite=Lax.
func TestLargeSessionsSpanCookies(t *testing.T) {
	c, err := newCookies(bytes.Repeat([]byte("s"), 32), true)
	if err != nil {
		t.Fatal(err)
	}
	big := Session{Token: strings.Repeat("a", 1500), Refresh: strings.Repeat("r", 2500), Via: ViaOIDC, Started: 1, Seen: 2}
	rec := httptest.NewRecorder()
	if err := c.startSession(rec, httptest.NewRequest("GET", "/app/", nil), big); err != nil {
		t.Fatal(err)
	}
	set := (&http.Response{Header: rec.Header()}).Cookies()
	if len(set) != 2 || set[0].Name != "__Host-rdx-session" || set[1].Name != "__Host-rdx-session-2" {
		t.Fatalf("cookies: %v", set)
	}
	req := httptest.NewRequest("GET", "/app/", nil)
	for _, ck := range set {
		if len(ck.String()) > 4000 || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Errorf("cookie %s: %d bytes, %s", ck.Name, len(ck.String()), ck.String()[len(ck.Name)+len(ck.Value)+2:])
		}
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	var got Session
	if !c.getSession(req, &got) || got != big {
		t.Errorf("read back: %v", got.Via)
	}
	// Without its second half, the session is no session.
	half := httptest.NewRequest("GET", "/app/", nil)
	half.AddCookie(&http.Cookie{Name: set[0].Name, Value: set[0].Value})
	if c.getSession(half, &got) {
		t.Error("half a session was read")
	}
	rec = httptest.NewRecorder()
	c.startSession(rec, req, Session{Token: "t", Via: ViaOIDC, Started: 1, Seen: 3})
	if h := strings.Join(rec.Header().Values("Set-Cookie"), "\n"); !strings.Contains(h, "__Host-rdx-session-2=; Path=/; Max-Age=0") {
		t.Errorf("the tail of the larger session is kept: %s", h)
	}
}
