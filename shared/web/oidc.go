package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/regional-data-exchange/rdx/shared/apperr"
)

// OIDC is the deployed sign-in: OpenID Connect's authorisation code flow
// with PKCE against the region's identity provider (Cognito's hosted UI, or
// any provider that publishes discovery).
//
// The provider's access token is what the session keeps and every page
// verifies with the API's own verifier: it must be a token the API accepts
// (the API's issuer and audience, its region, partner and scope claims),
// so a person sees exactly what the same token would be let see through the
// API. The ID token proves the sign-in (nonce, audience, the same subject)
// and is not kept.
type OIDC struct {
	// Issuer is the provider's issuer; its discovery document is read at
	// the first page that needs it, and again until it is had.
	Issuer string
	// ClientID and ClientSecret are the app client's (a confidential
	// client: the secret is read from Secrets Manager at start).
	ClientID, ClientSecret string
	// Scopes are asked for besides openid.
	Scopes []string
	// SignOutURL is where sign-out sends the person when the discovery
	// document names no end_session_endpoint (Cognito's /logout); empty:
	// the provider's own, or none.
	SignOutURL string
	// Client makes the calls to the provider (nil: one with a 10-second
	// timeout).
	Client *http.Client
}

const (
	callbackPath = signInPath + "/callback"
	// signInLife bounds a sign-in at the provider: its state, nonce and
	// PKCE verifier are kept that long.
	signInLife = 10 * time.Minute
	// renewBefore is how long before its expiry a provider's access token
	// is renewed with the refresh token.
	renewBefore = 2 * time.Minute
)

// provider is the identity provider, its discovery read once it is had.
type provider struct {
	cfg OIDC
	log *slog.Logger
	mu  sync.Mutex
	d   *discovered
	// failed is when discovery last failed, and why: it is not tried
	// again for retryDiscovery, so pages do not each wait on a provider
	// that is down.
	failed    time.Time
	failedErr error
}

const retryDiscovery = 30 * time.Second

// discovered is what the provider's discovery document says.
type discovered struct {
	endpoint   oauth2.Endpoint
	ids        *oidc.IDTokenVerifier
	endSession string
	// formAction are the origins the pages' forms may be sent on to (the
	// sign-in and sign-out forms answer with a redirect to the provider).
	formAction []string
}

func newProvider(cfg OIDC, log *slog.Logger) (*provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("web: OpenID Connect needs the issuer, client id and client secret")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &provider{cfg: cfg, log: log}, nil
}

// discover reads the provider's discovery document, once it is had.
func (p *provider) discover() (*discovered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.d != nil {
		return p.d, nil
	}
	if time.Since(p.failed) < retryDiscovery {
		return nil, p.failedErr
	}
	d, err := p.read()
	if err != nil {
		p.log.Warn("identity provider's discovery", "issuer", p.cfg.Issuer, "error", err)
		p.failed, p.failedErr = time.Now(), err
		return nil, err
	}
	return d, nil
}

func (p *provider) read() (*discovered, error) {
	// Not the request's context: the ID token verifier's key set fetches
	// with this context after the request has ended.
	ctx := oidc.ClientContext(context.Background(), p.cfg.Client)
	op, err := oidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return nil, providerUnavailable(err)
	}
	var meta struct {
		EndSession  string   `json:"end_session_endpoint"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := op.Claims(&meta); err != nil {
		return nil, providerUnavailable(err)
	}
	ep := op.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	if slices.Contains(meta.AuthMethods, "client_secret_post") {
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	d := &discovered{endpoint: ep, ids: op.Verifier(&oidc.Config{ClientID: p.cfg.ClientID}), endSession: meta.EndSession}
	if p.cfg.SignOutURL != "" {
		d.endSession = p.cfg.SignOutURL
	}
	for _, u := range []string{ep.AuthURL, d.endSession} {
		if o := origin(u); o != "" && !slices.Contains(d.formAction, o) {
			d.formAction = append(d.formAction, o)
		}
	}
	return d, nil
}

// providerUnavailable is the 503 of a provider that cannot be reached.
func providerUnavailable(err error) error {
	e := apperr.Localized(apperr.Unavailable, "unavailable.identity-provider", nil).Because(err)
	e.RetryAfter = 5 * time.Second
	return e
}

func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || (p.Scheme != "https" && p.Scheme != "http") {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

func (p *provider) oauth(d *discovered, redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: d.endpoint,
		RedirectURL: redirect, Scopes: append([]string{oidc.ScopeOpenID}, p.cfg.Scopes...)}
}

func (p *provider) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, p.cfg.Client)
}

// allowForms lets the page's forms go on to the provider (its
// Content-Security-Policy's form-action), once its discovery is had.
func (p *provider) allowForms(v *visit) {
	d, err := p.discover()
	if err != nil {
		return // logged once a try; the page is served, its sign-out ends the session here
	}
	v.w.Header().Set("Content-Security-Policy",
		strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+strings.Join(d.formAction, " "), 1))
}

// signInFlow is a sign-in under way at the provider, kept in a sealed
// cookie of its own (10 minutes) and checked on return: the state the
// callback must bring back, the nonce its ID token must carry, the PKCE
// verifier only this service knows, and where to go once signed in.
type signInFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Redirect string `json:"r"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

// base is the service's own address as the browser asked for it.
func (s *site) base(v *visit) string {
	scheme := "https"
	if s.PlainHTTP {
		scheme = "http"
	}
	return scheme + "://" + v.r.Host
}

func randomText() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// startProviderSignIn sends the person to the provider's sign-in.
func (s *site) startProviderSignIn(v *visit) error {
	d, err := s.provider.discover()
	if err != nil {
		return err
	}
	f := signInFlow{State: randomText(), Nonce: randomText(), Verifier: oauth2.GenerateVerifier(),
		Redirect: s.base(v) + callbackPath, Next: nextPage(v.r.PostFormValue("next")), Expires: s.Now().Add(signInLife).Unix()}
	if err := s.cookies.set(v.w, s.cookies.signIn, f, signInLife); err != nil {
		return err
	}
	to := s.provider.oauth(d, f.Redirect).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier),
		oauth2.SetAuthURLParam("ui_locales", string(v.lang)))
	http.Redirect(v.w, v.r, to, http.StatusSeeOther)
	return nil
}

