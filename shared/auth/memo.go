package auth

import (
	"context"
	"crypto"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Memo is a Verifier that remembers the tokens it has verified, for a
// caller that is shown the same token again and again: the pages, whose
// session cookie (sealed and signed by the service) holds one token for a
// working day. A token is remembered by its SHA-256 hash until it expires,
// at most max of them; one asked again is taken without verifying its
// signature again only while the key that verified it is still the
// issuer's key for its kid, so a key the issuer withdraws refuses its
// tokens here exactly when Verify would. Anything else (a token never seen,
// one that failed, one expired, the key changed) is verified by Verify, so
// what is refused is what Verify refuses. The API verifies every request's
// token itself.
type Memo struct {
	v   *Verifier
	max int
	now func() time.Time // the parser's clock

	mu   sync.Mutex
	seen map[[sha256.Size]byte]remembered
}

type remembered struct {
	p        Principal
	expires  time.Time
	kid, alg string
	key      any
}

// NewMemo remembers at most max of v's verified tokens.
func NewMemo(v *Verifier, max int) *Memo {
	return &Memo{v: v, max: max, now: time.Now, seen: map[[sha256.Size]byte]remembered{}}
}

// Verify is v.Verify, remembered.
func (m *Memo) Verify(ctx context.Context, token string) (*Principal, error) {
	if len(token) > MaxTokenBytes {
		return m.v.Verify(ctx, token)
	}
	sum := sha256.Sum256([]byte(token))
	now := m.now()
	m.mu.Lock()
	r, ok := m.seen[sum]
	m.mu.Unlock()
	if ok && now.Before(r.expires) && m.sameKey(ctx, r) {
		p := r.p
		p.Scopes = slices.Clone(p.Scopes)
		return &p, nil
	}
	p, exp, kid, alg, key, err := m.v.verify(ctx, token)
	if err != nil {
		if ok {
			m.forget(sum)
		}
		return nil, err
	}
	if m.max <= 0 || !now.Before(exp) {
		return p, nil // nothing kept, or expired already (verified within the parser's leeway): never taken from the memo
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.seen) >= m.max {
		for k, r := range m.seen {
			if !now.Before(r.expires) {
				delete(m.seen, k)
			}
		}
		for k := range m.seen { // still full: any one makes room
			if len(m.seen) < m.max {
				break
			}
			delete(m.seen, k)
		}
	}
	kept := *p
	kept.Scopes = slices.Clone(p.Scopes)
	m.seen[sum] = remembered{p: kept, expires: exp, kid: kid, alg: alg, key: key}
	return p, nil
}

func (m *Memo) forget(sum [sha256.Size]byte) {
	m.mu.Lock()
	delete(m.seen, sum)
	m.mu.Unlock()
}

// sameKey reports whether the key source still gives the key that verified
// a remembered token for its kid and algorithm.
func (m *Memo) sameKey(ctx context.Context, r remembered) bool {
	key, err := m.v.keys(ctx)(&jwt.Token{Header: map[string]any{"kid": r.kid, "alg": r.alg}, Method: jwt.GetSigningMethod(r.alg)})
	if err != nil {
		return false
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := key.(equaler)
	return ok && e.Equal(r.key)
}
