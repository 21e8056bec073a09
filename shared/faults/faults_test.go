package faults_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/storetest"
)

func backend(t *testing.T) (store.Table, blob.Store) {
	b := apitest.Embedded(t, t.TempDir())
	return b.Table, b.Blobs
}

func put(sk string) store.Op {
	return store.PutOp(store.Item{PK: "p", SK: sk, Version: 1, Data: []byte(sk)}, store.IfNotExists())
}

func TestKindsOnTheTable(t *testing.T) {
	t.Parallel()
	inner, _ := backend(t)
	ctx := t.Context()
	for _, tt := range []struct {
		kind    faults.Kind
		want    error
		applied bool
	}{
		{faults.Throttle, store.ErrUnavailable, false},
		{faults.Timeout, context.DeadlineExceeded, false},
		{faults.Fail, faults.ErrInjected, false},
		{faults.LostAnswer, store.ErrUnavailable, true},
	} {
		t.Run(tt.kind.String(), func(t *testing.T) {
			p := faults.NewPlan()
			tab := p.Table(inner)
			sk := "k-" + tt.kind.String()
			p.Inject(faults.On(faults.Transact), faults.Fault{Kind: tt.kind})
			if err := tab.Transact(ctx, put(sk)); !errors.Is(err, tt.want) {
				t.Fatalf("Transact: %v, want %v", err, tt.want)
			}
			_, err := inner.Get(ctx, "p", sk)
			if applied := err == nil; applied != tt.applied {
				t.Errorf("applied %v, want %v (%v)", applied, tt.applied, err)
			}
			// A read is faulted the same way, and the rule is spent afterwards.
			p.Inject(faults.Key("p", sk), faults.Fault{Kind: tt.kind})
			if _, err := tab.Get(ctx, "p", sk); !errors.Is(err, tt.want) {
				t.Errorf("Get: %v, want %v", err, tt.want)
			}
			if _, err := tab.Get(ctx, "p", sk); tt.applied && err != nil {
				t.Errorf("second Get: %v", err)
			}
			if u := p.Unfired(); len(u) != 0 {
				t.Errorf("rules %v never fired:\n%s", u, p.Log())
			}
		})
	}
}

func TestKindsOnBlobs(t *testing.T) {
	t.Parallel()
	_, inner := backend(t)
	ctx := t.Context()
	for _, tt := range []struct {
		kind    faults.Kind
		want    error
		applied bool
	}{
		{faults.Throttle, blob.ErrUnavailable, false},
		{faults.Timeout, context.DeadlineExceeded, false},
		{faults.Fail, faults.ErrInjected, false},
		{faults.LostAnswer, blob.ErrUnavailable, true},
	} {
		t.Run(tt.kind.String(), func(t *testing.T) {
			p := faults.NewPlan()
			bs := p.Blobs(inner)
			key := "documents/" + tt.kind.String()
			p.Inject(faults.BlobKey(faults.BlobPut, "documents/"), faults.Fault{Kind: tt.kind})
			if err := blob.PutBytes(ctx, bs, key, []byte("x"), "text/plain"); !errors.Is(err, tt.want) {
				t.Fatalf("Put: %v, want %v", err, tt.want)
			}
			_, err := inner.Stat(ctx, key)
			if applied := err == nil; applied != tt.applied {
				t.Errorf("applied %v, want %v (%v)", applied, tt.applied, err)
			}
			p.Inject(faults.BlobKey("", "documents/"), faults.Fault{Kind: tt.kind})
			if _, err := blob.ReadAll(ctx, bs, key, 10); !errors.Is(err, tt.want) {
				t.Errorf("Get: %v, want %v", err, tt.want)
			}
			for _, c := range p.Calls() {
				if c.Fault != tt.kind || c.Reached != tt.applied {
					t.Errorf("logged %v reached %v", c, c.Reached)
				}
			}
		})
	}
}

