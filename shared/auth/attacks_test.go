package auth_test

// Token attacks of RFC 8725 (JWT Best Current Practices) and the JWS/JWT
// classics, each refused as apperr.Unauthenticated (HTTP 401), with the
// cost of refusing it bounded: hostile tokens that are large are refused
// before any decoding, so they cost a few allocations whatever their size.

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// Bounds of one refused verification. Tokens over auth.MaxTokenBytes are
// refused before decoding ("pre-parse"); the rest are at most that size, so
// their cost is bounded by it too.
const (
	preParseMaxBytes  = 64 << 10
	preParseMaxAllocs = 100
	parsedMaxBytes    = 384 << 10
	parsedMaxAllocs   = 1000
	// A deliberately generous wall-clock bound (the allocation bounds are
	// the deterministic ones): the measured averages are logged, and are
	// well under a millisecond without the race detector.
	maxAveragePerToken = 50 * time.Millisecond
)

// tbSign signs claims with extra header parameters.
func tbSign(tb testing.TB, m jwt.SigningMethod, header map[string]any, key any, c jwt.MapClaims) string {
	tb.Helper()
	if m == jwt.SigningMethodES256 {
		m = auth.ES256 // the verifier accepts only low-s signatures
	}
	tok := jwt.NewWithClaims(m, c)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// hitCounter is a web server that counts every request it gets: a token
// must never make the verifier fetch anything.
func hitCounter(t *testing.T, body []byte) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

type attack struct {
	name     string
	token    string
	preParse bool // refused before any decoding: over auth.MaxTokenBytes
}

// attacks builds the table. attacker is another party's keys; url is a
// server the tokens point at.
func attacks(t *testing.T, k, attacker keys, url string) []attack {
	t.Helper()
	ec, rs := jwt.SigningMethodES256, jwt.SigningMethodRS256
	kid := func(id string) map[string]any { return map[string]any{"kid": id} }
	hdr := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	good := tbSign(t, ec, kid("ec-1"), k.ec, claims(nil))
	gp := strings.Split(good, ".")
	other := tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["sub"] = "client-2" }))
	op := strings.Split(other, ".")

	var out []attack
	add := func(name, tok string) { out = append(out, attack{name: name, token: tok}) }
	addPre := func(name, tok string) {
		if len(tok) <= auth.MaxTokenBytes {
			t.Fatalf("%s: %d bytes is not over the %d-byte limit", name, len(tok), auth.MaxTokenBytes)
		}
		out = append(out, attack{name: name, token: tok, preParse: true})
	}

	// alg none, in the spellings libraries have mishandled.
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		h := b64([]byte(`{"alg":"` + alg + `","typ":"JWT","kid":"rsa-1"}`))
		add("alg "+alg+" (empty signature)", h+"."+gp[1]+".")
		add("alg "+alg+" (original signature kept)", h+"."+gp[1]+"."+gp[2])
	}
	// No alg at all, and alg of the wrong JSON type.
	add("alg missing", b64([]byte(`{"typ":"JWT","kid":"ec-1"}`))+"."+gp[1]+"."+gp[2])
	add("alg as a number", b64([]byte(`{"alg":256,"kid":"ec-1"}`))+"."+gp[1]+"."+gp[2])
	add("alg list", b64([]byte(`{"alg":["ES256"],"kid":"ec-1"}`))+"."+gp[1]+"."+gp[2])

	// Key confusion: HS256 with the RSA (and EC) public key as the HMAC secret.
	pkix, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	pkcs1 := x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)
	ecPKIX, _ := x509.MarshalPKIXPublicKey(&k.ec.PublicKey)
	secrets := []struct {
		name   string
		secret []byte
	}{
		{"RSA PEM (PKIX)", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})},
		{"RSA PEM (PKCS #1)", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1})},
		{"RSA DER (PKIX)", pkix},
		{"RSA DER (PKCS #1)", pkcs1},
		{"RSA modulus", k.rsa.N.Bytes()},
		{"RSA JWK set (JSON)", k.jwks},
		{"EC PEM (PKIX)", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecPKIX})},
		{"EC DER (PKIX)", ecPKIX},
		{"empty secret", nil},
	}
	for _, sc := range secrets {
		for _, m := range []jwt.SigningMethod{jwt.SigningMethodHS256, jwt.SigningMethodHS384, jwt.SigningMethodHS512} {
			id := "rsa-1"
			if strings.HasPrefix(sc.name, "EC") {
				id = "ec-1"
			}
			if len(sc.secret) == 0 {
				// golang-jwt refuses to sign with an empty key: do it by hand.
				h := b64([]byte(`{"alg":"` + m.Alg() + `","kid":"` + id + `"}`))
				add(m.Alg()+" with an "+sc.name, h+"."+gp[1]+".")
				continue
			}
			add(m.Alg()+" with the "+sc.name+" as secret", tbSign(t, m, kid(id), sc.secret, claims(nil)))
		}
	}
	// Algorithm substitution between the two asymmetric families, and PS256.
	add("RS256 signature on the EC kid", tbSign(t, rs, kid("ec-1"), k.rsa, claims(nil)))
	add("ES256 signature on the RSA kid", tbSign(t, ec, kid("rsa-1"), k.ec, claims(nil)))
	add("PS256 with the RSA kid", tbSign(t, jwt.SigningMethodPS256, kid("rsa-1"), k.rsa, claims(nil)))
	add("ES384 header on an ES256 key", b64([]byte(`{"alg":"ES384","kid":"ec-1"}`))+"."+gp[1]+"."+gp[2])

	// Keys and signers.
	add("unknown kid", tbSign(t, ec, kid("ec-9"), k.ec, claims(nil)))
	add("kid of the attacker's key", tbSign(t, ec, kid("attacker-1"), attacker.ec, claims(nil)))
	add("attacker's key under our kid", tbSign(t, ec, kid("ec-1"), attacker.ec, claims(nil)))
	add("kid missing", tbSign(t, ec, nil, k.ec, claims(nil)))
	add("kid as a number", tbSign(t, ec, hdr("kid", 1), k.ec, claims(nil)))
	add("kid empty", tbSign(t, ec, kid(""), k.ec, claims(nil)))
	for _, p := range []string{"../../../../etc/passwd", "/etc/passwd", "/dev/zero", "/dev/random", "file:///etc/passwd",
		"../dev-signing-key.pem", "ec-1/../ec-1", "ec-1\x00", "ec-1' OR '1'='1", url + "/jwks.json"} {
		add("kid path "+strconv.Quote(p), tbSign(t, ec, kid(p), k.ec, claims(nil)))
	}
	add("kid of 5 KB (under the size limit)", tbSign(t, ec, kid(strings.Repeat("k", 5<<10)), k.ec, claims(nil)))
	addPre("kid of 10 KB", tbSign(t, ec, kid(strings.Repeat("k", 10<<10)), k.ec, claims(nil)))

	// Claims.
	now := time.Now()
	add("expired", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })))
	add("expired long ago", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["exp"] = 1 })))
	add("not yet valid (nbf)", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })))
	add("issued in the future (iat)", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })))
	add("wrong iss", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["iss"] = "https://idp.example/evil" })))
	add("iss with a trailing slash", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["iss"] = issuer + "/" })))
	add("iss missing", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { delete(c, "iss") })))
	add("wrong aud", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["aud"] = "another-api" })))
	add("aud list without ours", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["aud"] = []string{"a", "b"} })))
	add("aud missing", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { delete(c, "aud") })))
	add("exp missing", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { delete(c, "exp") })))
	add("exp not a number", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["exp"] = "tomorrow" })))
	add("exp null", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["exp"] = nil })))

	// Signatures.
	add("tampered payload (signature of another payload)", gp[0]+"."+op[1]+"."+gp[2])
	add("tampered payload (hand-made claims, old signature)", gp[0]+"."+b64([]byte(`{"iss":"`+issuer+`","aud":"`+audience+
		`","sub":"x","exp":9999999999,"region":"west-wales","partner":"ceredigion","scope":"submissions:write"}`))+"."+gp[2])
	add("tampered header (kid swapped, signature kept)", b64([]byte(`{"alg":"ES256","kid":"ec-1","typ":"JWT","x":1}`))+"."+gp[1]+"."+gp[2])
	add("signature stripped", gp[0]+"."+gp[1]+".")
	add("signature not base64url", gp[0]+"."+gp[1]+".!!!!")
	sig, _ := jwt.NewParser().DecodeSegment(gp[2])
	for _, n := range []int{0, 1, 32, 63, 65, 96, 128, 512} {
		s := make([]byte, n)
		copy(s, sig)
		add("ES256 signature of "+strconv.Itoa(n)+" bytes", gp[0]+"."+gp[1]+"."+b64(s))
	}
	add("signature respelled (unused trailing bits set)", respell(good))
	add("signature with CR LF inside (skipped by base64 decoders)", good[:len(good)-9]+"\r\n"+good[len(good)-9:])
	add("ES256 signature r = s = 0 (CVE-2022-21449)", gp[0]+"."+gp[1]+"."+b64(make([]byte, 64)))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	der, _ := asn1ECDSA(r, s)
	add("ES256 signature in ASN.1 DER", gp[0]+"."+gp[1]+"."+b64(der))

	// Shape.
	add("5 segments (JWE shape)", gp[0]+"."+gp[1]+"."+gp[2]+".AAAA.BBBB")
	add("5 empty segments", "....")
	add("2 segments", gp[0]+"."+gp[1])
	add("1 segment", gp[0])
	add("empty", "")
	add("JSON serialization", `{"payload":"`+gp[1]+`","signatures":[{"protected":"`+gp[0]+`","signature":"`+gp[2]+`"}]}`)
	add("header not JSON", b64([]byte("not json"))+"."+gp[1]+"."+gp[2])
	add("header JSON null", b64([]byte("null"))+"."+gp[1]+"."+gp[2])
	add("header nested garbage (4 KB, under the size limit)", b64([]byte(strings.Repeat("[", 4<<10)))+"."+gp[1]+"."+gp[2])
	add("claims nested garbage (4 KB, under the size limit)", gp[0]+"."+b64([]byte(strings.Repeat(`{"a":`, 800)))+"."+gp[2])
	add("header of '[' up to the size limit", b64([]byte(strings.Repeat("[", (auth.MaxTokenBytes-len(gp[1])-len(gp[2])-2)*3/4)))+"."+gp[1]+"."+gp[2])
	addPre("100 KB of garbage", strings.Repeat("a", 100<<10))
	addPre("100 KB token, validly signed", tbSign(t, ec, kid("ec-1"), k.ec, claims(func(c jwt.MapClaims) { c["pad"] = strings.Repeat("p", 100<<10) })))
	addPre("header of 100k '[' (nested garbage)", b64([]byte(strings.Repeat("[", 100_000)))+"."+gp[1]+"."+gp[2])
	addPre(`header of 100k '{"a":' (nested garbage)`, b64([]byte(strings.Repeat(`{"a":`, 100_000)))+"."+gp[1]+"."+gp[2])
	addPre("enormous base64 header segment (1 MB)", strings.Repeat("A", 1<<20)+"."+gp[1]+"."+gp[2])
	addPre("enormous base64 signature segment (1 MB)", gp[0]+"."+gp[1]+"."+strings.Repeat("A", 1<<20))
	addPre("100k dots", strings.Repeat(".", 100_000))

	// Extensions.
	for _, crit := range [][]string{{"exp"}, {"b64"}, {"urn:example:unknown"}, {}} {
		h := hdr("kid", "ec-1", "crit", crit)
		for _, c := range crit {
			if c != "exp" {
				h[c] = false
			}
		}
		cj, _ := json.Marshal(crit)
		add("crit "+string(cj)+", validly signed", tbSign(t, ec, h, k.ec, claims(nil)))
	}
	add("crit not a list, validly signed", tbSign(t, ec, hdr("kid", "ec-1", "crit", "exp"), k.ec, claims(nil)))

	// Headers naming where to get a key: never fetched, never trusted.
	attackerJWK := json.RawMessage(attackerPublicJWK(attacker))
	add("jku to the attacker's JWK set (attacker kid)", tbSign(t, ec, hdr("kid", "attacker-1", "jku", url+"/jwks.json"), attacker.ec, claims(nil)))
	add("jku to the attacker's JWK set (our kid)", tbSign(t, ec, hdr("kid", "ec-1", "jku", url+"/jwks.json"), attacker.ec, claims(nil)))
	add("x5u to the attacker's certificate (our kid)", tbSign(t, ec, hdr("kid", "ec-1", "x5u", url+"/cert.pem"), attacker.ec, claims(nil)))
	add("x5u to the attacker's certificate (no kid)", tbSign(t, ec, hdr("x5u", url+"/cert.pem"), attacker.ec, claims(nil)))
	add("jwk embedded (CVE-2018-0114 shape)", tbSign(t, ec, hdr("kid", "ec-1", "jwk", attackerJWK), attacker.ec, claims(nil)))
	add("jwk embedded with the attacker's kid", tbSign(t, ec, hdr("kid", "attacker-1", "jwk", attackerJWK), attacker.ec, claims(nil)))
	add("x5c of garbage", tbSign(t, ec, hdr("kid", "ec-1", "x5c", []string{"MIIB"}), attacker.ec, claims(nil)))
	return out
}

