package web

import (
	"crypto/hkdf"
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
)

// IdleLimit is how long a session lasts without a page asked: each page
// signed in starts it again.
const IdleLimit = 8 * time.Hour

// Session is what the session cookie holds, encrypted (AES-256) and signed
// (HMAC-SHA-256) by the service: nobody but the service can read or make
// one. Every page request verifies Token exactly as an API call's bearer
// token is verified, so its claims and scopes decide what the person sees,
// and a token that has expired ends the session.
type Session struct {
	// Token is the bearer token: locally a development token; with OpenID
	// Connect (authorisation code and PKCE) the access token the identity
	// provider issued.
	Token string `json:"t"`
	// Via is how the person signed in: ViaDevelopment, or an identity
	// provider's sign-in, which sign-out may then have to visit.
	Via string `json:"v"`
	// IDToken is an OpenID Connect sign-in's id token, kept as the
	// id_token_hint of the provider's sign-out (empty locally).
	IDToken string `json:"i,omitempty"`
}

// ViaDevelopment marks a session of a development role (the local run).
const ViaDevelopment = "development"

// cookies seals and reads the pages' cookies: the session, a flash message
// carried across a redirect, and (through gorilla/csrf) the CSRF token.
type cookies struct {
	codec                *securecookie.SecureCookie
	csrfKey              []byte
	secure               bool
	session, flash, csrf string // cookie names
}

// newCookies derives the keys of each use from the one session key (HKDF,
// RFC 5869): the cookies' MAC and cipher keys and the CSRF cookie's key.
func newCookies(secret []byte, secure bool) (*cookies, error) {
	derive := func(info string, n int) ([]byte, error) { return hkdf.Key(sha256.New, secret, nil, "rdx web "+info, n) }
	hashKey, err := derive("cookie mac", 64)
	if err != nil {
		return nil, err
	}
	blockKey, err := derive("cookie cipher", 32)
	if err != nil {
		return nil, err
	}
	csrfKey, err := derive("csrf", 32)
	if err != nil {
		return nil, err
	}
	codec := securecookie.New(hashKey, blockKey)
	codec.SetSerializer(securecookie.JSONEncoder{})
	codec.MaxAge(int(IdleLimit / time.Second)) // an older seal is refused, whatever the browser keeps
	// Served over HTTPS the cookies are __Host- cookies: Secure, for the
	// whole host and no other, so no neighbouring site under the same parent
	// domain can set one (a tossed CSRF cookie, a planted session).
	prefix := "rdx-"
	if secure {
		prefix = "__Host-rdx-"
	}
	return &cookies{codec: codec, csrfKey: csrfKey, secure: secure,
		session: prefix + "session", flash: prefix + "flash", csrf: prefix + "csrf"}, nil
}

func (c *cookies) set(w http.ResponseWriter, name string, value any, maxAge time.Duration) error {
	enc, err := c.codec.Encode(name, value)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: enc, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

func (c *cookies) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

// get reads a cookie into v; false when it is absent, forged, altered or
// older than the idle limit.
func (c *cookies) get(r *http.Request, name string, v any) bool {
	ck, err := r.Cookie(name)
	return err == nil && c.codec.Decode(name, ck.Value, v) == nil
}

// startSession seals s into the session cookie: at sign-in, and again on
// every page asked while signed in, so that the idle limit slides.
func (c *cookies) startSession(w http.ResponseWriter, s Session) error {
	return c.set(w, c.session, s, IdleLimit)
}
