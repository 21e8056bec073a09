package receipt_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/receipt/signertest"
)

// The key held in memory (the local run's key file, and tests) keeps the
// signer's promises; it waits on nothing, so it is the suite's Offline kind.
func TestKeySignerConformance(t *testing.T) {
	signertest.Run(t, signertest.Offline, func(t *testing.T) receipt.Signer {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s, err := receipt.NewKeySigner(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
