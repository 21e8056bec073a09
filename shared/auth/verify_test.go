package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
)

const (
	issuer   = "https://idp.example/west-wales"
	audience = "rdx-api"
)

type keys struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	jwks []byte
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// newKeys makes an RSA and an EC key and the JWK set that publishes them.
func newKeys(tb testing.TB) keys {
	tb.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return keysOf(rk, ek)
}

// keysOf publishes the two keys in a JWK set, as kids rsa-1 and ec-1.
func keysOf(rk *rsa.PrivateKey, ek *ecdsa.PrivateKey) keys {
	x, y := make([]byte, 32), make([]byte, 32)
	ek.X.FillBytes(x)
	ek.Y.FillBytes(y)
	set := map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "n": b64(rk.N.Bytes()), "e": b64(big.NewInt(int64(rk.E)).Bytes())},
		{"kty": "EC", "kid": "ec-1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(x), "y": b64(y)},
	}}
	j, _ := json.Marshal(set)
	return keys{rsa: rk, ec: ek, jwks: j}
}

func verifier(tb testing.TB, k keys) *auth.Verifier {
	tb.Helper()
	src, err := auth.StaticKeys(k.jwks)
	if err != nil {
		tb.Fatal(err)
	}
	return auth.NewVerifier(src, issuer, audience, registry(tb))
}

func registry(tb testing.TB) *region.Registry {
	tb.Helper()
	reg, err := regions.Registry()
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

func claims(mod func(c jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": issuer, "aud": audience, "sub": "client-1", "exp": now.Add(time.Hour).Unix(),
		"iat": now.Unix(), "region": "west-wales", "partner": "carmarthenshire", "scope": "submissions:read submissions:write"}
	if mod != nil {
		mod(c)
	}
	return c
}

func sign(tb testing.TB, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	tb.Helper()
	var header map[string]any
	if kid != "" {
		header = map[string]any{"kid": kid}
	}
	return tbSign(tb, m, header, key, c)
}

func TestRS256AndES256TokensFromTheJWKSet(t *testing.T) {
	k := newKeys(t)
	v := verifier(t, k)
	for name, tok := range map[string]string{
		"RS256": sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(nil)),
		"ES256": sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil)),
	} {
		p, err := v.Verify(t.Context(), tok)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Partner != "carmarthenshire" || p.Region != "west-wales" || !p.Has(auth.SubmissionsWrite) || p.Subject != "client-1" {
			t.Errorf("%s: principal %+v", name, p)
		}
	}
}

func TestRefusedTokens(t *testing.T) {
	k := newKeys(t)
	other := newKeys(t)
	v := verifier(t, k)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	hs.Header["kid"] = "rsa-1"
	hsTok, _ := hs.SignedString([]byte("secret"))
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
	none.Header["kid"] = "rsa-1"
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	good := sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil))
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + b64([]byte(`{"iss":"`+issuer+`","aud":"rdx-api","sub":"x","exp":9999999999,"region":"west-wales","partner":"ceredigion","scope":"submissions:write"}`)) + "." + parts[2]
	cases := map[string]string{
		"HS256":                hsTok,
		"alg none":             noneTok,
		"unknown kid":          sign(t, jwt.SigningMethodES256, "ec-9", k.ec, claims(nil)),
		"no kid":               sign(t, jwt.SigningMethodES256, "", k.ec, claims(nil)),
		"another issuer's key": sign(t, jwt.SigningMethodES256, "ec-1", other.ec, claims(nil)),
		"RS256 on the EC kid":  sign(t, jwt.SigningMethodRS256, "ec-1", k.rsa, claims(nil)),
		"expired":              sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })),
		"not valid yet":        sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Minute).Unix() })),
		"issued in the future": sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })),
		"no exp":               sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"wrong issuer":         sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })),
		"no issuer":            sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { delete(c, "iss") })),
		"wrong audience":       sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { c["aud"] = "another-api" })),
		"no subject":           sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { delete(c, "sub") })),
		"region as a number":   sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) { c["region"] = 7 })),
		"tampered payload":     tampered,
		"not a JWT":            "abc.def",
		"100 KB":               strings.Repeat("a", 100<<10),
		"header of garbage":    b64([]byte(strings.Repeat(`{"a":`, 5000))) + ".e30.sig",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tok)
			if !apperr.Is(err, apperr.Unauthenticated) {
				t.Errorf("got %v, want unauthenticated", err)
			}
		})
	}
}

func TestLeewayAllowsSmallClockSkew(t *testing.T) {
	k := newKeys(t)
	v := verifier(t, k)
	tok := sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) {
		c["exp"] = time.Now().Add(-10 * time.Second).Unix()
		c["nbf"] = time.Now().Add(10 * time.Second).Unix()
	}))
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Errorf("10 s of skew refused: %v", err)
	}
}

func TestDevKeyTokensVerify(t *testing.T) {
	dev, err := auth.LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src, err := auth.StaticKeys(dev.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(src, auth.DevIssuer, auth.DevAudience, registry(t))
	tok, err := dev.Mint(auth.TokenSpec{Subject: "s", Region: auth.AllRegions, Scopes: auth.DefaultScopes(auth.AllRegions, ""), TTL: time.Minute}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil || !p.Has(auth.ExportsRead) || p.Region != auth.AllRegions {
		t.Errorf("government dev token: %+v %v", p, err)
	}
}

func TestDevKeyPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := auth.LoadOrCreateDevKey(dir)
	if err != nil || a.KID() != b.KID() || string(a.JWKS()) != string(b.JWKS()) {
		t.Errorf("a second load made another key: %v", err)
	}
}
