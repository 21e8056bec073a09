package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
	"github.com/regional-data-exchange/rdx/shared/web"
)

// person is someone the identity provider signs in: the claims the API
// reads (region, partner, name, scope) are what the region's provider puts
// in their access token (with Cognito, its pre-token-generation trigger).
type person struct {
	Sub, Name, Region, Partner string
	Scopes                     []auth.Scope
}

func (p *person) ID() string { return p.Sub }

func (p *person) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]string{"sub": p.Sub})
}

func (p *person) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return base, nil // the ID token: mockoidc's own claims and the nonce
}

func partnerPerson(partner string) *person {
	return &person{Sub: "idp-" + partner, Name: "Finance officer, " + partner, Region: region, Partner: partner,
		Scopes: auth.DefaultScopes(region, partner)}
}

// idp is the region's identity provider for the tests: mockoidc, started by
// the test, with what mockoidc leaves out done by middleware — the access
// token's own claims (as Cognito's pre-token-generation trigger adds them:
// mockoidc's access tokens carry only the registered claims), an
// end_session_endpoint — and what the service sent it recorded.
type idp struct {
	t *testing.T
	m *mockoidc.MockOIDC

	mu           sync.Mutex
	authorize    []url.Values // each authorisation request's query
	codeGrants   []url.Values // each code exchange's form
	refreshes    int          // refresh grants answered
	signOuts     []url.Values // each visit to the provider's sign-out
	signOut      string       // the provider's sign-out (end_session_endpoint)
	nonce        string       // set: the provider puts this nonce in the ID token instead
	dropVerifier bool         // set: the code exchange reaches mockoidc without its PKCE verifier
}

func startIDP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{t: t, m: m}
	m.AddMiddleware(p.middleware)
	// The provider's sign-out, which mockoidc has not: it ends its own
	// session and sends the person back where the service asked.
	out := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.signOuts = append(p.signOuts, r.URL.Query())
		p.mu.Unlock()
		http.Redirect(w, r, r.URL.Query().Get("post_logout_redirect_uri"), http.StatusFound)
	}))
	t.Cleanup(out.Close)
	p.signOut = out.URL + "/logout"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return p
}

