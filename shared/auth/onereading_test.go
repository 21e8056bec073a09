package auth_test

import (
	"crypto/elliptic"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// rawToken signs a header and claims given as text, byte for byte, with the
// EC key (low-s), so that the signature is good and only the form is wrong.
func rawToken(t *testing.T, k keys, header, claims string) string {
	t.Helper()
	signing := b64([]byte(header)) + "." + b64([]byte(claims))
	sig, err := auth.ES256.Sign(signing, k.ec)
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64(sig)
}

// claimsText is claims(nil) as JSON text with extra members spliced in
// before its closing brace (and mod applied first).
func claimsText(t *testing.T, mod func(jwt.MapClaims), extra string) string {
	t.Helper()
	j, err := json.Marshal(claims(mod))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(j), "}") + extra + "}"
}

// wantRule fails unless err is a 401 naming the rule against Authorization.
func wantRule(t *testing.T, name string, err error, rule auth.TokenRule) {
	t.Helper()
	e := apperr.As(err)
	if e.Code != apperr.Unauthenticated || len(e.Fields) != 1 || e.Fields[0].Code != rule.Code || e.Fields[0].Header != "Authorization" {
		t.Errorf("%s: %v %+v, want 401 with %s", name, err, e.Fields, rule.Code)
	}
}

// A token has one reading: a claim or header parameter given twice, in two
// cases, or a claim the service reads in another case, and a time written
// as a string are refused, though the signature is good.
func TestTokensWithMoreThanOneReading(t *testing.T) {
	k := newKeys(t)
	v := verifier(t, k)
	header := `{"alg":"ES256","kid":"ec-1","typ":"JWT"}`
	if _, err := v.Verify(t.Context(), rawToken(t, k, header, claimsText(t, nil, ""))); err != nil {
		t.Fatalf("the well-formed token: %v", err)
	}
	noPartner := func(c jwt.MapClaims) { delete(c, "partner") }
	soon := time.Now().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name, header, claims string
		rule                 auth.TokenRule
	}{
		{"partner given twice", header, claimsText(t, nil, `,"partner":"ceredigion"`), auth.RuleClaimRepeated},
		{"partner and Partner", header, claimsText(t, nil, `,"Partner":"ceredigion"`), auth.RuleClaimRepeated},
		{"partner twice, one escaped", header, claimsText(t, nil, `,"p\u0061rtner":"ceredigion"`), auth.RuleClaimRepeated},
		{"unknown claims differing in case", header, claimsText(t, nil, `,"x-team":1,"X-Team":2`), auth.RuleClaimRepeated},
		{"Partner alone", header, claimsText(t, noPartner, `,"Partner":"carmarthenshire"`), auth.RuleClaimCase},
		{"SCOPE", header, claimsText(t, nil, `,"SCOPE":"submissions:read"`), auth.RuleClaimRepeated},
		{"Exp alone", header, claimsText(t, func(c jwt.MapClaims) { delete(c, "exp") }, fmt.Sprintf(`,"Exp":%d`, soon)), auth.RuleClaimCase},
		{"kid given twice", `{"alg":"ES256","kid":"ec-9","kid":"ec-1"}`, claimsText(t, nil, ""), auth.RuleClaimRepeated},
		{"alg and ALG", `{"alg":"ES256","ALG":"none","kid":"ec-1"}`, claimsText(t, nil, ""), auth.RuleClaimRepeated},
		{"exp as a string", header, claimsText(t, func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(soon) }, ""), auth.RuleTimeNotNumber},
		{"nbf as a string", header, claimsText(t, func(c jwt.MapClaims) { c["nbf"] = "0" }, ""), auth.RuleTimeNotNumber},
		{"iat as a string", header, claimsText(t, func(c jwt.MapClaims) { c["iat"] = fmt.Sprint(time.Now().Unix()) }, ""), auth.RuleTimeNotNumber},
	} {
		_, err := v.Verify(t.Context(), rawToken(t, k, tc.header, tc.claims))
		wantRule(t, tc.name, err, tc.rule)
	}
}

// An ES256 signature with s replaced by n−s verifies mathematically, but is
// a second spelling of the same token: refused. The issuer's low-s one
// passes.
func TestOnlyTheLowSSignature(t *testing.T) {
	k := newKeys(t)
	v := verifier(t, k)
	n := elliptic.P256().Params().N
	for i := range 20 { // each signature is random: both halves of s come up
		tok := tbSign(t, jwt.SigningMethodES256, map[string]any{"kid": "ec-1"}, k.ec, claims(func(c jwt.MapClaims) { c["jti"] = fmt.Sprint(i) }))
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatalf("the low-s token: %v", err)
		}
		parts := strings.Split(tok, ".")
		sig, _ := jwt.NewParser().DecodeSegment(parts[2])
		s := new(big.Int).SetBytes(sig[32:])
		if s.Cmp(new(big.Int).Rsh(n, 1)) > 0 {
			t.Fatalf("auth.ES256 signed with a high s")
		}
		s.Sub(n, s).FillBytes(sig[32:])
		flipped := parts[0] + "." + parts[1] + "." + b64(sig)
		_, err := v.Verify(t.Context(), flipped)
		wantRule(t, "s replaced by n-s", err, auth.RuleSignatureNotCanonical)
	}
}
