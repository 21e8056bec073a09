package apitest

// The edges: what happens when a caller leaves, when a store answers in its
// own way, when a body pushes at what the API accepts.

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/service"
)

// A write that fails after its caller hung up still releases its
// Idempotency-Key (the retry is not refused as in flight), in a context
// that the hang-up does not end but that has a time limit of its own.
func testDetachedWork(t *testing.T, e *Env) {
	fe, clean, plan := faultEnvs(t, e.Backend)
	tok := clean.PartnerToken(WW, Carm)
	ctx, hangUp := context.WithCancel(t.Context())
	defer hangUp()
	// The caller hangs up as the version is written.
	plan.Inject(faults.Item(faults.Transact, "", "VER#"), faults.Fault{Before: func(context.Context) { hangUp() }})
	var mu sync.Mutex
	var released struct {
		seen      bool
		err       error
		remaining time.Duration
		limited   bool
	}
	plan.Add(faults.Rule{When: faults.Item(faults.Transact, "I#", ""), Skip: 1, Fault: faults.Fault{Before: func(ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		deadline, ok := ctx.Deadline()
		released.seen, released.err, released.limited, released.remaining = true, ctx.Err(), ok, time.Until(deadline)
	}}})
	req := httptest.NewRequestWithContext(ctx, "PUT", QRPath, bytes.NewReader(withCommentary(t, "hung up")))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "hung-up-1")
	rec := httptest.NewRecorder()
	fe.App.Handler.ServeHTTP(rec, req)
	mustFire(t, plan)
	if rec.Code < 400 {
		t.Fatalf("a write whose caller left answered %d: %s", rec.Code, rec.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case !released.seen:
		t.Fatalf("the key was not released:\n%s", plan.Log())
	case released.err != nil:
		t.Errorf("the release ran in an ended context: %v", released.err)
	case !released.limited || released.remaining > service.ReleaseTimeLimit:
		t.Errorf("the release has no time limit (deadline set %v, %v left)", released.limited, released.remaining)
	}
	// The key is free: the client's retry runs and lands.
	expectStatus(t, clean.Put(QRPath, tok, withCommentary(t, "hung up"), "Idempotency-Key", "hung-up-1"), 201)
}

// Tokens the issuer signed, tried as an attacker would: each is refused
// (401) with its rule code against the Authorization header.
func testTokenAttacks(t *testing.T, e *Env) {
	now := time.Now().Unix()
	header := fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, e.Key.KID())
	claims := func(extra string) string {
		return fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"attacker","iat":%d,"exp":%d,"region":%q,"partner":%q,"scope":"submissions:read"%s}`,
			auth.DevIssuer, auth.DevAudience, now, now+600, WW, Carm, extra)
	}
	sign := func(header, claims string) string {
		tok, err := e.Key.SignRaw([]byte(header), []byte(claims))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	expectStatus(t, e.Get("/v1/me", sign(header, claims(""))), 200) // the same, well formed
	highS := func(tok string) string {
		parts := strings.Split(tok, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		n := elliptic.P256().Params().N
		s := new(big.Int).SetBytes(sig[32:])
		s.Sub(n, s).FillBytes(sig[32:])
		return parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	for _, c := range []struct{ name, token, code string }{
		{"partner and Partner", sign(header, claims(`,"Partner":"`+Cere+`"`)), auth.RuleClaimRepeated.Code},
		{"partner given twice", sign(header, claims(`,"partner":"`+Cere+`"`)), auth.RuleClaimRepeated.Code},
		{"kid given twice", sign(`{"alg":"ES256","kid":"other","kid":"`+e.Key.KID()+`"}`, claims("")), auth.RuleClaimRepeated.Code},
		{"Region alone", sign(header, strings.Replace(claims(""), `"region"`, `"Region"`, 1)), auth.RuleClaimCase.Code},
		{"exp as a string", sign(header, strings.Replace(claims(""), fmt.Sprintf(`"exp":%d`, now+600), fmt.Sprintf(`"exp":"%d"`, now+600), 1)), auth.RuleTimeNotNumber.Code},
		{"s replaced by n-s", highS(sign(header, claims(""))), auth.RuleSignatureNotCanonical.Code},
	} {
		r := e.Get("/v1/me", c.token)
		if r.Status != 401 {
			t.Errorf("%s: %d, want 401: %s", c.name, r.Status, r.Body)
			continue
		}
		expectError(t, r, c.code, "Authorization")
	}
}

// A lone surrogate escape (\ud800) is no character: encoding/json would
// store U+FFFD in its place, so the text kept would not be the text sent.
// It is refused, with its pointer, in a submission, its dry run and a
// command body.
func testLoneSurrogates(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	body := []byte(strings.Replace(string(withCommentary(t, "SURROGATE")), "SURROGATE", `before \ud800 after`, 1))
	for _, path := range []string{QRPath + "?dryRun=true", QRPath} {
		r := e.Put(path, tok, body)
		expectStatus(t, r, 422)
		expectError(t, r, "body.lone-surrogate", "/commentary")
	}
	expectStatus(t, e.Get(QRPath, tok), 404) // nothing stored
	low := []byte(strings.Replace(string(withCommentary(t, "x")), `"riskRating"`, `"\udc00": 1, "riskRating"`, 1))
	expectError(t, e.Put(QRPath+"?dryRun=true", tok, low), "body.lone-surrogate", "/\ufffd")
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "signed")), 201)
	r := e.Do(Req{Method: "POST", Path: QRPath + "/signoff", Token: tok, Header: map[string]string{"If-Match": `"1"`},
		Body: []byte(`{"signatory":"J \ud83d Jones","role":"S151 officer"}`)})
	expectStatus(t, r, 422)
	expectError(t, r, "body.lone-surrogate", "/signatory")
}
