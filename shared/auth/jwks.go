package auth

import (
	"context"
	"encoding/json"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

func newJWKSetKeyfunc(jwks []byte) (jwt.Keyfunc, error) {
	k, err := keyfunc.NewJWKSetJSON(json.RawMessage(jwks))
	if err != nil {
		return nil, err
	}
	return k.Keyfunc, nil
}

// RemoteKeys fetches and refreshes a JWK set from the issuer's URL.
func RemoteKeys(ctx context.Context, url string) (KeySource, error) {
	k, err := keyfunc.NewDefaultCtx(ctx, []string{url})
	if err != nil {
		return nil, err
	}
	return k.KeyfuncCtx, nil
}