// providerCallback is where the provider sends the person back: the
// state must be the one this browser's sign-in was given; the code is
// exchanged with the PKCE verifier; the ID token must be the provider's,
// for this client, with this sign-in's nonce; and the access token must be
// one the API accepts, for the same person. Only then is there a session.
func (s *site) providerCallback(v *visit) error {
	if s.provider == nil {
		return errNoPage
	}
	var f signInFlow
	had := s.cookies.get(v.r, s.cookies.signIn, &f)
	s.cookies.clear(v.w, s.cookies.signIn) // one use
	q := v.r.URL.Query()
	state := q.Get("state")
	switch {
	case !had || f.Expires < s.Now().Unix():
		return s.signInFailed(v, "no sign-in under way in this browser, or it took too long")
	case state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1:
		return s.signInFailed(v, "the state is not this sign-in's")
	case q.Get("error") != "":
		return s.signInFailed(v, "the provider refused: "+q.Get("error")+" "+q.Get("error_description"))
	}
	d, err := s.provider.discover()
	if err != nil {
		return err
	}
	ctx := s.provider.context(v.r.Context())
	tok, err := s.provider.oauth(d, f.Redirect).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return s.signInFailed(v, "code exchange: "+err.Error())
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := d.ids.Verify(ctx, raw)
	if err != nil {
		return s.signInFailed(v, "ID token: "+err.Error())
	}
	if subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(f.Nonce)) != 1 {
		return s.signInFailed(v, "the ID token's nonce is not this sign-in's")
	}
	if id.AccessTokenHash != "" {
		if err := id.VerifyAccessToken(tok.AccessToken); err != nil {
			return s.signInFailed(v, "the access token is not the ID token's: "+err.Error())
		}
	}
	p, err := s.tokens.Verify(v.r.Context(), tok.AccessToken)
	if apperr.Is(err, apperr.Unauthenticated) {
		// Signed in at the provider, but with no access to this service:
		// the token lacks the claims the API needs.
		s.Log.InfoContext(v.r.Context(), "sign-in refused", "reason", apperr.As(err).DetailIn("en"), "sub", id.Subject)
		s.message(v, http.StatusForbidden, "page.oidc.no-access.title", "page.oidc.no-access.body")
		return nil
	}
	if err != nil {
		return err
	}
	if p.Subject != id.Subject {
		return s.signInFailed(v, "the access token is another person's")
	}
	now := s.Now().Unix()
	if err := s.cookies.startSession(v.w, v.r, Session{Token: tok.AccessToken, Refresh: tok.RefreshToken, Via: ViaOIDC, Started: now, Seen: now}); err != nil {
		return err
	}
	name := p.Name
	if name == "" {
		name = p.Subject
	}
	return s.signedIn(v, name, f.Next)
}

// signInFailed is the page of a sign-in that did not finish: the reason is
// logged, the person asked to start again.
func (s *site) signInFailed(v *visit, reason string) error {
	s.Log.InfoContext(v.r.Context(), "sign-in failed", "reason", reason)
	s.message(v, http.StatusBadRequest, "page.oidc.failed.title", "page.oidc.failed.body")
	return nil
}

// renew replaces a session's access token that is about to expire with a
// new one, through the refresh token; a failure is logged and leaves the
// token as it is (an expired one then ends the session).
func (p *provider) renew(ctx context.Context, sess *Session, log *slog.Logger) {
	if sess.Refresh == "" || time.Until(expiry(sess.Token)) > renewBefore {
		return
	}
	d, err := p.discover()
	if err != nil {
		log.WarnContext(ctx, "token not renewed", "error", err)
		return
	}
	tok, err := p.oauth(d, "").TokenSource(p.context(ctx), &oauth2.Token{RefreshToken: sess.Refresh}).Token()
	if err != nil {
		log.InfoContext(ctx, "token not renewed", "error", err)
		return
	}
	sess.Token = tok.AccessToken
	if tok.RefreshToken != "" {
		sess.Refresh = tok.RefreshToken
	}
}

// expiry is a token's exp, read without verifying it: only to decide
// whether to renew it (the verifier decides what it is worth). A token
// without one is taken as expired.
func expiry(token string) time.Time {
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil || c.ExpiresAt == nil {
		return time.Time{}
	}
	return c.ExpiresAt.Time
}

// signOutURL is the provider's sign-out, coming back to the sign-in page;
// "" when it has none.
func (p *provider) signOutURL(back string) string {
	d, err := p.discover()
	if err != nil || d.endSession == "" {
		return ""
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", back) // OpenID Connect RP-Initiated Logout
	q.Set("logout_uri", back)               // Cognito's /logout
	u.RawQuery = q.Encode()
	return u.String()
}
