package service

import (
	"context"
	"math/rand/v2"
	"time"
)

// RetryPolicy bounds the server-side retries of a write that raced another:
// how many, and the jittered, doubling wait between them.
type RetryPolicy struct {
	Attempts  int
	Base, Top time.Duration
}

// Concurrent writers without If-Match are retried until each lands as its own
// version; the bound only stops a pathological storm.
var defaultRetry = RetryPolicy{Attempts: 200, Base: time.Millisecond, Top: 50 * time.Millisecond}

// Wait sleeps before retry number attempt (from 0), or until ctx ends.
func (p RetryPolicy) Wait(ctx context.Context, attempt int) error {
	d := p.Base << min(attempt, 10)
	if d > p.Top {
		d = p.Top
	}
	t := time.NewTimer(rand.N(d) + time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
