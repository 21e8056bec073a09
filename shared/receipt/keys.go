package receipt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// KeySet is the receipt keys a verifier trusts, by kid: the current key
// and every retired one, so that old receipts still verify.
type KeySet struct {
	keys  map[string]*ecdsa.PublicKey
	order []string
}

// NewKeySet holds the given P-256 public keys under their thumbprints.
func NewKeySet(pubs ...*ecdsa.PublicKey) (*KeySet, error) {
	ks := &KeySet{keys: map[string]*ecdsa.PublicKey{}}
	for _, p := range pubs {
		if err := ks.add(p); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

func (ks *KeySet) add(p *ecdsa.PublicKey) error {
	if p == nil || p.Curve != elliptic.P256() {
		return errors.New("receipt keys are ECDSA P-256 keys")
	}
	kid := Thumbprint(p)
	if _, dup := ks.keys[kid]; !dup {
		ks.keys[kid] = p
		ks.order = append(ks.order, kid)
	}
	return nil
}

// Merge adds other's keys that ks lacks.
func (ks *KeySet) Merge(other *KeySet) {
	for _, kid := range other.order {
		ks.add(other.keys[kid])
	}
}

// Key is the public key named kid, nil when the set lacks it.
func (ks *KeySet) Key(kid string) *ecdsa.PublicKey { return ks.keys[kid] }

// KIDs lists the set's key ids, the current key first.
func (ks *KeySet) KIDs() []string { return slices.Clone(ks.order) }

// MarshalJSON writes the set as a JWK set (RFC 7517): each key with its
// kid, "alg": "ES256" and "use": "sig".
func (ks *KeySet) MarshalJSON() ([]byte, error) {
	out := jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{}}
	for _, kid := range ks.order {
		j, err := jwkset.NewJWKFromKey(ks.keys[kid], jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{
			ALG: jwkset.AlgES256, KID: kid, USE: jwkset.UseSig}})
		if err != nil {
			return nil, err
		}
		out.Keys = append(out.Keys, j.Marshal())
	}
	return json.Marshal(out)
}

// ParseKeySet reads a JWK set. Every key must be a P-256 public key whose
// kid, when given, is its thumbprint: a set that names a key wrongly is
// refused rather than trusted.
func ParseKeySet(data []byte) (*KeySet, error) {
	var m jwkset.JWKSMarshal
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("not a JWK set: %w", err)
	}
	if m.Keys == nil {
		return nil, errors.New("not a JWK set: no \"keys\" array")
	}
	ks := &KeySet{keys: map[string]*ecdsa.PublicKey{}}
	for i, km := range m.Keys {
		j, err := jwkset.NewJWKFromMarshal(km, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		pub, ok := j.Key().(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() {
			return nil, fmt.Errorf("key %d: not an ECDSA P-256 public key", i)
		}
		if km.KID != "" && km.KID != Thumbprint(pub) {
			return nil, fmt.Errorf("key %d: kid %q is not the key's thumbprint %q", i, km.KID, Thumbprint(pub))
		}
		ks.add(pub)
	}
	return ks, nil
}

// Thumbprint is a P-256 key's RFC 7638 thumbprint (base64url SHA-256 of
// its required members in order), the kid receipts name it by.
func Thumbprint(p *ecdsa.PublicKey) string {
	x, y := coord(p.X), coord(p.Y)
	h := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + b64.EncodeToString(x) + `","y":"` + b64.EncodeToString(y) + `"}`))
	return b64.EncodeToString(h[:])
}

func coord(n *big.Int) []byte { return n.FillBytes(make([]byte, 32)) }

// KeySigner signs with a private key held in memory: the local run's key
// file, and tests.
type KeySigner struct {
	key *ecdsa.PrivateKey
	kid string
}

// NewKeySigner signs with key (P-256).
func NewKeySigner(key *ecdsa.PrivateKey) (*KeySigner, error) {
	if key.Curve != elliptic.P256() {
		return nil, errors.New("a receipt key is an ECDSA P-256 key")
	}
	return &KeySigner{key: key, kid: Thumbprint(&key.PublicKey)}, nil
}

// KeyID is the key's thumbprint.
func (k *KeySigner) KeyID(context.Context) (string, error) { return k.kid, nil }

// Public is the key's public half.
func (k *KeySigner) Public(context.Context) (*ecdsa.PublicKey, error) { return &k.key.PublicKey, nil }

// Sign is golang-jwt's ES256: r||s over SHA-256(input).
func (k *KeySigner) Sign(_ context.Context, input []byte) ([]byte, error) {
	return jwt.SigningMethodES256.Sign(string(input), k.key)
}

// KeyFileName is the local run's receipt key, in its data folder.
const KeyFileName = "receipt-key.pem"

// LoadOrCreateKeyFile reads the P-256 private key (PKCS #8 PEM) at path,
// creating it (mode 0600) when absent.
func LoadOrCreateKeyFile(path string) (*KeySigner, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, gerr := ecdsa.GenerateKey(elliptic.P256(), nil)
		if gerr != nil {
			return nil, gerr
		}
		der, _ := x509.MarshalPKCS8PrivateKey(key)
		b = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return nil, err
		}
		if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		os.Remove(tmp)
		if b, err = os.ReadFile(path); err != nil { // another process may have made it first
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: not a PEM file", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ECDSA key", path)
	}
	return NewKeySigner(ec)
}

// FromDER turns an ASN.1 DER ECDSA signature (what KMS returns) into
// JOSE's fixed-width r||s for P-256.
func FromDER(der []byte) ([]byte, error) {
	var r, s big.Int
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return nil, errors.New("not a DER ECDSA signature")
	}
	if r.Sign() <= 0 || s.Sign() <= 0 || r.BitLen() > 256 || s.BitLen() > 256 {
		return nil, errors.New("a DER signature whose r or s is out of P-256's range")
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}
