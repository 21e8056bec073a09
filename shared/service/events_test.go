package service_test

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
)

func newEventService(t *testing.T) *service.Service {
	t.Helper()
	table, err := boltstore.Open(filepath.Join(t.TempDir(), "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { table.Close() })
	return service.New(service.Deps{Table: table})
}

func onceOp(key string) store.Op {
	return store.PutOp(store.Item{PK: "ONCE", SK: key, Version: 1}, store.IfNotExists())
}

// AppendEvent numbers events one after another, in the region's feed and
// the partner's; with an idempotency item put in the same transaction, a
// second append of the same item adds nothing, and says so; 20 appends at
// once leave 20 numbers, none twice.
func TestAppendEvent(t *testing.T) {
	s := newEventService(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	ev := service.Event{Type: "obligation.due", At: at, ID: service.NewID(at), Actor: service.Actor{Sub: "system"}, Partner: "p1",
		Subject: service.Subject{Kind: "obligation", Key: map[string]string{"fundId": "f"}}}
	got, err := s.AppendEvent(ctx, "r", ev, onceOp("a"))
	if err != nil || got.Seq != 1 {
		t.Fatalf("first append: seq %d, %v", got.Seq, err)
	}
	if _, err := s.AppendEvent(ctx, "r", ev, onceOp("a")); !errors.Is(err, service.ErrAppendRefused) {
		t.Fatalf("a second append with the same idempotency item: %v, want a condition failure", err)
	}
	if n, _ := s.ReadSequence(ctx, "r"); n != 1 {
		t.Fatalf("the refused append moved the sequence to %d", n)
	}
	for _, pk := range []string{service.EventPK("r"), service.PartnerEventPK("r", "p1")} {
		it, err := s.Table.Get(ctx, pk, service.EventSK(1))
		if err != nil {
			t.Fatalf("%s: %v", pk, err)
		}
		back, err := service.Decode[service.Event](it)
		if err != nil || back.Seq != 1 || back.Type != ev.Type || back.Partner != "p1" {
			t.Errorf("%s holds %+v, %v", pk, back, err)
		}
	}
	var wg sync.WaitGroup
	seen := sync.Map{}
	for i := range 20 {
		wg.Go(func() {
			e := ev
			e.ID = service.NewID(at)
			got, err := s.AppendEvent(ctx, "r", e, onceOp(string(rune('b'+i))))
			if err != nil {
				t.Error(err)
				return
			}
			if _, dup := seen.LoadOrStore(got.Seq, true); dup {
				t.Errorf("number %d given twice", got.Seq)
			}
		})
	}
	wg.Wait()
	if n, _ := s.ReadSequence(ctx, "r"); n != 21 {
		t.Errorf("after 21 appends the sequence is %d", n)
	}
	// Without an idempotency item every append is its own event.
	if got, err := s.AppendEvent(ctx, "r", ev); err != nil || got.Seq != 22 {
		t.Errorf("a plain append: seq %d, %v", got.Seq, err)
	}
}
