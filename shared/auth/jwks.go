package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// StaticKeys serves keys from a JWK set document (RFC 7517), read by
// keyfunc and jwkset. Every key must have a kid, be for signatures ("use"
// absent or "sig") and be one the verifier accepts (usable), so that a
// mistake in the configured set stops start-up rather than tokens.
func StaticKeys(jwks []byte) (KeySource, error) {
	k, err := keyfunc.NewJWKSetJSON(json.RawMessage(jwks))
	if err != nil {
		return nil, fmt.Errorf("jwk set: %w", err)
	}
	keys, err := k.Storage().KeyReadAll(context.Background())
	if err != nil {
		return nil, fmt.Errorf("jwk set: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("jwk set: not a JWK set with at least one key")
	}
	for i, key := range keys {
		m := key.Marshal()
		if m.KID == "" || (m.USE != "" && m.USE != jwkset.UseSig) {
			return nil, fmt.Errorf("jwk set: key %d: a signing key with a kid is required", i)
		}
		if err := usable(key.Key()); err != nil {
			return nil, fmt.Errorf("jwk set: key %q: %w", m.KID, err)
		}
	}
	return verifyingKeys(k.Storage()), nil
}

// fetchTimeout bounds one fetch of a published JWK set, and so how long a
// token that arrives before the first fetch ends waits for it.
const fetchTimeout = 10 * time.Second

// RemoteKeys serves the JWK set the issuer publishes at jwksURL, fetched by
// keyfunc's default HTTP storage: refreshed hourly, and at once (at most
// every five minutes) when a token names a kid it lacks.
//
// It returns without waiting for the first fetch, which runs in the
// background, so a cold start does not pay for a round trip to the issuer.
// A token whose key is needed before that fetch ends waits for it (or for
// its own context); if the fetch failed, the token's unknown kid fetches the
// set again. No token is verified by anything but a key from the set.
func RemoteKeys(ctx context.Context, jwksURL string) (KeySource, error) {
	if _, err := url.ParseRequestURI(jwksURL); err != nil {
		return nil, fmt.Errorf("jwk set URL: %w", err)
	}
	var (
		fetched = make(chan struct{})
		keys    KeySource
		err     error
	)
	go func() {
		defer close(fetched)
		var k keyfunc.Keyfunc
		// A failed first fetch is logged, not returned: an unknown kid
		// fetches the set again.
		k, err = keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, keyfunc.Override{HTTPTimeout: fetchTimeout})
		if err == nil {
			keys = verifyingKeys(k.Storage())
		}
	}()
	return func(ctx context.Context) jwt.Keyfunc {
		return func(t *jwt.Token) (any, error) {
			select {
			case <-fetched:
			case <-ctx.Done():
				return nil, fmt.Errorf("waiting for the JWK set: %w", ctx.Err())
			}
			if err != nil {
				return nil, err
			}
			return keys(ctx)(t)
		}
	}, nil
}

// verifyingKeys finds a token's key in storage by its kid; keyfunc checks
// the key's "alg" and "use" against the token, usable the key itself.
func verifyingKeys(storage jwkset.Storage) KeySource {
	k, _ := keyfunc.New(keyfunc.Options{Storage: storage, UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}}) // only fails without storage
	return func(ctx context.Context) jwt.Keyfunc {
		kf := k.KeyfuncCtx(ctx)
		return func(t *jwt.Token) (any, error) {
			key, err := kf(t)
			if err != nil {
				return nil, err
			}
			if err := usable(key); err != nil {
				return nil, err
			}
			return key, nil
		}
	}
}

// usable accepts the public keys of the algorithms the verifier allows:
// RSA of at least 2048 bits (RS256) and P-256 (ES256).
func usable(key any) error {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return errors.New("an RSA key needs a modulus of at least 2048 bits")
		}
		return nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return errors.New("an EC key must be P-256")
		}
		return nil
	}
	return fmt.Errorf("unsupported key type %T", key)
}
