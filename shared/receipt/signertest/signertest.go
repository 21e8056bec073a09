// Package signertest checks that a receipt signer keeps the promises of
// receipt.Signer, in the manner of shared/blobtest: a signer's own test
// calls Run with a constructor.
//
// The suite checks what a verifier relies on, so the same tests hold for
// a key in memory and for KMS: a receipt signed with it verifies under its
// published public key alone, its kid is the key's thumbprint, a changed
// byte is caught, signing is safe from many goroutines at once, and a
// cancelled request is not signed.
package signertest

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// Offline says a signer waits on nothing (a key held in memory): a
// cancelled context may not stop it, so the suite asks of it only that what
// it signs under one verifies. A signer that calls a service is Remote and
// must fail instead, so that a request given up on does not wait for it.
type Kind int

// The kinds of signer.
const (
	Remote Kind = iota
	Offline
)

// Run runs the suite against signers made by newSigner, which is called
// once per subtest and may return the same signer each time. Run returns
// only after every subtest has finished.
func Run(t *testing.T, kind Kind, newSigner func(t *testing.T) receipt.Signer) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, receipt.Signer)
	}{
		{"VerifiesUnderPublicKey", testVerifies},
		{"VerifiesUnderPublishedSet", testPublishedSet},
		{"KidIsThumbprint", testKid},
		{"ChangedByteFails", testChangedByte},
		{"Concurrent", testConcurrent},
		{"CancelledContext", func(t *testing.T, s receipt.Signer) { testCancelled(t, s, kind) }},
	}
	t.Run("signertest", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.fn(t, newSigner(t))
			})
		}
	})
}

// payload is a receipt statement's canonical form, different each call.
func payload(t *testing.T, n int) []byte {
	t.Helper()
	b, err := receipt.Canonical(receipt.Statement{
		ID: fmt.Sprintf("01SIGNERTEST%014d", n), Action: "submission.version-created", Region: "region-a",
		Partner: "partner-a", About: map[string]any{"kind": "quarterly-return", "version": n},
		ContentSHA256: receipt.Hash([]byte(fmt.Sprint(n))), At: "2026-01-01T00:00:00.000Z",
		By: receipt.Actor{Sub: "signertest"}, Chain: receipt.PartnerChain("partner-a"), Seq: int64(n),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(t *testing.T, s receipt.Signer, n int) (string, []byte) {
	t.Helper()
	p := payload(t, n)
	jws, err := receipt.Sign(t.Context(), s, receipt.TypeReceipt, p)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return jws, p
}

func public(t *testing.T, s receipt.Signer) *ecdsa.PublicKey {
	t.Helper()
	pub, err := s.Public(t.Context())
	if err != nil {
		t.Fatalf("public key: %v", err)
	}
	return pub
}

func keySet(t *testing.T, s receipt.Signer) *receipt.KeySet {
	t.Helper()
	ks, err := receipt.NewKeySet(public(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// A receipt verifies under the signer's public key and reads back as the
// payload signed.
func testVerifies(t *testing.T, s receipt.Signer) {
	jws, p := sign(t, s, 1)
	v, err := receipt.Verify(jws, keySet(t, s))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if string(v.Payload) != string(p) || v.Typ != receipt.TypeReceipt {
		t.Errorf("verified %s %q, signed %s %q", v.Typ, v.Payload, receipt.TypeReceipt, p)
	}
	if _, err := receipt.VerifyStatement(jws, keySet(t, s)); err != nil {
		t.Errorf("the statement: %v", err)
	}
}

// A verifier holding only the JWK set the service publishes (marshalled and
// read back) verifies the receipt.
func testPublishedSet(t *testing.T, s receipt.Signer) {
	jws, _ := sign(t, s, 2)
	published, err := json.Marshal(keySet(t, s))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := receipt.ParseKeySet(published)
	if err != nil {
		t.Fatalf("the published set %s: %v", published, err)
	}
	if _, err := receipt.Verify(jws, ks); err != nil {
		t.Errorf("verify with the published set: %v", err)
	}
}

// The kid the signer gives, and the one its receipts name, is the RFC 7638
// thumbprint of its public key.
func testKid(t *testing.T, s receipt.Signer) {
	want := receipt.Thumbprint(public(t, s))
	kid, err := s.KeyID(t.Context())
	if err != nil {
		t.Fatalf("key id: %v", err)
	}
	if kid != want {
		t.Errorf("KeyID %q, thumbprint %q", kid, want)
	}
	jws, _ := sign(t, s, 3)
	v, err := receipt.Verify(jws, keySet(t, s))
	if err != nil {
		t.Fatal(err)
	}
	if v.Kid != want {
		t.Errorf("the receipt names kid %q, thumbprint %q", v.Kid, want)
	}
}

// One changed byte of the header, the payload or the signature makes the
// signature fail.
func testChangedByte(t *testing.T, s receipt.Signer) {
	jws, _ := sign(t, s, 4)
	ks := keySet(t, s)
	b64 := base64.RawURLEncoding
	parts := strings.Split(jws, ".")
	for i, name := range []string{"header", "payload", "signature"} {
		raw, err := b64.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []int{0, len(raw) / 2, len(raw) - 1} {
			changed := append([]byte(nil), raw...)
			changed[at] ^= 0x01
			if i == 0 && !json.Valid(changed) {
				continue // a header that is no longer JSON is refused as malformed, before the signature
			}
			tampered := append([]string(nil), parts...)
			tampered[i] = b64.EncodeToString(changed)
			_, err := receipt.Verify(strings.Join(tampered, "."), ks)
			if r := receipt.ReasonOf(err); err == nil || (r != receipt.ReasonSignature && r != receipt.ReasonUnknownKey && r != receipt.ReasonAlgorithm) {
				t.Errorf("the %s with byte %d changed: %v, want a refusal of the signature", name, at, err)
			}
		}
	}
}

// Fifty receipts signed at once all verify, each over its own payload.
func testConcurrent(t *testing.T, s receipt.Signer) {
	const n = 50
	ks := keySet(t, s)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			p := payload(t, 100+i)
			jws, err := receipt.Sign(t.Context(), s, receipt.TypeReceipt, p)
			if err != nil {
				errs[i] = err
				return
			}
			v, err := receipt.Verify(jws, ks)
			if err == nil && string(v.Payload) != string(p) {
				err = fmt.Errorf("verified payload %q, signed %q", v.Payload, p)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("receipt %d of %d signed at once: %v", i, n, err)
		}
	}
}

// A remote signer given a cancelled context fails rather than signing; an
// offline one that signs anyway signs correctly.
func testCancelled(t *testing.T, s receipt.Signer, kind Kind) {
	ks := keySet(t, s) // the key is read before the context is cancelled
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	jws, err := receipt.Sign(ctx, s, receipt.TypeReceipt, payload(t, 5))
	switch {
	case kind == Remote && err == nil:
		t.Fatal("a remote signer signed under a cancelled context")
	case kind == Remote && !errors.Is(err, context.Canceled):
		t.Fatalf("under a cancelled context: %v, want an error that says it was cancelled", err)
	case kind == Remote:
		return
	case err != nil:
		return // an offline signer may stop too
	}
	if _, err := receipt.Verify(jws, ks); err != nil {
		t.Errorf("signed under a cancelled context, the receipt does not verify: %v", err)
	}
}
