package apitest

// The edges: what happens when a caller leaves, when a store answers in its
// own way, when a body pushes at what the API accepts.

import (
	"bytes"
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/service"
)

// A write that fails after its caller hung up still releases its
// Idempotency-Key (the retry is not refused as in flight), in a context
// that the hang-up does not end but that has a time limit of its own.
func testDetachedWork(t *testing.T, e *Env) {
	fe, clean, plan := faultEnvs(t, e.Backend)
	tok := clean.PartnerToken(WW, Carm)
	ctx, hangUp := context.WithCancel(t.Context())
	defer hangUp()
	// The caller hangs up as the version is written.
	plan.Inject(faults.Item(faults.Transact, "", "VER#"), faults.Fault{Before: func(context.Context) { hangUp() }})
	var mu sync.Mutex
	var released struct {
		seen      bool
		err       error
		remaining time.Duration
		limited   bool
	}
	plan.Add(faults.Rule{When: faults.Item(faults.Transact, "I#", ""), Skip: 1, Fault: faults.Fault{Before: func(ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		deadline, ok := ctx.Deadline()
		released.seen, released.err, released.limited, released.remaining = true, ctx.Err(), ok, time.Until(deadline)
	}}})
	req := httptest.NewRequestWithContext(ctx, "PUT", QRPath, bytes.NewReader(withCommentary(t, "hung up")))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "hung-up-1")
	rec := httptest.NewRecorder()
	fe.App.Handler.ServeHTTP(rec, req)
	mustFire(t, plan)
	if rec.Code < 400 {
		t.Fatalf("a write whose caller left answered %d: %s", rec.Code, rec.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case !released.seen:
		t.Fatalf("the key was not released:\n%s", plan.Log())
	case released.err != nil:
		t.Errorf("the release ran in an ended context: %v", released.err)
	case !released.limited || released.remaining > service.ReleaseTimeLimit:
		t.Errorf("the release has no time limit (deadline set %v, %v left)", released.limited, released.remaining)
	}
	// The key is free: the client's retry runs and lands.
	expectStatus(t, clean.Put(QRPath, tok, withCommentary(t, "hung up"), "Idempotency-Key", "hung-up-1"), 201)
}
