package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// issuerServer publishes set at /jwks.json; each request first waits for
// gate to be closed (nil: no wait), and the first fail requests are
// answered 503.
func issuerServer(t *testing.T, set []byte, gate chan struct{}, fail int64) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		if n <= fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(set)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/jwks.json", &hits
}

// verifyLater verifies tok in the background.
func verifyLater(ctx context.Context, v *auth.Verifier, tok string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, tok)
		done <- err
	}()
	return done
}

// TestRemoteKeysDoNotBlockStart: start-up does not wait for the issuer.
// Tokens that arrive while the set is on its way wait for it, then the
// good one verifies and the forged one is refused; the set is fetched once.
func TestRemoteKeysDoNotBlockStart(t *testing.T) {
	k, attacker := newKeys(t), newKeys(t)
	gate := make(chan struct{})
	url, hits := issuerServer(t, k.jwks, gate, 0)
	start := time.Now()
	src, err := auth.RemoteKeys(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("RemoteKeys took %v with the issuer not answering: it waits for the fetch", d)
	}
	v := auth.NewVerifier(src, issuer, audience, registry(t))
	good := verifyLater(t.Context(), v, sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil)))
	forged := verifyLater(t.Context(), v, sign(t, jwt.SigningMethodES256, "ec-1", attacker.ec, claims(nil)))
	select {
	case err := <-good:
		t.Fatalf("a token was answered (%v) before the JWK set arrived", err)
	case err := <-forged:
		t.Fatalf("a token was answered (%v) before the JWK set arrived", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(gate)
	if err := <-good; err != nil {
		t.Errorf("the good token, once the set arrived: %v", err)
	}
	if err := <-forged; !apperr.Is(err, apperr.Unauthenticated) {
		t.Errorf("the forged token: %v, want unauthenticated", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the set was fetched %d times, want once", n)
	}
}

// TestRemoteKeysFirstFetchFails: an issuer down at start does not stop it;
// the first token's kid, unknown, fetches the set again.
func TestRemoteKeysFirstFetchFails(t *testing.T) {
	k := newKeys(t)
	url, hits := issuerServer(t, k.jwks, nil, 1)
	src, err := auth.RemoteKeys(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(src, issuer, audience, registry(t))
	if _, err := v.Verify(t.Context(), sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(nil))); err != nil {
		t.Errorf("after a failed first fetch: %v", err)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("the set was fetched %d times, want twice", n)
	}
}

// TestRemoteKeysWaitEndsWithTheRequest: a request given up while the set is
// on its way is refused, not left waiting.
func TestRemoteKeysWaitEndsWithTheRequest(t *testing.T) {
	k := newKeys(t)
	gate := make(chan struct{})
	defer close(gate)
	url, _ := issuerServer(t, k.jwks, gate, 0)
	src, err := auth.RemoteKeys(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(src, issuer, audience, registry(t))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil))); !apperr.Is(err, apperr.Unauthenticated) {
		t.Errorf("got %v, want unauthenticated", err)
	}
}

func TestRemoteKeysRefusesABadURL(t *testing.T) {
	if _, err := auth.RemoteKeys(t.Context(), "jwks.json"); err == nil {
		t.Error("a relative URL was accepted")
	}
}

// TestStaticKeysRefusesUnusableSets: a configured set the verifier could
// not use, in whole or in part, stops start-up.
func TestStaticKeysRefusesUnusableSets(t *testing.T) {
	k := newKeys(t)
	var good []map[string]any
	json.Unmarshal(k.jwks, &struct{ Keys *[]map[string]any }{&good})
	with := func(change func(m map[string]any)) string {
		m := map[string]any{}
		for name, v := range good[1] { // the EC key
			m[name] = v
		}
		change(m)
		b, _ := json.Marshal(map[string]any{"keys": []any{good[0], m}})
		return string(b)
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	x, y := make([]byte, 48), make([]byte, 48)
	p384.X.FillBytes(x)
	p384.Y.FillBytes(y)
	for name, set := range map[string]string{
		"not JSON":    "keys",
		"no keys":     `{"keys":[]}`,
		"no kid":      with(func(m map[string]any) { delete(m, "kid") }),
		"for enc":     with(func(m map[string]any) { m["use"] = "enc" }),
		"bad point":   with(func(m map[string]any) { m["x"] = b64([]byte("not a coordinate")) }),
		"unknown kty": with(func(m map[string]any) { m["kty"] = "XYZ" }),
		"RSA of 1024 bits": with(func(m map[string]any) {
			clear(m)
			m["kty"], m["kid"], m["n"], m["e"] = "RSA", "rsa-small", b64(small.N.Bytes()), b64(big.NewInt(int64(small.E)).Bytes())
		}),
		"P-384": with(func(m map[string]any) { m["crv"], m["alg"], m["x"], m["y"] = "P-384", "ES384", b64(x), b64(y) }),
		"HMAC secret": with(func(m map[string]any) {
			clear(m)
			m["kty"], m["kid"], m["k"] = "oct", "hmac-1", b64([]byte(strings.Repeat("s", 32)))
		}),
	} {
		if _, err := auth.StaticKeys([]byte(set)); err == nil {
			t.Errorf("%s: accepted %s", name, set)
		}
	}
	if _, err := auth.StaticKeys(k.jwks); err != nil {
		t.Errorf("the good set: %v", err)
	}
}
