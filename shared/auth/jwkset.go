package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// staticKey is one verification key of a configured JWK set.
type staticKey struct {
	alg string // the JWK's "alg", when it names one
	key any    // *rsa.PublicKey or *ecdsa.PublicKey
}

// StaticKeys serves keys from a JWK set document (RFC 7517): RSA keys and
// P-256 EC keys with a "kid", for signatures ("use" absent or "sig"). It is
// read without reflection (a Lambda cold start pays for each first use of
// encoding/json on a type); the issuer's published set is RemoteKeys'.
func StaticKeys(jwks []byte) (KeySource, error) {
	keys, err := parseJWKS(jwks)
	if err != nil {
		return nil, fmt.Errorf("jwk set: %w", err)
	}
	kf := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := keys[kid]
		if !ok {
			return nil, errors.New("no key with the token's kid")
		}
		if k.alg != "" && k.alg != t.Method.Alg() {
			return nil, fmt.Errorf("the key is for %s, not %s", k.alg, t.Method.Alg())
		}
		return k.key, nil
	}
	return func(context.Context) jwt.Keyfunc { return kf }, nil
}

func parseJWKS(data []byte) (map[string]staticKey, error) {
	v, _, err := jsonx.Decode(data)
	if err != nil {
		return nil, err
	}
	set, _ := v.(map[string]any)
	list, _ := set["keys"].([]any)
	if len(list) == 0 {
		return nil, errors.New("not a JWK set with at least one key")
	}
	keys := make(map[string]staticKey, len(list))
	for i, e := range list {
		m, _ := e.(map[string]any)
		kid, use := text(m, "kid"), text(m, "use")
		if kid == "" || (use != "" && use != "sig") {
			return nil, fmt.Errorf("key %d: a signing key with a kid is required", i)
		}
		key, err := publicKey(m)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", kid, err)
		}
		keys[kid] = staticKey{alg: text(m, "alg"), key: key}
	}
	return keys, nil
}

func text(m map[string]any, name string) string {
	s, _ := m[name].(string)
	return s
}

// publicKey builds an RSA or P-256 public key from its JWK members.
func publicKey(m map[string]any) (any, error) {
	b64 := func(name string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(text(m, name))
		if err != nil {
			return nil
		}
		return b
	}
	switch text(m, "kty") {
	case "RSA":
		n, e := b64("n"), b64("e")
		if len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("an RSA key needs a modulus of at least 2048 bits and an exponent")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		x, y := b64("x"), b64("y")
		if text(m, "crv") != "P-256" || len(x) != 32 || len(y) != 32 {
			return nil, errors.New("an EC key must be P-256 with 32-byte coordinates")
		}
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	}
	return nil, fmt.Errorf("unsupported key type %q", text(m, "kty"))
}
