package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// refusalDetails are the fixed phrases a refusal may carry: a refusal
// never echoes any part of the token (it ends up in WWW-Authenticate).
var refusalDetails = map[string]bool{
	"the token is too large":                             true,
	"the token has expired":                              true,
	"the token is not valid yet":                         true,
	"the token lacks a required claim":                   true,
	"the token's issuer is not trusted":                  true,
	"the token is not for this service":                  true,
	"the token is malformed":                             true,
	"the token could not be verified":                    true,
	"the token has no subject":                           true,
	"the token's scopes are missing or unknown":          true,
	"the token's region is not served here":              true,
	"the token's partner is not a partner of its region": true,
	"a token for every region cannot act for a partner":  true,
	"the token's scopes do not fit its shape":            true,
}

// respell changes the unused low bits of a token's last base64url
// character: for a 64- or 256-byte signature (ES256, RS256 with 2048 bits)
// the last character carries 2 bits of data and 4 unused ones.
func respell(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[i^1])
}

// fixedKeys are keys that are the same in every process: fuzzing runs the
// target in several worker processes, and a seed signed in one must verify
// in all. (Since Go 1.26 key generation ignores a seeded reader.)
func fixedKeys(tb testing.TB) keys {
	tb.Helper()
	d := sha256.Sum256([]byte("rdx FuzzVerify EC key"))
	ek, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		tb.Fatal(err)
	}
	p, q := fixedPrime("rdx FuzzVerify RSA p"), fixedPrime("rdx FuzzVerify RSA q")
	one := big.NewInt(1)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	e := big.NewInt(65537)
	dd := new(big.Int).ModInverse(e, phi)
	if dd == nil {
		tb.Fatal("65537 is not invertible modulo φ(n): choose other seeds")
	}
	rk := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: dd, Primes: []*big.Int{p, q}}
	rk.Precompute()
	if err := rk.Validate(); err != nil {
		tb.Fatal(err)
	}
	return keysOf(rk, ek)
}

// fixedPrime is the first 1024-bit prime from a point fixed by seed.
func fixedPrime(seed string) *big.Int {
	var b []byte
	for i := 0; len(b) < 128; i++ {
		s := sha256.Sum256([]byte(seed + strconv.Itoa(i)))
		b = append(b, s[:]...)
	}
	p := new(big.Int).SetBytes(b[:128])
	p.SetBit(p, 1023, 1)
	p.SetBit(p, 1022, 1) // so that p·q has 2048 bits
	p.SetBit(p, 0, 1)
	for two := big.NewInt(2); !p.ProbablyPrime(20); p.Add(p, two) {
	}
	return p
}

// fixedClaims are valid until 2100 and the same in every process.
func fixedClaims() []byte {
	c, _ := json.Marshal(map[string]any{"iss": issuer, "aud": audience, "sub": "client-1", "iat": 1700000000, "exp": 4102444800,
		"region": "west-wales", "partner": "carmarthenshire", "scope": "submissions:read submissions:write"})
	return c
}

// signFixed signs deterministically: RS256 is, and ES256 is made so by
// RFC 6979 (a nil random source).
func signFixed(tb testing.TB, alg string, k keys, header, claims []byte) string {
	tb.Helper()
	in := b64(header) + "." + b64(claims)
	h := sha256.Sum256([]byte(in))
	var sig []byte
	switch alg {
	case "RS256":
		s, err := rsa.SignPKCS1v15(nil, k.rsa, crypto.SHA256, h[:])
		if err != nil {
			tb.Fatal(err)
		}
		sig = s
	case "ES256":
		der, err := k.ec.Sign(nil, h[:], crypto.SHA256)
		if err != nil {
			tb.Fatal(err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			tb.Fatal(err)
		}
		sig = make([]byte, 64)
		rs.R.FillBytes(sig[:32])
		rs.S.FillBytes(sig[32:])
	default:
		tb.Fatalf("unknown alg %s", alg)
	}
	return in + "." + b64(sig)
}

// FuzzVerify: whatever the token, Verify never panics and refuses it as
// Unauthenticated with a fixed phrase — except the two untouched valid
// tokens, which alone verify. (ECDSA signatures stay malleable in the
// mathematical sense, (r, s) and (r, n−s) both verifying; a verifier cannot
// refuse one without refusing half of every issuer's tokens, and no
// byte-level mutation reaches it.)
func FuzzVerify(f *testing.F) {
	k := fixedKeys(f)
	v := verifier(f, k)
	es := signFixed(f, "ES256", k, []byte(`{"alg":"ES256","kid":"ec-1","typ":"JWT"}`), fixedClaims())
	rs := signFixed(f, "RS256", k, []byte(`{"alg":"RS256","kid":"rsa-1","typ":"JWT"}`), fixedClaims())
	valid := map[string]bool{es: true, rs: true}
	for tok := range valid {
		if _, err := v.Verify(f.Context(), tok); err != nil {
			f.Fatalf("the valid token is refused: %v", err)
		}
	}
	ep, rp := strings.Split(es, "."), strings.Split(rs, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] ^= 1
		return string(b)
	}
	seeds := []string{
		es, rs,
		// One changed character in each segment.
		flip(es, 3), flip(es, len(ep[0])+5), flip(es, len(es)-30), flip(rs, len(rs)-100),
		// Segments swapped between the two tokens and with each other.
		ep[0] + "." + ep[1] + "." + rp[2], rp[0] + "." + ep[1] + "." + ep[2], ep[1] + "." + ep[0] + "." + ep[2],
		// Signature stripped, truncated, doubled; header alg none.
		ep[0] + "." + ep[1] + ".", es[:len(es)-2], es + ep[2],
		b64([]byte(`{"alg":"none","kid":"ec-1"}`)) + "." + ep[1] + ".",
		b64([]byte(`{"alg":"HS256","kid":"rsa-1"}`)) + "." + ep[1] + "." + ep[2],
		b64([]byte(`{"alg":"ES256","kid":"ec-1","crit":["exp"]}`)) + "." + ep[1] + "." + ep[2],
		// The same bytes spelled another way: unused trailing bits set, CR
		// or LF inside a segment (which base64 decoders skip), padding.
		respell(es), respell(rs), es[:len(es)-9] + "\n" + es[len(es)-9:], rs[:len(rs)-9] + "\r\n" + rs[len(rs)-9:],
		es + "=", es + "==", " " + es, es + "\n",
		// Shapes.
		"", ".", "..", "...", "a.b.c", "a.b.c.d.e", es + "." + ep[2] + ".x",
		b64([]byte(strings.Repeat("[", 3000))) + "." + ep[1] + "." + ep[2],
		b64([]byte(`{"alg":"ES256","kid":"ec-1"}`)) + "." + b64([]byte(`{"exp":1e999}`)) + "." + ep[2],
		strings.Repeat("A", auth.MaxTokenBytes+1),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := v.Verify(t.Context(), tok)
		if err == nil {
			if !valid[tok] {
				t.Fatalf("a token other than the valid ones verified: %q gave %+v", tok, p)
			}
			if p.Subject != "client-1" || p.Partner != "carmarthenshire" {
				t.Fatalf("the valid token gave principal %+v", p)
			}
			return
		}
		if !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("Verify(%q) = %v, not unauthenticated", tok, err)
		}
		if d := apperr.As(err).Detail; !refusalDetails[d] {
			t.Fatalf("Verify(%q) refused with %q, not one of the fixed phrases", tok, d)
		}
	})
}
