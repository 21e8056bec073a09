package hooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// A webhook's signing secret must be kept so that the service can sign
// with it: it is stored sealed (AES-256-GCM) under a key derived from the
// deployment's cursor key, bound to its webhook, so that a copy of the
// table (a backup, an export of the table) holds no usable secret, and a
// sealed secret moved to another webhook does not open.

const sealInfo = "rdx webhook signing secrets"

var errSealKey = errors.New("hooks: no key to seal signing secrets with (at least 32 bytes)")

func (h *Hooks) aead() (cipher.AEAD, error) {
	if len(h.d.Key) < 32 {
		return nil, errSealKey
	}
	key, err := hkdf.Key(sha256.New, h.d.Key, nil, sealInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func sealedFor(region, webhookID string) []byte { return []byte(region + "\x00" + webhookID) }

// seal is s sealed for webhook webhookID of region.
func (h *Hooks) seal(region, webhookID string, s webhook.Secret) (string, error) {
	a, err := h.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	rand.Read(nonce)
	out := a.Seal(nonce, nonce, []byte(s.Reveal()), sealedFor(region, webhookID))
	return base64.RawStdEncoding.EncodeToString(out), nil
}

// open is a secret sealed for webhook webhookID of region.
func (h *Hooks) open(region, webhookID, sealed string) (webhook.Secret, error) {
	a, err := h.aead()
	if err != nil {
		return webhook.Secret{}, err
	}
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < a.NonceSize() {
		return webhook.Secret{}, fmt.Errorf("hooks: sealed secret of %s unreadable", webhookID)
	}
	plain, err := a.Open(nil, b[:a.NonceSize()], b[a.NonceSize():], sealedFor(region, webhookID))
	if err != nil {
		return webhook.Secret{}, fmt.Errorf("hooks: sealed secret of %s does not open: %w", webhookID, err)
	}
	return webhook.ParseSecret(string(plain))
}
