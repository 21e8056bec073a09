package hooks

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// The local run's half of the pipeline, in-process: a follower of each
// region's feed calls Dispatch for every event after its stored cursor,
// then moves the cursor, so that events committed while no follower ran
// (a crash between a commit and its dispatch) are dispatched when one
// runs again; a worker receives the queue's messages and calls Deliver.

// Wake tells the local follower that an event was committed, so that it
// need not wait for its timer.
type Wake struct{ c chan struct{} }

// NewWake is a wake with nobody told yet.
func NewWake() *Wake { return &Wake{c: make(chan struct{}, 1)} }

// Table is t, telling w of each transaction that commits an event.
func (w *Wake) Table(t store.Table) store.Table { return wakingTable{t, w} }

func (w *Wake) ring() {
	select {
	case w.c <- struct{}{}:
	default:
	}
}

type wakingTable struct {
	store.Table
	w *Wake
}

func (t wakingTable) Transact(ctx context.Context, ops ...store.Op) error {
	err := t.Table.Transact(ctx, ops...)
	if err == nil {
		for _, op := range ops {
			if op.Kind == store.Put && strings.HasPrefix(op.Item.PK, service.EventPK("")) {
				t.w.ring()
				break
			}
		}
	}
	return err
}

// followPage is how many events the follower reads at a time.
const followPage = 100

// FollowOnce dispatches every event of region after the follower's cursor,
// moving the cursor after each page; it stops at the first failure (the
// cursor then names the last page dispatched whole).
func (h *Hooks) FollowOnce(ctx context.Context, region string) error {
	cur, err := h.Table.Get(ctx, followerPK(region), followerSK)
	if err != nil && !service.IsNotFound(err) {
		return service.StoreErr(err, "read follower cursor")
	}
	at := cur.Version // 0 when there is none
	for {
		q := store.Query{PK: service.EventPK(region), Limit: followPage}
		if at > 0 {
			q.After = service.EventSK(at)
		}
		page, err := h.Table.Query(ctx, q)
		if err != nil {
			return service.StoreErr(err, "read events")
		}
		moved, batch := at, h.Batch() // the page's events are committed: its webhooks read once
		for _, it := range page.Items {
			ev, err := service.Decode[service.Event](it)
			if err != nil {
				return service.StoreErr(err, "decode event")
			}
			if err := batch.Dispatch(ctx, region, ev); err != nil {
				return errors.Join(err, h.moveCursor(ctx, region, at, moved))
			}
			moved = ev.Seq
		}
		if err := h.moveCursor(ctx, region, at, moved); err != nil {
			return err
		}
		at = moved
		if page.Next == "" {
			return nil
		}
	}
}

// moveCursor moves region's follower cursor from at to to.
func (h *Hooks) moveCursor(ctx context.Context, region string, at, to int64) error {
	if to == at {
		return nil
	}
	cond := store.IfNotExists()
	if at > 0 {
		cond = store.IfVersion(at)
	}
	err := h.Table.Transact(ctx, store.PutOp(store.Item{PK: followerPK(region), SK: followerSK, Version: to, Data: service.Encode(map[string]int64{"seq": to})}, cond))
	return service.StoreErr(err, "move follower cursor")
}

// Follow runs the local follower over every region until stop is called:
// at once, when an event is committed (Deps.Wake) and every interval.
func (h *Hooks) Follow(ctx context.Context, every time.Duration) (stop func()) {
	var wake <-chan struct{}
	if h.d.Wake != nil {
		wake = h.d.Wake.c
	}
	return h.loop(ctx, func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			for _, region := range h.Regions.IDs() {
				if err := h.FollowOnce(ctx, region); err != nil && ctx.Err() == nil {
					h.Log.WarnContext(ctx, "webhook dispatch stopped short; it resumes from the same event", "region", region, "error", err)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-wake:
			case <-t.C:
			}
		}
	})
}

// Work runs the local worker until stop is called: it receives the queue's
// messages, delivers each (several at once) and acknowledges or puts it back.
func (h *Hooks) Work(ctx context.Context) (stop func()) {
	return h.loop(ctx, func(ctx context.Context) {
		for ctx.Err() == nil {
			msgs, err := h.d.Queue.Receive(ctx, 10, time.Second)
			if err != nil {
				if ctx.Err() == nil {
					h.Log.WarnContext(ctx, "webhook queue receive failed", "error", err)
					sleep(ctx, time.Second)
				}
				continue
			}
			var wg sync.WaitGroup
			for _, m := range msgs {
				wg.Go(func() { h.Handle(ctx, m) })
			}
			wg.Wait()
		}
	})
}

// Handle delivers one received message and acknowledges it or puts it
// back, as Deliver says: the consumer of the queue (the local worker, and
// any other that has no delivery semantics of its own).
func (h *Hooks) Handle(ctx context.Context, m queue.Message) {
	retryIn, err := h.Deliver(ctx, m)
	if ctx.Err() != nil {
		return // stopping: the message comes back after its visibility timeout
	}
	switch {
	case errors.Is(err, queue.ErrMalformed):
		h.Log.WarnContext(ctx, "webhook delivery message unreadable: dropped", "message", m.ID, "error", err)
	case err != nil:
		h.Log.WarnContext(ctx, "webhook delivery undecided; it is tried again", "message", m.ID, "error", err)
		if retryIn <= 0 {
			retryIn = errRetry
		}
	}
	if retryIn > 0 {
		err = h.d.Queue.Retry(ctx, m.Handle, min(retryIn, queue.MaxDelay))
	} else {
		err = h.d.Queue.Ack(ctx, m.Handle)
	}
	if err != nil && ctx.Err() == nil {
		h.Log.WarnContext(ctx, "webhook queue ack or retry failed; the message comes back", "message", m.ID, "error", err)
	}
}

// loop runs fn until stop is called, which waits for it to return.
func (h *Hooks) loop(ctx context.Context, fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
