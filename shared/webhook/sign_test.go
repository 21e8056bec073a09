package webhook_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// verifier is the Standard Webhooks library's receiver for a secret's text
// form: an implementation nobody here wrote.
func verifier(t *testing.T, secret string) *standardwebhooks.Webhook {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("the library refuses the secret %q: %v", secret, err)
	}
	return wh
}

// The vector the Standard Webhooks specification's libraries test against.
func TestSignMatchesTheSpecificationsVector(t *testing.T) {
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got, err := webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
}

func TestDeliveryHeadersVerifyWithTheLibrary(t *testing.T) {
	secret, err := webhook.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"return.signed","sequence":42}`)
	now := time.Now()
	h, err := webhook.Headers("msg_01J0000000000000000000000", now, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("webhook-id"); got != "msg_01J0000000000000000000000" {
		t.Errorf("webhook-id %q", got)
	}
	if got := h.Get("webhook-timestamp"); got != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("webhook-timestamp %q, want %d", got, now.Unix())
	}
	if sig := h.Get("webhook-signature"); !strings.HasPrefix(sig, "v1,") || strings.Contains(sig, " ") {
		t.Errorf("webhook-signature %q: want one v1 signature", sig)
	}
	if err := verifier(t, secret.Reveal()).Verify(body, h); err != nil {
		t.Fatalf("the library does not verify the delivery: %v", err)
	}
	// Another secret does not verify it.
	other, _ := webhook.GenerateSecret()
	if err := verifier(t, other.Reveal()).Verify(body, h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Fatalf("another secret verifies the delivery: %v", err)
	}
}

func TestATamperedDeliveryFailsVerification(t *testing.T) {
	secret, _ := webhook.GenerateSecret()
	wh := verifier(t, secret.Reveal())
	body := []byte(`{"type":"report.signed","amount":"1000.00"}`)
	now := time.Now()
	h, err := webhook.Headers("msg_1", now, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, h); err != nil {
		t.Fatalf("the untouched delivery fails: %v", err)
	}
	tampered := bytes.Replace(body, []byte("1000.00"), []byte("9000.00"), 1)
	if err := wh.Verify(tampered, h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("a changed body verifies: %v", err)
	}
	for name, mutate := range map[string]func(http.Header){
		"timestamp": func(h http.Header) { h.Set("webhook-timestamp", strconv.FormatInt(now.Unix()+1, 10)) },
		"id":        func(h http.Header) { h.Set("webhook-id", "msg_2") },
	} {
		c := h.Clone()
		mutate(c)
		if err := wh.Verify(body, c); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
			t.Errorf("a changed %s verifies: %v", name, err)
		}
	}
	// A replay signed long ago is refused by the receiver's tolerance.
	old, _ := webhook.Headers("msg_1", now.Add(-time.Hour), body, secret)
	if err := wh.Verify(body, old); !errors.Is(err, standardwebhooks.ErrMessageTooOld) {
		t.Errorf("an hour-old delivery verifies: %v", err)
	}
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	oldSecret, _ := webhook.GenerateSecret()
	newSecret, _ := webhook.GenerateSecret()
	body := []byte(`{"type":"period.locked"}`)
	h, err := webhook.Headers("msg_rot", time.Now(), body, newSecret, oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	sigs := strings.Split(h.Get("webhook-signature"), " ")
	if len(sigs) != 2 || sigs[0] == sigs[1] {
		t.Fatalf("webhook-signature %q: want two different signatures", h.Get("webhook-signature"))
	}
	// A receiver still holding the old secret and one already holding the new both verify.
	for name, s := range map[string]webhook.Secret{"old": oldSecret, "new": newSecret} {
		if err := verifier(t, s.Reveal()).Verify(body, h); err != nil {
			t.Errorf("a receiver with the %s secret fails: %v", name, err)
		}
	}
	// Once the old one is dropped, its holder no longer verifies.
	after, _ := webhook.Headers("msg_rot2", time.Now(), body, newSecret)
	if err := verifier(t, oldSecret.Reveal()).Verify(body, after); err == nil {
		t.Error("the retired secret still verifies after the overlap")
	}
}

func TestSecretTextForm(t *testing.T) {
	s, err := webhook.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	text := s.Reveal()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(text, "whsec_"))
	if !strings.HasPrefix(text, "whsec_") || err != nil || len(raw) != webhook.SecretSize {
		t.Fatalf("generated secret %q: want whsec_ and the base64 of %d bytes", text, webhook.SecretSize)
	}
	again, err := webhook.ParseSecret(text)
	if err != nil || again.Reveal() != text {
		t.Fatalf("parsing %q gives %q, %v", text, again.Reveal(), err)
	}
	t2, _ := webhook.GenerateSecret()
	if t2.Reveal() == text {
		t.Fatal("two generated secrets are the same")
	}
	// The key never shows in a log line.
	for _, form := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
		if strings.Contains(form, strings.TrimPrefix(text, "whsec_")) {
			t.Errorf("the key shows in %q", form)
		}
	}

	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, n)) }
	for _, ok := range []string{"whsec_" + b64(24), "whsec_" + b64(64), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		if _, err := webhook.ParseSecret(ok); err != nil {
			t.Errorf("ParseSecret(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "whsec_", b64(32), "whsk_" + b64(32), "whsec_" + b64(23), "whsec_" + b64(65),
		"whsec_" + strings.TrimRight(b64(32), "="), "whsec_" + b64(32) + "!", "whsec_" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))} {
		if _, err := webhook.ParseSecret(bad); !errors.Is(err, webhook.ErrInvalidSecret) {
			t.Errorf("ParseSecret(%q) = %v, want ErrInvalidSecret", bad, err)
		}
	}
	if _, err := webhook.Sign(webhook.Secret{}, "msg", time.Now(), nil); !errors.Is(err, webhook.ErrInvalidSecret) {
		t.Errorf("signing with no key: %v", err)
	}
	if _, err := webhook.Headers("msg", time.Now(), nil); !errors.Is(err, webhook.ErrInvalidSecret) {
		t.Errorf("headers with no secret: %v", err)
	}
	if _, err := webhook.Sign(s, "", time.Now(), nil); err == nil {
		t.Error("signing a message with no id")
	}
}
