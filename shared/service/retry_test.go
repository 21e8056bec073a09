package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// A write that keeps racing is tried Attempts+1 times, then answered 503
// with Retry-After, never with the race's own error (a 500).
func TestRetryRunsOutAsUnavailable(t *testing.T) {
	p := RetryPolicy{Attempts: 4, Base: time.Microsecond, Top: time.Millisecond}
	tries := 0
	err := p.Do(t.Context(), "busy", func() (bool, error) {
		tries++
		return true, &store.ConditionFailedError{Index: 0}
	})
	e := apperr.As(err)
	if tries != 5 || e.Code != apperr.Unavailable || e.RetryAfter < time.Second || e.Detail != "busy" {
		t.Errorf("after %d tries: %v (retry after %v)", tries, err, e.RetryAfter)
	}
	if !errors.Is(err, store.ErrConditionFailed) {
		t.Errorf("the cause is lost: %v", err)
	}
}

// A try that needs no retry ends the loop with its own answer.
func TestRetryStopsAtTheAnswer(t *testing.T) {
	p := RetryPolicy{Attempts: 10, Base: time.Microsecond, Top: time.Microsecond}
	tries := 0
	want := apperr.Localized(apperr.PreconditionFail, "precondition.stale-none", nil)
	err := p.Do(t.Context(), "busy", func() (bool, error) {
		tries++
		if tries < 3 {
			return true, store.ErrConditionFailed
		}
		return false, want
	})
	if tries != 3 || err != want {
		t.Errorf("after %d tries: %v", tries, err)
	}
}

// The context ends the loop at once, in a wait or before a try: a caller
// that has gone or run out of time costs nothing more.
func TestRetryHonoursTheContext(t *testing.T) {
	p := RetryPolicy{Attempts: 1000, Base: time.Hour, Top: time.Hour}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	tries := 0
	start := time.Now()
	err := p.Do(ctx, "busy", func() (bool, error) {
		tries++
		return true, store.ErrConditionFailed
	})
	if took := time.Since(start); took > 5*time.Second || tries != 1 {
		t.Errorf("%d tries in %v", tries, took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("a deadline in the wait: %v, want 503 wrapping context.DeadlineExceeded", err)
	}

	cancelled, stop := context.WithCancel(t.Context())
	stop()
	tries = 0
	err = p.Do(cancelled, "busy", func() (bool, error) { tries++; return false, nil })
	if tries != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled request still tried %d times: %v", tries, err)
	}
}

// The waits are jittered and grow with the attempt, up to Top.
func TestRetryWaitsAreJitteredAndBounded(t *testing.T) {
	p := RetryPolicy{Attempts: 10, Base: 2 * time.Millisecond, Top: 8 * time.Millisecond}
	seen := map[time.Duration]bool{}
	for range 20 {
		start := time.Now()
		if err := p.Wait(t.Context(), 5); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		if took > 8*time.Millisecond+50*time.Millisecond { // Top, and a busy machine's scheduling
			t.Errorf("a wait of %v, over Top", took)
		}
		seen[took.Round(time.Millisecond)] = true
	}
	if len(seen) < 2 {
		t.Errorf("20 waits all took the same time: %v", seen)
	}
}
