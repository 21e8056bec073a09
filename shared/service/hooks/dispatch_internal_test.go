package hooks

import (
	"context"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
)

// countingTable counts the queries of the webhooks' partitions.
type countingTable struct {
	store.Table
	webhookQueries atomic.Int64
}

func (t *countingTable) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if q.PK == webhookPK("west-wales") || q.PK == webhookPK("north") {
		t.webhookQueries.Add(1)
	}
	return t.Table.Query(ctx, q)
}

// sentQueue keeps the ids sent.
type sentQueue struct {
	queue.Queue
	ids []string
}

func (q *sentQueue) Send(_ context.Context, m queue.Message, _ time.Duration) error {
	q.ids = append(q.ids, m.ID)
	return nil
}

// A batch reads each region's webhooks once, however many of its events
// it dispatches, and sends each webhook the events it subscribes to.
func TestBatchReadsWebhooksOnce(t *testing.T) {
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bolt.Close() })
	table := &countingTable{Table: bolt}
	q := &sentQueue{}
	h := New(Deps{Core: service.New(service.Deps{Table: table}), Queue: q})
	for _, w := range []Webhook{
		{ID: "W1", Region: "west-wales", Events: []string{service.EventVersionCreated}},
		{ID: "W2", Region: "west-wales", Partner: "ceredigion", Events: []string{service.EventVersionCreated}},
		{ID: "W3", Region: "north", Events: []string{service.EventPeriodLocked}},
	} {
		if err := bolt.Transact(t.Context(), store.PutOp(store.Item{PK: webhookPK(w.Region), SK: w.ID, Version: 1, Data: service.Encode(w)}, store.IfNotExists())); err != nil {
			t.Fatal(err)
		}
	}
	b := h.Batch()
	for _, c := range []struct {
		region string
		ev     service.Event
	}{
		{"west-wales", service.Event{Seq: 1, Type: service.EventVersionCreated, Partner: "ceredigion"}},
		{"north", service.Event{Seq: 1, Type: service.EventPeriodLocked}},
		{"west-wales", service.Event{Seq: 2, Type: service.EventVersionCreated, Partner: "powys"}},
		{"west-wales", service.Event{Seq: 3, Type: service.EventPeriodLocked}},
	} {
		if err := b.Dispatch(t.Context(), c.region, c.ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := table.webhookQueries.Load(); n != 2 {
		t.Errorf("the webhooks were read %d times, want once a region", n)
	}
	if want := []string{MessageID("W1", 1), MessageID("W2", 1), MessageID("W3", 1), MessageID("W1", 2)}; !slices.Equal(q.ids, want) {
		t.Errorf("sent %v, want %v", q.ids, want)
	}
}
