package service

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
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

// RetryAfter is what a caller is told to wait when the retries run out: by
// then the storm has lasted seconds, and a second lets it pass.
const RetryAfter = time.Second

// Wait sleeps before retry number attempt (from 0), or until ctx ends. The
// wait is drawn from [0, min(Base·2^attempt, Top)) ("full jitter"), so that
// writers that collided do not collide again in step.
func (p RetryPolicy) Wait(ctx context.Context, attempt int) error {
	d := p.Base << min(attempt, 10)
	if d > p.Top {
		d = p.Top
	}
	t := time.NewTimer(rand.N(max(d, time.Microsecond)) + time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Do runs try until it says no retry is needed, and returns its error. A
// try that raced another writer (retry true) is run again after Wait; the
// context is checked before every try, so a caller that left or ran out of
// time stops the loop at once. When the attempts run out the answer is
// Unavailable (503) with Retry-After and busy (a message id of the catalogue)
// as its detail, never the race's own error, which would be a 500.
func (p RetryPolicy) Do(ctx context.Context, busy string, try func() (retry bool, err error)) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return StoreErr(err, "retry")
		}
		retry, err := try()
		if !retry {
			return err
		}
		if attempt >= p.Attempts {
			e := apperr.Localized(apperr.Unavailable, busy, nil).Because(err)
			e.RetryAfter = RetryAfter
			return e
		}
		if err := p.Wait(ctx, attempt); err != nil {
			return StoreErr(err, "wait to retry")
		}
	}
}