func (p *idp) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			q := r.URL.Query()
			p.authorize = append(p.authorize, q)
			if p.nonce != "" {
				q.Set("nonce", p.nonce)
				r.URL.RawQuery = q.Encode()
			}
		case mockoidc.TokenEndpoint:
			r.ParseForm()
			switch r.PostForm.Get("grant_type") {
			case "authorization_code":
				p.codeGrants = append(p.codeGrants, cloneForm(r.PostForm))
				if p.dropVerifier {
					r.PostForm.Del("code_verifier")
					r.Form.Del("code_verifier")
				}
			case "refresh_token":
				p.refreshes++
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			p.withClaims(w, rec)
			return
		case mockoidc.DiscoveryEndpoint:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var doc map[string]any
			json.Unmarshal(rec.Body.Bytes(), &doc)
			doc["end_session_endpoint"] = p.signOut
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(doc)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// withClaims writes mockoidc's token answer with its access token signed
// again carrying the person's claims, as the trigger would have it issued.
func (p *idp) withClaims(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	var body map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body["access_token"] == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(body["access_token"].(string), &c); err != nil {
		p.t.Errorf("mockoidc's access token: %v", err)
	}
	sess, err := p.m.SessionStore.GetSessionByID(c["jti"].(string))
	if err != nil {
		p.t.Errorf("mockoidc's session: %v", err)
		return
	}
	who := sess.User.(*person)
	if who.Region != "" {
		c["region"], c["name"], c["scope"] = who.Region, who.Name, joinScopes(who.Scopes)
		if who.Partner != "" {
			c["partner"] = who.Partner
		}
	}
	if body["access_token"], err = p.m.Keypair.SignJWT(c); err != nil {
		p.t.Error(err)
	}
	body["expires_in"] = int(p.m.AccessTTL / time.Second) // mockoidc writes nanoseconds
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

func joinScopes(ss []auth.Scope) string {
	var out []string
	for _, s := range ss {
		out = append(out, string(s))
	}
	return strings.Join(out, " ")
}

// token is an access token of the provider's for a person, for the API
// calls that seed the store.
func (p *idp) token(who *person) string {
	p.t.Helper()
	now := time.Now()
	tok, err := p.m.Keypair.SignJWT(jwt.MapClaims{"iss": p.m.Issuer(), "aud": p.m.ClientID, "sub": who.Sub,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "region": who.Region, "partner": who.Partner, "scope": joinScopes(who.Scopes)})
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

// oidcSite is the service composed as deployed, its pages signing people
// in through the identity provider, its tokens (API calls' and pages')
// verified against the provider's issuer, audience and published keys; on
// a clock the test moves.
type oidcSite struct {
	*site
	idp   *idp
	mu    sync.Mutex
	clock time.Time
}

func newOIDCSite(t *testing.T) *oidcSite {
	t.Helper()
	p := startIDP(t)
	ln, base := listen(t)
	dir := t.TempDir()
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := fileblob.New(filepath.Join(dir, "blobs"), base, bytes.Repeat([]byte("b"), 32))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := receipt.LoadOrCreateKeyFile(filepath.Join(dir, receipt.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.RemoteKeys(t.Context(), p.m.JWKSEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	s := &oidcSite{idp: p, clock: time.Now()}
	a, err := app.Build(app.Config{Issuer: p.m.Issuer(), Audience: p.m.ClientID, Keys: keys, CursorKey: bytes.Repeat([]byte("c"), 32),
		Receipts: signer, Log: slog.New(slog.DiscardHandler), Now: s.now,
		Pages: web.Config{SessionKey: bytes.Repeat([]byte("k"), 32), PlainHTTP: true,
			OIDC: &web.OIDC{Issuer: p.m.Issuer(), ClientID: p.m.ClientID, ClientSecret: p.m.ClientSecret}}},
		app.Stores{Table: table, Blobs: blobs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, a.Handler, table.Close)
	s.site = &site{t: t, base: base}
	return s
}

func (s *oidcSite) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}

func (s *oidcSite) wait(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(d)
}

// seed stores Carmarthenshire's and Ceredigion's Q2 returns through the
// API, with the provider's tokens.
func (s *oidcSite) seed() {
	s.t.Helper()
	ret := example(s.t, "quarterly-return.json")
	for partner, body := range map[string][]byte{carm: ret, cere: bytes.ReplaceAll(ret, []byte("W06000010"), []byte("W06000008"))} {
		status, out := s.api("PUT", slicePath(partner)+"/quarterly-returns/"+fund+"/2018-19-Q2", s.idp.token(partnerPerson(partner)), body)
		if status != 201 {
			s.t.Fatalf("seed %s: %d %s", partner, status, out)
		}
	}
}

var nextField = regexp.MustCompile(`name="next" value="([^"]*)"`)

// signIn asks for a page, is sent to the sign-in page, and signs in there
// as who at the provider: the answer is where the browser ends up.
func (s *oidcSite) signIn(b *browser, who *person, page string) answer {
	s.t.Helper()
	s.idp.m.QueueUser(who)
	signInPage := b.get(page)
	if signInPage.Status != 200 || !strings.Contains(signInPage.URL, "/app/sign-in") {
		s.t.Fatalf("not sent to sign in: %v %s", signInPage.Chain, signInPage.URL)
	}
	next := ""
	if m := nextField.FindStringSubmatch(signInPage.Body); m != nil {
		next = m[1]
	}
	return b.post("/app/sign-in", url.Values{"csrf": {csrf(s.t, signInPage)}, "next": {html_(next)}})
}

func html_(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

// A partner's finance officer signs in at the region's identity provider
// (authorisation code, PKCE, state and nonce) and comes back to the page
// they asked for, seeing what their token's claims allow and nothing of
// another partner's; then signs out, at the provider too.
func TestSigningInThroughTheIdentityProvider(t *testing.T) {
	s := newOIDCSite(t)
	s.seed()
	b := s.browser()

	signInPage := b.get("/app/sign-in")
	mustContain(t, signInPage, "Continue to sign in")
	if csp := signInPage.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+s.idp.m.Addr()+" "+strings.TrimSuffix(s.idp.signOut, "/logout")+";") {
		t.Errorf("the sign-in form may not go on to the provider: %s", csp)
	}
	for _, role := range []string{`name="role"`, "Regional collaboration unit"} {
		if strings.Contains(signInPage.Body, role) {
			t.Errorf("development roles offered beside the provider: %q", role)
		}
	}

	got := s.signIn(b, partnerPerson(carm), carmReturn)
	if got.Status != 200 || !strings.HasSuffix(got.URL, carmReturn) {
		t.Fatalf("signed in, not at the page asked for: %v %s %.800s", got.Chain, got.URL, mainOf(got.Body))
	}
	mustContain(t, got, "Signed in as Finance officer, carmarthenshire.", "2018-19-Q2")

	// What the service sent the provider: PKCE (S256), a state and a nonce
	// of its own making; and at the code exchange the verifier whose hash
	// the challenge was (mockoidc refuses the code without it).
	s.idp.mu.Lock()
	authz, grants := s.idp.authorize, s.idp.codeGrants
	s.idp.mu.Unlock()
	if len(authz) != 1 || len(grants) != 1 {
		t.Fatalf("authorisations %d, code exchanges %d", len(authz), len(grants))
	}
	a, g := authz[0], grants[0]
	sum := sha256.Sum256([]byte(g.Get("code_verifier")))
	if a.Get("code_challenge_method") != "S256" || g.Get("code_verifier") == "" ||
		a.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Errorf("PKCE: challenge %q (%s), verifier %q", a.Get("code_challenge"), a.Get("code_challenge_method"), g.Get("code_verifier"))
	}
	if len(a.Get("state")) < 32 || len(a.Get("nonce")) < 32 || a.Get("state") == a.Get("nonce") || a.Get("scope") != "openid" ||
		a.Get("redirect_uri") != s.base+"/app/sign-in/callback" || a.Get("ui_locales") != "en" {
		t.Errorf("authorisation request: %v", a)
	}

	// The session is one sealed cookie, HttpOnly and SameSite=Lax; the
	// sign-in's own cookie is gone.
	u, _ := url.Parse(s.base)
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		switch c.Name {
		case "rdx-session":
			session = c
		case "rdx-signin":
			t.Errorf("the sign-in's cookie outlives it")
		}
	}
	if session == nil || strings.Contains(session.Value, "eyJ") {
		t.Fatalf("session cookie: %v", session)
	}

	// Another partner's page is the same 404 as one that does not exist.
	other, missing := b.get(cereReturn), b.get(strings.Replace(carmReturn, "2018-19-Q2", "2018-19-Q3", 1))
	if other.Status != 404 || missing.Status != 404 || mainOf(other.Body) != mainOf(missing.Body) {
		t.Errorf("another partner's return: %d, a missing one: %d", other.Status, missing.Status)
	}
	if rcu := b.get(positionPage); rcu.Status != 404 {
		t.Errorf("a partner's token shows the region's position: %d", rcu.Status)
	}

	// Signing out ends the session here and at the provider, which sends
	// the person back to the sign-in page.
	out := b.submit(carmHome, "/app/sign-out", nil)
	if !strings.HasSuffix(out.URL, "/app/sign-in") || !strings.Contains(out.Body, "You have signed out.") {
		t.Errorf("sign out: %v %s %.500s", out.Chain, out.URL, mainOf(out.Body))
	}
	s.idp.mu.Lock()
	signOuts := s.idp.signOuts
	s.idp.mu.Unlock()
	if len(signOuts) != 1 || signOuts[0].Get("client_id") != s.idp.m.ClientID || signOuts[0].Get("post_logout_redirect_uri") != s.base+"/app/sign-in" {
		t.Errorf("the provider's sign-out: %v", signOuts)
	}
	if again := b.get(carmReturn); !strings.Contains(again.URL, "/app/sign-in?next=") {
		t.Errorf("after sign-out: %v %s", again.Chain, again.URL)
	}
}

// The region's unit signs in and sees the region's pages its token allows.
func TestTheRCUSignsInThroughTheProvider(t *testing.T) {
	s := newOIDCSite(t)
	s.seed()
	b := s.browser()
	unit := &person{Sub: "idp-rcu", Name: "West Wales RCU officer", Region: region, Scopes: auth.DefaultScopes(region, "")}
	got := s.signIn(b, unit, "/app/regions/west-wales/obligations")
	if got.Status != 200 {
		t.Fatalf("%v %s", got.Chain, got.URL)
	}
	mustContain(t, got, "Signed in as West Wales RCU officer.", "<caption>Ceredigion County Council</caption>")
	if ret := b.get(cereReturn); ret.Status != 200 {
		t.Errorf("the RCU reads a partner's return: %d", ret.Status)
	}
}

// A sign-in whose answer is not this browser's (another state), whose ID
// token carries another nonce, or whose code is exchanged without the
// PKCE verifier, makes no session; nor does a person whose token gives no
// access to the service.
func TestSignInsThatMakeNoSession(t *testing.T) {
	s := newOIDCSite(t)
	s.seed()

	t.Run("WrongState", func(t *testing.T) {
		b := s.browser()
		s.idp.m.QueueUser(partnerPerson(carm))
		page := b.get("/app/sign-in")
		req, _ := http.NewRequest("POST", s.base+"/app/sign-in", strings.NewReader(url.Values{"csrf": {csrf(t, page)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.base)
		res, err := b.c.Do(req) // to the provider
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		res, err = b.c.Get(res.Header.Get("Location")) // the provider answers
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		back, _ := url.Parse(res.Header.Get("Location"))
		q := back.Query()
		q.Set("state", "an-attackers-state")
		back.RawQuery = q.Encode()
		s.idp.mu.Lock()
		before := len(s.idp.codeGrants)
		s.idp.mu.Unlock()
		got := b.get(back.RequestURI())
		if got.Status != 400 || !strings.Contains(got.Body, "Signing in did not finish") {
			t.Errorf("a callback with another state: %d %.500s", got.Status, mainOf(got.Body))
		}
		s.idp.mu.Lock()
		after := len(s.idp.codeGrants)
		s.idp.mu.Unlock()
		if after != before {
			t.Error("the code was exchanged though the state was not this sign-in's")
		}
		// The sign-in is spent: its own answer no longer signs in either.
		q.Set("state", back.Query().Get("state"))
		if got := b.get(back.RequestURI()); got.Status != 400 {
			t.Errorf("a spent sign-in's callback: %d", got.Status)
		}
		if got := b.get(carmHome); !strings.Contains(got.URL, "/app/sign-in?next=") {
			t.Errorf("a session after a refused callback: %v %s", got.Chain, got.URL)
		}
	})

	refused := func(t *testing.T, who *person, status int, text string) {
		t.Helper()
		b := s.browser()
		got := s.signIn(b, who, carmHome)
		if got.Status != status || !strings.Contains(got.Body, text) {
			t.Errorf("%d %s %.500s", got.Status, got.URL, mainOf(got.Body))
		}
		if got := b.get(carmHome); !strings.Contains(got.URL, "/app/sign-in?next=") {
			t.Errorf("a session after a refused sign-in: %v %s", got.Chain, got.URL)
		}
	}
	t.Run("WrongNonce", func(t *testing.T) {
		s.idp.mu.Lock()
		s.idp.nonce = "a-replayed-id-tokens-nonce"
		s.idp.mu.Unlock()
		defer func() { s.idp.mu.Lock(); s.idp.nonce = ""; s.idp.mu.Unlock() }()
		refused(t, partnerPerson(carm), 400, "Signing in did not finish")
	})
	t.Run("NoPKCEVerifier", func(t *testing.T) {
		s.idp.mu.Lock()
		s.idp.dropVerifier = true
		s.idp.mu.Unlock()
		defer func() { s.idp.mu.Lock(); s.idp.dropVerifier = false; s.idp.mu.Unlock() }()
		refused(t, partnerPerson(carm), 400, "Signing in did not finish")
	})
	t.Run("NoAccess", func(t *testing.T) {
		refused(t, &person{Sub: "idp-stranger", Name: "Someone"}, 403, "No access to this service")
	})
}

// A session left 8 hours ends (on the service's clock); one in use goes
// on, its provider's token renewed silently with the refresh token before
// it expires.
func TestProviderSessionsIdleAndRenew(t *testing.T) {
	s := newOIDCSite(t)
	s.seed()
	b := s.browser()
	// Tokens issued 9 of their 10 minutes ago: each page renews them.
	s.idp.m.FastForward(-9 * time.Minute)
	if got := s.signIn(b, partnerPerson(carm), carmReturn); got.Status != 200 {
		t.Fatalf("%v %s", got.Chain, got.URL)
	}
	s.idp.m.FastForward(9 * time.Minute)
	s.idp.mu.Lock()
	s.idp.refreshes = 0
	s.idp.mu.Unlock()
	s.wait(7 * time.Hour)
	if got := b.get(carmReturn); got.Status != 200 {
		t.Fatalf("after 7 hours idle: %v %s", got.Chain, got.URL)
	}
	s.idp.mu.Lock()
	refreshes := s.idp.refreshes
	s.idp.mu.Unlock()
	if refreshes != 1 {
		t.Errorf("refresh grants: %d, want 1", refreshes)
	}
	if got := b.get(carmReturn); got.Status != 200 {
		t.Fatalf("a renewed session: %v %s", got.Chain, got.URL)
	}
	s.idp.mu.Lock()
	refreshes = s.idp.refreshes
	s.idp.mu.Unlock()
	if refreshes != 1 {
		t.Errorf("a fresh token renewed again: %d refresh grants", refreshes)
	}

	s.wait(web.IdleLimit + time.Minute)
	got := b.get(carmReturn)
	if !strings.Contains(got.URL, "/app/sign-in?next=") || !strings.Contains(got.Body, "Your sign-in has ended.") {
		t.Errorf("after 8 hours idle: %v %s", got.Chain, got.URL)
	}
}