// TestChoosingCalls: ordinals per operation, Skip and Times, predicates,
// rule order, and a log that says what happened.
func TestChoosingCalls(t *testing.T) {
	t.Parallel()
	inner, _ := backend(t)
	ctx := t.Context()
	p := faults.NewPlan(
		faults.Rule{When: faults.Nth(faults.Transact, 2), Fault: faults.Fault{Kind: faults.Throttle}},
		faults.Rule{When: faults.Item(faults.Transact, "p", "x"), Fault: faults.Fault{Kind: faults.Fail}, Skip: 1, Times: 2},
	)
	tab := p.Table(inner)
	var got []string
	for _, sk := range []string{"a", "b", "x1", "x2", "x3", "x4", "x5"} {
		err := tab.Transact(ctx, put(sk))
		got = append(got, fmt.Sprintf("%s:%v", sk, kindOf(err)))
	}
	want := "[a:ok b:unavailable x1:ok x2:failed x3:failed x4:ok x5:ok]"
	if fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s\n%s", got, want, p.Log())
	}
	calls := p.Calls()
	if len(calls) != 7 || calls[1].N != 2 || calls[1].Rule != 0 || calls[3].Rule != 1 || calls[2].Rule != -1 || !calls[6].Done {
		t.Errorf("log:\n%s", p.Log())
	}
	if len(p.Faulted()) != 3 || len(p.Unfired()) != 0 {
		t.Errorf("faulted %v unfired %v", p.Faulted(), p.Unfired())
	}
	p.Reset()
	if len(p.Calls()) != 0 {
		t.Error("Reset kept the log")
	}
	p.Inject(faults.Nth(faults.Get, 1), faults.Fault{Kind: faults.Fail, Err: errors.New("boom")})
	if _, err := tab.Get(ctx, "p", "a"); err == nil || err.Error() != "faults: Get: boom" {
		t.Errorf("custom error: %v", err)
	}
}

func kindOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, store.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, faults.ErrInjected):
		return "failed"
	}
	return err.Error()
}

// TestTimeoutWaits: a delayed timeout waits, and a context that ends first
// ends the wait with its own error.
func TestTimeoutWaits(t *testing.T) {
	t.Parallel()
	inner, _ := backend(t)
	p := faults.NewPlan(faults.Rule{When: faults.On(faults.Get), Fault: faults.Fault{Kind: faults.Timeout, Delay: 30 * time.Millisecond}, Times: -1})
	tab := p.Table(inner)
	start := time.Now()
	if _, err := tab.Get(t.Context(), "p", "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("answered after %v, want the delay", d)
	}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(5*time.Millisecond, cancel)
	if _, err := tab.Get(ctx, "p", "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during the delay: %v", err)
	}
}

// TestBeforeRunsFirst: a hook slips a write in before the call it picks.
func TestBeforeRunsFirst(t *testing.T) {
	t.Parallel()
	inner, _ := backend(t)
	p := faults.NewPlan()
	tab := p.Table(inner)
	p.Inject(faults.On(faults.Transact), faults.Fault{Before: func(ctx context.Context) {
		if err := tab.Transact(ctx, put("a")); err != nil { // goes through the plan too: the rule is spent
			t.Error(err)
		}
	}})
	err := tab.Transact(t.Context(), put("a"))
	if i, ok := store.FailedOp(err); !ok || i != 0 {
		t.Errorf("got %v, want the condition to fail", err)
	}
	if n := len(p.Calls()); n != 2 {
		t.Errorf("%d calls logged:\n%s", n, p.Log())
	}
}

// TestConcurrent: Times is exact however many callers race.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	inner, _ := backend(t)
	p := faults.NewPlan(faults.Rule{When: faults.On(faults.Get), Fault: faults.Fault{Kind: faults.Throttle}, Skip: 10, Times: 25})
	tab := p.Table(inner)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		throttled int
	)
	for range 100 {
		wg.Go(func() {
			_, err := tab.Get(t.Context(), "p", "a")
			if errors.Is(err, store.ErrUnavailable) {
				mu.Lock()
				throttled++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if throttled != 25 {
		t.Errorf("%d throttled, want 25", throttled)
	}
	for i, c := range p.Calls() {
		if c.Seq != i+1 || c.N != i+1 || (c.Fault == faults.Throttle) != (i >= 10 && i < 35) {
			t.Errorf("call %d: %v", i, c)
		}
	}
}

// A table whose every page is cut short still keeps every promise of the
// port (the conformance suite passes over it), so a caller that fails over
// it took a short page for the end.
func TestShortPagesKeepThePortsPromises(t *testing.T) {
	inner, _ := backend(t)
	p := faults.NewPlan(faults.Rule{When: faults.On(faults.Query), Fault: faults.Fault{Kind: faults.ShortPage}, Times: -1})
	tab := p.Table(inner)
	storetest.Run(t, func(*testing.T) store.Table { return tab })
	short := 0
	for _, c := range p.Calls() {
		if c.Op == faults.Query && c.Fault == faults.ShortPage {
			short++
		}
	}
	if short == 0 {
		t.Error("no query was cut short")
	}
}
