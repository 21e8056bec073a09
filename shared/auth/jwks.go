package auth

import (
	"context"

	"github.com/MicahParks/keyfunc/v3"
)

// RemoteKeys fetches and refreshes a JWK set from the issuer's URL.
func RemoteKeys(ctx context.Context, url string) (KeySource, error) {
	k, err := keyfunc.NewDefaultCtx(ctx, []string{url})
	if err != nil {
		return nil, err
	}
	return k.KeyfuncCtx, nil
}
