// Package webhook holds what a delivery of a webhook needs before any route
// uses it: the Standard Webhooks 1.0 signing secret and signature headers, and
// an outbound HTTP client that calls only public addresses (checked when a URL
// is registered and again on every connect, so a name that later resolves to
// an internal address is still refused), follows no redirect, uses no proxy,
// times out and reads a bounded reply.
package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The delivery headers of Standard Webhooks 1.0.
const (
	HeaderID        = standardwebhooks.HeaderWebhookID
	HeaderTimestamp = standardwebhooks.HeaderWebhookTimestamp
	HeaderSignature = standardwebhooks.HeaderWebhookSignature
)

// SecretPrefix starts every secret's text form.
const SecretPrefix = "whsec_"

// The bounds of a secret's key, in bytes; GenerateSecret makes one of SecretSize.
const (
	MinSecretSize = 24
	MaxSecretSize = 64
	SecretSize    = 32
)

// ErrInvalidSecret is a secret's text that is not whsec_ and the standard
// base64 of 24 to 64 bytes.
var ErrInvalidSecret = errors.New("webhook: invalid secret")

// Secret is an endpoint's signing key. Its String and fmt forms hide the key;
// Reveal gives the whsec_ text, to be shown to the subscriber once.
type Secret struct{ key []byte }

// GenerateSecret makes a new secret of SecretSize random bytes.
func GenerateSecret() (Secret, error) {
	key := make([]byte, SecretSize)
	if _, err := rand.Read(key); err != nil {
		return Secret{}, fmt.Errorf("webhook: generating a secret: %w", err)
	}
	return Secret{key: key}, nil
}

// ParseSecret reads a secret's whsec_ text form.
func ParseSecret(s string) (Secret, error) {
	rest, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return Secret{}, fmt.Errorf("%w: it does not start with %s", ErrInvalidSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: not standard base64", ErrInvalidSecret)
	}
	if len(key) < MinSecretSize || len(key) > MaxSecretSize {
		return Secret{}, fmt.Errorf("%w: %d bytes, not %d to %d", ErrInvalidSecret, len(key), MinSecretSize, MaxSecretSize)
	}
	return Secret{key: key}, nil
}

// Reveal is the secret's whsec_ text form, which ParseSecret reads.
func (s Secret) Reveal() string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(s.key)
}

// IsZero reports whether s holds no key.
func (s Secret) IsZero() bool { return len(s.key) == 0 }

// String hides the key, so that a secret logged by mistake shows nothing.
func (s Secret) String() string { return SecretPrefix + "…" }

// GoString hides the key from %#v as String does from %v.
func (s Secret) GoString() string { return s.String() }

// Sign is the Standard Webhooks signature, "v1," and the base64 HMAC-SHA256
// under the secret's key of "msgID.timestamp.body" (the timestamp in whole
// Unix seconds). It is the Standard Webhooks library's own signer.
func Sign(secret Secret, msgID string, timestamp time.Time, body []byte) (string, error) {
	if secret.IsZero() {
		return "", fmt.Errorf("%w: no key", ErrInvalidSecret)
	}
	if msgID == "" {
		return "", errors.New("webhook: a message needs an id")
	}
	wh, err := standardwebhooks.NewWebhookRaw(secret.key)
	if err != nil {
		return "", err
	}
	return wh.Sign(msgID, timestamp, body)
}

// Headers are a delivery's webhook-id, webhook-timestamp and
// webhook-signature. With more than one secret (during a rotation, the new
// and the old) the signature header holds one signature for each,
// space-separated, so that a receiver holding either verifies it.
func Headers(msgID string, timestamp time.Time, body []byte, secrets ...Secret) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret to sign with", ErrInvalidSecret)
	}
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, msgID, timestamp, body)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	h := http.Header{}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(timestamp.Unix(), 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	return h, nil
}
