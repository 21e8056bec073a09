package kmssigner_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/receipt/kmssigner"
	"github.com/regional-data-exchange/rdx/shared/receipt/signertest"
)

func TestMain(m *testing.M) { standins.Main(m) }

// The KMS signer keeps the signer's promises against local-kms: each
// subtest a key of its own and a new signer, as a cold start has.
func TestConformance(t *testing.T) {
	signertest.Run(t, signertest.Remote, func(t *testing.T) receipt.Signer {
		srv, keyID := standins.ReceiptKey(t)
		return kmssigner.New(standins.KMSClient(srv.Endpoint), keyID)
	})
}

// Two processes signing with one key (two signers) name it by the same kid,
// and each verifies the other's receipts: the kid is the key's, not the
// process's.
func TestOneKeyOneKid(t *testing.T) {
	srv, keyID := standins.ReceiptKey(t)
	a := kmssigner.New(standins.KMSClient(srv.Endpoint), keyID)
	b := kmssigner.New(standins.KMSClient(srv.Endpoint), keyID)
	ka, err := a.KeyID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	kb, err := b.KeyID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ka != kb {
		t.Fatalf("one key, kids %q and %q", ka, kb)
	}
	pub, err := b.Public(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := receipt.NewKeySet(pub)
	jws, err := receipt.Sign(t.Context(), a, receipt.TypeReceipt, []byte(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receipt.Verify(jws, ks); err != nil {
		t.Errorf("a's receipt under b's key: %v", err)
	}
	_, other := standins.ReceiptKey(t)
	if kc, err := kmssigner.New(standins.KMSClient(srv.Endpoint), other).KeyID(t.Context()); err != nil || kc == ka {
		t.Errorf("another key's kid %q (%v), the first's %q", kc, err, ka)
	}
}

// A key id KMS does not know fails the signer with KMS's answer, naming
// the key.
func TestUnknownKey(t *testing.T) {
	srv := standins.LocalKMS(t)
	s := kmssigner.New(standins.KMSClient(srv.Endpoint), "00000000-0000-0000-0000-000000000000")
	_, err := receipt.Sign(t.Context(), s, receipt.TypeReceipt, []byte(`{}`))
	if _, notFound := errors.AsType[*types.NotFoundException](err); !notFound || !strings.Contains(err.Error(), "00000000-0000") {
		t.Errorf("signing with an unknown key: %v", err)
	}
}
