package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// parses counts the signatures a verifier checks: its key source is asked
// for a token's key as the token is parsed (t.Raw set), and the current
// keys can be swapped, as an issuer's published set changes.
type parses struct {
	n       atomic.Int64
	current atomic.Pointer[auth.KeySource]
}

func (p *parses) source(ctx context.Context) jwt.Keyfunc {
	kf := (*p.current.Load())(ctx)
	return func(t *jwt.Token) (any, error) {
		if t.Raw != "" {
			p.n.Add(1)
		}
		return kf(t)
	}
}

func (p *parses) use(tb testing.TB, k keys) {
	src, err := auth.StaticKeys(k.jwks)
	if err != nil {
		tb.Fatal(err)
	}
	p.current.Store(&src)
}

// A token the memo has verified is taken again without checking its
// signature again, until it expires or the key that verified it is no
// longer the issuer's: then it is verified again, and refused exactly as
// Verify refuses it. What failed is never remembered, and no more than the
// memo's size is kept.
func TestMemoRemembersVerifiedTokensOnly(t *testing.T) {
	k := newKeys(t)
	var keys parses
	keys.use(t, k)
	v := auth.NewVerifier(keys.source, issuer, audience, registry(t))
	m := auth.NewMemo(v, 3)
	now := time.Now()
	auth.SetMemoClock(m, func() time.Time { return now })
	tok := sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil))

	first, err := m.Verify(t.Context(), tok)
	if err != nil || first.Partner != "carmarthenshire" || !first.Has(auth.SubmissionsWrite) {
		t.Fatalf("first: %+v %v", first, err)
	}
	first.Scopes[0], first.Partner = auth.ExportsRead, "ceredigion" // the caller's copy
	again, err := m.Verify(t.Context(), tok)
	if err != nil || again.Partner != "carmarthenshire" || again.Scopes[0] != auth.SubmissionsRead {
		t.Fatalf("again: %+v %v", again, err)
	}
	if n := keys.n.Load(); n != 1 {
		t.Errorf("a remembered token was verified %d times, want once", n)
	}

	// Past its expiry (by the memo's clock) it is verified again.
	now = now.Add(time.Hour + time.Second)
	m.Verify(t.Context(), tok)
	if n := keys.n.Load(); n != 2 {
		t.Errorf("an expired token was not verified again: %d verifications", n)
	}
	now = time.Now()

	// The issuer's key for ec-1 changes: the remembered token is refused,
	// as Verify refuses it.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys.use(t, keysOf(k.rsa, other))
	if _, err := v.Verify(t.Context(), tok); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("Verify with the key withdrawn: %v", err)
	}
	if p, err := m.Verify(t.Context(), tok); !apperr.Is(err, apperr.Unauthenticated) {
		t.Errorf("the memo took a token whose key was withdrawn: %+v %v", p, err)
	}
	keys.use(t, k)

	// A stranger's token is refused every time, each time verified.
	stranger := sign(t, jwt.SigningMethodES256, "ec-1", other, claims(nil))
	before := keys.n.Load()
	for range 2 {
		if _, err := m.Verify(t.Context(), stranger); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("a stranger's token: %v", err)
		}
	}
	if n := keys.n.Load() - before; n != 2 {
		t.Errorf("a refused token was verified %d times in 2 asks", n)
	}

	for i := range 10 {
		tok := sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { c["sub"] = fmt.Sprint("client-", i) }))
		if p, err := m.Verify(t.Context(), tok); err != nil || p.Subject != fmt.Sprint("client-", i) {
			t.Fatalf("token %d: %+v %v", i, p, err)
		}
	}
	if n := auth.MemoLen(m); n > 3 {
		t.Errorf("the memo keeps %d tokens, at most 3", n)
	}
}
