package service

import (
	"context"
	"time"
)

// ReleaseTimeLimit bounds the release of an idempotency key after a failed
// request: one small write, which must not keep the function running.
const ReleaseTimeLimit = 5 * time.Second

// Detached is ctx without its cancellation, for work that must finish after
// the caller has gone (releasing an idempotency key, validating an upload),
// but with a time limit of its own: context.WithoutCancel has none, and a
// store that stops answering would hold the work, and what it holds, for
// ever. The values (the request's id) are kept.
func Detached(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), limit)
}
