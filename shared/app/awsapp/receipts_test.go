package awsapp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// apiSettings are the API function's settings besides the receipt key's.
func apiSettings(vars map[string]string) map[string]string {
	m := map[string]string{"TABLE_NAME": "rdx", "SUBMISSIONS_BUCKET": "rdx-submissions",
		"JWT_ISSUER": "https://issuer.example", "JWT_AUDIENCE": "rdx", "JWKS_JSON": string(auth.NewDevKey().JWKS()),
		"CURSOR_KEY": strings.Repeat("c", 32)}
	for k, v := range vars {
		m[k] = v
	}
	return m
}

// Every function started as Lambda starts it signs its receipts with the
// KMS key RECEIPT_KEY_ID names, reached through the SDK's own endpoint
// setting: a receipt verifies under the public key KMS gives for that key.
// (Nothing is asked of DynamoDB or S3, so nothing listens there.)
func TestReceiptsSignedWithTheKeyNamed(t *testing.T) {
	srv, keyID := standins.ReceiptKey(t)
	out, err := standins.KMSClient(srv.Endpoint).GetPublicKey(t.Context(), &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := receipt.NewKeySet(pub.(*ecdsa.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	starts := map[string]func(t *testing.T, cfg aws.Config) (*app.App, error){
		"API": func(t *testing.T, cfg aws.Config) (*app.App, error) {
			a, _, err := awsapp.API(t.Context(), cfg)
			return a, err
		},
		"Events": func(t *testing.T, cfg aws.Config) (*app.App, error) {
			a, _, err := awsapp.Events(t.Context(), cfg)
			return a, err
		},
	}
	for name, start := range starts {
		t.Run(name, func(t *testing.T) {
			standins.LambdaEnv(t, "http://127.0.0.1:9", "http://127.0.0.1:9", srv.Endpoint, apiSettings(map[string]string{"RECEIPT_KEY_ID": keyID}))
			cfg, err := config.LoadDefaultConfig(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			a, err := start(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			jws, err := receipt.Sign(t.Context(), a.Service.Receipts, receipt.TypeReceipt, []byte(`{"n":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := receipt.Verify(jws, ks); err != nil {
				t.Errorf("the receipt does not verify under the key RECEIPT_KEY_ID names: %v", err)
			}
		})
	}
}

// RECEIPT_KEY_ID is required of every function; RETIRED_RECEIPT_KEYS, the
// API's, is a JWK set whose keys are named by their thumbprints, or unset.
func TestReceiptSettings(t *testing.T) {
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	retired, _ := receipt.NewKeySet(&old.PublicKey)
	set, _ := json.Marshal(retired)
	wrongKid := strings.Replace(string(set), receipt.Thumbprint(&old.PublicKey), "some-other-kid", 1)

	standins.LambdaEnv(t, "", "", "", apiSettings(nil))
	if _, err := awsapp.EnvFromOS(); err == nil || !strings.Contains(err.Error(), "RECEIPT_KEY_ID") {
		t.Errorf("without RECEIPT_KEY_ID, a function starts: %v", err)
	}
	if _, err := awsapp.APIEnvFromOS(); err == nil || !strings.Contains(err.Error(), "RECEIPT_KEY_ID") {
		t.Errorf("without RECEIPT_KEY_ID, the API starts: %v", err)
	}

	t.Setenv("RECEIPT_KEY_ID", "alias/receipts")
	e, err := awsapp.APIEnvFromOS()
	if err != nil || e.RetiredReceiptKeys != nil {
		t.Errorf("no retired keys: %v, %v", err, e.RetiredReceiptKeys)
	}
	t.Setenv("RETIRED_RECEIPT_KEYS", string(set))
	if e, err = awsapp.APIEnvFromOS(); err != nil || e.RetiredReceiptKeys == nil ||
		!slices.Equal(e.RetiredReceiptKeys.KIDs(), []string{receipt.Thumbprint(&old.PublicKey)}) {
		t.Errorf("a retired key: %v, %v", err, e.RetiredReceiptKeys)
	}
	for _, bad := range []string{"not json", `{"keys":[{"kty":"EC"}]}`, wrongKid} {
		t.Setenv("RETIRED_RECEIPT_KEYS", bad)
		if _, err := awsapp.APIEnvFromOS(); err == nil || !strings.Contains(err.Error(), "RETIRED_RECEIPT_KEYS") {
			t.Errorf("RETIRED_RECEIPT_KEYS=%s: %v, want it refused by name", bad, err)
		}
	}
}
