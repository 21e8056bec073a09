package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The development issuer's names. A deployed stack is configured with its
// identity provider's issuer and JWK set and never trusts these.
const (
	DevIssuer    = "rdx-local-dev"
	DevAudience  = "rdx-api"
	devKeyFile   = "dev-signing-key.pem"
	devKeyHeader = "EC PRIVATE KEY"
)

// DevKey is the local run's ES256 signing key.
type DevKey struct {
	key *ecdsa.PrivateKey
	kid string
}

// LoadOrCreateDevKey reads the development key from dir, creating it on first use.
func LoadOrCreateDevKey(dir string) (*DevKey, error) {
	path := filepath.Join(dir, devKeyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createDevKey(dir, path); err != nil {
			return nil, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read development key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != devKeyHeader {
		return nil, fmt.Errorf("%s is not a PEM EC private key", path)
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse development key: %w", err)
	}
	return newDevKey(key), nil
}

// NewDevKey makes a fresh in-memory key (tests).
func NewDevKey() *DevKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // the system's randomness failed: nothing sensible to do
	}
	return newDevKey(key)
}

func newDevKey(key *ecdsa.PrivateKey) *DevKey {
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(der)
	return &DevKey{key: key, kid: "dev-" + base64.RawURLEncoding.EncodeToString(sum[:9])}
}

// createDevKey writes a new key atomically, so two processes starting at
// once agree on one key.
func createDevKey(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".dev-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: devKeyHeader, Bytes: der}); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create development key: %w", err)
	}
	return nil
}

// KID is the key's id in its JWK set.
func (d *DevKey) KID() string { return d.kid }

// JWKS is the public JWK set that verifies the key's tokens.
func (d *DevKey) JWKS() []byte {
	pub := d.key.PublicKey
	enc := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	x, y := make([]byte, 32), make([]byte, 32)
	pub.X.FillBytes(x)
	pub.Y.FillBytes(y)
	set := map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": d.kid, "x": enc(x), "y": enc(y),
	}}}
	b, _ := json.Marshal(set)
	return b
}

// TokenSpec is what a development token says.
type TokenSpec struct {
	Subject string
	Name    string
	Region  string
	Partner string
	Scopes  []Scope
	TTL     time.Duration
}

// Mint signs a development token.
func (d *DevKey) Mint(s TokenSpec, now time.Time) (string, error) {
	scopes := make([]string, len(s.Scopes))
	for i, sc := range s.Scopes {
		scopes[i] = string(sc)
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    DevIssuer,
			Subject:   s.Subject,
			Audience:  jwt.ClaimStrings{DevAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.TTL)),
		},
		Region: s.Region, Partner: s.Partner, Name: s.Name, Scope: strings.Join(scopes, " "),
	}
	t := jwt.NewWithClaims(ES256, c)
	t.Header["kid"] = d.kid
	return t.SignedString(d.key)
}

// SignRaw signs a header and a claims set given as they are, byte for byte,
// with the development key (ES256, low-s): for tests of what the verifier
// refuses in a token it would otherwise trust (a claim given twice, a time
// as a string), which Mint cannot write. The header should name KID.
func (d *DevKey) SignRaw(header, claims []byte) (string, error) {
	enc := base64.RawURLEncoding.EncodeToString
	signing := enc(header) + "." + enc(claims)
	sig, err := ES256.Sign(signing, d.key)
	if err != nil {
		return "", err
	}
	return signing + "." + enc(sig), nil
}

// DefaultScopes are the scopes a development token gets when none are named:
// a partner's system, government, or a region's collaboration unit (which
// does not approve reports: BoardScopes are the board's).
func DefaultScopes(region, partner string) []Scope {
	switch {
	case partner != "":
		return partnerScopes
	case region == AllRegions:
		return governmentScopes
	}
	return unitScopes
}
