package boltqueue_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/queue/boltqueue"
	"github.com/regional-data-exchange/rdx/shared/queue/queuetest"
)

const visibility = time.Second

func open(t *testing.T, path string) *boltqueue.Queue {
	t.Helper()
	q, err := boltqueue.Open(path, visibility)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func TestConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, queuetest.Adapter{
		New: func(t *testing.T) queue.Queue {
			return open(t, filepath.Join(t.TempDir(), "queue.db"))
		},
		Visibility: visibility,
	})
}

// TestReopen: what was sent, received and not acknowledged, or put back,
// outlives the process that had the file open.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "queue.db")
	q, err := boltqueue.Open(path, visibility)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"received", "put back", "waiting", "done"} {
		if err := q.Send(ctx, queue.Message{ID: id, Body: []byte("body of " + id)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := q.Receive(ctx, 4, 0)
	if err != nil || len(msgs) != 4 {
		t.Fatalf("received %d messages, %v", len(msgs), err)
	}
	handles := map[string]string{}
	for _, m := range msgs {
		handles[m.ID] = m.Handle
	}
	if err := q.Ack(ctx, handles["done"]); err != nil {
		t.Fatal(err)
	}
	if err := q.Retry(ctx, handles["put back"], 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := q.Retry(ctx, handles["waiting"], 0); err != nil {
		t.Fatal(err)
	}
	closed := time.Now()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = open(t, path)
	got := map[string]queue.Message{}
	for time.Since(closed) < 6*time.Second && len(got) < 3 {
		msgs, err := q.Receive(ctx, 4, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if _, ok := got[m.ID]; ok {
				t.Errorf("%q received twice", m.ID)
			}
			got[m.ID] = m
			after := time.Since(closed)
			switch m.ID {
			case "received":
				if after < visibility-100*time.Millisecond {
					t.Errorf("the message received before the restart came back %v after, before its visibility timeout", after)
				}
			case "put back":
				if after < 2*time.Second-100*time.Millisecond {
					t.Errorf("the message put back for 2s came back %v after the restart", after)
				}
			case "done":
				t.Error("the acknowledged message came back")
			}
			if m.Received != 2 || string(m.Body) != "body of "+m.ID {
				t.Errorf("%q: Received %d, body %q after the restart", m.ID, m.Received, m.Body)
			}
			if m.ID == "received" {
				// The handle of the receipt before the restart is
				// spent: it acknowledges nothing.
				if err := q.Ack(ctx, handles["received"]); err != nil {
					t.Fatal(err)
				}
			}
			if err := q.Ack(ctx, m.Handle); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(got) != 3 {
		t.Errorf("after the restart received %d of the 3 messages not acknowledged", len(got))
	}
	if msgs, err := q.Receive(ctx, 4, 2*visibility); err != nil || len(msgs) != 0 {
		t.Errorf("after acknowledging every message, received %d: %v", len(msgs), err)
	}
}

// TestStaleHandle: a receiver whose visibility timeout ran out no longer
// holds the message; its Ack and Retry do not touch the new receipt.
func TestStaleHandle(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	q := open(t, filepath.Join(t.TempDir(), "queue.db"))
	if err := q.Send(ctx, queue.Message{ID: "m", Body: []byte("x")}, 0); err != nil {
		t.Fatal(err)
	}
	first, _ := q.Receive(ctx, 1, 0)
	second, err := q.Receive(ctx, 1, 3*visibility)
	if err != nil || len(first) != 1 || len(second) != 1 {
		t.Fatalf("received %d then %d messages: %v", len(first), len(second), err)
	}
	if err := q.Retry(ctx, first[0].Handle, 0); err != nil {
		t.Fatal(err)
	}
	if err := q.Ack(ctx, first[0].Handle); err != nil {
		t.Fatal(err)
	}
	// Still hidden for the second receiver, and still there.
	if msgs, _ := q.Receive(ctx, 1, visibility/2); len(msgs) != 0 {
		t.Fatal("a stale handle's Retry made the message due")
	}
	third, err := q.Receive(ctx, 1, 3*visibility)
	if err != nil || len(third) != 1 || third[0].Received != 3 {
		t.Fatalf("after the stale Ack, received %v, %v; want the message a third time", third, err)
	}
	for _, h := range []string{"", "x", "zz.token", "0000000000000001"} {
		if err := q.Ack(ctx, h); err == nil {
			t.Errorf("Ack(%q): no error", h)
		}
	}
}
