package web

import (
	"crypto/hkdf"
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// IdleLimit is how long a session lasts without a page asked: each page
// signed in starts it again (to the minute: the cookie is sealed again once
// a minute has passed since it was last seen).
const IdleLimit = 8 * time.Hour

// SessionLimit is how long a session lasts however busy: a working day, then
// the person signs in again (and the identity provider asks them again,
// if its own sign-in has ended too).
const SessionLimit = 12 * time.Hour

// Session is what the session cookie holds, encrypted (AES-256) and signed
// (HMAC-SHA-256) by the service: nobody but the service can read or make
// one. Every page request verifies Token as an API call's bearer token is
// verified (the first time in full, then remembered until it expires while
// the key that verified it is still the issuer's: auth.Memo), so its claims
// and scopes decide what the person sees, and a token that has expired ends
// the session.
type Session struct {
	// Token is the bearer token: locally a development token; with OpenID
	// Connect (authorisation code and PKCE) the access token the identity
	// provider issued.
	Token string `json:"t"`
	// Via is how the person signed in: ViaDevelopment or ViaOIDC.
	Via string `json:"v"`
	// Refresh is the identity provider's refresh token, if it gave one: a
	// token about to expire is renewed with it, silently, while the session
	// lasts.
	Refresh string `json:"r,omitempty"`
	// Started and Seen are when the person signed in and last asked for a
	// page (Unix seconds, the service's clock): SessionLimit and IdleLimit
	// are measured from them.
	Started int64 `json:"s"`
	Seen    int64 `json:"n"`
}

// ViaDevelopment marks a session of a development role (the local run).
const ViaDevelopment = "development"

// ViaOIDC marks a session signed in through the identity provider.
const ViaOIDC = "oidc"

// ended reports whether the session has been idle too long, or has lasted
// as long as one may.
func (s Session) ended(now time.Time) bool {
	t := now.Unix()
	return s.Seen == 0 || s.Started == 0 || t-s.Seen > int64(IdleLimit/time.Second) || t-s.Started > int64(SessionLimit/time.Second) || s.Seen > t+60
}

// cookies seals and reads the pages' cookies: the session, a flash message
// carried across a redirect, and (through gorilla/csrf) the CSRF token.
type cookies struct {
	codec                *securecookie.SecureCookie
	csrfKey              []byte
	secure               bool
	session, flash, csrf string // cookie names
	signIn               string // an OpenID Connect sign-in under way
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
	codec.MaxLength(chunkBytes * sessionChunks)
	// Served over HTTPS the cookies are __Host- cookies: Secure, for the
	// whole host and no other, so no neighbouring site under the same parent
	// domain can set one (a tossed CSRF cookie, a planted session).
	prefix := "rdx-"
	if secure {
		prefix = "__Host-rdx-"
	}
	return &cookies{codec: codec, csrfKey: csrfKey, secure: secure,
		session: prefix + "session", flash: prefix + "flash", csrf: prefix + "csrf", signIn: prefix + "signin"}, nil
}

func (c *cookies) set(w http.ResponseWriter, name string, value any, maxAge time.Duration) error {
	enc, err := c.codec.Encode(name, value)
	if err != nil {
		return err
	}
	http.SetCookie(w, c.cookie(name, enc, int(maxAge/time.Second)))
	return nil
}

// cookie is a cookie of the pages: for the whole site, HTTP only, Lax.
func (c *cookies) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode}
}

func (c *cookies) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, c.cookie(name, "", -1))
}

// get reads a cookie into v; false when it is absent, forged, altered or
// older than the idle limit.
func (c *cookies) get(r *http.Request, name string, v any) bool {
	ck, err := r.Cookie(name)
	return err == nil && c.codec.Decode(name, ck.Value, v) == nil
}

// A session whose provider's tokens will not fit one cookie (4 KB) is kept
// in up to sessionChunks cookies: __Host-rdx-session, -2, -3. A browser
// keeps 4 KB a cookie; API Gateway takes 10 KB of request headers.
const (
	chunkBytes    = 3800
	sessionChunks = 3
)

func (c *cookies) chunk(i int) string {
	if i == 0 {
		return c.session
	}
	return c.session + "-" + strconv.Itoa(i+1)
}

// startSession seals s into the session cookie (or cookies): at sign-in,
// and again on a page asked while signed in once a minute has passed since
// the session was last seen, so that the idle limit slides.
func (c *cookies) startSession(w http.ResponseWriter, r *http.Request, s Session) error {
	enc, err := c.codec.Encode(c.session, s)
	if err != nil {
		return err
	}
	n := 0
	for ; len(enc) > 0; n++ {
		part := enc[:min(len(enc), chunkBytes)]
		enc = enc[len(part):]
		http.SetCookie(w, c.cookie(c.chunk(n), part, int(IdleLimit/time.Second)))
	}
	c.clearChunks(w, r, n) // a longer session's tail
	return nil
}

// clearChunks clears the session's continuation cookies from the i'th on
// that the browser sent.
func (c *cookies) clearChunks(w http.ResponseWriter, r *http.Request, i int) {
	for ; i < sessionChunks; i++ {
		if _, err := r.Cookie(c.chunk(i)); err == nil {
			c.clear(w, c.chunk(i))
		}
	}
}

// getSession reads the session cookie (or cookies); false when absent,
// forged, altered or older than the idle limit.
func (c *cookies) getSession(r *http.Request, s *Session) bool {
	var b strings.Builder
	for i := range sessionChunks {
		ck, err := r.Cookie(c.chunk(i))
		if err != nil {
			break
		}
		b.WriteString(ck.Value)
	}
	return b.Len() > 0 && c.codec.Decode(c.session, b.String(), s) == nil
}

// endSession clears the session cookie and any continuation of it.
func (c *cookies) endSession(w http.ResponseWriter, r *http.Request) {
	c.clear(w, c.session)
	c.clearChunks(w, r, 1)
}