// attackerPublicJWK is the attacker's EC public key as a JWK.
func attackerPublicJWK(a keys) []byte {
	x, y := make([]byte, 32), make([]byte, 32)
	a.ec.X.FillBytes(x)
	a.ec.Y.FillBytes(y)
	j, _ := json.Marshal(map[string]string{"kty": "EC", "crv": "P-256", "kid": "attacker-1", "alg": "ES256", "x": b64(x), "y": b64(y)})
	return j
}

// asn1ECDSA encodes (r, s) as ASN.1 DER, the other common ECDSA signature form.
func asn1ECDSA(r, s *big.Int) ([]byte, error) {
	enc := func(n *big.Int) []byte {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(enc(r), enc(s)...)
	return append([]byte{0x30, byte(len(body))}, body...), nil
}

// TestTokenAttacks refuses every attack with a 401 and bounded cost, and
// never fetches a URL a token names.
func TestTokenAttacks(t *testing.T) {
	k, attacker := newKeys(t), newKeys(t)
	v := verifier(t, k)
	srv, hits := hitCounter(t, []byte(`{"keys":[`+string(attackerPublicJWK(attacker))+`]}`))

	// The untouched token verifies: the attacks below fail for their own reason.
	if _, err := v.Verify(t.Context(), tbSign(t, jwt.SigningMethodES256, map[string]any{"kid": "ec-1"}, k.ec, claims(nil))); err != nil {
		t.Fatalf("a valid token is refused: %v", err)
	}

	runs := 100
	if testing.Short() {
		runs = 10
	}
	for _, a := range attacks(t, k, attacker, srv.URL) {
		t.Run(a.name, func(t *testing.T) {
			p, err := v.Verify(t.Context(), a.token)
			if err == nil || !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("got principal %+v, error %v; want unauthenticated (401)", p, err)
			}
			verify := func() { v.Verify(t.Context(), a.token) }
			allocs := testing.AllocsPerRun(runs, verify)
			bytes, avg := costPerRun(runs, verify)
			t.Logf("refused: %q; %d bytes; %.0f allocs, %d B allocated, %v per verification",
				apperr.As(err).Detail, len(a.token), allocs, bytes, avg)
			maxBytes, maxAllocs := uint64(parsedMaxBytes), float64(parsedMaxAllocs)
			if a.preParse {
				maxBytes, maxAllocs = preParseMaxBytes, preParseMaxAllocs
			}
			if allocs >= maxAllocs || bytes >= maxBytes {
				t.Errorf("refusing a %d-byte token took %.0f allocations and %d bytes; want under %.0f and %d",
					len(a.token), allocs, bytes, maxAllocs, maxBytes)
			}
			if avg > maxAveragePerToken {
				t.Errorf("refusing took %v on average over %d runs; want under %v", avg, runs, maxAveragePerToken)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("verifying tokens made %d HTTP requests to the URLs they name; want none", n)
	}
}

// costPerRun is the heap allocated by, and the wall time of, one call of
// fn, averaged over runs.
func costPerRun(runs int, fn func()) (uint64, time.Duration) {
	fn() // warm up lazily built state
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range runs {
		fn()
	}
	avg := time.Since(start) / time.Duration(runs)
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs), avg
}

// With the deployed key source (a JWK set fetched from the issuer), a flood
// of unknown kids refetches the set at most once, and URLs in tokens are
// still never fetched.
func TestRemoteKeysAttacks(t *testing.T) {
	k, attacker := newKeys(t), newKeys(t)
	issuerSrv, issuerHits := hitCounter(t, k.jwks)
	attackerSrv, attackerHits := hitCounter(t, []byte(`{"keys":[`+string(attackerPublicJWK(attacker))+`]}`))
	src, err := auth.RemoteKeys(t.Context(), issuerSrv.URL+"/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(src, issuer, audience, registry(t))
	if _, err := v.Verify(t.Context(), tbSign(t, jwt.SigningMethodES256, map[string]any{"kid": "ec-1"}, k.ec, claims(nil))); err != nil {
		t.Fatalf("a valid token is refused: %v", err)
	}
	start := time.Now()
	for i := range 50 {
		tok := tbSign(t, jwt.SigningMethodES256, map[string]any{"kid": "unknown-" + strconv.Itoa(i)}, k.ec, claims(nil))
		if _, err := v.Verify(t.Context(), tok); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("unknown kid %d: %v", i, err)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("50 unknown kids took %v: the refresh limiter waits instead of refusing", d)
	}
	for _, a := range attacks(t, k, attacker, attackerSrv.URL) {
		if _, err := v.Verify(t.Context(), a.token); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("%s: %v", a.name, err)
		}
	}
	// One fetch at start and at most one refresh for all the unknown kids.
	if n := issuerHits.Load(); n > 2 {
		t.Errorf("the issuer's JWK set was fetched %d times; want at most 2", n)
	}
	if n := attackerHits.Load(); n != 0 {
		t.Errorf("verifying tokens made %d HTTP requests to the URLs they name; want none", n)
	}
}

// The JWT library is one without CVE-2025-30204 (v5.2.2 and later); the
// verifier's parser options are exercised by the attacks above: alg none and
// HS256 (WithValidMethods), exp missing (WithExpirationRequired), wrong iss
// (WithIssuer), wrong aud (WithAudience).
func TestJWTLibraryVersion(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) < 2 || fields[0] != "github.com/golang-jwt/jwt/v5" {
			continue
		}
		found = true
		if !versionAtLeast(fields[1], 5, 2, 2) {
			t.Errorf("github.com/golang-jwt/jwt/v5 %s is older than v5.2.2 (CVE-2025-30204)", fields[1])
		}
	}
	if !found {
		t.Error("go.mod does not require github.com/golang-jwt/jwt/v5")
	}
	src, err := os.ReadFile("verify.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []string{"jwt.WithValidMethods(", "jwt.WithExpirationRequired()", "jwt.WithIssuer(", "jwt.WithAudience("} {
		if !strings.Contains(string(src), opt) {
			t.Errorf("the verifier's parser does not use %s", opt)
		}
	}
}

// versionAtLeast compares a "vMAJOR.MINOR.PATCH[-pre]" module version.
func versionAtLeast(v string, major, minor, patch int) bool {
	core, pre, _ := strings.Cut(strings.TrimPrefix(v, "v"), "-")
	parts := strings.SplitN(core, ".", 3)
	if len(parts) != 3 {
		return false
	}
	want := []int{major, minor, patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return false
		}
		if n != want[i] {
			return n > want[i]
		}
	}
	return pre == "" // v5.2.2-rc.1 comes before v5.2.2
}
